"""The gate on new chats: open, not about to close, someone on duty, room in the line.

Chats already running and chatters already waiting are never affected: the gate is
asked only when a new chatter presses start. A chatter turned away gets the reason,
when the chat opens next and the other channels, and is counted in the missed-contact
ledger once per browser tab (the page sends `counted: true` on later attempts; no
identifier is kept to tell tabs apart).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import i18n
from ..queue import assignment, line
from ..realtime.protocol import ProtocolError
from ..records.models import CHANNEL_NAMES
from . import missed, schedule
from .models import OpeningException, OpeningSlot


@dataclass(frozen=True)
class Hours:
    """The weekly sessions and the exceptions that matter for the next weeks."""

    slots: list[OpeningSlot]
    exceptions: list[OpeningException]


def timezone() -> ZoneInfo:
    return schedule.zone(current_app.config["HELPLINE_TIMEZONE"])


def today() -> date:
    """The helpline's date now: its pages and records count days in its time zone."""
    return datetime.now(UTC).astimezone(timezone()).date()


def load_hours(session: Session, now_utc: datetime) -> Hours:
    """Every weekly slot, and the exceptions from yesterday to the end of the search window."""
    today = now_utc.astimezone(timezone()).date()
    slots = list(session.scalars(select(OpeningSlot)))
    exceptions = list(session.scalars(select(OpeningException).where(
        OpeningException.day >= today - timedelta(days=1),
        OpeningException.day <= today + timedelta(days=schedule.SEARCH_DAYS + 1))))
    return Hours(slots, exceptions)


def _utc(now_utc: datetime | float) -> datetime:
    if isinstance(now_utc, int | float):
        return datetime.fromtimestamp(now_utc, UTC)
    return now_utc.replace(tzinfo=UTC) if now_utc.tzinfo is None else now_utc


def chat_taking_new(session: Session, now_utc: datetime | float,
                    hours: Hours | None = None) -> bool:
    """Whether the chat's hours allow a new chatter now (open, and not in the cut-off)."""
    if current_app.config["CHAT_ALWAYS_OPEN"]:
        return True
    now = _utc(now_utc)
    hours = hours or load_hours(session, now)
    end = schedule.current_session_end(hours.slots, hours.exceptions, "chat", now, timezone())
    cutoff = timedelta(minutes=current_app.config["CHAT_STOP_NEW_MINUTES_BEFORE_CLOSE"])
    return end is not None and end - now > cutoff


def check_new_chat(r: Redis, session: Session, now_utc: datetime | float,
                   counted: bool = False) -> None:
    """Raise ProtocolError(closed | nobody_on_duty | at_capacity) when a new chat can't start.

    The missed contact is recorded first, unless this tab was counted already.
    """
    cfg = current_app.config
    now = _utc(now_utc)
    reason = None
    hours = None
    if not cfg["CHAT_ALWAYS_OPEN"]:
        hours = load_hours(session, now)
        if not chat_taking_new(session, now, hours):
            reason = "closed"
        elif not assignment.on_duty(r):
            reason = "nobody_on_duty"
    if reason is None and cfg["MAX_LINE_LENGTH"] and line.length(r) >= cfg["MAX_LINE_LENGTH"]:
        reason = "at_capacity"
    if reason is None:
        return
    if not counted:
        missed.record(session, reason, now)
    raise ProtocolError(reason, extra=turned_away_info(session, now, hours))


def turned_away_info(session: Session, now_utc: datetime | float,
                     hours: Hours | None = None) -> dict:
    """What the closed page shows: next opening, the other channels, self-help."""
    cfg = current_app.config
    now = _utc(now_utc)
    hours = hours or load_hours(session, now)
    tz = timezone()
    nxt = schedule.next_opening(hours.slots, hours.exceptions, "chat", now, tz)
    contacts = {"phone": cfg["HELPLINE_PHONE"], "email": cfg["HELPLINE_EMAIL"]}
    channels = [
        {"channel": channel, "label": str(CHANNEL_NAMES[channel]), "contact": contact,
         "hours": i18n.hours_text(hours.slots, channel),
         "open_now": schedule.is_open(hours.slots, hours.exceptions, channel, now, tz)}
        for channel, contact in contacts.items() if contact
    ]
    end = schedule.current_session_end(hours.slots, hours.exceptions, "chat", now, tz)
    return {
        "next_opening": nxt.astimezone(tz).isoformat() if nxt else None,
        "open_until": end.astimezone(tz).isoformat() if end else None,
        "time_zone": tz.key,
        "chat_hours": i18n.hours_text(hours.slots, "chat"),
        "channels": channels,
        "self_help_url": cfg["SELF_HELP_URL"] or None,
        "counted": True,
    }


def intro_opening(session: Session, now_utc: datetime | float) -> dict:
    """What the intro says before any question: open now, or closed and when it opens.

    `open` follows the gate's hours (the cut-off before closing counts as closed); `next`
    is the next opening in the helpline's zone, worded by the page (None if unknown).
    """
    now = _utc(now_utc)
    if current_app.config["CHAT_ALWAYS_OPEN"]:
        return {"open": True, "next": None}
    hours = load_hours(session, now)
    if chat_taking_new(session, now, hours):
        return {"open": True, "next": None}
    tz = timezone()
    nxt = schedule.next_opening(hours.slots, hours.exceptions, "chat", now, tz)
    return {"open": False, "next": nxt.astimezone(tz) if nxt else None}
