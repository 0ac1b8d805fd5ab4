"""Configuration classes, read from the environment so one image serves every deployment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from flask import current_app, has_app_context

from .auth import totp_keys
from .server.security import secret_key_problem

ROOT = Path(__file__).resolve().parent.parent
# What deploy/helpline.env.example holds where the operator must put their own value.
PLACEHOLDER = "CHANGE_ME"
# Production has no fallback for these: the embedded Redis, a SQLite file in instance/ and
# a generated key are for `make run` only.
REQUIRED_IN_PRODUCTION = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL")
TEMPLATE = "deploy/helpline.env.example"


class Refusal(RuntimeError):
    """The platform will not start (or set up) like this: the message is the one line an
    entry point shows, naming the setting and what to do (runner.checked)."""


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


def _env_roles(name: str, default: str) -> tuple[str, ...]:
    """A comma-separated list of roles."""
    raw = os.environ.get(name, default)
    return tuple(r.strip() for r in raw.split(",") if r.strip())


class Config:
    """Defaults shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    # Empty means: use the embedded Redis / SQLite started by app.py.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    # The embedded Redis refuses writes beyond this (`noeviction`); sizing: docs/operations.md.
    EMBEDDED_REDIS_MAXMEMORY = os.environ.get("EMBEDDED_REDIS_MAXMEMORY", "256mb")
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
    # A breather after filing a summary before the next assignment (0: off).
    COOLDOWN_SECONDS = _env_int("COOLDOWN_SECONDS", 0)
    # Each server process refreshes its heartbeat this often and sweeps up after processes
    # whose heartbeat (this TTL) expired: a crash is cleaned up within TTL + one beat.
    HEARTBEAT_SECONDS = _env_int("HEARTBEAT_SECONDS", 5)
    PROCESS_TTL_SECONDS = _env_int("PROCESS_TTL_SECONDS", 15)
    # A timer no worker took this long after its time is run by a server process itself;
    # one taken is due again this long after if its runner died or its job was lost.
    TIMER_TAKEOVER_SECONDS = _env_int("TIMER_TAKEOVER_SECONDS", 10)
    TIMER_LEASE_SECONDS = _env_int("TIMER_LEASE_SECONDS", 60)
    # Prometheus metrics of a server process on its own port (0: off); one port per process.
    METRICS_PORT = _env_int("METRICS_PORT", 9464)
    METRICS_HOST = os.environ.get("METRICS_HOST", "127.0.0.1")
    # SIGTERM: clients are told to reconnect elsewhere; the process is gone within this.
    GRACEFUL_STOP_SECONDS = _env_int("GRACEFUL_STOP_SECONDS", 10)
    # Engine.IO pings: a silent client is dropped within interval + 2 x timeout (15 s).
    PING_INTERVAL_SECONDS = _env_int("PING_INTERVAL_SECONDS", 5)
    PING_TIMEOUT_SECONDS = _env_int("PING_TIMEOUT_SECONDS", 5)
    # A live chat's keys expire after this even if every job were lost.
    CHAT_TTL_SECONDS = _env_int("CHAT_TTL_SECONDS", 12 * 3600)
    DEFAULT_CHAT_MINUTES = _env_int("DEFAULT_CHAT_MINUTES", 30)
    MESSAGES_PER_10_SECONDS = _env_int("MESSAGES_PER_10_SECONDS", 20)
    # Redis bytes one side of a chat may fill (text + name + 64 per message; `chat_full`
    # beyond), and all messages while it waits for a therapist (`waiting_limit`).
    CHAT_BYTES_PER_SIDE = _env_int("CHAT_BYTES_PER_SIDE", 128 * 1024)
    CHAT_BYTES_WHILE_WAITING = _env_int("CHAT_BYTES_WHILE_WAITING", 8 * 1024)
    NEUTRAL_EXIT_URL = os.environ.get("NEUTRAL_EXIT_URL", "https://www.wikipedia.org/")

    # Opening hours (helpline/availability): first-run defaults, and the gate on new chats.
    # The one folder the platform writes files to: the first-run password (production), and
    # in development the generated SECRET_KEY and the SQLite file. Production: a folder of
    # the service user's own (docs/install.md: /var/lib/helpline), the release is read-only.
    INSTANCE_PATH = os.environ.get("INSTANCE_PATH") or str(ROOT / "instance")
    HOURS_PATH = os.environ.get("HOURS_PATH", str(ROOT / "config" / "hours.toml"))
    # New chatters are turned away this many minutes before the chat closes.
    CHAT_STOP_NEW_MINUTES_BEFORE_CLOSE = _env_int("CHAT_STOP_NEW_MINUTES_BEFORE_CLOSE", 15)
    # At most this many chatters wait in the line; 0 means no limit.
    MAX_LINE_LENGTH = _env_int("MAX_LINE_LENGTH", 15)
    # Consoles and the overview are sent this many places of the line, plus the total.
    LINE_VIEW_LIMIT = _env_int("LINE_VIEW_LIMIT", 50)
    # A waiting chatter whose socket vanished keeps the place this long unless it resumes
    # (an active chat keeps RESUME_GRACE_SECONDS): a bot cannot hold the line by closing.
    WAITING_GRACE_SECONDS = _env_int("WAITING_GRACE_SECONDS", 25)

    # Abuse defences (chat/proofofwork.py, realtime/ratelimit.py): keyed on a socket or the
    # process, never on an address. POW_MAX_NUMBER: the proof of work's search space
    # (a phone needs about maxnumber/2 SHA-256 hashes on average, see docs/benchmarks.md).
    # The price of a place rises with the places already taken: POW_MAX_NUMBER while
    # fewer than POW_FREE_PLACES wait, then POW_PLACE_RISE_PERCENT more for each further
    # one, up to POW_MAX_NUMBER_RAISED (what a phone solves in at most about 5 s).
    POW_MAX_NUMBER = _env_int("POW_MAX_NUMBER", 100_000)
    POW_MAX_NUMBER_RAISED = _env_int("POW_MAX_NUMBER_RAISED", 500_000)
    POW_FREE_PLACES = _env_int("POW_FREE_PLACES", 3)
    POW_PLACE_RISE_PERCENT = _env_int("POW_PLACE_RISE_PERCENT", 50)
    POW_TTL_SECONDS = _env_int("POW_TTL_SECONDS", 600)
    # This many solved starts per 10 s (all processes together) raise the difficulty.
    POW_FLOOD_STARTS = _env_int("POW_FLOOD_STARTS", 20)
    # GET /challenge answers at most this many a second per process (then 429); 0: no cap.
    CHALLENGES_PER_SECOND = _env_int("CHALLENGES_PER_SECOND", 50)
    # A waiting place is rented (chat/places.py): the page proves again every
    # PLACE_RENEW_SECONDS; a place not proved again for PLACE_LEASE_SECONDS is given back.
    PLACE_RENEW_SECONDS = _env_int("PLACE_RENEW_SECONDS", 60)
    PLACE_LEASE_SECONDS = _env_int("PLACE_LEASE_SECONDS", 180)
    # Token bucket per socket on every event: burst, then tokens per second.
    SOCKET_EVENT_BURST = _env_int("SOCKET_EVENT_BURST", 30)
    SOCKET_EVENTS_PER_SECOND = _env_int("SOCKET_EVENTS_PER_SECOND", 5)
    # This many refused events, each within 10 s of the previous one, disconnect the socket.
    SOCKET_REFUSALS_BEFORE_DISCONNECT = _env_int("SOCKET_REFUSALS_BEFORE_DISCONNECT", 20)
    # Packets of one connection the server refuses (malformed, for a namespace it is not
    # in, ...: compat/socketio_packets.py) before the whole connection is closed.
    SOCKET_BAD_PACKETS_BEFORE_CLOSE = _env_int("SOCKET_BAD_PACKETS_BEFORE_CLOSE", 10)
    # `resume` calls one socket may make (a real tab resumes once per connection).
    RESUMES_PER_SOCKET = _env_int("RESUMES_PER_SOCKET", 3)
    # Per server process: open Engine.IO sockets, new handshakes per second (0: no cap).
    MAX_SOCKETS_PER_PROCESS = _env_int("MAX_SOCKETS_PER_PROCESS", 2000)
    HANDSHAKES_PER_SECOND = _env_int("HANDSHAKES_PER_SECOND", 50)
    # A process whose event loop lagged this long (ms) in the last 2 s refuses newcomers
    # (realtime/overload.py; `start` may try again after OVERLOAD_RETRY_SECONDS). 0: never.
    OVERLOAD_LAG_MS = _env_int("OVERLOAD_LAG_MS", 250)
    OVERLOAD_RETRY_SECONDS = _env_int("OVERLOAD_RETRY_SECONDS", 5)
    # A connection must send its request line and headers within this (slowloris).
    HEADER_TIMEOUT_SECONDS = _env_int("HEADER_TIMEOUT_SECONDS", 10)
    # Log lines of one kind (logger, level, template) within this many seconds are written
    # once each (at most 10 different ones) and the rest counted in one line at its end
    # (0: every line is written).
    LOG_REPEAT_SECONDS = _env_int("LOG_REPEAT_SECONDS", 10)

    # Skip the opening-hours and on-duty checks (the line-length limit still applies).
    CHAT_ALWAYS_OPEN = _env_bool("CHAT_ALWAYS_OPEN", False)

    # Retention in days (helpline/records/retention.py; docs/operations.md): rows older
    # than this are folded into monthly counts and deleted by the daily job.
    REGISTRATION_RETENTION_DAYS = _env_int("REGISTRATION_RETENTION_DAYS", 730)
    MISSED_RETENTION_DAYS = _env_int("MISSED_RETENTION_DAYS", 365)
    AUDIT_RETENTION_DAYS = _env_int("AUDIT_RETENTION_DAYS", 730)

    # Anonymous messages (helpline/messages; docs/operations.md, "Anonymous messages").
    # The folder of the epoch keys the messages' data keys are wrapped with: outside the
    # database and apart from its backups. Empty: INSTANCE_PATH/message-keys (development
    # only; production requires it).
    MESSAGE_KEYS_DIR = os.environ.get("MESSAGE_KEYS_DIR", "")
    # A conversation is deleted this many days after its last message.
    MESSAGE_RETENTION_DAYS = _env_int("MESSAGE_RETENTION_DAYS", 30)
    # The answer is promised this many working days (days the helpline opens) after writing.
    MESSAGE_ANSWER_WORKING_DAYS = _env_int("MESSAGE_ANSWER_WORKING_DAYS", 3)
    # Characters a message may hold; messages each side may write in one conversation.
    MESSAGE_MAX_CHARS = _env_int("MESSAGE_MAX_CHARS", 5000)
    MESSAGE_MAX_PER_CONVERSATION = _env_int("MESSAGE_MAX_PER_CONVERSATION", 20)
    # Open conversations the helpline takes at once; beyond, writers are pointed elsewhere.
    MESSAGE_MAX_OPEN = _env_int("MESSAGE_MAX_OPEN", 500)

    # Staff sessions: the console cookie; chatters get no cookie at all.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_DURATION = 0
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    # A staff session ends after this long without activity (a page or a console event)...
    SESSION_IDLE_SECONDS = _env_int("SESSION_IDLE_SECONDS", 30 * 60)
    # ...and this long after sign-in whatever happens; the console warns this long before.
    SESSION_LIFETIME_SECONDS = _env_int("SESSION_LIFETIME_SECONDS", 12 * 3600)
    SESSION_WARN_SECONDS = _env_int("SESSION_WARN_SECONDS", 2 * 60)
    # Flask-Login's "session protection" stores a hash of the address and user agent in the
    # cookie: we keep no address-derived value anywhere (the session record does the job).
    SESSION_PROTECTION = None
    WTF_CSRF_TIME_LIMIT = None
    # The strict Referer check cannot work with `Referrer-Policy: no-referrer`: POSTs are
    # checked against the Origin header instead (security.check_origin).
    WTF_CSRF_SSL_STRICT = False

    # Behind a TLS proxy: how many proxies set X-Forwarded-Proto/-Host (0: none trusted).
    # X-Forwarded-For is never read: the platform never wants a client's address.
    PROXY_HOPS = _env_int("PROXY_HOPS", 0)
    # Origins (scheme://host[:port]) allowed to open sockets and POST forms, separated by
    # spaces or commas; empty: the request's own scheme and Host only.
    ALLOWED_ORIGINS = os.environ.get("ALLOWED_ORIGINS", "")
    # Strict-Transport-Security max-age in seconds (0: no header); on in production.
    HSTS_SECONDS = _env_int("HSTS_SECONDS", 0)
    MAX_CONTENT_LENGTH = 64 * 1024
    # The language of a chatter or staff member whose browser names none of nl, fr, en.
    HELPLINE_DEFAULT_LANGUAGE = os.environ.get("HELPLINE_DEFAULT_LANGUAGE", "nl")
    BABEL_DEFAULT_LOCALE = HELPLINE_DEFAULT_LANGUAGE
    # Compiled catalogues (translations/<lang>/LC_MESSAGES/messages.mo, built by the Makefile).
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
    # The helpline's own time zone: opening hours are wall-clock times in it.
    HELPLINE_TIMEZONE = os.environ.get("HELPLINE_TIMEZONE", "Europe/Brussels")
    BABEL_DEFAULT_TIMEZONE = HELPLINE_TIMEZONE
    HELPLINE_NAME = os.environ.get("HELPLINE_NAME", "Stop it Now!")
    HELPLINE_PHONE = os.environ.get("HELPLINE_PHONE", "0800 200 50")
    HELPLINE_EMAIL = os.environ.get("HELPLINE_EMAIL", "info@example.org")
    SELF_HELP_URL = os.environ.get("SELF_HELP_URL", "https://example.org/self-help")
    # A server process loads the identity scrubber (about a second, 255 MB) before its
    # first socket and refuses to start without it. 0: at the first note instead (the
    # test suite's short-lived servers, most of which file none).
    SCRUBBER_PRELOAD = _env_bool("SCRUBBER_PRELOAD", True)

    # ---- Staff sign-in (helpline/admin; docs/operations.md, "Staff sign-in") ----
    # Password policy after NIST SP 800-63B: length and a blocklist, no composition rules.
    PASSWORD_MIN_LENGTH = _env_int("PASSWORD_MIN_LENGTH", 12)
    PASSWORD_MIN_LENGTH_SUPERVISOR = _env_int("PASSWORD_MIN_LENGTH_SUPERVISOR", 15)
    PASSWORD_MAX_LENGTH = 128
    # zxcvbn's score (0-4) a new password needs: 3 is an estimated 10^8 guesses or more,
    # out of reach online and slow offline against argon2 (docs/operations.md).
    PASSWORD_MIN_SCORE = _env_int("PASSWORD_MIN_SCORE", 3)
    COMMON_PASSWORDS_PATH = os.environ.get(
        "COMMON_PASSWORDS_PATH", str(ROOT / "config" / "common-passwords.txt"))
    # A one-time password (new account, reset, first run) stops working after this (ASVS 6.4.1).
    ONE_TIME_PASSWORD_HOURS = _env_int("ONE_TIME_PASSWORD_HOURS", 72)
    # Two-factor sign-in: roles that must enrol (comma-separated); others may.
    TOTP_REQUIRED_ROLES = _env_roles("TOTP_REQUIRED_ROLES", "supervisor")
    TOTP_ISSUER = os.environ.get("TOTP_ISSUER", "Helpline")
    # Fernet keys the two-factor secrets are encrypted with, comma-separated, newest first
    # (auth/totp_keys.py; rotation in docs/operations.md). Unset: derived from SECRET_KEY,
    # for development only; production requires its own.
    TOTP_ENCRYPTION_KEYS = os.environ.get("TOTP_ENCRYPTION_KEYS", "")
    # Throttling (auth/throttle.py, auth/devices.py; bounds in docs/operations.md): counts per
    # username (a hash of it, known or not), per remembered browser, per two-factor step.
    LOGIN_FREE_FAILURES = _env_int("LOGIN_FREE_FAILURES", 3)
    LOGIN_DELAY_SECONDS = _env_int("LOGIN_DELAY_SECONDS", 1)
    LOGIN_DELAY_MAX_SECONDS = _env_int("LOGIN_DELAY_MAX_SECONDS", 5)
    # NIST SP 800-63B: at most 100 consecutive failures, then a lock (a supervisor unlocks).
    LOGIN_LOCK_AFTER = _env_int("LOGIN_LOCK_AFTER", 100)
    LOGIN_LOCK_SECONDS = _env_int("LOGIN_LOCK_SECONDS", 30 * 24 * 3600)
    LOGIN_FAILURE_MEMORY_SECONDS = _env_int("LOGIN_FAILURE_MEMORY_SECONDS", 24 * 3600)
    # Beyond this many failed sign-ins a minute from browsers that never signed in to the
    # account, further such attempts wait for the next minute (remembered browsers do not).
    LOGIN_GLOBAL_FAILURES_PER_MINUTE = _env_int("LOGIN_GLOBAL_FAILURES_PER_MINUTE", 300)
    # ...unless the form carries a proof of work of this size (the page solves it while the
    # person types; docs/operations.md). 0: past the ceiling nothing is checked.
    SIGNIN_POW_MAX_NUMBER = _env_int("SIGNIN_POW_MAX_NUMBER", 3_000_000)
    # A browser that signed in is remembered this long; this many failures forget it.
    LOGIN_DEVICE_DAYS = _env_int("LOGIN_DEVICE_DAYS", 90)
    LOGIN_DEVICE_FAILURES = _env_int("LOGIN_DEVICE_FAILURES", 10)
    # argon2's cost for new hashes (None: argon2-cffi's default, RFC 9106's low-memory
    # profile). Not read from the environment: only the test suite makes it cheap.
    PASSWORD_HASH_COST: dict | None = None
    # Argon2 runs in a thread pool of this size under gevent (0: on the event loop)...
    PASSWORD_HASH_THREADS = _env_int("PASSWORD_HASH_THREADS", 2)
    # ...and at most this many checks wait for it per process (twice as many for remembered
    # browsers); more get "busy, try again" (429) at once.
    PASSWORD_HASH_QUEUE = _env_int("PASSWORD_HASH_QUEUE", 8)
    # Where the running platform writes its embedded Redis URL for the CLI (owner-only).
    LIVE_REDIS_FILE = os.environ.get("LIVE_REDIS_FILE",
                                     str(ROOT / "instance" / "live-redis-url"))

    # ---- The real-time layer ----
    # The waiting line's places go out at most once per this many seconds per process.
    LINE_BROADCAST_DELAY = 0.25
    # Supervisors' live overview: at most one push per this many seconds per process
    # (None: twice LINE_BROADCAST_DELAY).
    OVERVIEW_BROADCAST_DELAY: float | None = None
    # The worker only emits through the message queue; it never listens.
    SOCKETIO_WRITE_ONLY = False
    # The app's clock (realtime.live.now): None is the wall clock. Not read from the
    # environment: tests pass a function in (tests/clock.py) and move it instead of sleeping.
    CLOCK = None


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
    # A tiny proof of work: tests solve it for real (tests/conftest.py solve_start).
    POW_MAX_NUMBER = 20
    POW_MAX_NUMBER_RAISED = 200
    SIGNIN_POW_MAX_NUMBER = 50
    CHALLENGES_PER_SECOND = 0  # tests fetch hundreds at once; one test sets the ceiling
    # Cheap argon2 (about 0.1 ms, not 100-200 ms): the suite hashes and checks passwords
    # thousands of times; tests/admin/test_login.py checks the default cost outside tests.
    PASSWORD_HASH_COST = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
    # Tests that send no Accept-Language read English; tests/i18n checks the "nl" default.
    HELPLINE_DEFAULT_LANGUAGE = "en"
    BABEL_DEFAULT_LOCALE = "en"


