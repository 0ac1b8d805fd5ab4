"""Supervisors in the fixtures are enrolled in two-factor sign-in with this secret; the
sign-in helpers type a code from it (each step once, as the server accepts it once)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pyotp

from tests.clock import Clock

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_used: dict[str, int] = {}


def forget() -> None:
    """A fresh database: no step has been used yet."""
    _used.clear()


def next_code(username: str, clock: Callable[[], float] = time.time) -> str:
    """A code for a step the server has not accepted yet for this account.

    The server accepts the current step and one either side, each once. With the current
    and the next step used, a test's Clock (the app's CLOCK) is moved on to the next
    unused step: nobody waits 30 s for it. Live servers read the wall clock: a test
    there signs one account in at most twice within 30 s (this fails rather than wait).
    """
    totp = pyotp.TOTP(SECRET)
    now = clock()
    current = int(now // totp.interval)
    step = max(current, _used.get(username, -1) + 1)
    if step > current + 1:
        if not isinstance(clock, Clock):
            raise AssertionError(f"{username} used every code the wall clock allows now; "
                                 "sign in through an app with a tests.clock.Clock")
        clock.move_to(step * totp.interval)  # the start of that step: its code is current
    _used[username] = step
    return totp.generate_otp(step)
