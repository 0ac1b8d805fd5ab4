"""Pushing live changes to the sockets that care, from any process.

Emits go through Flask-SocketIO's client manager; with the Redis message queue they
reach sockets held by any server process, and the RQ worker can emit too.
"""

from __future__ import annotations

import time

from flask import current_app
from redis import Redis

from .chat import store
from .extensions import socketio
from .queue import assignment, estimate, keys, line

CHAT_NS = "/chat"
STAFF_NS = "/staff"
CONSOLE_ROOM = "console"  # every signed-in staff socket: the waiting line view

_broadcast_pending = False


def redis() -> Redis:
    """This process's Redis client for live state (decoded strings)."""
    return current_app.extensions["helpline_redis"]


def now() -> float:
    return time.time()


def chat_room(chat_id: str) -> str:
    return f"chat:{chat_id}"


def staff_room(staff_id: str | int) -> str:
    return f"staff:{staff_id}"


def to_chatter(chat_id: str, event: str, data: dict) -> None:
    socketio.emit(event, data, to=chat_room(chat_id), namespace=CHAT_NS)


def to_staff(staff_id: str | int, event: str, data: dict) -> None:
    socketio.emit(event, data, to=staff_room(staff_id), namespace=STAFF_NS)


def chat_view(r: Redis, chat_id: str, chat: dict | None = None) -> dict:
    """What the console shows of a held chat: intake answers, times, state, messages."""
    chat = chat if chat is not None else store.get_chat(r, chat_id)
    fields = ("state", "age_band", "gender", "created_at", "assigned_at", "ended_at",
              "ended_by", "end_reason")
    view = {k: chat.get(k) or None for k in fields}
    for moment in ("created_at", "assigned_at", "ended_at"):
        view[moment] = float(view[moment]) if view[moment] else None
    view["chat_id"] = chat_id
    view["chatter_connected"] = bool(chat.get("sid"))
    view["messages"] = [m.as_dict() for m in store.messages_after(r, chat_id)]
    return view


def assign_and_notify(r: Redis) -> list[tuple[str, str]]:
    """Run the atomic assignment and tell both sides of every new pair."""
    pairs = assignment.assign_waiting(r, now())
    for chat_id, staff_id in pairs:
        chat = store.get_chat(r, chat_id)
        to_chatter(chat_id, "assigned", {"therapist": chat.get("staff_name", "")})
        to_staff(staff_id, "chat_assigned", chat_view(r, chat_id, chat))
    if pairs:
        line_changed()
    return pairs


def line_snapshot(r: Redis) -> list[dict]:
    """The waiting line as the console shows it: nothing exists beyond the intake answers."""
    ids = line.waiting(r)
    with r.pipeline() as pipe:
        for chat_id in ids:
            pipe.hmget(keys.chat(chat_id), "created_at", "age_band", "gender")
        rows = pipe.execute()
    return [
        {"chat_id": cid, "position": i, "waiting_since": float(c or 0),
         "age_band": a or None, "gender": g or None}
        for i, (cid, (c, a, g)) in enumerate(zip(ids, rows, strict=True), 1)
    ]


def broadcast_line(r: Redis) -> None:
    """Send each waiting chatter its place and expected wait, only when these changed."""
    snapshot = line_snapshot(r)
    free, total, durations = estimate.capacity_now(r)
    default = current_app.config["DEFAULT_CHAT_MINUTES"]
    sent = r.hgetall(keys.POSITIONS_SENT)
    updates: dict[str, str] = {}
    for row in snapshot:
        wait = estimate.expected_wait_minutes(row["position"], free, total, durations, default)
        value = f"{row['position']}:{wait}"
        if sent.get(row["chat_id"]) != value:
            updates[row["chat_id"]] = value
            to_chatter(row["chat_id"], "position",
                       {"position": row["position"], "expected_wait_minutes": wait,
                        "staff_on_duty": total > 0})
    gone = set(sent) - {row["chat_id"] for row in snapshot}
    with r.pipeline() as pipe:
        if updates:
            pipe.hset(keys.POSITIONS_SENT, mapping=updates)
        if gone:
            pipe.hdel(keys.POSITIONS_SENT, *gone)
        pipe.execute()
    socketio.emit("line", {"waiting": snapshot}, to=CONSOLE_ROOM, namespace=STAFF_NS)


def line_changed() -> None:
    """Schedule one broadcast for a burst of line changes (joins, leaves, assignments)."""
    global _broadcast_pending
    delay = current_app.config["LINE_BROADCAST_DELAY"]
    if not delay:
        broadcast_line(redis())
        return
    if _broadcast_pending:
        return
    _broadcast_pending = True
    socketio.start_background_task(_broadcast_later, current_app._get_current_object(), delay)


def _broadcast_later(app, delay: float) -> None:
    global _broadcast_pending
    socketio.sleep(delay)
    _broadcast_pending = False
    with app.app_context():
        try:
            broadcast_line(redis())
        except Exception:  # a failed broadcast must not kill the server; the next one heals
            app.logger.exception("line broadcast failed")
