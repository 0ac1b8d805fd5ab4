"""SQL aggregation for the reports: registrations and folded month counts -> one Tally.

Every figure is a count grouped in SQL (GROUP BY, on the indexed contact hour), the same
on SQLite and PostgreSQL; medians and percentiles are read from grouped counts (a
histogram). Rows past their retention period live on as MonthCount rows holding the very
same tally, so a report adds both and "since the start" survives the purge.
"""

from __future__ import annotations

import functools
import json
import math
from collections import Counter, defaultdict
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..availability.missed import Period
from ..availability.models import MissedContact
from ..records.models import Registration
from .models import MonthCount, ReferralArrival

# Dimensions counted straight from one column, in groups read by one GROUP BY each: the
# columns of a group have few values together, so each query returns few rows, and the
# table is scanned once per group rather than once per column.
COLUMN_GROUPS = (
    {"status": Registration.status, "target_group": Registration.target_group,
     "subcategory": Registration.subcategory, "age_band": Registration.age_band,
     "gender": Registration.gender, "answered_in_time": Registration.answered_in_time},
    {"referral_target": Registration.referral_target,
     "referral_region": Registration.referral_region,
     "referral_accepted": Registration.referral_accepted,
     "follow_up": Registration.follow_up, "follow_up_kept": Registration.follow_up_kept,
     "contacted_before": Registration.contacted_before,
     "said_helpful": Registration.said_helpful},
)
NO_CONVERSATION = "no_conversation"  # a registration status that is not a contact
COLUMNS = {name: column for group in COLUMN_GROUPS for name, column in group.items()}


class Tally:
    """Counts per dimension, channel and key: {dimension: {channel: Counter}}."""

    def __init__(self) -> None:
        self.data: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))

    def add(self, dimension: str, channel: str, key: str, count: int) -> None:
        self.data[dimension][channel][key] += int(count)

    def merge(self, other: Tally) -> Tally:
        for dimension, channel, key, count in other.rows():
            self.add(dimension, channel, key, count)
        return self

    def rows(self):
        """(dimension, channel, key, count) for every non-zero count."""
        for dimension, channels in self.data.items():
            for channel, counter in channels.items():
                for key, count in counter.items():
                    if count:
                        yield dimension, channel, key, count

    def by_key(self, dimension: str, channel: str | None = None) -> Counter:
        """Counts per key, of one channel or of all channels."""
        total: Counter = Counter()
        for name, counter in self.data.get(dimension, {}).items():
            if channel in (None, name):
                total.update(counter)
        return total

    def channels(self) -> Counter:
        """Contacts per channel (every registration has a status); a chat that ended
        before any conversation is no contact (see `no_conversation`)."""
        return Counter({channel: sum(n for key, n in counter.items() if key != NO_CONVERSATION)
                        for channel, counter in self.data.get("status", {}).items()})

    def no_conversation(self) -> int:
        """Chats that ended before the chatter wrote anything, counted apart."""
        return self.by_key("status")[NO_CONVERSATION]


def key_of(value) -> str:
    """A stored value as a tally key: booleans as yes/no, nothing as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _in(period_start: datetime, period_end: datetime):
    return (Registration.contact_hour >= period_start, Registration.contact_hour < period_end)


def row_tally(session: Session, period: Period, start: datetime | None = None,
              end: datetime | None = None) -> Tally:
    """The tally of the registration rows of a period (or of [start, end) in UTC)."""
    span = _in(start or period.start_utc, end or period.end_utc)
    where = (*span, Registration.status != NO_CONVERSATION)
    tally = Tally()
    channel = Registration.channel
    for chan, count in session.execute(
            select(channel, func.count()).where(*span, Registration.status == NO_CONVERSATION)
            .group_by(channel)):
        tally.add("status", chan, NO_CONVERSATION, count)
    help_text = sa.cast(Registration.help_given, sa.Text)
    for number, group in enumerate(COLUMN_GROUPS):
        names, columns = list(group), list(group.values())
        extra = [help_text] if number == 1 else []  # the help given rides on the 2nd scan
        for chan, *values, count in session.execute(
                select(channel, *columns, *extra, func.count()).where(*where)
                .group_by(channel, *columns, *extra)):
            for name, value in zip(names, values, strict=False):
                tally.add(name, chan, key_of(value), count)
            if extra:
                for key in _help_keys(values[-1]):
                    tally.add("help_given", chan, key, count)
    _times(session, where, tally)
    month = _month_case(period, start or period.start_utc, end or period.end_utc)
    for label, chan, count in session.execute(
            select(month, channel, func.count()).where(*where).group_by(month, channel)):
        tally.add("month", chan, label, count)
    return tally


def _month_case(period: Period, start: datetime, end: datetime):
    """SQL giving each row its local month (YYYY-MM): a CASE over the months' UTC starts,
    so the database groups by month in the helpline's time zone on any backend."""
    tz = period.tz
    local = start.replace(tzinfo=UTC).astimezone(tz)
    month = date(local.year, local.month, 1)
    whens = []
    while True:
        following = _next_month(month)
        boundary = datetime.combine(following, datetime.min.time(), tz).astimezone(
            UTC).replace(tzinfo=None)
        whens.append((Registration.contact_hour < boundary, month.strftime("%Y-%m")))
        if boundary >= end:
            break
        month = following
    return sa.case(*whens, else_=month.strftime("%Y-%m"))


