"""Sign-in throttling that never looks at an address.

Failures are counted in three separate places, each an HMAC-keyed Redis hash (Redis holds
no usernames, and a name that has no account is throttled exactly like one that has):

- per username, for attempts from browsers the account has not signed in from before;
- per device cookie (auth/devices.py), for attempts from a browser that has: a guesser
  who knows only the username never touches this count, so cannot keep the owner out;
- per username for the two-factor step, which only the right password reaches: failures
  there mean someone else may know the password (supervisors see them apart).

After LOGIN_FREE_FAILURES failures each further one makes that count wait a delay
(LOGIN_DELAY_SECONDS, doubling, at most LOGIN_DELAY_MAX_SECONDS); attempts during the wait
are refused unchecked (no guess, no hash). At LOGIN_LOCK_AFTER consecutive failures (100,
NIST SP 800-63B's limit) it locks until a supervisor unlocks it, the owner signs in
another way (a success clears the counts), or LOGIN_LOCK_SECONDS pass. A global ceiling
(LOGIN_GLOBAL_FAILURES_PER_MINUTE failures of new browsers, all accounts) refuses further
new-browser attempts for the rest of the minute; browsers that signed in before are still
checked. Counts are kept LOGIN_FAILURE_MEMORY_SECONDS after the last failure, so the
person and the supervisors can be told.
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
    locked: bool = False

    def wait(self, now: float) -> int:
        """Whole seconds left to wait (0: may try); a lock's own end counts too."""
        return max(0, int(self.until - now + 0.999))


def digest(username: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    name = username.strip().lower().encode()
    return hmac.new(secret, b"signin:" + name, hashlib.sha256).hexdigest()[:32]


def name_key(username: str) -> str:
    """The count of a username's failed passwords from browsers it never signed in from."""
    return keys.signin_failures(digest(username))


def device_key(device: str) -> str:
    """The count of failed passwords from one browser that signed in to the account before."""
    return keys.signin_failures("device:" + device)


def code_key(username: str) -> str:
    """The count of wrong two-factor codes after a right password."""
    return keys.signin_failures("code:" + digest(username))


def failures(r: Redis, key: str) -> Failures:
    data = r.hgetall(key)
    if not data:
        return Failures()
    count = int(data.get("count", 0))
    return Failures(count, float(data["first"]) if "first" in data else None,
                    float(data.get("until", 0)), count >= int(setting("LOGIN_LOCK_AFTER")))


def delay_after(count: int) -> int:
    """Seconds a count waits after its count-th consecutive failure (the lock apart)."""
    free = int(setting("LOGIN_FREE_FAILURES"))
    if count >= int(setting("LOGIN_LOCK_AFTER")):
        return int(setting("LOGIN_LOCK_SECONDS"))
    if count < free:
        return 0
    longest = int(setting("LOGIN_DELAY_MAX_SECONDS"))
    return min(longest, int(setting("LOGIN_DELAY_SECONDS")) * 2 ** min(count - free, 30))


def record_failure(r: Redis, key: str, now: float, per_minute: bool = False) -> Failures:
    """Count one failure (and one for the minute's global ceiling if `per_minute`)."""
    minute = keys.signin_failures_minute(int(now // 60))
    pipe = r.pipeline()
    pipe.hincrby(key, "count", 1)
    pipe.hsetnx(key, "first", repr(now))
    if per_minute:
        pipe.incr(minute)
        pipe.expire(minute, 120)
    count = pipe.execute()[0]
    wait = delay_after(count)
    locked = count >= int(setting("LOGIN_LOCK_AFTER"))
    pipe = r.pipeline()
    pipe.hset(key, "until", repr(now + wait))
    pipe.expire(key, max(wait, int(setting("LOGIN_FAILURE_MEMORY_SECONDS"))))
    pipe.execute()
    return Failures(count, None, now + wait, locked)


def clear(r: Redis, *cleared: str) -> list[Failures]:
    """Forget these counts (a success, or a supervisor's unlock); returns what each held,
    to tell the person."""
    pipe = r.pipeline()
    for key in cleared:
        pipe.hgetall(key)
    pipe.delete(*cleared)
    return [Failures(int(data.get("count", 0)), float(data.get("first", 0)) or None)
            for data in pipe.execute()[:-1]]


def global_wait(r: Redis, now: float) -> int:
    """Seconds until the next minute if this minute's failures passed the ceiling, else 0."""
    ceiling = int(setting("LOGIN_GLOBAL_FAILURES_PER_MINUTE"))
    count = int(r.get(keys.signin_failures_minute(int(now // 60))) or 0)
    if ceiling <= 0 or count < ceiling:
        return 0
    return max(1, 60 - int(now % 60))
