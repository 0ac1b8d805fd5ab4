"""The steps of a chat that touch several parts at once: start, speak, drop, end.

Handlers (chatter, staff, jobs) call these; each step changes the live state through
the store and the line, then tells the sockets that care and schedules follow-up jobs.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from redis import Redis

from .. import timers
from ..availability import gate, missed
from ..extensions import db, socketio
from ..queue import broadcast, estimate, keys
from ..realtime import live, metrics
from ..realtime.protocol import ProtocolError
from ..supervision import overview
from . import store

# How long an ended chat that needs no summary stays visible to a reloading tab.
ENDED_LINGER_SECONDS = 300
# A waiting chat the chatter ended themselves: counted as left the line unanswered.
LEFT_LINE_REASONS = ("left_line", "chatter_ended", "quick_exit")


def open_chat(r: Redis, chat_id: str, age_band: str | None, gender: str | None, lang: str,
              counted: bool = False, protocol: int = 1) -> str:
    """Put a new chatter at the back of the line; returns the resume token.

    The caller has joined the room of `chat_id` (from store.new_chat_id) already, so an
    assignment by any process from now on reaches the chatter; it then calls
    `line_moved`. `counted`: this browser tab is already in the missed-contact ledger,
    so leaving the line unanswered is not counted a second time. `protocol`: what the
    page speaks (store.create_chat).
    """
    now = live.now()
    day = datetime.fromtimestamp(now, gate.timezone()).date().isoformat()
    _, token = store.create_chat(
        r, age_band, gender, lang, now, current_app.config["CHAT_TTL_SECONDS"],
        chat_id=chat_id, counted=counted, day=day, protocol=protocol,
    )
    return token


def line_moved(r: Redis) -> None:
    """After the line or the staff on duty changed: assign who can be, update the rest."""
    broadcast.assign_and_notify(r)
    broadcast.line_changed()


def say(r: Redis, chat_id: str, sender: str, text: str, name: str = "",
        holder: str = "") -> store.Message:
    """Store a message (rate limited per chat; from `holder`'s console only while they hold
    the chat) and deliver it to both sides, the other side first."""
    cfg = current_app.config
    try:
        msg, staff_id = store.post_message(
            r, chat_id, sender, text, live.now(), cfg["CHAT_TTL_SECONDS"], name,
            rate_limit=cfg["MESSAGES_PER_10_SECONDS"],
            budget=store.Budget(cfg["CHAT_BYTES_PER_SIDE"], cfg["CHAT_BYTES_WHILE_WAITING"]),
            holder=holder,
        )
    except store.ChatError as exc:
        raise ProtocolError(exc.code) from None
    # both sides in one publish, the other side first: the chatter's socket, and the
    # therapist's consoles with any supervisor monitoring the chat (helpline/supervision/)
    to_chatter = ("message", live.CHAT_NS, live.chat_room(chat_id), msg.as_dict())
    to_staff = ("message", live.STAFF_NS, live.chat_staff_rooms(chat_id, staff_id or None),
                {"chat_id": chat_id, **msg.as_dict()})
    live.deliver([to_staff, to_chatter] if sender == "chatter" else [to_chatter, to_staff])
    metrics.MESSAGES.labels("chatter" if sender == "chatter" else "staff").inc()
    overview.overview_changed()
    return msg


# The chat's one feedback: marked on the chat's hash (gone with the chat), so the sockets
# that may give it (the one bound when the chat ended, one that resumed it ended) give one.
_FIRST_FEEDBACK = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 1 end
return redis.call('HSETNX', KEYS[1], 'feedback', '1')
"""


def first_feedback(r: Redis, chat_id: str) -> bool:
    """Whether no feedback was given on this chat yet, marking it given (True as well once
    the chat is gone: the socket's own once-only rule then holds)."""
    return bool(r.register_script(_FIRST_FEEDBACK)(keys=[keys.chat(chat_id)]))


