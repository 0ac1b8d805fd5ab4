"""Timers: RQ jobs that must fire even if no server process is around to see them.

Jobs are named by dotted path (their bodies are in `helpline/jobs.py`, run by the
worker), so scheduling one needs nothing of the domain it acts on. Payloads are plain
JSON (a chat id and a timestamp), never message text or identities.

A job record must not outlive its chat: it expires `ttl` after it is made (its delay plus
a margin), is deleted as soon as it succeeds (`result_ttl=0`), and a failed one is kept
for FAILURE_TTL only, with a fixed-text error (the exception's type) as its `exc_info`.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from rq import Queue, Retry
from rq.serializers import JSONSerializer

QUEUE_NAME = "helpline"
# A waiting job expires this long after it was due (a worker that was down meanwhile).
TTL_MARGIN_SECONDS = 600
# A failed job (chat id, staff id, the error's type) is kept this long for an operator.
FAILURE_TTL_SECONDS = 600
# Every job is idempotent (it checks the live state first), so one killed with its worker
# (RQ's StartedJobRegistry cleanup finds it abandoned) or failed on a Redis blip runs again.
JOB_TIMEOUT_SECONDS = 30
RETRIES = 3


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
    later(delay, "helpline.jobs.end_if_still_gone", chat_id, since, waiting)


def schedule_summary_deadline(chat_id: str, staff_id: str) -> None:
    """Make sure the transcript is deleted even if the summary is never filed."""
    delay = timedelta(seconds=current_app.config["SUMMARY_DEADLINE_SECONDS"])
    later(delay, "helpline.jobs.summary_deadline", chat_id, staff_id)


def schedule_staff_check(staff_id: str) -> None:
    """Take a therapist off duty if no console of theirs reopens within the grace period."""
    delay = timedelta(seconds=current_app.config["STAFF_GRACE_SECONDS"])
    later(delay, "helpline.jobs.off_duty_if_console_closed", staff_id)
