"""Configuration classes, read from the environment so one image serves every deployment."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env_int(name: str, default: int) -> int:
    """Read an integer setting, failing loudly on a typo rather than running misconfigured."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be an integer, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    """Read an on/off setting (1/0, true/false, yes/no), failing loudly on anything else."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise RuntimeError(f"{name} must be 1 or 0, got {raw!r}")


class Config:
    """Defaults shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    # Empty means: use the embedded Redis / SQLite started by app.py.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'helpline.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    TAXONOMY_PATH = os.environ.get("TAXONOMY_PATH", str(ROOT / "config" / "taxonomy.toml"))
    # Socket.IO goes through Redis pub/sub so several server processes serve one helpline.
    SOCKETIO_MESSAGE_QUEUE = True
    SOCKETIO_ASYNC_MODE = "gevent"

    # Chat rules (seconds unless named otherwise).
    MAX_MESSAGE_CHARS = 2000
    MAX_CAPACITY = 5
    RESUME_GRACE_SECONDS = _env_int("RESUME_GRACE_SECONDS", 120)
    # A therapist whose every console closed is taken off duty after this long.
    STAFF_GRACE_SECONDS = _env_int("STAFF_GRACE_SECONDS", 60)
    SUMMARY_DEADLINE_SECONDS = _env_int("SUMMARY_DEADLINE_SECONDS", 2 * 3600)
    # A live chat's keys expire after this even if every job were lost.
    CHAT_TTL_SECONDS = _env_int("CHAT_TTL_SECONDS", 12 * 3600)
    DEFAULT_CHAT_MINUTES = _env_int("DEFAULT_CHAT_MINUTES", 30)
    MESSAGES_PER_10_SECONDS = _env_int("MESSAGES_PER_10_SECONDS", 20)
    NEUTRAL_EXIT_URL = os.environ.get("NEUTRAL_EXIT_URL", "https://www.wikipedia.org/")

    # Opening hours (helpline/availability): first-run defaults, and the gate on new chats.
    HOURS_PATH = os.environ.get("HOURS_PATH", str(ROOT / "config" / "hours.toml"))
    # New chatters are turned away this many minutes before the chat closes.
    CHAT_STOP_NEW_MINUTES_BEFORE_CLOSE = _env_int("CHAT_STOP_NEW_MINUTES_BEFORE_CLOSE", 15)
    # At most this many chatters wait in the line; 0 means no limit.
    MAX_LINE_LENGTH = _env_int("MAX_LINE_LENGTH", 15)
    # Skip the opening-hours and on-duty checks (the line-length limit still applies).
    CHAT_ALWAYS_OPEN = _env_bool("CHAT_ALWAYS_OPEN", False)

    # Retention in days (helpline/records/retention.py; docs/operations.md): rows older
    # than this are folded into monthly counts and deleted by the daily job.
    REGISTRATION_RETENTION_DAYS = _env_int("REGISTRATION_RETENTION_DAYS", 730)
    MISSED_RETENTION_DAYS = _env_int("MISSED_RETENTION_DAYS", 365)
    AUDIT_RETENTION_DAYS = _env_int("AUDIT_RETENTION_DAYS", 730)

    # Staff sessions: the console cookie; chatters get no cookie at all.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_DURATION = 0
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 64 * 1024
    BABEL_DEFAULT_LOCALE = "en"
    # The helpline's own time zone: opening hours are wall-clock times in it.
    HELPLINE_TIMEZONE = os.environ.get("HELPLINE_TIMEZONE", "Europe/Brussels")
    BABEL_DEFAULT_TIMEZONE = HELPLINE_TIMEZONE
    HELPLINE_NAME = os.environ.get("HELPLINE_NAME", "Stop it Now!")
    HELPLINE_PHONE = os.environ.get("HELPLINE_PHONE", "0800 200 50")
    HELPLINE_EMAIL = os.environ.get("HELPLINE_EMAIL", "info@example.org")
    SELF_HELP_URL = os.environ.get("SELF_HELP_URL", "https://example.org/self-help")


class DevelopmentConfig(Config):
    """`make run`: a generated secret is fine, the embedded Redis and SQLite are used."""

    DEBUG = False


class TestingConfig(Config):
    """Tests: in-process Socket.IO manager unless a test asks for the message queue."""

    TESTING = True
    SECRET_KEY = "test-secret"
    WTF_CSRF_ENABLED = False
    SOCKETIO_MESSAGE_QUEUE = False
    SOCKETIO_ASYNC_MODE = "threading"
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite://")
    # Most tests start chats at any hour with nobody on duty; the gate's tests turn this off.
    CHAT_ALWAYS_OPEN = True


class ProductionConfig(Config):
    """Production refuses to start without a real secret and an external Redis."""

    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"

    @classmethod
    def check(cls) -> None:
        if len(cls.SECRET_KEY) < 32:
            raise RuntimeError("SECRET_KEY must be set to at least 32 random characters")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