def limit_rate(r: Redis, chat_id: str, sender: str) -> None:
    """A flood from one side of one chat is refused; the key is the chat, never an address."""
    key = keys.rate(chat_id, sender)
    with r.pipeline() as pipe:
        pipe.set(key, 0, ex=10, nx=True)  # the window starts at the first message
        pipe.incr(key)
        _, count = pipe.execute()
    if count > current_app.config["MESSAGES_PER_10_SECONDS"]:
        raise ProtocolError("rate_limited")


def end(r: Redis, chat_id: str, by: str, reason: str, only_waiting: bool = False) -> store.Ended:
    """End a chat from any side; the therapist keeps it until the summary is filed.
    `only_waiting`: end it only while it waits (ProtocolError not_waiting if taken since)."""
    try:
        ended = store.end_chat(r, chat_id, by, reason, live.now(), only_waiting)
    except store.ChatError as exc:
        raise ProtocolError(exc.code) from None
    if ended.previous_state == "waiting" and by == "chatter" and reason in LEFT_LINE_REASONS:
        # in the ledger before the chatter's closing screen, so a report read after it counts it
        count_missed(r, chat_id, "left_unanswered")
    live.to_chatter(chat_id, "ended", {"by": by, "reason": reason})
    if ended.previous_state == "waiting":
        sid = r.hget(keys.chat(chat_id), "sid")
        if sid:
            live.leave_line(sid)  # no more line packets for a chat that left the line
        socketio.emit("chat_ended", {"chat_id": chat_id, "by": by, "reason": reason},
                      to=live.watch_room(chat_id), namespace=live.STAFF_NS)
        store.forget_chat(r, chat_id, linger=ENDED_LINGER_SECONDS)
        broadcast.line_changed()
    elif ended.staff_id:
        if ended.assigned_at:
            estimate.record_duration(r, live.now() - ended.assigned_at)
        live.to_chat_staff(chat_id, ended.staff_id, "chat_ended",
                           {"chat_id": chat_id, "by": by, "reason": reason})
        timers.schedule_summary_deadline(chat_id, ended.staff_id)
        overview.overview_changed()
    return ended


def count_missed(r: Redis, chat_id: str, reason: str) -> None:
    """Record a chatter who left the line unanswered, with the time waited.

    Called once per chat by whoever ended it while it was waiting (ending is atomic, so
    only one caller sees the waiting state). A failure is logged, never passed on: the
    chat has ended either way.
    """
    created, counted = r.hmget(keys.chat(chat_id), "created_at", "counted")
    if counted:
        return
    now = live.now()
    try:
        missed.record(db.session, reason, now, now - float(created) if created else None)
    except Exception as exc:  # the ledger must never break the chat flow
        db.session.rollback()
        current_app.logger.error("missed contact not recorded: %s", type(exc).__name__)


def dropped(r: Redis, chat_id: str, sid: str) -> None:
    """The chatter's socket closed: wait the grace period for a reload or reconnect."""
    moment = live.now()
    if not store.mark_disconnected(r, chat_id, sid, moment):
        return
    chat = store.get_chat(r, chat_id)
    if chat.get("staff"):
        live.to_staff(chat["staff"], "chatter_connection", {"chat_id": chat_id, "connected": False})
    timers.schedule_grace_check(chat_id, moment, waiting=chat.get("state") == "waiting")


def reconnected(r: Redis, chat_id: str, sid: str, lang: str | None = None,
                protocol: int = 1) -> None:
    """A chatter came back (reload or network): this socket now speaks for the chat."""
    store.set_connection(r, chat_id, sid, lang, protocol)
    chat = store.get_chat(r, chat_id)
    if chat.get("staff") and chat.get("state") == "active":
        live.to_staff(chat["staff"], "chatter_connection",
                      {"chat_id": chat_id, "connected": True, "lang": chat.get("lang") or None})
