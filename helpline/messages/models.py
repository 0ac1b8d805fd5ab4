"""SQL models of anonymous messages: only what must outlive a request, nothing about the writer.

A conversation row holds times, a state, the writer's optional age band and gender (the
chat's taxonomy keys), the code's verifier (an HMAC, never the code), the therapist who
took it, the promised answer day and its data key wrapped by the key of an epoch kept
outside the database (keys.py). Its messages hold only AES-GCM ciphertext.

When a conversation ends (the writer ends it, or it expires) its messages, its wrapped
key and its code's verifier are deleted at once; the row stays, without text or code,
as the stub the therapist files the registration from (conversations.forget removes it).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

STATES = ("open", "answered", "ended", "closed", "expired")
LIVE_STATES = ("open", "answered")  # a code opens these; the others have no text left
# How a conversation stopped: the writer ended it, a therapist closed it after the last
# answer was read, or it expired. Each leaves a stub to file the registration from.
ENDED_STATES = ("ended", "closed", "expired")
AUTHORS = ("writer", "staff")


class Conversation(db.Model):
    """One anonymous conversation: its state and times, never its text or its code."""

    __tablename__ = "message_conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]  # naive UTC, like every time in the database
    last_activity_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None]
    state: Mapped[str] = mapped_column(sa.String(16), index=True, default="open")
    language: Mapped[str] = mapped_column(sa.String(8))
    age_band: Mapped[str | None] = mapped_column(sa.String(64))
    gender: Mapped[str | None] = mapped_column(sa.String(64))
    # HMAC-SHA256(SECRET_KEY, code) in hex (codes.py); NULL once the conversation ended.
    code_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    answer_due: Mapped[date] = mapped_column(sa.Date)  # local day, helpline's time zone
    # The data key, AES-GCM-wrapped by the key-encryption key of `key_epoch` (keys.py);
    # both NULL once the conversation ended: its text can no longer be read.
    key_epoch: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    wrapped_key: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    # The staff side (0012): when the first answer was written and whether that was by the
    # promised day (kept for the registration's answer-time figures), when the writer last
    # opened the conversation (a therapist may close it once the last answer was read),
    # whether it was counted once as overdue in the missed ledger, and since when a
    # supervisor is asked to look at it.
    first_answer_at: Mapped[datetime | None]
    answered_in_time: Mapped[bool | None]
    writer_read_at: Mapped[datetime | None]
    overdue_counted: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    supervisor_asked_at: Mapped[datetime | None]


class Message(db.Model):
    """One message of a conversation: which side wrote it, when, and its ciphertext."""

    __tablename__ = "message_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("message_conversations.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(sa.String(8))  # writer | staff
    at: Mapped[datetime]
    ciphertext: Mapped[bytes] = mapped_column(sa.LargeBinary)


class HandoverNote(db.Model):
    """The note a therapist leaves when handing a conversation to a colleague: encrypted
    with the conversation's data key (keys.py, author "note"), so it is shredded with it."""

    __tablename__ = "message_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("message_conversations.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    from_staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    to_staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    ciphertext: Mapped[bytes] = mapped_column(sa.LargeBinary)
