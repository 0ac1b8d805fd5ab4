"""Follow-up without identity: a short code that lets a chatter come back to the line.

The therapist issues a code for an agreed day (and a window after it); the chatter
notes it down. Entering it on the chat page within the window puts the chatter first in
the line, offered first to the same therapist when they are on duty, and links the new
registration to the earlier one through a random series id. The code itself is never
stored: only HMAC-SHA256(SECRET_KEY, code). It works once, expires after its window,
and a wrong code gets one answer whether or not it ever existed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..extensions import db
from ..realtime.protocol import ProtocolError
from .models import utcnow

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: easy to read out and note
CODE_LENGTH = 8
MAX_WINDOW_DAYS = 14
MAX_DAYS_AHEAD = 90
_NOT_CODE = re.compile(r"[\s\-]")


class FollowUpCode(db.Model):
    """An issued follow-up code, as its keyed hash only, with its window and series."""

    __tablename__ = "follow_up_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    series_id: Mapped[str] = mapped_column(sa.String(32))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    valid_from: Mapped[date] = mapped_column(sa.Date)
    valid_until: Mapped[date] = mapped_column(sa.Date, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


@dataclass(frozen=True)
class Issued:
    code: str  # shown once to the therapist and the chatter, never stored
    series_id: str
    valid_from: date
    valid_until: date

    def as_dict(self) -> dict:
        return {"code": self.code, "from": self.valid_from.isoformat(),
                "until": self.valid_until.isoformat()}


@dataclass(frozen=True)
class Redeemed:
    series_id: str
    staff_id: str | None
    issued_at: datetime | None = None  # UTC: the day of the registration it follows up


def new_code() -> str:
    """Eight characters of the unambiguous alphabet, shown as ABCD-EFGH."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise(code: object) -> str | None:
    """What the chatter typed, as the canonical 8 characters, or None when it cannot be one."""
    if not isinstance(code, str) or len(code) > 40:
        return None
    plain = _NOT_CODE.sub("", code).upper()
    if len(plain) != CODE_LENGTH or any(ch not in ALPHABET for ch in plain):
        return None
    return plain


def code_hash(secret: str, code: str) -> str:
    return hmac.new(secret.encode(), code.encode(), hashlib.sha256).hexdigest()


def window(on: object, days: object, today: date) -> tuple[date, date]:
    """The agreed day (YYYY-MM-DD, today..+90 days) and a window of 0..14 days after it."""
    try:
        first = date.fromisoformat(on) if isinstance(on, str) else None
    except ValueError:
        first = None
    if first is None or not today <= first <= today + timedelta(days=MAX_DAYS_AHEAD):
        raise ProtocolError("bad_payload", "Choose a day from today up to 90 days ahead.")
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_WINDOW_DAYS:
        raise ProtocolError("bad_payload", "The window is 0 to 14 days.")
    return first, first + timedelta(days=days)


def issue(session: Session, secret: str, staff_id: str, first: date, last: date,
          series_id: str | None = None) -> Issued:
    """Store a new code's hash; a chat already in a series keeps its series id."""
    series = series_id or secrets.token_hex(16)
    while True:
        code = new_code()
        digest = code_hash(secret, normalise(code))
        if not session.scalar(select(FollowUpCode.id).where(FollowUpCode.code_hash == digest)):
            break
    session.add(FollowUpCode(code_hash=digest, series_id=series, staff_id=int(staff_id),
                             valid_from=first, valid_until=last))
    session.commit()
    return Issued(code, series, first, last)


BAD_CODE = "bad_code"


def redeem(session: Session, secret: str, code: object, today: date) -> Redeemed:
    """Use a code once, inside its window; any failure is the same `bad_code` error."""
    plain = normalise(code)
    digest = code_hash(secret, plain or "-")
    row = session.execute(
        select(FollowUpCode.id, FollowUpCode.series_id, FollowUpCode.staff_id,
               FollowUpCode.created_at)
        .where(FollowUpCode.code_hash == digest, FollowUpCode.used_at.is_(None),
               FollowUpCode.valid_from <= today, FollowUpCode.valid_until >= today)).first()
    if plain is None or row is None:
        raise ProtocolError(BAD_CODE)
    used = session.execute(update(FollowUpCode)
                           .where(FollowUpCode.id == row.id, FollowUpCode.used_at.is_(None))
                           .values(used_at=utcnow())).rowcount
    session.commit()
    if used != 1:  # another tab used it at the same moment
        raise ProtocolError(BAD_CODE)
    return Redeemed(row.series_id, None if row.staff_id is None else str(row.staff_id),
                    row.created_at)


def purge(session: Session, today: date) -> int:
    """Delete codes that were used or whose window is over (the daily retention job)."""
    done = session.execute(delete(FollowUpCode).where(
        or_(FollowUpCode.used_at.is_not(None), FollowUpCode.valid_until < today))).rowcount
    session.commit()
    return done
