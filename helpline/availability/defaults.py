"""First-run opening hours from config/hours.toml, copied into SQL once."""

from __future__ import annotations

import tomllib
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..records.models import CHANNELS
from . import schedule
from .models import OpeningException, OpeningSlot

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def load_defaults(path: str | Path) -> list[schedule.Slot]:
    """The weekly sessions the file lists; a mistake in it stops the start with its place."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    unknown = set(data) - set(CHANNELS)
    if unknown:
        raise ValueError(f"{path}: unknown channel(s) {sorted(unknown)}; use {CHANNELS}")
    slots = []
    for channel in CHANNELS:
        for n, entry in enumerate(data.get(channel, []), 1):
            where = f"{path}: {channel} session {n}"
            try:
                day = str(entry["day"]).lower()[:3]
                if day not in WEEKDAYS:
                    raise schedule.ScheduleError(f"unknown day {entry['day']!r}")
                starts = schedule.parse_time(str(entry["starts"]))
                ends = schedule.parse_time(str(entry["ends"]), allow_24=True)
                schedule.check_span(starts, ends)
            except (KeyError, schedule.ScheduleError) as exc:
                raise ValueError(f"{where}: {exc}") from None
            slots.append(schedule.Slot(channel, WEEKDAYS.index(day), starts, ends))
    return slots


def seed_if_empty(session: Session, path: str | Path) -> bool:
    """Copy the file's hours into SQL when no hours exist yet; True when it did."""
    count = session.scalar(select(func.count()).select_from(OpeningSlot))
    count += session.scalar(select(func.count()).select_from(OpeningException))
    if count:
        return False
    for slot in load_defaults(path):
        session.add(OpeningSlot(channel=slot.channel, weekday=slot.weekday,
                                starts=slot.starts, ends=slot.ends))
    session.commit()
    return True
