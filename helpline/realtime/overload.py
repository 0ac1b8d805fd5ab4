"""Whether this server process is overloaded, by its event loop's lag (issue 21, goal g).

One greenlet asks to wake every PROBE_SECONDS and notes how late it woke. On a loop that
keeps up that is a fraction of a millisecond; on a starved one it is how long every
socket of the process waits for its turn. While a lag of OVERLOAD_LAG_MS or more was seen
within the last WINDOW_SECONDS, the process refuses what it can refuse without harming
anyone it serves already: new connections (HTTP 503 `server_busy`, ratelimit.py) and new
chats (`start` answered `server_busy` with `retry_after`; the chatter's page tries again
with back-off and says so). Chats, resumes and consoles go on: a surge slows the line's
newcomers instead of dropping everyone (issue 21 saw 7,465 sockets dropped after six
minutes at 100 % CPU).

The probe is per process and keeps nothing but times: nothing here names anyone.
"""

from __future__ import annotations

import time
from collections import deque

from flask import current_app

from . import metrics

PROBE_SECONDS = 0.1  # 10 wake-ups a second: nothing measurable on an idle process
WINDOW_SECONDS = 2.0  # one late wake-up keeps the process refusing this long


class LoopLag:
    """The lateness of the probe's recent wake-ups (seconds), with the time of each."""

    def __init__(self):
        self.samples: deque[tuple[float, float]] = deque()

    def note(self, late: float, now: float) -> None:
        self.samples.append((now, max(0.0, late)))
        while self.samples and now - self.samples[0][0] > WINDOW_SECONDS:
            self.samples.popleft()
        metrics.LOOP_LAG.set(max(0.0, late))

    def worst(self, now: float) -> float:
        """The largest lag seen within the window (0 when none was noted)."""
        return max((late for at, late in self.samples if now - at <= WINDOW_SECONDS),
                   default=0.0)

    def clear(self) -> None:
        self.samples.clear()


monitor = LoopLag()


def overloaded(threshold_ms: int | None = None, now: float | None = None) -> bool:
    """Whether new work is refused now (OVERLOAD_LAG_MS; 0 turns the check off)."""
    if threshold_ms is None:
        threshold_ms = current_app.config["OVERLOAD_LAG_MS"]
    if not threshold_ms:
        return False
    return monitor.worst(time.monotonic() if now is None else now) * 1000 >= threshold_ms


def retry_after() -> int:
    """Seconds a refused newcomer should wait before trying again (the page adds back-off)."""
    return int(current_app.config["OVERLOAD_RETRY_SECONDS"])


def probe(sleep, clock=time.monotonic) -> None:
    """The probe's loop (a server process's greenlet): `sleep` is the loop's own sleep."""
    while True:
        asked = clock()
        sleep(PROBE_SECONDS)
        now = clock()
        monitor.note(now - asked - PROBE_SECONDS, now)


def start(socketio) -> None:
    """Start the probe (server processes only; workers serve no sockets)."""
    socketio.start_background_task(probe, socketio.sleep)
