"""The helpline chat platform: create_app wires config, extensions, pages and sockets."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

import click
from flask import Flask, abort, request
from flask_babel import lazy_gettext as _l
from flask_login import user_logged_in, user_logged_out
from werkzeug.routing import IntegerConverter

from . import i18n
from .compat import engineio_frames
from .compat.socketio_packets import StrictPacket, guard_messages
from .compat.socketio_rooms import IndexedManager, IndexedRedisManager
from .extensions import babel, csrf, db, login_manager, migrate, socketio
from .realtime.context import HelplineFlask
from .realtime.handshake import HandshakeCheck
from .realtime.protocol import SQL_INT_MAX
from .realtime.ratelimit import AdmissionMiddleware
from .server import redis_client, security
from .server.logs import AnonymousFormatter, count_repeats, quiet_library_logger
from .server.redis_server import running_or_embedded
from .settings import ROOT, Config, Refusal, config_class

# The release, in this one place (pyproject.toml reads it; CHANGELOG.md says what changed):
# `python app.py --version`, `flask --app app version`.
__version__ = "1.0.0"

MAX_SOCKET_PACKET = 64 * 1024


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    """Build an app: `config_name` picks a Config class (HELPLINE_ENV by default)."""
    app = HelplineFlask(__name__, template_folder=str(ROOT / "templates"),
                        static_folder=str(ROOT / "static"), instance_path=Config.INSTANCE_PATH)
    try:
        config = config_class(config_name or os.environ.get("HELPLINE_ENV", "development"))
    except Refusal as exc:
        raise SystemExit(f"helpline: {exc}") from None
    app.config.from_object(config)
    app.config.update(overrides or {})
    if app.config["OVERVIEW_BROADCAST_DELAY"] is None:
        app.config["OVERVIEW_BROADCAST_DELAY"] = 2 * app.config["LINE_BROADCAST_DELAY"]
    if hasattr(config, "check"):
        config.check(app.config)
    _ensure_secret(app)
    configure_logging()
    _init_redis(app)
    _init_extensions(app)
    _register_pages(app)
    _register_sockets()
    security.wrap_wsgi(app)
    return app


def _ensure_secret(app: Flask) -> None:
    """Outside production a missing SECRET_KEY is generated once and kept in instance/."""
    if app.config["SECRET_KEY"]:
        return
    path = Path(app.instance_path) / "secret_key"
    security.private_dir(path.parent)
    app.config["SECRET_KEY"] = security.read_or_create_secret(
        path, lambda: secrets.token_urlsafe(48))


def configure_logging() -> None:
    """App logs say what happened, never who: no address, agent or message text is logged.

    Runs again at every create_app, to no further effect (runner.py runs it first)."""
    logging.basicConfig(level=logging.INFO)
    formatter = AnonymousFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        if type(handler) is logging.StreamHandler:  # ours, not a test runner's capture
            handler.setFormatter(formatter)
            count_repeats(handler, Config.LOG_REPEAT_SECONDS)  # one cause, few lines
    # werkzeug's request log carries client addresses; it stays silent.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    for name in ("engineio.server", "socketio.server", "engineio.client", "socketio.client"):
        quiet_library_logger(name)


def _init_redis(app: Flask) -> None:
    """Live state client (strings) and the RQ client (bytes), on REDIS_URL or an embedded
    server (REDIS_URL may name sentinels: helpline/server/redis_client.py)."""
    url = app.config["REDIS_URL"]
    if not url:
        # A CLI command or another server joins the running platform's embedded Redis.
        url, started = running_or_embedded(app.config["EMBEDDED_REDIS_MAXMEMORY"])
        app.extensions["helpline_embedded_redis_started"] = started
        app.config["REDIS_URL"] = url
        os.environ["REDIS_URL"] = url  # child processes share this server
    app.extensions["helpline_redis"] = redis_client.client(url, decode_responses=True)
    app.extensions["helpline_rq_redis"] = redis_client.client(url)


def _init_extensions(app: Flask) -> None:
    # Here, not at the top: every helpline module runs this package's __init__ first, so
    # the parts (models, pages, sockets) load when an app is built, not with any module.
    from . import availability  # noqa: F401  (registers its SQL models before migrate)
    from .admin import accounts
    from .audit import AuditEvent  # noqa: F401  (registers the audit trail's model)
    from .auth import sessions as staff_sessions
    from .canned import models as canned_models  # noqa: F401  (the ready texts)
    from .messages import models as message_models  # noqa: F401  (anonymous messages)
    from .records import followup  # noqa: F401  (follow-up codes, hashed)
    from .records.taxonomy import load_taxonomy
    from .reports import feedback  # noqa: F401  (the chatters' answers, as counts)
    from .reports import models as report_models  # noqa: F401  (aggregate tables)

    security.prepare_sqlite(app.config["SQLALCHEMY_DATABASE_URI"], Path(app.instance_path))
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    app.session_interface = staff_sessions.CookieSessionOncePerConnection()
    login_manager.init_app(app)
    login_manager.login_view = "admin.login"
    # Shown on the sign-in page itself (which consumes it), never left for the next page.
    login_manager.login_message = _l("Sign in to open that page.")
    login_manager.user_loader(lambda user_id: staff_sessions.load_user(
        lambda: accounts.load_session_user(db.session, user_id), user_id))
    user_logged_in.connect(staff_sessions.on_login)
    user_logged_out.connect(staff_sessions.on_logout)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    app.add_template_filter(i18n.number, "number")
    app.context_processor(lambda: {"current_language": i18n.current_language,
                                   "js_locale": i18n.js_locale,
                                   "LANGUAGES": i18n.LANGUAGES,
                                   "NATIVE_NAMES": i18n.NATIVE_NAMES})
    app.extensions["helpline_taxonomy"] = load_taxonomy(app.config["TAXONOMY_PATH"])
    manager = IndexedManager()  # a socket's rooms indexed: compat/socketio_rooms.py
    if app.config["SOCKETIO_MESSAGE_QUEUE"]:
        url = app.config["REDIS_URL"]
        manager = IndexedRedisManager(
            url, channel=redis_client.channel_for(url),
            write_only=app.config["SOCKETIO_WRITE_ONLY"],
            redis_options=redis_client.manager_options(url))
    socketio.init_app(
        app, async_mode=app.config["SOCKETIO_ASYNC_MODE"], client_manager=manager,
        max_http_buffer_size=MAX_SOCKET_PACKET,
        # Loggers (not False, which adds a handler printing packets): errors only, fixed text.
        logger=logging.getLogger("socketio.server"),
        engineio_logger=logging.getLogger("engineio.server"),
        # One client's events run in the order sent (messages keep their order); other
        # clients are unaffected, each socket has its own reader.
        async_handlers=False,
        ping_interval=app.config["PING_INTERVAL_SECONDS"],
        ping_timeout=app.config["PING_TIMEOUT_SECONDS"],
        # WebSocket only: no long-polling sessions to keep sticky, one transport to secure.
        transports=["websocket"],
        cors_allowed_origins=security.socket_origin_check(
            security.configured_origins(app.config["ALLOWED_ORIGINS"])),
        serializer=StrictPacket,  # malformed and reserved events answered: socketio_packets
    )
    guard_messages(socketio.server, app.config["SOCKET_BAD_PACKETS_BEFORE_CLOSE"])
    engineio_frames.install()  # a frame that is not Engine.IO closes the socket
    app.wsgi_app = AdmissionMiddleware(app.wsgi_app, app, socketio)  # socket caps per process
    app.wsgi_app = HandshakeCheck(app.wsgi_app)  # a malformed handshake: 400, before the caps


def _register_pages(app: Flask) -> None:
    # Here, not at the top: every helpline module runs this package's __init__ first, so
    # the parts (models, pages, sockets) load when an app is built, not with any module.
    from .admin.cli import register_cli
    from .admin.views import bp as accounts_bp
    from .auth import self_views, views  # noqa: F401  (their routes, on the admin blueprint)
    from .auth.access import bp as admin_bp
    from .auth.totp_keys import register_cli as register_totp_cli
    from .availability.views import bp as availability_bp
    from .canned.cli import register_cli as register_canned_cli
    from .canned.views import bp as canned_bp
    from .chat.views import bp as chat_bp
    from .console import views as console_views  # noqa: F401  (the console, on it too)
    from .errors import register_error_pages
    from .messages.staff_views import bp as message_inbox_bp
    from .records.cli import register_cli as register_records_cli
    from .records.views import bp as registrations_bp
    from .reports.views import bp as reports_bp
    from .server.health import bp as health_bp
    from .server.setup import register_cli as register_setup_cli
    from .supervision.views import bp as overview_bp
    from .writer.views import bp as writer_bp

    app.url_map.converters["int"] = SqlIdConverter  # before any route is added
    app.register_blueprint(chat_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(overview_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(availability_bp)
    app.register_blueprint(registrations_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(canned_bp)
    app.register_blueprint(message_inbox_bp)
    app.register_blueprint(writer_bp)
    register_error_pages(app)
    register_cli(app)
    register_records_cli(app)
    register_canned_cli(app)
    register_setup_cli(app)
    register_totp_cli(app)
    app.cli.add_command(version_command)

    origins = security.configured_origins(app.config["ALLOWED_ORIGINS"])

    @app.before_request
    def refuse_foreign_posts():
        """A form POST from another site is refused before its CSRF token is even read
        (the security headers themselves are added around the app: security.py)."""
        if request.method not in ("GET", "HEAD", "OPTIONS") and security.foreign_post(
                request.environ, origins):
            abort(403)


@click.command("version")
def version_command() -> None:
    """Print the release this tree is (CHANGELOG.md says what it changed)."""
    click.echo(__version__)


class SqlIdConverter(IntegerConverter):
    """`<int:...>` in a URL: an id beyond a SQL integer is a 404, never an overflow (500)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", SQL_INT_MAX)
        super().__init__(url_map, *args, **kwargs)


def _register_sockets() -> None:
    # Here, not at the top: every helpline module runs this package's __init__ first, so
    # the parts (models, pages, sockets) load when an app is built, not with any module.
    from .chat import events as chat_events
    from .console import events as staff_events
    from .queue import broadcast
    from .realtime.sockets import socket_error
    from .supervision import overview

    chat_events.register()
    staff_events.register()
    # The overview shows the line: the line's broadcasts tell it, without importing it.
    broadcast.line_changed_signal.connect(overview.on_line_changed)
    socketio.on_error_default(socket_error)