class ProductionConfig(Config):
    """Production refuses to start without a strong secret and an external Redis."""

    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"
    HSTS_SECONDS = _env_int("HSTS_SECONDS", 365 * 24 * 3600)

    @classmethod
    def check(cls, config: dict) -> None:
        """Refuse a weak SECRET_KEY, the embedded Redis (it is for `make run` only),
        two-factor secrets encrypted with a key derived from SECRET_KEY and message keys
        in a default folder."""
        problem = secret_key_problem(config.get("SECRET_KEY", ""))
        if problem:
            raise Refusal(f"SECRET_KEY {problem}")
        if not config.get("REDIS_URL"):
            raise Refusal("REDIS_URL must point to the production Redis "
                          "(the embedded Redis is for development only)")
        if not config.get("SCRUBBER_PRELOAD"):
            raise Refusal("SCRUBBER_PRELOAD=0 is for the test suite only: in production "
                          "a server that cannot scrub notes must not start")
        problem = totp_keys.production_problem(config.get("TOTP_ENCRYPTION_KEYS", ""),
                                               config["SECRET_KEY"])
        if problem:
            raise Refusal(f"TOTP_ENCRYPTION_KEYS {problem}")
        if not config.get("MESSAGE_KEYS_DIR"):
            raise Refusal("MESSAGE_KEYS_DIR must be set in production: a folder of the "
                          "service user's own, apart from the database backups")


