"""The steps of a chat that touch several parts at once: start, speak, drop, end.

Handlers (chatter, staff, jobs) call these; each step changes the live state through
the store and the line, then tells the sockets that care and schedules follow-up jobs.
"""

from __future__ import annotations

from flask import current_app
from redis import Redis

from .. import jobs, live
from ..protocol import ProtocolError
from ..queue import estimate, keys
from . import store

# How long an ended chat that needs no summary stays visible to a reloading tab.
ENDED_LINGER_SECONDS = 300


def open_chat(r: Redis, age_band: str | None, gender: str | None, lang: str) -> tuple[str, str]:
    """Put a new chatter at the back of the line; returns (chat id, resume token).

    The caller joins the chat's room and then calls `line_moved`, so that an immediate
    assignment reaches the chatter.
    """
    return store.create_chat(
        r, age_band, gender, lang, live.now(), current_app.config["CHAT_TTL_SECONDS"]
    )


def line_moved(r: Redis) -> None:
    """After the line or the staff on duty changed: assign who can be, update the rest."""
    live.assign_and_notify(r)
    live.line_changed()


def say(r: Redis, chat_id: str, sender: str, text: str, name: str = "") -> store.Message:
    """Store a message (rate limited per chat) and deliver it to both sides of the chat."""
    chat = store.get_chat(r, chat_id)
    if not chat:
        raise ProtocolError("unknown_chat")
    if chat.get("state") == "ended":
        raise ProtocolError("chat_ended")
    limit_rate(r, chat_id, sender)
    msg = store.add_message(
        r, chat_id, sender, text, live.now(), current_app.config["CHAT_TTL_SECONDS"], name
    )
    live.to_chatter(chat_id, "message", msg.as_dict())
    if chat.get("staff"):
        live.to_staff(chat["staff"], "message", {"chat_id": chat_id, **msg.as_dict()})
    return msg


def limit_rate(r: Redis, chat_id: str, sender: str) -> None:
    """A flood from one side of one chat is refused; the key is the chat, never an address."""
    key = keys.rate(chat_id, sender)
    with r.pipeline() as pipe:
        pipe.set(key, 0, ex=10, nx=True)  # the window starts at the first message
        pipe.incr(key)
        _, count = pipe.execute()
    if count > current_app.config["MESSAGES_PER_10_SECONDS"]:
        raise ProtocolError("rate_limited")


def end(r: Redis, chat_id: str, by: str, reason: str) -> store.Ended:
    """End a chat from any side; the therapist keeps it until the summary is filed."""
    try:
        ended = store.end_chat(r, chat_id, by, reason, live.now())
    except store.ChatError as exc:
        raise ProtocolError(exc.code) from None
    live.to_chatter(chat_id, "ended", {"by": by, "reason": reason})
    if ended.previous_state == "waiting":
        store.forget_chat(r, chat_id, linger=ENDED_LINGER_SECONDS)
        live.line_changed()
    elif ended.staff_id:
        if ended.assigned_at:
            estimate.record_duration(r, live.now() - ended.assigned_at)
        live.to_staff(ended.staff_id, "chat_ended",
                      {"chat_id": chat_id, "by": by, "reason": reason})
        jobs.schedule_summary_deadline(chat_id, ended.staff_id)
    return ended


def dropped(r: Redis, chat_id: str, sid: str) -> None:
    """The chatter's socket closed: wait the grace period for a reload or reconnect."""
    moment = live.now()
    if not store.mark_disconnected(r, chat_id, sid, moment):
        return
    chat = store.get_chat(r, chat_id)
    if chat.get("staff"):
        live.to_staff(chat["staff"], "chatter_connection", {"chat_id": chat_id, "connected": False})
    jobs.schedule_grace_check(chat_id, moment)


def reconnected(r: Redis, chat_id: str, sid: str) -> None:
    """A chatter came back (reload or network): this socket now speaks for the chat."""
    store.set_connection(r, chat_id, sid)
    chat = store.get_chat(r, chat_id)
    if chat.get("staff") and chat.get("state") == "active":
        live.to_staff(chat["staff"], "chatter_connection", {"chat_id": chat_id, "connected": True})
