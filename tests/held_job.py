"""A job for the worker-death test: it holds until the test lets it go, then runs the real
timer, so the worker can be killed while the job is in progress."""

from __future__ import annotations

import time

from helpline import jobs
from helpline.realtime import live

RELEASE_KEY = "test:release"


def held_timer(member: str) -> None:
    r = live.redis()
    r.incr("test:runs")
    while not r.exists(RELEASE_KEY):
        time.sleep(0.05)
    jobs.run_timer(member)
