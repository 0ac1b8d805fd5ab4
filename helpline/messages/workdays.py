"""The promised answer day: N working days after the day of writing.

A working day is a local day on which the "message" channel is staffed, when it has
weekly hours of its own (the opening-hours page gives it hours like any channel, plus
that day's exceptions); without weekly hours of its own, a day on which the helpline is
open on any channel (a holiday closed on every channel is no working day). The day of
writing does not count. Should no channel open at all within SEARCH_DAYS (no
hours set), the promise falls back to calendar days rather than to no day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..availability import schedule
from ..availability.models import OpeningException, OpeningSlot
from ..records.models import CHANNELS

SEARCH_DAYS = 366


MESSAGE_CHANNEL = "message"


def counted_channels(slots: list) -> tuple[str, ...]:
    """The message channel alone when it has weekly hours, else every channel."""
    if any(slot.channel == MESSAGE_CHANNEL for slot in slots):
        return (MESSAGE_CHANNEL,)
    return CHANNELS


def is_working_day(slots: list, exceptions: list, day: date,
                   channels: tuple[str, ...] = CHANNELS) -> bool:
    return any(schedule.local_sessions(slots, exceptions, channel, day) for channel in channels)


def due_day(slots: Iterable, exceptions: Iterable, today: date, working_days: int) -> date:
    """The `working_days`-th working day after `today` (pure: any objects shaped like the
    opening-hours models)."""
    if working_days <= 0:
        return today
    slots, exceptions = list(slots), list(exceptions)
    channels = counted_channels(slots)
    counted, day = 0, today
    for _ in range(SEARCH_DAYS):
        day += timedelta(days=1)
        if is_working_day(slots, exceptions, day, channels):
            counted += 1
            if counted >= working_days:
                return day
    return today + timedelta(days=working_days)


def answer_due(session: Session, today: date, working_days: int) -> date:
    """due_day with the helpline's opening hours from the database."""
    slots = list(session.scalars(select(OpeningSlot)))
    exceptions = list(session.scalars(select(OpeningException).where(
        OpeningException.day > today,
        OpeningException.day <= today + timedelta(days=SEARCH_DAYS))))
    return due_day(slots, exceptions, today, working_days)
