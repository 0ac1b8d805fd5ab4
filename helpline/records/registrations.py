"""One registration for every contact: phone and e-mail filed by staff, corrections, lists.

Chats are filed from the console (records/summaries.py); both go through `prepare`, so
every channel has the same taxonomy rules and the same identity scrubber.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..realtime.protocol import ProtocolError
from .models import Registration, Staff, to_hour, utcnow
from .scrubber import Removal, scrub
from .summary_rules import validate_summary
from .taxonomy import Taxonomy

STAFF_CHANNELS = ("phone", "email")  # chats are registered from the console
# Registered from the conversation itself (the console, the messages inbox): their
# channel and times are not the form's to change.
CONVERSATION_CHANNELS = ("chat", "message")
EDIT_DAYS = 7  # a therapist sees and corrects their own registrations this long
MAX_DURATION_MINUTES = 24 * 60
LIST_LIMIT = 500


class NeedsConfirmation(Exception):
    """The scrubber changed the note: the therapist must see what was removed and confirm."""

    def __init__(self, note: str, removed: tuple[Removal, ...]):
        super().__init__("confirm_scrub")
        self.note = note
        self.removed = removed


class InvalidRegistration(ProtocolError):
    """Field errors, keyed by field, for a form to show beside each field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("invalid_summary", "; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def prepare(values: dict, taxonomy: Taxonomy, confirmed_note: str | None,
            errors: dict[str, str] | None = None, language: str = "nl") -> dict:
    """Validated, scrubbed field values; the one gate for every channel.

    `confirmed_note` is the scrubbed note the writer saw and accepted: it goes through
    only when it equals what the scrubber makes of the note now. `errors` found by the
    caller (times, channel) are reported together with the fields'. `language` is the
    writer's (their interface language): the markers are written in it.
    """
    clean, found = validate_summary(values, taxonomy)
    found = {**(errors or {}), **found}
    if found:
        raise InvalidRegistration(found)
    result = scrub(clean["note"], language)
    if result.changed and confirmed_note != result.text:
        raise NeedsConfirmation(result.text, result.removed)
    return {**clean, "note": result.text}


@dataclass(frozen=True)
class Contact:
    """What the staff form adds to the taxonomy fields for a phone call or an e-mail."""

    channel: str
    started: datetime  # naive UTC
    duration_minutes: int | None

    def check(self) -> dict[str, str]:
        errors = {}
        if self.channel not in STAFF_CHANNELS:
            errors["channel"] = "Not a known option."
        if self.duration_minutes is not None and not (
                0 <= self.duration_minutes <= MAX_DURATION_MINUTES):
            errors["duration"] = f"Must be between 0 and {MAX_DURATION_MINUTES} minutes."
        if self.started > utcnow() + timedelta(hours=1):
            errors["started"] = "Must not be in the future."
        return errors

    def fields(self) -> dict:
        """The registration's columns this contact sets (times kept to the hour)."""
        seconds = None if self.duration_minutes is None else self.duration_minutes * 60
        return {"channel": self.channel, "contact_hour": to_hour(self.started),
                "duration_seconds": seconds}


def register_contact(session: Session, taxonomy: Taxonomy, staff_id: int, contact: Contact,
                     values: dict, confirmed_note: str | None = None,
                     language: str = "nl") -> Registration:
    """File a phone or e-mail contact (times kept to the hour, like every registration)."""
    clean = prepare(values, taxonomy, confirmed_note, contact.check(), language)
    row = Registration(status="filed", staff_id=int(staff_id), **contact.fields(), **clean)
    session.add(row)
    session.commit()
    return row


def visible(session: Session, staff: Staff, limit: int = LIST_LIMIT) -> list[Registration]:
    """Newest first: a therapist's own of the last week, or everyone's for a supervisor."""
    query = select(Registration).order_by(Registration.contact_hour.desc(),
                                          Registration.id.desc()).limit(limit)
    if not staff.is_supervisor:
        query = query.where(Registration.staff_id == staff.id,
                            Registration.created_at >= _edit_since())
    return list(session.scalars(query))


def _edit_since() -> datetime:
    return to_hour(utcnow()) - timedelta(days=EDIT_DAYS)


def editable(session: Session, staff: Staff, registration_id: int) -> Registration | None:
    """The registration if this staff member may correct it, else None (looks like absent)."""
    row = session.get(Registration, registration_id)
    if row is None or staff.is_supervisor:
        return row
    if row.staff_id != staff.id or row.created_at < _edit_since():
        return None
    return row


def correct(session: Session, taxonomy: Taxonomy, staff: Staff, row: Registration,
            values: dict, confirmed_note: str | None = None,
            contact: Contact | None = None, language: str = "nl") -> Registration:
    """Change a registration's fields and record who corrected which one, when (no text)."""
    if row.channel in CONVERSATION_CHANNELS:
        contact = None  # a chat's or a message's channel and times come from itself
    errors = contact.check() if contact is not None else {}
    clean = prepare(values, taxonomy, confirmed_note, errors, language)
    for field, value in {**clean, **(contact.fields() if contact else {})}.items():
        setattr(row, field, value)
    if row.status in ("missing", "no_conversation"):
        row.status = "filed"  # filled in now: a contact after all
    session.add(row)
    session.commit()
    audit.record(session, staff.id, "registration_correct", registration_id=row.id)
    return row
