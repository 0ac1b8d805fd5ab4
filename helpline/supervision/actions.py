"""Supervision acting on chats: triage, monitoring, whispers, joining openly, risk flags.

Plain functions over Redis and the SQL session; the /staff socket handlers only check
the payload and the role and call one of these. Everything a supervisor does to a chat
is written to the audit trail (`helpline/audit.py`) with who, which chat and when, never
with text. Access needs a record: `monitor`, `whisper` and `join` write the audit row
before anything is shown or sent. A risk alert never waits for one: it goes out first.

Nothing here tells the chatter that someone is watching; only `join` is visible to them.
"""

from __future__ import annotations

import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from redis import Redis
from sqlalchemy.orm import Session

from .. import audit
from ..chat import lifecycle, places, store
from ..queue import broadcast, line
from ..realtime import live
from ..realtime.protocol import ProtocolError
from . import overview

SUPERVISOR = "supervisor"


def is_supervisor(user) -> bool:
    """A signed-in account with the supervisor role (checked on every event)."""
    signed_in = bool(getattr(user, "is_authenticated", False))
    return signed_in and getattr(user, "role", None) == SUPERVISOR


def require_supervisor(user) -> None:
    if not is_supervisor(user):
        raise ProtocolError("forbidden")


# ---------- acting on a chat ----------

def _chat(r: Redis, chat_id: str, states: tuple[str, ...]) -> dict[str, str]:
    chat = store.get_chat(r, chat_id)
    if not chat:
        raise ProtocolError("unknown_chat")
    if chat.get("state") not in states:
        raise ProtocolError("chat_ended" if chat.get("state") == "ended" else "not_active")
    return chat


def _therapist(chat: dict[str, str]) -> int | None:
    return int(chat["staff"]) if chat.get("staff") else None


def triage(r: Redis, session: Session, actor_id: int, chat_id: str) -> None:
    """Move a waiting chatter to the front of the line (recorded), then update positions."""
    if not store.get_chat(r, chat_id):
        raise ProtocolError("unknown_chat")
    if line.position(r, chat_id) is None:
        raise ProtocolError("not_waiting")
    audit.record(session, actor_id, "triage", chat_id)
    line.move_to_front(r, chat_id)
    broadcast.line_changed()


def remove_waiting(r: Redis, session: Session, actor_id: int, chat_id: str) -> None:
    """Take a waiting chat out of the line for good (a bot holding a place): recorded first.

    The chatter is told (`ended` by `supervisor`, reason `removed`), its resume token is
    refused at once, its socket is closed, and it is not counted as a missed contact.
    """
    if not store.get_chat(r, chat_id):
        raise ProtocolError("unknown_chat")
    if line.position(r, chat_id) is None:
        raise ProtocolError("not_waiting")
    audit.record(session, actor_id, "remove_waiting", chat_id)
    if not _remove(r, chat_id):
        raise ProtocolError("not_waiting")


def _remove(r: Redis, chat_id: str) -> bool:
    sid = store.get_chat(r, chat_id).get("sid")
    try:
        lifecycle.end(r, chat_id, by="supervisor", reason="removed", only_waiting=True)
    except ProtocolError:
        return False  # taken by a therapist or ended meanwhile: not removed
    store.refuse_token(r, chat_id)
    if sid:  # after `ended`, on the same channel: the tab reads it before it is dropped
        live.disconnect_chatter(sid)
    return True


def clear_places(r: Redis, session: Session, actor_id: int, now: float) -> int:
    """Remove every waiting place with no sign of a person (never typed, never proved
    again: chat/places.py), as "remove from line" does each; one audit row with the count.
    Chatters who typed or whose page proved again are not touched. Returns the count."""
    chat_ids = places.without_sign_of_a_person(r, now)
    audit.record(session, actor_id, "clear_places", count=len(chat_ids))
    removed = sum(_remove(r, chat_id) for chat_id in chat_ids)
    if removed:
        places.count(r, "cleared", removed)
    return removed


def watch_view(r: Redis, chat_id: str, chat: dict[str, str]) -> dict:
    """What a monitoring supervisor sees: the console's view plus who holds the chat."""
    view = store.chat_view(r, chat_id, chat)
    view.update({"therapist": chat.get("staff_name") or None,
                 "staff_id": chat.get("staff") or None, "lang": chat.get("lang") or None})
    return view


