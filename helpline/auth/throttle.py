"""Sign-in throttling that never looks at an address.

Failures are counted per username, keyed by an HMAC of the lower-cased name (so a name
that has no account is throttled exactly like one that has, and Redis holds no
usernames). After LOGIN_FREE_FAILURES failures each further one makes the account wait
a growing delay (LOGIN_DELAY_SECONDS, doubling), and from LOGIN_LOCK_AFTER on it is
locked for LOGIN_LOCK_SECONDS. While it waits no password is checked at all. A global
ceiling (LOGIN_GLOBAL_FAILURES_PER_MINUTE, all accounts) makes every sign-in wait
when a spray across many names is under way. The count is kept for
LOGIN_FAILURE_MEMORY_SECONDS so the person can be told at their next sign-in.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app
from redis import Redis

from ..queue import keys
from ..settings import setting


@dataclass(frozen=True)
class Failures:
    count: int = 0
    first: float | None = None
    until: float = 0.0  # no attempt is checked before this time

    def wait(self, now: float) -> int:
        """Whole seconds left to wait (0: may try)."""
        return max(0, int(self.until - now + 0.999))


def digest(username: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    name = username.strip().lower().encode()
    return hmac.new(secret, b"signin:" + name, hashlib.sha256).hexdigest()[:32]


def failures(r: Redis, username: str) -> Failures:
    data = r.hgetall(keys.signin_failures(digest(username)))
    if not data:
        return Failures()
    return Failures(int(data.get("count", 0)), float(data["first"]) if "first" in data else None,
                    float(data.get("until", 0)))


def delay_after(count: int) -> int:
    """Seconds an account waits after its count-th consecutive failure."""
    free, lock_after = int(setting("LOGIN_FREE_FAILURES")), int(setting("LOGIN_LOCK_AFTER"))
    lock = int(setting("LOGIN_LOCK_SECONDS"))
    if count >= lock_after:
        return lock
    if count < free:
        return 0
    return min(lock, int(setting("LOGIN_DELAY_SECONDS")) * 2 ** (count - free))


def record_failure(r: Redis, username: str, now: float) -> Failures:
    """Count one failure for this name and for the minute; returns the new state."""
    key = keys.signin_failures(digest(username))
    minute = keys.signin_failures_minute(int(now // 60))
    pipe = r.pipeline()
    pipe.hincrby(key, "count", 1)
    pipe.hsetnx(key, "first", repr(now))
    pipe.expire(key, int(setting("LOGIN_FAILURE_MEMORY_SECONDS")))
    pipe.incr(minute)
    pipe.expire(minute, 120)
    count = pipe.execute()[0]
    until = now + delay_after(count)
    r.hset(key, "until", repr(until))
    return Failures(count, None, until)


def clear(r: Redis, username: str) -> Failures:
    """Forget the failures after a successful sign-in; returns what there was to tell."""
    key = keys.signin_failures(digest(username))
    pipe = r.pipeline()
    pipe.hgetall(key)
    pipe.delete(key)
    data = pipe.execute()[0]
    if not data:
        return Failures()
    return Failures(int(data.get("count", 0)), float(data.get("first", 0)) or None, 0.0)


def global_wait(r: Redis, now: float) -> int:
    """Seconds until the next minute if this minute's failures passed the ceiling, else 0."""
    ceiling = int(setting("LOGIN_GLOBAL_FAILURES_PER_MINUTE"))
    count = int(r.get(keys.signin_failures_minute(int(now // 60))) or 0)
    if ceiling <= 0 or count < ceiling:
        return 0
    return max(1, 60 - int(now % 60))
