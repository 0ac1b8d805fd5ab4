"""Opening hours as pure functions: weekly sessions plus exceptions, in wall-clock time.

Sessions are wall-clock times in the helpline's time zone (HELPLINE_TIMEZONE, default
Europe/Brussels), so "Thursday 19:00-21:30" stays 19:00-21:30 local on both sides of a
daylight-saving change. Each local day's sessions are built first (weekly slots of that
weekday, plus extra sessions, minus closures), then turned into UTC instants. A session
never runs across midnight: it ends at 24:00 at the latest (stored as 00:00).

Local times that do not exist (the skipped hour in spring) resolve with the offset in
force before the change; repeated ones (the doubled hour in autumn) mean the first pass.

Everything here takes plain objects with the attributes of the SQL models (or the
dataclasses below) and an explicit time zone, so it can be tested without a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

MIDNIGHT = time(0, 0)
# How far next_opening looks ahead: about eight weeks.
SEARCH_DAYS = 56
DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

Span = tuple[datetime, datetime]


class SlotLike(Protocol):
    channel: str
    weekday: int
    starts: time
    ends: time


class ExceptionLike(Protocol):
    channel: str
    day: date
    kind: str
    starts: time | None
    ends: time | None


@dataclass(frozen=True)
class Slot:
    """A weekly session (the shape of OpeningSlot, without a database)."""

    channel: str
    weekday: int
    starts: time
    ends: time


@dataclass(frozen=True)
class DayException:
    """A one-day change (the shape of OpeningException, without a database)."""

    channel: str
    day: date
    kind: str  # closed | extra
    starts: time | None = None
    ends: time | None = None
    note: str = ""


class ScheduleError(ValueError):
    """A session or exception that cannot be right (shown to the supervisor as is)."""


def zone(name: str) -> ZoneInfo:
    """The helpline's time zone by its IANA name (tzdata provides it when the OS does not)."""
    return ZoneInfo(name)


def parse_time(text: str, *, allow_24: bool = False) -> time:
    """'HH:MM' (24-hour clock); '24:00' only for the end of a session (stored as 00:00)."""
    value = (text or "").strip()
    if allow_24 and value == "24:00":
        return MIDNIGHT
    if len(value) != 5 or value[2] != ":" or not (value[:2] + value[3:]).isdigit():
        raise ScheduleError("Use HH:MM, for example 09:30.")
    hours, minutes = int(value[:2]), int(value[3:])
    if hours > 23 or minutes > 59:
        raise ScheduleError("Use a time between 00:00 and 23:59" + (" or 24:00." if allow_24
                                                                     else "."))
    return time(hours, minutes)


def format_time(moment: time, *, end: bool = False) -> str:
    """HH:MM; the end of a session at midnight reads 24:00."""
    if end and moment == MIDNIGHT:
        return "24:00"
    return moment.strftime("%H:%M")


def format_span(starts: time, ends: time) -> str:
    """A session as it reads everywhere: 09:30–12:30, 19:00–24:00."""
    return f"{format_time(starts)}–{format_time(ends, end=True)}"


def span_minutes(starts: time, ends: time) -> tuple[int, int]:
    """A session's start and end in minutes since midnight; midnight at the end is 1440."""
    end = 24 * 60 if ends == MIDNIGHT else ends.hour * 60 + ends.minute
    return starts.hour * 60 + starts.minute, end


def check_span(starts: time | None, ends: time | None) -> None:
    """A session has both times and ends after it starts, at 24:00 at the latest."""
    if starts is None or ends is None:
        raise ScheduleError("Give both a start and an end time.")
    if ends != MIDNIGHT and ends <= starts:
        raise ScheduleError("The end must be after the start; a session cannot run past "
                            "midnight (end it at 24:00 and add one the next day).")


def _wall(day: date, starts: time, ends: time) -> tuple[datetime, datetime]:
    """A session as naive local wall-clock datetimes; an end of 00:00 is the next midnight."""
    end_day = day + timedelta(days=1) if ends == MIDNIGHT else day
    return datetime.combine(day, starts), datetime.combine(end_day, ends)


