"""The missed-contact ledger: record one row per missed chatter, and report on them.

A row holds the hour (UTC, truncated), the reason, and the wait where the chatter was in
the line. Reports group rows in the helpline's time zone: per ISO week, per reason, and
a weekday x hour matrix. Queries group by (hour, reason) in SQL, so a report reads at
most one row per hour and reason of the period, whatever the volume.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ..realtime import metrics
from . import schedule
from .models import CHAT_REASONS, REASONS, WAITED_REASONS, MissedContact


def hour_of(moment: datetime | float) -> datetime:
    """The UTC hour (naive, as stored) of an instant: a datetime or Unix seconds."""
    if isinstance(moment, int | float):
        moment = datetime.fromtimestamp(moment, UTC)
    elif moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.replace(minute=0, second=0, microsecond=0, tzinfo=None)


def record(session: Session, reason: str, now: datetime | float,
           wait_seconds: float | None = None) -> MissedContact:
    """Write one missed contact: the hour, the reason and the wait; nothing else."""
    if reason not in REASONS:
        raise ValueError(f"unknown missed-contact reason {reason!r}")
    wait = None if wait_seconds is None else max(0, round(wait_seconds))
    row = MissedContact(hour=hour_of(now), reason=reason, wait_seconds=wait)
    session.add(row)
    session.commit()
    metrics.MISSED.labels(reason).inc()
    return row


def record_many(session: Session, reason: str, moments: list[datetime | float]) -> int:
    """Add one missed contact per moment (hour and reason only) in one INSERT; the caller
    commits it with its own work (the daily job's batches)."""
    if reason not in REASONS:
        raise ValueError(f"unknown missed-contact reason {reason!r}")
    if moments:
        session.execute(insert(MissedContact), [
            {"hour": hour_of(moment), "reason": reason, "wait_seconds": None}
            for moment in moments])
        metrics.MISSED.labels(reason).inc(len(moments))
    return len(moments)


@dataclass(frozen=True)
class Period:
    """Local days `first` to `last` (inclusive) in the helpline's time zone."""

    first: date
    last: date
    tz: ZoneInfo

    @property
    def start_utc(self) -> datetime:
        return _naive_utc(datetime.combine(self.first, time(0), self.tz))

    @property
    def end_utc(self) -> datetime:
        return _naive_utc(datetime.combine(self.last + timedelta(days=1), time(0), self.tz))

    def local(self, hour: datetime) -> datetime:
        """A stored UTC hour in the helpline's time zone."""
        return hour.replace(tzinfo=UTC).astimezone(self.tz)


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def default_period(today: date, tz: ZoneInfo, weeks: int = 8) -> Period:
    """The last `weeks` weeks up to and including today."""
    return Period(today - timedelta(days=7 * weeks - 1), today, tz)


@dataclass
class Week:
    """Totals of one ISO week (Monday to Sunday, local time)."""

    label: str  # 2026-W48
    monday: date
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASONS, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Cell:
    weekday: int
    hour: int
    count: int
    in_chat_hours: bool


@dataclass
class Report:
    """Everything the missed-chats page shows for one period."""

    period: Period
    weeks: list[Week]
    totals: dict[str, int]
    average_wait: dict[str, float | None]  # per waited reason, and "all"
    matrix: list[list[int]]  # [weekday][hour] in local time
    chat_hours: list[list[tuple[time, time]]]  # weekly chat sessions per weekday

    @property
    def total(self) -> int:
        return sum(self.totals.values())

    @property
    def peak(self) -> int:
        return max((max(row) for row in self.matrix), default=0)

    def cells(self) -> Iterator[Cell]:
        for weekday, row in enumerate(self.matrix):
            for hour, count in enumerate(row):
                yield Cell(weekday, hour, count,
                           schedule.covers_hour(self.chat_hours, weekday, hour))

    def best_extra_hours(self, limit: int = 3) -> list[Cell]:
        """The weekday/hour cells outside the chat's weekly hours with most missed chatters."""
        outside = [c for c in self.cells() if c.count and not c.in_chat_hours]
        outside.sort(key=lambda c: (-c.count, c.weekday, c.hour))
        return outside[:limit]


def _grouped(session: Session, period: Period):
    """(hour, reason, count, summed wait, waits counted) per stored hour and reason."""
    return session.execute(
        select(MissedContact.hour, MissedContact.reason, func.count(),
               func.sum(MissedContact.wait_seconds), func.count(MissedContact.wait_seconds))
        .where(MissedContact.hour >= period.start_utc, MissedContact.hour < period.end_utc)
        .group_by(MissedContact.hour, MissedContact.reason)
    ).all()


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def report(session: Session, period: Period, chat_slots) -> Report:
    """Totals per ISO week and reason, average wait before leaving, and the heatmap."""
    weeks: dict[date, Week] = {}
    monday = _monday(period.first)
    while monday <= period.last:
        weeks[monday] = Week(_week_label(monday), monday)
        monday += timedelta(days=7)
    totals = dict.fromkeys(REASONS, 0)
    wait_sum = dict.fromkeys(WAITED_REASONS, 0)
    wait_n = dict.fromkeys(WAITED_REASONS, 0)
    matrix = [[0] * 24 for _ in range(7)]
    for hour, reason, count, summed, counted in _grouped(session, period):
        local = period.local(hour)
        if reason not in totals:  # a reason this version does not know: not shown
            continue
        totals[reason] += count
        week = weeks.get(_monday(local.date()))
        if week is not None:
            week.counts[reason] += count
        if reason in CHAT_REASONS:  # the heatmap is about the chat's hours
            matrix[local.weekday()][local.hour] += count
        if reason in wait_sum and counted:
            wait_sum[reason] += int(summed or 0)
            wait_n[reason] += counted
    average: dict[str, float | None] = {
        reason: (wait_sum[reason] / wait_n[reason] if wait_n[reason] else None)
        for reason in WAITED_REASONS
    }
    all_n = sum(wait_n.values())
    average["all"] = sum(wait_sum.values()) / all_n if all_n else None
    return Report(period, list(weeks.values()), totals, average, matrix,
                  schedule.weekly_spans(chat_slots, "chat"))


def csv_rows(session: Session, period: Period) -> Iterator[tuple[str, str, str]]:
    """One row per missed contact: local hour (ISO, with offset), reason, wait seconds."""
    rows = session.execute(
        select(MissedContact.hour, MissedContact.reason, MissedContact.wait_seconds)
        .where(MissedContact.hour >= period.start_utc, MissedContact.hour < period.end_utc)
        .order_by(MissedContact.hour, MissedContact.reason, MissedContact.wait_seconds)
    )
    for hour, reason, wait in rows:
        yield (period.local(hour).isoformat(timespec="minutes"), reason,
               "" if wait is None else str(wait))
