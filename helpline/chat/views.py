"""The chatter's page. It sets no cookie: the resume token lives in the tab only."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from redis.exceptions import RedisError

from .. import proofofwork

bp = Blueprint("chat", __name__)


@bp.route("/")
def chat_page():
    cfg = current_app.config
    return render_template(
        "chat/chat.html",
        taxonomy=current_app.extensions["helpline_taxonomy"].as_dict(),
        max_chars=cfg["MAX_MESSAGE_CHARS"],
        exit_url=cfg["NEUTRAL_EXIT_URL"],
        grace_seconds=cfg["RESUME_GRACE_SECONDS"],
        pow_fresh_seconds=max(cfg["POW_TTL_SECONDS"] - 60, 30),
    )


@bp.route("/challenge")
def challenge():
    """A fresh proof-of-work challenge for the next `start` (helpline/proofofwork.py). No cookie."""
    response = jsonify(proofofwork.issue(current_app.extensions["helpline_redis"]))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/healthz")
def health():
    """Liveness for a load balancer: the process answers and Redis answers (else 503)."""
    try:
        current_app.extensions["helpline_redis"].ping()
    except RedisError as exc:
        current_app.logger.warning("health check: Redis unavailable (%s)", type(exc).__name__)
        return {"ok": False, "redis": "down"}, 503
    return {"ok": True}
