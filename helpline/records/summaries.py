"""Filing the identity-free summary that closes a chat, and recording a missing one.

Filing is the moment the transcript stops existing: the summary row is written, then the
chat's messages and state are deleted from Redis and the therapist's slot is freed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from redis import Redis
from sqlalchemy.orm import Session

from ..chat import store
from ..queue import assignment
from ..realtime.protocol import ProtocolError
from .models import Summary, to_hour
from .registrations import NeedsConfirmation, prepare
from .taxonomy import Taxonomy

__all__ = ["NeedsConfirmation", "file_no_conversation", "file_summary", "record_missing"]


def _hour(ts: str | None) -> datetime:
    moment = datetime.fromtimestamp(float(ts), UTC) if ts else datetime.now(UTC)
    return to_hour(moment.replace(tzinfo=None))


def chat_times(chat: dict[str, str]) -> tuple[int | None, int | None]:
    """(wait, duration) in whole seconds, from the live chat's timestamps."""
    created, assigned, ended = (chat.get(k) for k in ("created_at", "assigned_at", "ended_at"))
    wait = round(float(assigned) - float(created)) if assigned and created else None
    duration = round(float(ended) - float(assigned)) if ended and assigned else None
    return wait, duration


def _series(chat: dict[str, str]) -> dict:
    """The follow-up series a chat belongs to (records/followup.py), if any."""
    return {"series_id": chat.get("series") or None,
            "follow_up_kept": chat.get("follow_up_kept") == "1"}


def due_chat(r: Redis, staff_id: str, chat_id: str) -> dict[str, str]:
    """The ended chat this therapist owes a summary for, or a ProtocolError saying why not."""
    return store.held_chat(r, chat_id, staff_id, ("ended",), ProtocolError(
        "summary_not_due", _l("End the chat before filing its summary.")))


def _store(r: Redis, session: Session, chat_id: str, staff_id: str, chat: dict[str, str],
           status: str, **fields) -> Summary:
    """Write the chat's summary row (times from the chat), then forget the chat and free
    the slot: every way a chat is registered ends here, so the transcript never outlives it."""
    wait, duration = chat_times(chat)
    summary = Summary(status=status, contact_hour=_hour(chat.get("created_at")),
                      staff_id=int(staff_id), wait_seconds=wait, duration_seconds=duration,
                      **fields, **_series(chat))
    session.add(summary)
    session.commit()
    store.forget_chat(r, chat_id)
    assignment.release(r, staff_id, chat_id)
    return summary


def _intake(chat: dict[str, str]) -> dict[str, str]:
    """The chatter's own answers at the start: all a summary without a conversation has."""
    return {"age_band": chat.get("age_band") or "unknown",
            "gender": chat.get("gender") or "unknown"}


def file_summary(
    r: Redis, session: Session, taxonomy: Taxonomy, staff_id: str, chat_id: str,
    values: dict, confirmed_note: str | None, language: str = "nl",
) -> Summary:
    """Validate, scrub and store a summary, then delete the chat from the live state.

    `confirmed_note` is the scrubbed note the therapist saw and accepted; filing goes
    through only when it equals what the scrubber makes of the note now. The markers are
    in `language`, the therapist's: they write the note and confirm what was removed.
    """
    chat = due_chat(r, staff_id, chat_id)
    clean = prepare(values, taxonomy, confirmed_note, language=language)
    return _store(r, session, chat_id, staff_id, chat, "filed", **clean)


def chatter_spoke(r: Redis, chat_id: str) -> bool:
    """Whether the chatter sent any message in this chat (then there was a conversation)."""
    return any(m.sender == "chatter" for m in store.messages_after(r, chat_id))


def file_no_conversation(r: Redis, session: Session, staff_id: str, chat_id: str) -> Summary:
    """The one-click registration of a chat that ended before the chatter wrote anything
    (quick exit, left at once): counted apart from contacts in the reports."""
    chat = due_chat(r, staff_id, chat_id)
    if chatter_spoke(r, chat_id):
        raise ProtocolError("conversation_held", _l(
            "The chatter wrote in this chat: file the full summary."))
    return _store(r, session, chat_id, staff_id, chat, "no_conversation", **_intake(chat))


def record_missing(r: Redis, session: Session, chat_id: str, staff_id: str) -> Summary | None:
    """Deadline passed without a summary: count it as missing and delete the messages.

    The therapist's slot is freed even when the chat's keys already expired. Safe to run
    again after a worker died midway: the slot is released last, and a run that finds it
    released deletes whatever a killed run left (the transcript never lingers).
    """
    if chat_id not in assignment.held_chats(r, staff_id):
        store.forget_chat(r, chat_id)  # filed in time (nothing left), or a retried run
        return None
    chat = store.get_chat(r, chat_id)
    return _store(r, session, chat_id, staff_id, chat, "missing", **_intake(chat))
