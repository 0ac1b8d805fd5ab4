"""RQ jobs: timers that must fire even if no server process is around to see them.

Payloads are plain JSON (a chat id and a timestamp), never message text or identities.
The worker (`flask --app app worker`) runs them inside an app context.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from rq import Queue
from rq.serializers import JSONSerializer

QUEUE_NAME = "helpline"


def queue() -> Queue:
    """The helpline's job queue on this app's Redis."""
    return Queue(QUEUE_NAME, connection=current_app.extensions["helpline_rq_redis"],
                 serializer=JSONSerializer)


def schedule_grace_check(chat_id: str, since: float, waiting: bool = False) -> None:
    """End the chat if the chatter has not come back when the grace period is over.

    A chatter still waiting keeps the place only WAITING_GRACE_SECONDS (so closed bot
    sockets free the line fast); a chat with a therapist keeps RESUME_GRACE_SECONDS.
    """
    grace = "WAITING_GRACE_SECONDS" if waiting else "RESUME_GRACE_SECONDS"
    delay = timedelta(seconds=current_app.config[grace])
    queue().enqueue_in(delay, end_if_still_gone, chat_id, since, waiting)


def schedule_summary_deadline(chat_id: str, staff_id: str) -> None:
    """Make sure the transcript is deleted even if the summary is never filed."""
    delay = timedelta(seconds=current_app.config["SUMMARY_DEADLINE_SECONDS"])
    queue().enqueue_in(delay, summary_deadline, chat_id, staff_id)


def schedule_staff_check(staff_id: str) -> None:
    """Take a therapist off duty if no console of theirs reopens within the grace period."""
    delay = timedelta(seconds=current_app.config["STAFF_GRACE_SECONDS"])
    queue().enqueue_in(delay, off_duty_if_console_closed, staff_id)


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
        queue().enqueue_in(timedelta(seconds=max(rest, 0)), end_if_still_gone, chat_id, since)
        return False
    ended = lifecycle.end(r, chat_id, by="system", reason="connection_lost")
    if ended.previous_state == "waiting":  # dropped from the line: a missed chatter
        lifecycle.count_missed(r, chat_id, "dropped_waiting")
    return True


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