CONFIGS = {"development": DevelopmentConfig, "testing": TestingConfig,
           "production": ProductionConfig}


def config_class(name: str) -> type[Config]:
    """The Config class HELPLINE_ENV names; a typo is refused rather than run as development."""
    if name not in CONFIGS:
        raise Refusal(f"HELPLINE_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    return CONFIGS[name]


def check_environment(environ: Mapping[str, str]) -> type[Config]:
    """What an entry point checks in its environment before building anything: a known
    HELPLINE_ENV, no value left at CHANGE_ME (a whole value or part of one, like the
    password in DATABASE_URL: the first one in the environment's order is named), and in
    production every setting that has no safe default. ProductionConfig.check then
    judges the values themselves."""
    config = config_class(environ.get("HELPLINE_ENV", "development"))
    for name, value in environ.items():
        if PLACEHOLDER in value:
            raise Refusal(f"{name} is still {PLACEHOLDER}: put this install's own value in "
                          f"the environment file (see {TEMPLATE})")
    if config is ProductionConfig:
        for name in REQUIRED_IN_PRODUCTION:
            if not environ.get(name):
                raise Refusal(f"{name} is not set: production needs it (see {TEMPLATE})")
    return config


def in_production() -> bool:
    """This process runs with HELPLINE_ENV=production (start-up checks, first-run password)."""
    return os.environ.get("HELPLINE_ENV", "development") == "production"


def setting(name: str):
    """One setting where there may be no app (a CLI step, a pool thread): the app's value
    if there is an app (create_app's overrides, as in tests, win), else Config's."""
    if has_app_context() and name in current_app.config:
        return current_app.config[name]
    return getattr(Config, name)
