"""The helpline chat platform: create_app wires config, extensions, pages and sockets."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

import redis
import socketio as python_socketio
from flask import Flask, request
from werkzeug.routing import IntegerConverter

from .extensions import babel, csrf, db, login_manager, migrate, socketio
from .packets import StrictPacket, guard_messages
from .protocol import SQL_INT_MAX
from .settings import CONFIGS, ROOT

MAX_SOCKET_PACKET = 64 * 1024
REDIS_POOL_SIZE = 200


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    """Build an app: `config_name` picks a Config class (HELPLINE_ENV by default)."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"), instance_path=str(ROOT / "instance"))
    config = CONFIGS[config_name or os.environ.get("HELPLINE_ENV", "development")]
    app.config.from_object(config)
    app.config.setdefault("LINE_BROADCAST_DELAY", 0.25)
    app.config.setdefault("SOCKETIO_WRITE_ONLY", False)
    app.config.update(overrides or {})
    # Supervisors' live overview: at most one push per this many seconds per process.
    app.config.setdefault("OVERVIEW_BROADCAST_DELAY", 2 * app.config["LINE_BROADCAST_DELAY"])
    if hasattr(config, "check"):
        config.check()
    _ensure_secret(app)
    _configure_logging(app)
    _init_redis(app)
    _init_extensions(app)
    _register_pages(app)
    _register_sockets()
    return app


def _ensure_secret(app: Flask) -> None:
    """Outside production a missing SECRET_KEY is generated once and kept in instance/."""
    if app.config["SECRET_KEY"]:
        return
    path = Path(app.instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    app.config["SECRET_KEY"] = path.read_text().strip()


def _configure_logging(app: Flask) -> None:
    """App logs say what happened, never who: no address, agent or message text is logged."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # werkzeug's request log carries client addresses; it stays silent.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


def _init_redis(app: Flask) -> None:
    """Live state client (strings) and the RQ client (bytes), on REDIS_URL or an embedded server."""
    url = app.config["REDIS_URL"]
    if not url:
        from .redis_server import start_embedded_redis

        _, url = start_embedded_redis()
        app.config["REDIS_URL"] = url
        os.environ["REDIS_URL"] = url  # child processes share this server
    app.extensions["helpline_redis"] = _redis_client(url, decode_responses=True)
    app.extensions["helpline_rq_redis"] = _redis_client(url)


def _redis_client(url: str, **options) -> redis.Redis:
    """A client whose pool makes a burst of handlers wait for a connection, not fail."""
    pool = redis.BlockingConnectionPool.from_url(
        url, max_connections=REDIS_POOL_SIZE, timeout=10, **options)
    return redis.Redis(connection_pool=pool)


def _init_extensions(app: Flask) -> None:
    from . import availability  # noqa: F401  (registers its SQL models before migrate)
    from .admin import accounts
    from .audit import AuditEvent  # noqa: F401  (registers the audit trail's model)
    from .records.taxonomy import load_taxonomy

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.config["SQLALCHEMY_DATABASE_URI"][10:]).parent.mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "admin.login"
    login_manager.user_loader(lambda user_id: accounts.load_session_user(db.session, user_id))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=lambda: request.accept_languages.best_match(
        ["en", "nl", "fr"]) if request else None)
    app.extensions["helpline_taxonomy"] = load_taxonomy(app.config["TAXONOMY_PATH"])
    manager = None
    if app.config["SOCKETIO_MESSAGE_QUEUE"]:
        # A full pool makes python-socketio drop and rebuild its Redis client, which cuts
        # the pub/sub listener of the whole process for a moment: allow plenty.
        manager = python_socketio.RedisManager(
            app.config["REDIS_URL"], write_only=app.config["SOCKETIO_WRITE_ONLY"],
            redis_options={"max_connections": 4 * REDIS_POOL_SIZE})
    socketio.init_app(
        app, async_mode=app.config["SOCKETIO_ASYNC_MODE"], client_manager=manager,
        max_http_buffer_size=MAX_SOCKET_PACKET, logger=False, engineio_logger=False,
        # One client's events run in the order sent (messages keep their order); other
        # clients are unaffected, each socket has its own reader.
        async_handlers=False,
        ping_interval=20, ping_timeout=20,
        serializer=StrictPacket,  # malformed and reserved events answered, see packets.py
    )
    guard_messages(socketio.server)


def _register_pages(app: Flask) -> None:
    from .admin.account_views import bp as accounts_bp
    from .admin.cli import register_cli
    from .admin.overview_views import bp as overview_bp
    from .admin.views import bp as admin_bp
    from .availability.views import bp as availability_bp
    from .chat.views import bp as chat_bp
    from .errors import register_error_pages

    app.url_map.converters["int"] = SqlIdConverter  # before any route is added
    app.register_blueprint(chat_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(overview_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(availability_bp)
    register_error_pages(app)
    register_cli(app)

    @app.after_request
    def security_headers(response):
        """Our own hosts only, no referrer leaks, and nothing of a chat left in any cache."""
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
            "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        if not request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response


class SqlIdConverter(IntegerConverter):
    """`<int:...>` in a URL: an id beyond a SQL integer is a 404, never an overflow (500)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", SQL_INT_MAX)
        super().__init__(url_map, *args, **kwargs)


def _register_sockets() -> None:
    from .admin import events as staff_events
    from .chat import events as chat_events
    from .sockets import socket_error

    chat_events.register()
    staff_events.register()
    socketio.on_error_default(socket_error)
