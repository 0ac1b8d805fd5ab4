"""Handing a live chat on: to a colleague, back to the front of the line, or (when a
therapist is signed out) every active chat they hold back to the line.

The Redis side is atomic (`queue/transfer.py`); these steps then tell everyone: the
receiving therapist gets the chat with every message and the private handover note,
the former holder's consoles drop the chat, and the chatter is told who continues.
The note is never written to the message stream and never sent to the chatter.
"""

from __future__ import annotations

from redis import Redis

from ..queue import assignment, transfer
from ..realtime import live
from ..realtime.protocol import ProtocolError
from . import lifecycle, store


def to_colleague(r: Redis, chat_id: str, from_id: str, from_name: str, to_id: str,
                 note: str = "") -> str:
    """Give an active chat to an on-duty colleague with a free slot; returns their name."""
    try:
        name = transfer.to_staff(r, chat_id, from_id, to_id, live.now())
    except transfer.TransferError as exc:
        raise ProtocolError(exc.code) from None
    view = store.chat_view(r, chat_id)
    view["handover_note"] = {"text": note, "from": from_name}
    live.to_staff(to_id, "chat_assigned", view)
    live.to_staff(from_id, "chat_transferred", {"chat_id": chat_id, "to": name})
    live.to_chatter(chat_id, "transferred", {"therapist": name})
    lifecycle.line_moved(r)  # the holder's freed slot may take someone from the line
    return name


def to_line(r: Redis, chat_id: str, from_id: str, from_name: str, note: str = "",
            avoid: bool = True) -> None:
    """Put an active chat at the front of the line; the next therapist gets the note.

    `avoid`: the chat is not handed straight back to the therapist who let it go.
    """
    try:
        transfer.to_line(r, chat_id, from_id, note, from_name, avoid=avoid)
    except transfer.TransferError as exc:
        raise ProtocolError(exc.code) from None
    live.to_staff(from_id, "chat_transferred", {"chat_id": chat_id, "to": None})
    live.to_chatter(chat_id, "transferred", {"therapist": None})
    transfer.told_back(r, chat_id)  # published after `transferred`, so it comes after it


def back_to_line(r: Redis, chat_id: str, from_id: str, from_name: str, note: str = "") -> None:
    """The `transfer` to "line" step: front of the line, then assignment and positions."""
    to_line(r, chat_id, from_id, from_name, note)
    lifecycle.line_moved(r)


def return_all(r: Redis, staff_id: str, note: str = "") -> list[str]:
    """Every active chat this person holds goes to the front of the line, oldest first,
    with `note` for whoever takes it.

    Used when someone is signed out (deactivated, password reset, role changed, logged
    out) and when their last console has been gone for the staff grace. Ended chats
    awaiting a summary stay theirs until the summary deadline. The caller runs
    assignment afterwards (`lifecycle.line_moved`).
    """
    active = []
    for chat_id in assignment.held_chats(r, staff_id):
        chat = store.get_chat(r, chat_id)
        if chat.get("state") == "active" and chat.get("staff") == str(staff_id):
            active.append((float(chat.get("assigned_at") or 0), chat_id))
    name = assignment.presence(r, staff_id).name
    moved = []
    # Each move goes before the current head: the most recent first, so the oldest leads.
    for _, chat_id in sorted(active, reverse=True):
        try:
            to_line(r, chat_id, str(staff_id), name, note, avoid=False)
        except ProtocolError:
            continue  # ended or moved meanwhile: nothing to hand back
        moved.append(chat_id)
    moved.reverse()
    return moved
