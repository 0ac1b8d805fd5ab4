"""The live figures every process reads from Redis at each scrape (a Prometheus collector):
how many wait and how long, chats held, who is on duty or paused, timed work, workers.

The same numbers on every process (take the max across processes); counts only.
"""

from __future__ import annotations

import time

from flask import Flask
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from redis.exceptions import RedisError

from .. import timers
from ..chat import proofofwork
from ..queue import assignment, keys, line

WORKER_ALIVE_SECONDS = 10  # a worker whose pump beat within this is alive


class LiveCollector(Collector):
    """Gauges computed at scrape time, in an app context of `app`."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        with self.app.app_context():
            try:
                yield from self._gauges(self.app.extensions["helpline_redis"], time.time())
            except RedisError:
                yield GaugeMetricFamily("helpline_redis_up", "Redis answers", value=0)

    def _gauges(self, r, now: float):
        yield GaugeMetricFamily("helpline_redis_up", "Redis answers", value=1)
        ids = line.waiting(r)
        yield GaugeMetricFamily("helpline_chatters_waiting", "Chatters in the line",
                                value=len(ids))
        first = r.hget(keys.chat(ids[0]), "created_at") if ids else None
        yield GaugeMetricFamily(
            "helpline_first_in_line_wait_seconds", "How long the chatter first in line waits",
            value=max(0.0, now - float(first)) if first else 0)
        staff = assignment.on_duty(r)
        yield GaugeMetricFamily("helpline_chats_held",
                                "Chats therapists hold (active or awaiting the summary)",
                                value=sum(p.load for p in staff))
        duty = GaugeMetricFamily("helpline_therapists", "Therapists on duty", labels=["state"])
        paused = sum(p.paused for p in staff)
        duty.add_metric(["available"], len(staff) - paused)
        duty.add_metric(["paused"], paused)
        yield duty
        yield GaugeMetricFamily("helpline_timers_planned", "Timers waiting in Redis",
                                value=r.zcard(keys.TIMERS))
        yield GaugeMetricFamily("helpline_timer_lag_seconds",
                                "How late the oldest due timer is", value=timers.lag(r, now))
        r.zremrangebyscore(keys.WORKERS, "-inf", now - 3600)  # long-gone workers
        alive = r.zcount(keys.WORKERS, now - WORKER_ALIVE_SECONDS, "+inf")
        yield GaugeMetricFamily("helpline_workers_alive", "Workers whose pump beat recently",
                                value=alive)
        yield GaugeMetricFamily("helpline_pow_max_number",
                                "Proof-of-work size of the next challenge",
                                value=proofofwork.difficulty(r))