def _merge(spans: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Sorted, with overlapping or touching spans joined, empty ones dropped."""
    out: list[tuple[datetime, datetime]] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _subtract(spans: list[tuple[datetime, datetime]], cut: tuple[datetime, datetime]):
    out = []
    for start, end in spans:
        if cut[1] <= start or cut[0] >= end:
            out.append((start, end))
            continue
        if start < cut[0]:
            out.append((start, cut[0]))
        if cut[1] < end:
            out.append((cut[1], end))
    return out


def local_sessions(slots: Iterable[SlotLike], exceptions: Iterable[ExceptionLike],
                   channel: str, day: date) -> list[tuple[datetime, datetime]]:
    """One local day's sessions of a channel, as naive wall-clock spans.

    Weekly slots of the weekday and extra sessions are joined; closures are cut out
    afterwards, so a closure always wins over an extra session on the same day.
    """
    spans = [_wall(day, s.starts, s.ends) for s in slots
             if s.channel == channel and s.weekday == day.weekday()]
    todays = [e for e in exceptions if e.channel == channel and e.day == day]
    spans += [_wall(day, e.starts, e.ends) for e in todays
              if e.kind == "extra" and e.starts is not None and e.ends is not None]
    spans = _merge(spans)
    for e in todays:
        if e.kind != "closed":
            continue
        if e.starts is None or e.ends is None:
            return []
        spans = _subtract(spans, _wall(day, e.starts, e.ends))
    return spans


def _utc(local: datetime, tz: ZoneInfo) -> datetime:
    return local.replace(tzinfo=tz).astimezone(UTC)


def _aware(moment: datetime) -> datetime:
    """Naive datetimes given to these functions are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def sessions(slots: Iterable[SlotLike], exceptions: Iterable[ExceptionLike], channel: str,
             first: date, last: date, tz: ZoneInfo) -> list[Span]:
    """Every session of a channel from local day `first` to `last`, as merged UTC spans."""
    slots, exceptions = list(slots), list(exceptions)
    spans = []
    day = first
    while day <= last:
        spans += [(_utc(s, tz), _utc(e, tz))
                  for s, e in local_sessions(slots, exceptions, channel, day)]
        day += timedelta(days=1)
    return _merge(spans)


def _around(slots, exceptions, channel, at_utc, tz, days_ahead) -> tuple[datetime, list[Span]]:
    at = _aware(at_utc)
    today = at.astimezone(tz).date()
    return at, sessions(slots, exceptions, channel, today - timedelta(days=1),
                        today + timedelta(days=days_ahead), tz)


def is_open(slots: Iterable[SlotLike], exceptions: Iterable[ExceptionLike], channel: str,
            at_utc: datetime, tz: ZoneInfo) -> bool:
    """Whether the channel is open at this instant."""
    at, spans = _around(slots, exceptions, channel, at_utc, tz, 1)
    return any(start <= at < end for start, end in spans)


def current_session_end(slots: Iterable[SlotLike], exceptions: Iterable[ExceptionLike],
                        channel: str, at_utc: datetime, tz: ZoneInfo) -> datetime | None:
    """When the session running now ends (sessions that touch count as one), or None."""
    at, spans = _around(slots, exceptions, channel, at_utc, tz, SEARCH_DAYS)
    for start, end in spans:
        if start <= at < end:
            return end
    return None


def next_opening(slots: Iterable[SlotLike], exceptions: Iterable[ExceptionLike], channel: str,
                 at_utc: datetime, tz: ZoneInfo) -> datetime | None:
    """The start of the next session after this instant (after the running one, if any).

    None when nothing opens within SEARCH_DAYS.
    """
    at, spans = _around(slots, exceptions, channel, at_utc, tz, SEARCH_DAYS)
    return next((start for start, _ in spans if start > at), None)


def weekly_spans(slots: Iterable[SlotLike], channel: str) -> list[list[tuple[time, time]]]:
    """Per weekday (0 = Monday), the channel's weekly sessions as (start, end) times."""
    days: list[list[tuple[time, time]]] = [[] for _ in range(7)]
    monday = date(2001, 1, 1)  # any Monday: only the wall-clock times matter here
    for weekday in range(7):
        day = monday + timedelta(days=weekday)
        merged = local_sessions(slots, [], channel, day)
        days[weekday] = [(s.time(), e.time()) for s, e in merged]
    return days


def covers_hour(days: list[list[tuple[time, time]]], weekday: int, hour: int) -> bool:
    """Whether any weekly session overlaps the local hour [hour:00, hour+1:00) of a weekday."""
    lo, hi = hour * 60, hour * 60 + 60
    return any(s < hi and e > lo for s, e in (span_minutes(*span) for span in days[weekday]))


# The English words of weekly_text (the `make run` banner); pages pass translated ones.
HOURS_WORDS = {"always": "Every day, 24 hours", "every_day": "Every day {hours}",
               "none": "No regular hours"}


def weekly_text(slots: Iterable[SlotLike], channel: str,
                day_names: Sequence[str] = DAY_ABBR, words: dict | None = None) -> str:
    """Human opening hours of a channel, e.g. 'Tue 15:00–19:00; Wed 09:30–12:30'.

    Consecutive days with the same hours are grouped ('Mon–Fri 09:00–17:00'); a channel
    open around the clock reads 'Every day, 24 hours'. `day_names` and `words` carry the
    reader's language (helpline/i18n.py).
    """
    words = {**HOURS_WORDS, **(words or {})}
    days = weekly_spans(slots, channel)
    text = [", ".join(format_span(s, e) for s, e in spans) for spans in days]
    if all(t == "00:00–24:00" for t in text):
        return str(words["always"])
    if all(text) and len(set(text)) == 1:
        return str(words["every_day"]).replace("{hours}", text[0])
    parts = []
    weekday = 0
    while weekday < 7:
        if not text[weekday]:
            weekday += 1
            continue
        last = weekday
        while last + 1 < 7 and text[last + 1] == text[weekday]:
            last += 1
        label = day_names[weekday] if last == weekday else (
            f"{day_names[weekday]}–{day_names[last]}")
        parts.append(f"{label} {text[weekday]}")
        weekday = last + 1
    return "; ".join(parts) if parts else str(words["none"])
