"""What a load balancer asks a server process: is it alive (/livez), can it serve (/readyz).

Ready means Redis and SQL answer and, in a server process, its heartbeat is fresh (a
process whose heartbeat lapsed is closing its connections and taking a new id). The
answers hold no identity and no count: only which part is down.
"""

from __future__ import annotations

from flask import Blueprint, current_app
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import csrf, db
from ..queue import keys
from . import heartbeat

bp = Blueprint("health", __name__)
csrf.exempt(bp)


@bp.route("/livez")
def livez():
    """The process answers (restart it if not)."""
    return {"ok": True}


@bp.route("/readyz")
@bp.route("/healthz")  # the name load balancers were given first
def readyz():
    """This process can serve: route clients elsewhere while any part answers 503."""
    if current_app.extensions.get("helpline_draining"):  # SIGTERM: send no one here
        return {"ok": False, "stopping": True}, 503
    down = {**_redis(), **_sql()}
    if not down:
        down.update(_heartbeat())
    if down:
        return {"ok": False, **down}, 503
    return {"ok": True}


def _redis() -> dict:
    try:
        current_app.extensions["helpline_redis"].ping()
    except RedisError as exc:
        current_app.logger.warning("health check: Redis unavailable (%s)", type(exc).__name__)
        return {"redis": "down"}
    return {}


def _sql() -> dict:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        current_app.logger.warning("health check: SQL unavailable (%s)", type(exc).__name__)
        return {"sql": "down"}
    finally:
        db.session.remove()
    return {}


def _heartbeat() -> dict:
    """Only where a heartbeat runs (a server process, not the test client or the CLI)."""
    if not current_app.extensions.get("helpline_heartbeat"):
        return {}
    r = current_app.extensions["helpline_redis"]
    return {} if r.exists(keys.process(heartbeat.process_id())) else {"heartbeat": "stale"}