@functools.lru_cache(maxsize=256)
def _help_keys(text: str | None) -> tuple[str, ...]:
    try:
        keys = json.loads(text or "[]")
    except ValueError:
        return ()
    return tuple(k for k in keys if isinstance(k, str)) if isinstance(keys, list) else ()


def _times(session: Session, where, tally: Tally) -> None:
    """Duration histograms (whole minutes) with exact sums, and waits (seconds): one scan."""
    channel = Registration.channel
    minutes = Registration.duration_seconds // 60
    wait = Registration.wait_seconds
    for chan, minute, seconds, count, total in session.execute(
            select(channel, minutes, wait, func.count(), func.sum(Registration.duration_seconds))
            .where(*where, sa.or_(Registration.duration_seconds.is_not(None), wait.is_not(None)))
            .group_by(channel, minutes, wait)):
        if minute is not None:
            tally.add("duration_minute", chan, str(int(minute)), count)
            tally.add("duration_sum", chan, "seconds", total or 0)
            tally.add("duration_n", chan, "n", count)
        if seconds is not None:
            tally.add("wait_second", chan, str(int(seconds)), count)


def month_tally(session: Session, period: Period) -> Tally:
    """The folded counts of the months that start inside the period."""
    tally = Tally()
    first = period.first.replace(day=1) if period.first.day == 1 else _next_month(period.first)
    for channel, dimension, key, count in session.execute(
            select(MonthCount.channel, MonthCount.dimension, MonthCount.key,
                   func.sum(MonthCount.count))
            .where(MonthCount.month >= first, MonthCount.month <= period.last)
            .group_by(MonthCount.channel, MonthCount.dimension, MonthCount.key)):
        tally.add(dimension, channel, key, count)
    return tally


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def tally(session: Session, period: Period) -> Tally:
    """Everything a report counts for the period: rows plus folded months."""
    return row_tally(session, period).merge(month_tally(session, period))


def first_day(session: Session, period_tz) -> date | None:
    """The first local day with anything a report counts ("since the start"): a
    registration, a folded month, a centre's reported arrivals or a missed contact."""
    days = [session.scalar(select(func.min(MonthCount.month))),
            session.scalar(select(func.min(ReferralArrival.first_day)))]
    for hour in (session.scalar(select(func.min(Registration.contact_hour))),
                 session.scalar(select(func.min(MissedContact.hour)))):
        if hour is not None:
            days.append(hour.replace(tzinfo=UTC).astimezone(period_tz).date())
    days = [d for d in days if d is not None]
    return min(days) if days else None


# ---------- histograms ----------

def quantile(histogram: Counter, q: float) -> float | None:
    """The q-quantile (0..1) of values given as {value: count} (nearest rank)."""
    n = sum(histogram.values())
    if not n:
        return None
    rank = max(1, math.ceil(round(q * n, 9)))
    seen = 0
    for value in sorted(histogram, key=float):
        seen += histogram[value]
        if seen >= rank:
            return float(value)
    return float(max(histogram, key=float))
