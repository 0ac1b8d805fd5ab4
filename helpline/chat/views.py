"""The chatter's page. It sets no cookie: the resume token lives in the tab only."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from redis.exceptions import RedisError

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
    )


@bp.route("/healthz")
def health():
    """Liveness for a load balancer: the process answers and Redis answers (else 503)."""
    try:
        current_app.extensions["helpline_redis"].ping()
    except RedisError as exc:
        current_app.logger.warning("health check: Redis unavailable (%s)", type(exc).__name__)
        return {"ok": False, "redis": "down"}, 503
    return {"ok": True}
