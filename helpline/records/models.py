"""SQL models: staff accounts and identity-free registrations (nothing here can hold a chatter)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

ROLES = ("therapist", "supervisor")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def to_hour(moment: datetime) -> datetime:
    """Times of contacts are kept to the hour: enough for reports, too coarse to single out."""
    return moment.replace(minute=0, second=0, microsecond=0)


class Staff(UserMixin, db.Model):
    """A therapist or supervisor account."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(64))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(16), default="therapist")
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped to sign the account out everywhere (deactivation, password reset).
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A first-run or reset password is one-time: the person sets their own at sign-in.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # When that one-time password was issued (UTC): it expires ONE_TIME_PASSWORD_HOURS later.
    one_time_password_at: Mapped[datetime | None] = mapped_column(nullable=True, default=None)
    # Two-factor sign-in (TOTP): the base32 secret, the last time step accepted (a code is
    # never accepted twice) and the SHA-256 digests of the unused recovery codes.
    # A Fernet token (auth/totp_keys.py), or a clear base32 secret written before 0010.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(255))
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    recovery_codes: Mapped[str | None] = mapped_column(sa.Text)
    # Preferred language of the staff pages (nl/fr/en); None follows the browser.
    language: Mapped[str | None] = mapped_column(sa.String(8), nullable=True, default=None)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"


# The helpline's channels: every registration has one, and each has its opening hours.
CHANNELS = ("chat", "phone", "email", "message")
CHANNEL_NAMES = {"chat": _l("Chat"), "phone": _l("Phone"), "email": _l("E-mail"),
                 "message": _l("Anonymous message")}
CONTACTED_BEFORE = ("yes", "no", "unknown")


class Registration(db.Model):
    """The registration of one contact, any channel: categories and a scrubbed note, never
    an identity. A chat summary is a registration whose times come from the chat.

    status is 'filed' when a therapist filed it, 'missing' when a chat's deadline passed
    without one (then only the times are known), 'no_conversation' for a chat that ended
    before the chatter wrote anything (quick exit, left at once; not a contact in reports).
    The table keeps its first name, `summaries`, so nothing else has to move.
    """

    __tablename__ = "summaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(16), default="chat")
    status: Mapped[str] = mapped_column(sa.String(16), default="filed")
    contact_hour: Mapped[datetime] = mapped_column(index=True)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    target_group: Mapped[str | None] = mapped_column(sa.String(64))
    subcategory: Mapped[str | None] = mapped_column(sa.String(64))
    help_given: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    referral_target: Mapped[str | None] = mapped_column(sa.String(64))
    referral_region: Mapped[str | None] = mapped_column(sa.String(64))
    referral_accepted: Mapped[bool | None]
    follow_up: Mapped[str | None] = mapped_column(sa.String(64))
    risk: Mapped[str | None] = mapped_column(sa.String(64))
    contacted_before: Mapped[str] = mapped_column(sa.String(16), default="unknown")
    said_helpful: Mapped[bool] = mapped_column(default=False)
    age_band: Mapped[str] = mapped_column(sa.String(32), default="unknown")
    gender: Mapped[str] = mapped_column(sa.String(32), default="unknown")
    # A chat's wait in the line; an anonymous message's time to its first answer (whole
    # minutes, in seconds), None when it was never answered.
    wait_seconds: Mapped[int | None]
    duration_seconds: Mapped[int | None]
    # A random id shared by the registrations of one follow-up series (no identity).
    series_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    # This contact is a follow-up appointment kept (the chatter came back with a code).
    follow_up_kept: Mapped[bool] = mapped_column(default=False)
    # An anonymous message only: first answered by the promised day (None when it ended
    # unanswered before that day: no promise was broken or kept).
    answered_in_time: Mapped[bool | None]
    note: Mapped[str] = mapped_column(sa.Text, default="")  # scrub markers may lengthen it
    created_at: Mapped[datetime] = mapped_column(default=lambda: to_hour(utcnow()))


Summary = Registration  # the chat side's name for the same registration
