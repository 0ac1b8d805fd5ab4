"""Retention: how long row-level data is kept (settings), and the daily purge.

Registration rows past their period are first folded into monthly counts
(reports.models.MonthCount: the same tally the reports make from rows), then deleted, so
reports "since the start" keep every contact. Missed-contact rows fold into counts per
month and reason; audit events are simply deleted; anonymous messages expire and old
message key epochs are destroyed (helpline/messages). The purge runs daily as an RQ job
that schedules its own next run with `Queue.enqueue_at` (the worker runs RQ's scheduler);
the worker schedules the first one when it starts.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .. import timers
from ..audit import AuditEvent
from ..availability import gate
from ..availability.missed import Period
from ..availability.models import MissedContact
from ..extensions import db
from ..messages import conversations as messages
from ..messages import inbox as message_inbox
from ..reports.models import MonthCount
from ..reports.queries import row_tally
from ..settings import Config
from . import followup
from .models import Registration

log = logging.getLogger("helpline.retention")

SETTINGS = ("REGISTRATION_RETENTION_DAYS", "MISSED_RETENTION_DAYS", "AUDIT_RETENTION_DAYS")
RUN_AT = time(3, 0)  # local time of the daily purge
MISSED_DIMENSION = "missed"  # MonthCount dimension of folded missed contacts (key: reason)


def settings(config) -> dict[str, int]:
    """The retention periods in days, from the app's config (settings.Config when unset)."""
    return {name: int(config.get(name) or getattr(Config, name)) for name in SETTINGS}


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _utc(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz).astimezone(UTC).replace(tzinfo=None)


def _months(oldest: datetime, cutoff: datetime, tz: ZoneInfo):
    """(local month, UTC start, UTC end) of every month from `oldest` up to `cutoff`."""
    month = _month_start(oldest.replace(tzinfo=UTC).astimezone(tz).date())
    while _utc(month, tz) < cutoff:
        following = _next_month(month)
        yield month, _utc(month, tz), min(_utc(following, tz), cutoff)
        month = following


def _add(session: Session, month: date, channel: str, dimension: str, key: str,
         count: int) -> None:
    """Add to a month's count, creating the row when it is the first."""
    row = session.scalar(select(MonthCount).where(
        MonthCount.month == month, MonthCount.channel == channel,
        MonthCount.dimension == dimension, MonthCount.key == key))
    if row is None:
        session.add(MonthCount(month=month, channel=channel, dimension=dimension, key=key,
                               count=count))
    else:
        row.count += count


def fold_registrations(session: Session, cutoff: datetime, tz: ZoneInfo) -> int:
    """Fold and delete the registration rows older than `cutoff`; returns rows deleted."""
    oldest = session.scalar(select(func.min(Registration.contact_hour))
                            .where(Registration.contact_hour < cutoff))
    if oldest is None:
        return 0
    deleted = 0
    for month, start, end in _months(oldest, cutoff, tz):
        tally = row_tally(session, Period(month, _next_month(month), tz), start, end)
        for dimension, channel, key, count in tally.rows():
            _add(session, month, channel, dimension, key[:64], count)
        deleted += session.execute(delete(Registration).where(
            Registration.contact_hour >= start, Registration.contact_hour < end)).rowcount
        session.commit()  # one month at a time: a crash leaves no month half folded
    return deleted


def fold_missed(session: Session, cutoff: datetime, tz: ZoneInfo) -> int:
    """Fold missed-contact rows older than `cutoff` into counts per month and reason."""
    oldest = session.scalar(select(func.min(MissedContact.hour))
                            .where(MissedContact.hour < cutoff))
    if oldest is None:
        return 0
    deleted = 0
    for month, start, end in _months(oldest, cutoff, tz):
        where = (MissedContact.hour >= start, MissedContact.hour < end)
        for reason, count in session.execute(select(MissedContact.reason, func.count())
                                             .where(*where).group_by(MissedContact.reason)):
            _add(session, month, "chat", MISSED_DIMENSION, reason, count)
        deleted += session.execute(delete(MissedContact).where(*where)).rowcount
        session.commit()
    return deleted


def purge(session: Session, config, now: datetime | None = None) -> dict[str, int]:
    """Apply every retention period at `now` (naive UTC); returns rows removed per kind."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    days = settings(config)
    tz = ZoneInfo(config["HELPLINE_TIMEZONE"])
    done = {
        "registrations": fold_registrations(
            session, now - timedelta(days=days["REGISTRATION_RETENTION_DAYS"]), tz),
        "missed_contacts": fold_missed(
            session, now - timedelta(days=days["MISSED_RETENTION_DAYS"]), tz),
    }
    cutoff = now - timedelta(days=days["AUDIT_RETENTION_DAYS"])
    done["audit_events"] = session.execute(
        delete(AuditEvent).where(AuditEvent.at < cutoff)).rowcount
    session.commit()
    done["follow_up_codes"] = followup.purge(session, now.replace(tzinfo=UTC).astimezone(tz).date())
    # Anonymous messages: expire first, so no live conversation is left under an old epoch
    # that rotation destroys (it wraps any left anew anyway).
    moment = now.replace(tzinfo=UTC).timestamp()
    # Late answers count in the missed ledger before a conversation can expire; stubs
    # nobody filed become "missing" registrations before expire_due deletes stubs.
    done["messages_overdue"] = message_inbox.mark_overdue(session, moment)
    done["message_stubs_unfiled"] = message_inbox.record_unfiled(session, moment)
    expired = messages.expire_due(session, moment)
    done["messages_expired"] = expired["expired"]
    done["message_stubs"] = expired["stubs_deleted"]
    rotated = messages.rotate_epochs(session, moment)
    done["message_keys_rewrapped"] = rotated["rewrapped"]
    done["message_epochs_destroyed"] = rotated["epochs_destroyed"]
    return done


# ---------- the daily job ----------

def next_run(now: datetime, tz: ZoneInfo) -> datetime:
    """The next RUN_AT in the helpline's time zone after `now` (aware UTC)."""
    local = now.astimezone(tz)
    candidate = datetime.combine(local.date(), RUN_AT, tz)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), RUN_AT, tz)
    return candidate.astimezone(UTC)


def schedule_daily(now: datetime | None = None) -> str:
    """Schedule the next purge after `now` (one job id per day: scheduling twice is harmless)."""
    tz = gate.timezone()
    when = next_run(now or datetime.now(UTC), tz)
    day = when.astimezone(tz).date().isoformat()
    timers.at(when.timestamp(), "retention", day, timer_id=f"retention:{day}")
    return f"retention:{day}"


def daily_purge(day: str) -> dict[str, int]:
    """Job for local `day`: schedule the next day's run first (a failure today must not stop
    it), then purge."""
    tz = gate.timezone()
    schedule_daily(datetime.combine(date.fromisoformat(day), RUN_AT, tz))
    done = purge(db.session, current_app.config)
    log.info("retention run for %s: %s", day, ", ".join(f"{n} {what}" for what, n in done.items()))
    return done
