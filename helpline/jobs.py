"""RQ jobs: timers that must fire even if no server process is around to see them.

Payloads are plain JSON (a chat id and a timestamp), never message text or identities.
The worker (`flask --app app worker`) runs them inside an app context.

A job record must not outlive its chat: it expires `ttl` after it is made (its delay plus
a margin), is deleted as soon as it succeeds (`result_ttl=0`), and a failed one is kept
for FAILURE_TTL only, with a fixed-text error (the exception's type) as its `exc_info`.
"""

from __future__ import annotations

import functools
import logging
from datetime import timedelta

from flask import current_app
from rq import Queue, Retry
from rq.serializers import JSONSerializer

from .compat.rq_worker import SimpleWorkerWithTeardown

QUEUE_NAME = "helpline"
# A waiting job expires this long after it was due (a worker that was down meanwhile).
TTL_MARGIN_SECONDS = 600
# A failed job (chat id, staff id, the error's type) is kept this long for an operator.
FAILURE_TTL_SECONDS = 600

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


# Every job is idempotent (it checks the live state first), so one killed with its worker
# (RQ's StartedJobRegistry cleanup finds it abandoned) or failed on a Redis blip runs again.
JOB_TIMEOUT_SECONDS = 30
RETRIES = 3
MAINTENANCE_SECONDS = 30  # how often a worker looks for abandoned jobs


class AppWorker(SimpleWorkerWithTeardown):
    """The helpline's worker: runs inside one app context, so each job ends its SQL session
    (a read left open would hold its transaction, and its locks, until the next job)."""

    def after_job(self) -> None:
        from .extensions import db

        db.session.remove()


def queue() -> Queue:
    """The helpline's job queue on this app's Redis."""
    return Queue(QUEUE_NAME, connection=current_app.extensions["helpline_rq_redis"],
                 serializer=JSONSerializer)


def later(delay: timedelta, func, *args) -> None:
    """Schedule a job with the retry and timeout every helpline job needs; its record
    vanishes on success and soon after a failure."""
    queue().enqueue_in(delay, func, *args, retry=Retry(max=RETRIES),
                       job_timeout=JOB_TIMEOUT_SECONDS, result_ttl=0,
                       failure_ttl=FAILURE_TTL_SECONDS,
                       ttl=int(delay.total_seconds()) + TTL_MARGIN_SECONDS)


def schedule_grace_check(chat_id: str, since: float, waiting: bool = False) -> None:
    """End the chat if the chatter has not come back when the grace period is over.

    A chatter still waiting keeps the place only WAITING_GRACE_SECONDS (so closed bot
    sockets free the line fast); a chat with a therapist keeps RESUME_GRACE_SECONDS.
    """
    grace = "WAITING_GRACE_SECONDS" if waiting else "RESUME_GRACE_SECONDS"
    delay = timedelta(seconds=current_app.config[grace])
    later(delay, end_if_still_gone, chat_id, since, waiting)


def schedule_summary_deadline(chat_id: str, staff_id: str) -> None:
    """Make sure the transcript is deleted even if the summary is never filed."""
    delay = timedelta(seconds=current_app.config["SUMMARY_DEADLINE_SECONDS"])
    later(delay, summary_deadline, chat_id, staff_id)


def schedule_staff_check(staff_id: str) -> None:
    """Take a therapist off duty if no console of theirs reopens within the grace period."""
    delay = timedelta(seconds=current_app.config["STAFF_GRACE_SECONDS"])
    later(delay, off_duty_if_console_closed, staff_id)


@fixed_text_failure
def off_duty_if_console_closed(staff_id: str) -> bool:
    """Job: nobody should be handed chatters by a console that is no longer open."""
    from . import live
    from .queue import assignment

    r = live.redis()
    if assignment.console_open(r, staff_id):
        return False
    assignment.go_off_duty(r, staff_id)
    live.line_changed()
    return True


@fixed_text_failure
def cooldown_over(staff_id: str, until: str) -> bool:
    """Job: a therapist's cool-down is over; hand out whoever waits for that place.

    It ends exactly the cool-down it was made for (one skipped or replaced since is left
    alone), so an early or late run, or the worker's clock, cannot strand a chatter."""
    from . import live
    from .queue import assignment

    r = live.redis()
    if not assignment.cooldown_over(r, staff_id, until):
        return False
    live.assign_and_notify(r)
    live.overview_changed()
    return True


@fixed_text_failure
def end_if_still_gone(chat_id: str, since: float, waiting: bool = False) -> bool:
    """Job: the grace period is over; end the chat if nobody reconnected since the drop.

    After the short waiting grace, a chat a therapist took meanwhile gets the rest of
    the full resume grace instead.
    """
    from . import live
    from .chat import lifecycle, store

    r = live.redis()
    if not store.still_disconnected_since(r, chat_id, since):
        return False
    if waiting and store.get_chat(r, chat_id).get("state") == "active":
        rest = since + current_app.config["RESUME_GRACE_SECONDS"] - live.now()
        later(timedelta(seconds=max(rest, 0)), end_if_still_gone, chat_id, since)
        return False
    ended = lifecycle.end(r, chat_id, by="system", reason="connection_lost")
    if ended.previous_state == "waiting":  # dropped from the line: a missed chatter
        lifecycle.count_missed(r, chat_id, "dropped_waiting")
    return True


@fixed_text_failure
def summary_deadline(chat_id: str, staff_id: str) -> bool:
    """Job: the summary was not filed in time; record it missing and free the slot."""
    from . import live
    from .extensions import db
    from .records import summaries

    r = live.redis()
    if summaries.record_missing(r, db.session, chat_id, staff_id) is None:
        return False
    live.to_staff(staff_id, "summary_missing", {"chat_id": chat_id})
    live.assign_and_notify(r)
    live.overview_changed()
    return True
