"""RQ jobs: the timers' bodies, and the worker that runs them inside an app context.

Scheduled by dotted path from `helpline/timers.py`, so these paths are stable across
upgrades (a job waiting in Redis names its function). Each job is idempotent: it checks
the live state first, so a late, early or repeated run changes nothing more.
"""

from __future__ import annotations

import functools
import logging
from datetime import timedelta

from flask import current_app

from . import timers
from .chat import lifecycle, store
from .compat.rq_worker import SimpleWorkerWithTeardown
from .extensions import db
from .queue import assignment, broadcast
from .realtime import live
from .records import summaries
from .supervision import overview

log = logging.getLogger("helpline.jobs")


class JobFailed(Exception):
    """What a failed job records: the original exception's type name, never its message."""


def fixed_text_failure(func):
    """Let a job fail with its exception's type only: RQ stores exc_info in Redis."""

    @functools.wraps(func)
    def run(*args):
        try:
            return func(*args)
        except Exception as exc:
            log.error("job %s failed: %s", func.__name__, type(exc).__name__)
            raise JobFailed(type(exc).__name__) from None

    return run


MAINTENANCE_SECONDS = 30  # how often a worker looks for abandoned jobs


class AppWorker(SimpleWorkerWithTeardown):
    """The helpline's worker: runs inside one app context, so each job ends its SQL session
    (a read left open would hold its transaction, and its locks, until the next job)."""

    def after_job(self) -> None:
        db.session.remove()


@fixed_text_failure
def off_duty_if_console_closed(staff_id: str) -> bool:
    """Job: nobody should be handed chatters by a console that is no longer open."""
    r = live.redis()
    if assignment.console_open(r, staff_id):
        return False
    assignment.go_off_duty(r, staff_id)
    broadcast.line_changed()
    return True


@fixed_text_failure
def cooldown_over(staff_id: str, until: str) -> bool:
    """Job: a therapist's cool-down is over; hand out whoever waits for that place.

    It ends exactly the cool-down it was made for (one skipped or replaced since is left
    alone), so an early or late run, or the worker's clock, cannot strand a chatter."""
    r = live.redis()
    if not assignment.cooldown_over(r, staff_id, until):
        return False
    broadcast.assign_and_notify(r)
    overview.overview_changed()
    return True


@fixed_text_failure
def end_if_still_gone(chat_id: str, since: float, waiting: bool = False) -> bool:
    """Job: the grace period is over; end the chat if nobody reconnected since the drop.

    After the short waiting grace, a chat a therapist took meanwhile gets the rest of
    the full resume grace instead.
    """
    r = live.redis()
    if not store.still_disconnected_since(r, chat_id, since):
        return False
    if waiting and store.get_chat(r, chat_id).get("state") == "active":
        rest = since + current_app.config["RESUME_GRACE_SECONDS"] - live.now()
        timers.later(timedelta(seconds=max(rest, 0)), "helpline.jobs.end_if_still_gone",
                     chat_id, since)
        return False
    ended = lifecycle.end(r, chat_id, by="system", reason="connection_lost")
    if ended.previous_state == "waiting":  # dropped from the line: a missed chatter
        lifecycle.count_missed(r, chat_id, "dropped_waiting")
    return True


@fixed_text_failure
def summary_deadline(chat_id: str, staff_id: str) -> bool:
    """Job: the summary was not filed in time; record it missing and free the slot."""
    r = live.redis()
    if summaries.record_missing(r, db.session, chat_id, staff_id) is None:
        return False
    live.to_staff(staff_id, "summary_missing", {"chat_id": chat_id})
    broadcast.assign_and_notify(r)
    overview.overview_changed()
    return True
