"""RQ jobs: the timers' bodies (`JOBS`, by name), the worker that runs them inside an app
context, its pump, and the takeover by server processes when no worker runs.

Each job is idempotent: it checks the live state first, so a late, early or repeated run
changes nothing more. The functions' dotted paths stay stable: an RQ job planned by a
version before `timers.py` names them (RQ's scheduler still runs those).
"""

from __future__ import annotations

import functools
import logging
import threading

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from . import timers
from .auth import sessions
from .chat import handover, lifecycle, places, store
from .compat.rq_worker import SimpleWorkerWithTeardown
from .extensions import db
from .queue import assignment, broadcast, keys
from .realtime import live, metrics
from .realtime.protocol import ProtocolError
from .records import retention, summaries
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

    stop_asked = False  # a signal asked it to stop (else its loop ended on a Redis error)
    # After a lost connection RQ waits 1, 2, 4 ... up to this many seconds before trying
    # again (its default, 60, left timers queued for a minute after a Redis restart).
    max_connection_wait_time = 2.0

    def after_job(self) -> None:
        db.session.remove()

    def request_stop(self, signum, frame) -> None:
        self.stop_asked = True
        super().request_stop(signum, frame)


@fixed_text_failure
def off_duty_if_console_closed(staff_id: str) -> bool:
    """Job: nobody should be handed chatters by a console that is no longer open, and
    no chatter should wait on a therapist whose last console is gone (its process died,
    the network went): their active chats go to the front of the line, with a note."""
    r = live.redis()
    if assignment.console_open(r, staff_id):
        return False
    assignment.go_off_duty(r, staff_id)
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        note = _("Your colleague's connection was lost.")
    returned = handover.return_all(r, staff_id, note)
    if returned:
        metrics.CHATS_RETURNED.inc(len(returned))
        log.warning("a console was gone for the staff grace: %d chat(s) back to the line",
                    len(returned))
        lifecycle.line_moved(r)
    else:
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
        timers.later(max(rest, 0), "end_if_still_gone", chat_id, since)
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


@fixed_text_failure
def lapse_unproven_place(chat_id: str, since: float) -> bool:
    """Job: a waiting place's lease is over; it is given back unless proved again since
    (chat/places.py): not a missed contact, counted for the supervisors."""
    r = live.redis()
    if not places.lapsed(r, chat_id, since):
        return False
    try:
        lifecycle.end(r, chat_id, by="system", reason="place_lapsed", only_waiting=True)
    except ProtocolError:
        return False  # a therapist took it, or it ended, just now
    places.count(r, "reclaimed")
    return True


# ---------- timers: the jobs by name, run by the worker or taken over by a server ----------

def _job(func):
    return getattr(func, "__wrapped__", func)  # run_timer logs a failure itself


JOBS = {
    "end_if_still_gone": _job(end_if_still_gone),
    "summary_deadline": _job(summary_deadline),
    "off_duty_if_console_closed": _job(off_duty_if_console_closed),
    "cooldown_over": _job(cooldown_over),
    "lapse_unproven_place": _job(lapse_unproven_place),
    "close_session_if_over": sessions.close_if_over,
    "retention": retention.daily_purge,
}


def run_timer(member: str) -> None:
    """Job: run one timer's job, then forget the timer; a failure plans a retry (the error's
    type is all RQ and the log keep)."""
    r = live.redis()
    _, name, args = timers.decode(member)
    try:
        JOBS[name](*args)
    except Exception as exc:
        metrics.JOB_FAILURES.labels(name if name in JOBS else "unknown").inc()
        kept = timers.failed(r, member, live.now())
        log.error("timer %s failed: %s (%s)", name, type(exc).__name__,
                  "retried later" if kept else "dropped")
        raise JobFailed(type(exc).__name__) from None
    timers.done(r, member)


def take_over(r, now: float) -> int:
    """Run here the timers no worker took TIMER_TAKEOVER_SECONDS after their time (no
    worker runs, or it lags): a server process keeps timed work going alone."""
    until = now - current_app.config["TIMER_TAKEOVER_SECONDS"]
    ran = 0
    for member in timers.due(r, until):
        if timers.take(r, member, now, until):
            ran += 1
            try:
                run_timer(member)
            except JobFailed:
                pass  # logged, and due again later
            finally:
                db.session.remove()
    if ran:
        metrics.JOBS_TAKEN_OVER.inc(ran)
        log.warning("no worker took %d due timer(s): run by this server process", ran)
    return ran


BACKLOG_SECONDS = 10  # timers this late when queued were held up (Redis or worker away)


class Pump:
    """The worker's pump: every PUMP_SECONDS, move due timers into the queue, say the
    worker is alive (health, metrics), and keep tomorrow's retention run planned (a Redis
    that lost its data loses the plan too). Its own thread: RQ's loop blocks on the queue."""

    PLAN_EVERY = 60  # pump rounds between two checks of the retention plan

    def __init__(self, app, worker_id: str):
        self.app, self.worker_id = app, worker_id
        self.stopped = threading.Event()
        self.rounds = 0
        self.stranded: list = []  # taken but not queued when Redis went away

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="timer-pump", daemon=True)
        thread.start()
        return thread

    def run(self) -> None:
        while not self.stopped.wait(timers.PUMP_SECONDS):
            with self.app.app_context():
                try:
                    self.round(live.redis(), live.now())
                except Exception as exc:  # Redis away: the next round tries again
                    log.error("timer pump failed: %s", type(exc).__name__)
                finally:
                    db.session.remove()

    def round(self, r, now: float) -> int:
        r.zadd(keys.WORKERS, {self.worker_id: now})
        if self.rounds % self.PLAN_EVERY == 0:
            retention.schedule_daily()
        self.rounds += 1
        timers.release(r, self.stranded, now)
        late = timers.lag(r, now)
        moved = timers.pump(r, now, stranded=self.stranded)
        if moved and late > BACKLOG_SECONDS:  # after an outage: say what was caught up
            log.warning("timer backlog: %d due timer(s) queued, the oldest %d s late",
                        moved, late)
        return moved
