"""The app's clock in tests: the wall clock, moved on when a test says so.

`create_app(overrides={"CLOCK": Clock()})` makes it the app's time (helpline.realtime.live.now:
sign-in throttling, two-factor steps, staff sessions, the line). A test that needs time
to pass moves the clock (`clock.advance(31)`) and never sleeps for it. Live servers
(other processes) keep the wall clock.
"""

from __future__ import annotations

import time


class Clock:
    """The wall clock plus an offset that the test sets."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """Time passes: `seconds` later, at once."""
        self.offset += seconds

    def move_to(self, when: float) -> None:
        """It is `when` now (then the clock runs on from there)."""
        self.offset += when - self()
