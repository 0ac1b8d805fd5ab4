"""SQL models for opening hours and missed contacts.

A missed contact is three facts and nothing else: the hour (UTC, truncated), why it was
missed, and how long the chatter waited where that applies. No identifier of any kind.
"""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

EXCEPTION_KINDS = ("closed", "extra")
# Why a chatter was missed; and an anonymous message left unanswered past its promised
# day (counted once per conversation, at the hour that day ended: messages/inbox.py).
CHAT_REASONS = ("closed", "nobody_on_duty", "left_unanswered", "dropped_waiting", "at_capacity")
REASONS = (*CHAT_REASONS, "message_overdue")
# The reasons where a chatter was in the line and left it before being answered.
WAITED_REASONS = ("left_unanswered", "dropped_waiting")
NOTE_MAX = 200


class OpeningSlot(db.Model):
    """A weekly session of one channel, in the helpline's wall-clock time.

    `ends` of 00:00 means midnight at the end of the day (24:00); otherwise `ends` is
    after `starts`: a session never runs across midnight (split it into two).
    """

    __tablename__ = "opening_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(16))
    weekday: Mapped[int]  # 0 = Monday .. 6 = Sunday
    starts: Mapped[time] = mapped_column(sa.Time)
    ends: Mapped[time] = mapped_column(sa.Time)


class OpeningException(db.Model):
    """A change to one day of one channel: closed (all day or a span), or an extra session."""

    __tablename__ = "opening_exceptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(16))
    day: Mapped[date] = mapped_column(sa.Date, index=True)
    kind: Mapped[str] = mapped_column(sa.String(8))  # closed | extra
    starts: Mapped[time | None] = mapped_column(sa.Time)  # both null: the whole day closed
    ends: Mapped[time | None] = mapped_column(sa.Time)
    note: Mapped[str] = mapped_column(sa.String(NOTE_MAX), default="")


class MissedContact(db.Model):
    """One chatter the helpline did not reach: when (to the hour), why, and the wait."""

    __tablename__ = "missed_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    hour: Mapped[datetime] = mapped_column(index=True)  # UTC, truncated to the hour
    reason: Mapped[str] = mapped_column(sa.String(32))
    wait_seconds: Mapped[int | None]
