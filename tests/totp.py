"""Supervisors in the fixtures are enrolled in two-factor sign-in with this secret; the
sign-in helpers type a code from it (each step once, as the server accepts it once)."""

from __future__ import annotations

import time

import pyotp

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_used: dict[str, int] = {}


def forget() -> None:
    """A fresh database: no step has been used yet."""
    _used.clear()


def next_code(username: str) -> str:
    """A code for a step the server has not seen for this account (waits if need be)."""
    totp = pyotp.TOTP(SECRET)
    while True:
        current = int(time.time() // totp.interval)
        step = max(current, _used.get(username, -1) + 1)
        if step <= current + 1:
            _used[username] = step
            return totp.generate_otp(step)
        time.sleep(totp.interval - time.time() % totp.interval + 0.05)
