"""The chatter's page. It sets no cookie: the resume token lives in the tab only."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

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
    """Liveness for a load balancer: the process answers and Redis answers."""
    current_app.extensions["helpline_redis"].ping()
    return {"ok": True}
