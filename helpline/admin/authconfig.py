"""Sign-in settings (password policy, two-factor, throttling, the hashing pool).

Each is read from the environment, with a default here; `app.config` (create_app's
overrides, as in tests) wins. Kept beside the code that uses them so that one module
says what each knob does; docs/operations.md lists them.
"""

from __future__ import annotations

import os

from flask import current_app, has_app_context

from ..settings import ROOT


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    try:
        return int(raw) if raw else default
    except ValueError as exc:
        raise RuntimeError(f"{name} must be an integer, got {raw!r}") from exc


def _roles(name: str, default: str) -> tuple[str, ...]:
    raw = os.environ.get(name, default)
    return tuple(r.strip() for r in raw.split(",") if r.strip())


DEFAULTS = {
    # Password policy after NIST SP 800-63B: length and a blocklist, no composition rules.
    "PASSWORD_MIN_LENGTH": _int("PASSWORD_MIN_LENGTH", 12),
    "PASSWORD_MIN_LENGTH_SUPERVISOR": _int("PASSWORD_MIN_LENGTH_SUPERVISOR", 15),
    "PASSWORD_MAX_LENGTH": 128,
    "COMMON_PASSWORDS_PATH": os.environ.get(
        "COMMON_PASSWORDS_PATH", str(ROOT / "config" / "common-passwords.txt")),
    # Two-factor sign-in: roles that must enrol (comma-separated); others may.
    "TOTP_REQUIRED_ROLES": _roles("TOTP_REQUIRED_ROLES", "supervisor"),
    "TOTP_ISSUER": os.environ.get("TOTP_ISSUER", "Helpline"),
    # Throttling per account (keyed by a hash of the username, known or not).
    "LOGIN_FREE_FAILURES": _int("LOGIN_FREE_FAILURES", 3),
    "LOGIN_DELAY_SECONDS": _int("LOGIN_DELAY_SECONDS", 2),
    "LOGIN_LOCK_AFTER": _int("LOGIN_LOCK_AFTER", 10),
    "LOGIN_LOCK_SECONDS": _int("LOGIN_LOCK_SECONDS", 15 * 60),
    "LOGIN_FAILURE_MEMORY_SECONDS": _int("LOGIN_FAILURE_MEMORY_SECONDS", 24 * 3600),
    # Beyond this many failed sign-ins a minute (all accounts), every sign-in waits.
    "LOGIN_GLOBAL_FAILURES_PER_MINUTE": _int("LOGIN_GLOBAL_FAILURES_PER_MINUTE", 300),
    # Argon2 runs in a thread pool of this size under gevent (0: on the event loop).
    "PASSWORD_HASH_THREADS": _int("PASSWORD_HASH_THREADS", 2),
    # Where the running platform writes its embedded Redis URL for the CLI (owner-only).
    "LIVE_REDIS_FILE": os.environ.get(
        "LIVE_REDIS_FILE", str(ROOT / "instance" / "live-redis-url")),
}


def setting(name: str):
    """The app's value if it has one, else the default above."""
    if has_app_context() and name in current_app.config:
        return current_app.config[name]
    return DEFAULTS[name]