def monitor(r: Redis, session: Session, actor_id: int, chat_id: str) -> dict:
    """Open a waiting or active chat read-only: recorded first, then the history is given.

    The caller joins the socket to `live.watch_room(chat_id)`, so new messages, typing
    and the end of the chat follow. The chatter is not told.
    """
    chat = _chat(r, chat_id, ("waiting", "active"))
    audit.record(session, actor_id, "monitor", chat_id, _therapist(chat))
    return watch_view(r, chat_id, chat)


def whisper(r: Redis, session: Session, actor_id: int, actor_name: str, chat_id: str,
            text: str, now: float) -> dict:
    """A private note to the therapist holding the chat (and the supervisors watching it).

    Sent, never stored: it does not enter the chat's stream, the chatter never gets it,
    and the audit row says only that a whisper was sent.
    """
    chat = _chat(r, chat_id, ("active",))
    lifecycle.limit_rate(r, chat_id, "whisper")
    audit.record(session, actor_id, "whisper", chat_id, _therapist(chat))
    note = {"chat_id": chat_id, "id": secrets.token_hex(8), "from": actor_name,
            "from_id": str(actor_id), "text": text, "ts": now}
    live.to_chat_staff(chat_id, chat.get("staff"), "whisper", note)
    return note


def join(r: Redis, session: Session, actor_id: int, actor_name: str, chat_id: str) -> dict:
    """Join an active chat openly: the chatter and the therapist are told a colleague joined.

    From then on the supervisor may write in the chat (`colleague_say`). Joining a chat
    already joined tells nobody again.
    """
    chat = _chat(r, chat_id, ("active",))
    if chat.get("staff") == str(actor_id):
        raise ProtocolError("bad_payload", _l("You hold this chat yourself."))
    audit.record(session, actor_id, "join", chat_id, _therapist(chat))
    try:
        first = store.add_colleague(r, chat_id, actor_id, actor_name)
    except store.ChatError as exc:
        raise ProtocolError(exc.code) from None
    if first:
        live.to_chatter(chat_id, "colleague_joined", {"name": actor_name})
        live.to_chat_staff(chat_id, chat.get("staff"), "colleague_joined",
                           {"chat_id": chat_id, "name": actor_name, "staff_id": str(actor_id)})
        overview.overview_changed()
    return watch_view(r, chat_id, store.get_chat(r, chat_id))


def colleague_say(r: Redis, actor_id: int, actor_name: str, chat_id: str,
                  text: str) -> store.Message:
    """A message from a supervisor who joined openly: in the stream, seen by both sides."""
    chat = store.get_chat(r, chat_id)
    if not chat:
        raise ProtocolError("unknown_chat")
    if f"{store.COLLEAGUE_FIELD}{actor_id}" not in chat:
        raise ProtocolError("not_joined", _l("Join the chat openly first."))
    return lifecycle.say(r, chat_id, "colleague", text, actor_name)


def set_risk(r: Redis, session: Session, staff_id: int, staff_name: str, chat_id: str,
             on: bool, now: float) -> bool:
    """Raise or lower the potential-risk flag of a chat the caller holds and checked.

    Raising it alerts every supervisor socket at once (`risk_alert`); the flag is on the
    chat hash, so the overview shows it and the summary form starts at `potential_risk`.
    Returns whether the flag changed. The audit row follows the alert and cannot stop it.
    """
    try:
        changed = store.set_risk(r, chat_id, on, now)
    except store.ChatError as exc:
        raise ProtocolError(exc.code) from None
    if not changed:
        return False
    if on:
        live.to_supervisors("risk_alert", {"chat_id": chat_id, "therapist": staff_name,
                                           "staff_id": str(staff_id), "at": now})
    live.to_staff(staff_id, "risk", {"chat_id": chat_id, "risk": on})
    overview.overview_changed()
    try:
        audit.record(session, staff_id, "risk_flag" if on else "risk_clear", chat_id)
    except Exception as exc:  # the alert is out; a failed record must not undo it
        session.rollback()
        current_app.logger.error("risk flag not audited: %s", type(exc).__name__)
    return True
