"""The audit trail: who did what to which chat, when. Nothing about the chatter.

Supervisors may look into a therapist's chat (shared professional secrecy); every such
look is recorded so it can be accounted for. A row holds only the actor, the action, the
time (UTC, to the second), the chat's random id (it names no person and dies with the
chat) and, for staff actions, the colleague concerned. There is deliberately no column
for message text, a whisper, a note or anything else free: nothing written in a chat can
land here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from .extensions import db
from .records.models import Staff

ACTIONS = (
    # supervision (helpline/supervision/)
    "monitor", "whisper", "join", "triage", "risk_flag", "risk_clear", "remove_waiting",
    "clear_places",
    # transfer and staff management
    "transfer", "staff_create", "staff_role", "staff_password_reset", "staff_deactivate",
    "staff_reactivate",
    # sign-in security (helpline/auth/): never a secret
    # or a code
    "staff_password_change", "staff_2fa_enrol", "staff_2fa_off", "staff_2fa_reset",
    "staff_recovery_code_used", "staff_recovery_codes_renewed", "staff_signin_locked",
    "staff_signin_unlocked",
    # registrations (helpline/records/registrations.py): which one, never its content
    "registration_correct",
    # the identity scrubber's rescan of stored notes (records/rescan.py): a count only
    "notes_rescan",
    # canned responses (helpline/canned/library.py): who changed the library, not the text
    "canned_create", "canned_edit", "canned_delete",
    # the name chatters see (accounts page or own account page)
    "staff_display_name",
    # anonymous messages (helpline/messages/inbox.py): chat_ref is "message-<row id>";
    # who opened, took, handed over (to whom), asked a supervisor about or closed which
    # conversation, never a text or a note
    "message_open", "message_take", "message_handover", "message_consult", "message_close",
)
# A chat reference is the random chat id the platform issued, nothing else.
_CHAT_REF = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def utcnow_second() -> datetime:
    """Now in UTC (naive, as stored), to the second."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


class AuditEvent(db.Model):
    """One supervision or staff-management action (no text, no chatter data)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True, default=utcnow_second)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    action: Mapped[str] = mapped_column(sa.String(32))
    chat_ref: Mapped[str | None] = mapped_column(sa.String(64))
    target_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    # The registration corrected (its row number; the row holds no identity either).
    registration_id: Mapped[int | None]
    # How many rows a bulk action changed (the notes rescan); never what they held.
    count: Mapped[int | None]


def record(session: Session, actor_id: int, action: str, chat_ref: str | None = None,
           target_staff_id: int | None = None,
           registration_id: int | None = None, count: int | None = None) -> AuditEvent:
    """Write one audit row and commit it.

    Refuses an unknown action and a chat reference that is not a chat id, so a caller
    cannot slip text into the trail by mistake.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if chat_ref is not None and not (isinstance(chat_ref, str) and _CHAT_REF.match(chat_ref)):
        raise ValueError("chat_ref must be a chat id")
    row = AuditEvent(at=utcnow_second(), actor_id=int(actor_id), action=action,
                     chat_ref=chat_ref,
                     target_staff_id=None if target_staff_id is None else int(target_staff_id),
                     registration_id=None if registration_id is None else int(registration_id),
                     count=None if count is None else int(count))
    session.add(row)
    session.commit()
    return row


def latest(session: Session, limit: int = 50) -> list[dict]:
    """The newest rows with the staff names, for the supervisor page."""
    actor = aliased(Staff)
    target = aliased(Staff)
    rows = session.execute(
        select(AuditEvent, actor.display_name, target.display_name)
        .join(actor, AuditEvent.actor_id == actor.id)
        .outerjoin(target, AuditEvent.target_staff_id == target.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    ).all()
    return [
        {"id": e.id, "at": e.at.replace(tzinfo=UTC), "actor": actor_name, "action": e.action,
         "chat_ref": e.chat_ref, "target": target_name, "registration_id": e.registration_id,
         "count": e.count}
        for e, actor_name, target_name in rows
    ]
