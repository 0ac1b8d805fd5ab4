"""The chatter's page. It sets no cookie: the resume token lives in the tab only."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, jsonify, render_template
from flask_babel import format_datetime

from ..availability import gate
from ..extensions import csrf, db
from ..realtime import live
from ..records.taxonomy import current as current_taxonomy
from . import proofofwork

bp = Blueprint("chat", __name__)


@bp.route("/")
def chat_page():
    cfg = current_app.config
    return render_template(
        "chat/chat.html",
        taxonomy=current_taxonomy().as_dict(),
        max_chars=cfg["MAX_MESSAGE_CHARS"],
        exit_url=cfg["NEUTRAL_EXIT_URL"],
        grace_seconds=cfg["RESUME_GRACE_SECONDS"],
        pow_fresh_seconds=max(cfg["POW_TTL_SECONDS"] - 60, 30),
        place_renew_seconds=cfg["PLACE_RENEW_SECONDS"],
        opening=_opening(),
    )


def _opening() -> dict:
    """Open now, or closed and the next opening worded for the intro ("Thursday 19:00")."""
    state = gate.intro_opening(db.session, live.now())
    nxt: datetime | None = state["next"]
    if nxt is None:
        return {"open": state["open"], "next": None}
    near = (nxt - datetime.fromtimestamp(live.now(), nxt.tzinfo)).days < 7  # a weekday says it
    pattern = "EEEE HH:mm" if near else "EEEE d MMMM HH:mm"
    return {"open": False, "next": format_datetime(nxt, pattern, rebase=False)}


@bp.route("/no-script", methods=["POST"])
@csrf.exempt
def no_script():
    """The intake form posted without JavaScript: say so. The body is never read or kept,
    and a POST keeps the answers out of the URL (and so out of access logs and history)."""
    return render_template("chat/no_script.html")


@bp.route("/challenge")
def challenge():
    """A fresh proof-of-work challenge for the next `start` (proofofwork.py). No cookie."""
    response = jsonify(proofofwork.issue(current_app.extensions["helpline_redis"]))
    response.headers["Cache-Control"] = "no-store"
    return response
