"""The chatter's page. It sets no cookie: the resume token lives in the tab only."""

from __future__ import annotations

import math
from datetime import datetime

from flask import Blueprint, current_app, jsonify, render_template
from flask_babel import format_datetime
from flask_babel import gettext as _
from redis.exceptions import RedisError

from ..availability import gate
from ..extensions import csrf, db
from ..queue import assignment
from ..realtime import live
from ..realtime.ratelimit import ProcessCeiling
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
        pow_fresh_seconds=proofofwork.fresh_seconds(),
        place_renew_seconds=cfg["PLACE_RENEW_SECONDS"],
        opening=_opening(),
    )


def _opening() -> dict:
    """What the intro says before Start: open now (and whether a therapist is on duty, so
    nobody is told "open" to wait for no one), or closed and the next opening worded as
    people say it ("Thursday at 19:00", "donderdag om 19 uur", "jeudi à 19 h") and how far
    off it is (the page asks again then)."""
    state = gate.intro_opening(db.session, live.now())
    nxt: datetime | None = state["next"]
    if state["open"]:
        return {"open": True, "next": None, "opens_in": None, "staffed": _staffed(),
                "always_open": current_app.config["CHAT_ALWAYS_OPEN"]}
    if nxt is None:
        return {"open": False, "next": None, "opens_in": None}
    ahead = nxt - datetime.fromtimestamp(live.now(), nxt.tzinfo)
    day = format_datetime(nxt, "EEEE" if ahead.days < 7 else "EEEE d MMMM", rebase=False)
    # Seconds from now by the server's clock: a browser's wrong clock cannot move it.
    return {"open": False, "next": _("%(day)s at %(time)s", day=day, time=_clock(nxt)),
            "opens_in": max(0, math.ceil(ahead.total_seconds()))}


def _clock(moment: datetime) -> str:
    """A time of day the way the language writes it: "19 uur", "19 h 30", "19:30"."""
    if moment.minute:
        return _("%(hour)s:%(minute)s", hour=moment.hour, minute=f"{moment.minute:02d}")
    return _("%(hour)s:00", hour=moment.hour)


def _staffed() -> bool | None:
    """Whether a therapist is on duty now; None (say nothing) when Redis cannot tell."""
    try:
        return bool(assignment.on_duty(live.redis()))
    except RedisError:
        current_app.logger.warning("chat page: duty unknown (RedisError)")
        return None


@bp.route("/no-script", methods=["POST"])
@csrf.exempt
def no_script():
    """The intake form posted without JavaScript: say so. The body is never read or kept,
    and a POST keeps the answers out of the URL (and so out of access logs and history)."""
    return render_template("chat/no_script.html")


_challenges = ProcessCeiling()


@bp.route("/challenge")
def challenge():
    """A fresh proof-of-work challenge for the next `start` (proofofwork.py). No cookie."""
    return challenge_answer(_challenges)


def challenge_answer(ceiling: ProcessCeiling, size: int | None = None):
    """A fresh challenge as JSON (at a fixed `size`, else the next place's price), or 429
    past `ceiling` (CHALLENGES_PER_SECOND); never cached. The staff sign-in's too."""
    if not ceiling.take(current_app.config["CHALLENGES_PER_SECOND"]):
        response = jsonify({"ok": False, "code": "rate_limited",
                            "message": _("Too many requests at once; try again in a second.")})
        response.status_code = 429
        response.headers["Retry-After"] = "1"
    else:
        response = jsonify(proofofwork.issue(current_app.extensions["helpline_redis"], size))
    response.headers["Cache-Control"] = "no-store"
    return response
