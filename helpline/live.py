"""Pushing live changes to the sockets that care, from any process.

Emits go through Flask-SocketIO's client manager; with the Redis message queue they
reach sockets held by any server process, and the RQ worker can emit too.
"""

from __future__ import annotations

import time

from flask import current_app
from redis import Redis

from . import single_flight
from .availability import gate
from .chat import store
from .compat.socketio_manager import BatchingRedisManager, Emit
from .extensions import db, socketio
from .queue import assignment, estimate, keys, line, transfer

CHAT_NS = "/chat"
STAFF_NS = "/staff"
CONSOLE_ROOM = "console"  # every signed-in staff socket: the waiting line view
SUPERVISORS_ROOM = "supervisors"  # every supervisor socket: overview pushes, risk alerts



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


def to_chatters(event: str, items: list[tuple[str, dict]]) -> None:
    """Each (chat id, data) to that chat's sockets, in one publish between processes."""
    deliver([(event, CHAT_NS, chat_room(chat_id), data) for chat_id, data in items])


def deliver(emits: list[Emit]) -> None:
    """Each (event, namespace, room or rooms, data), in this order, in one publish."""
    manager = socketio.server.manager
    if isinstance(manager, BatchingRedisManager):
        manager.emit_many(emits)
        return
    for event, namespace, room, data in emits:  # one process, no message queue (tests)
        socketio.emit(event, data, to=room, namespace=namespace)


def disconnect_chatter(sid: str) -> None:
    """Close a chatter's socket on whichever process holds it (through the message queue)."""
    socketio.server.disconnect(sid, namespace=CHAT_NS)


def to_staff(staff_id: str | int, event: str, data: dict) -> None:
    socketio.emit(event, data, to=staff_room(staff_id), namespace=STAFF_NS)


def watch_room(chat_id: str) -> str:
    """/staff room of the supervisors monitoring one chat (read-only)."""
    return f"watch:{chat_id}"


def to_chat_staff(chat_id: str, staff_id: str | int | None, event: str, data: dict) -> None:
    """The chat's therapist (if any) and every supervisor watching it, once per socket."""
    socketio.emit(event, data, to=chat_staff_rooms(chat_id, staff_id), namespace=STAFF_NS)


def chat_staff_rooms(chat_id: str, staff_id: str | int | None) -> list[str]:
    return [watch_room(chat_id)] + ([staff_room(staff_id)] if staff_id else [])


def to_supervisors(event: str, data: dict) -> None:
    socketio.emit(event, data, to=SUPERVISORS_ROOM, namespace=STAFF_NS)


def chat_view(r: Redis, chat_id: str, chat: dict | None = None) -> dict:
    """What the console shows of a held chat: intake answers, times, state, messages."""
    chat = chat if chat is not None else store.get_chat(r, chat_id)
    fields = ("state", "age_band", "gender", "lang", "created_at", "assigned_at", "ended_at",
              "ended_by", "end_reason")
    view = {k: chat.get(k) or None for k in fields}
    for moment in ("created_at", "assigned_at", "ended_at"):
        view[moment] = float(view[moment]) if view[moment] else None
    view["chat_id"] = chat_id
    view["chatter_connected"] = bool(chat.get("sid"))
    view["risk"] = bool(chat.get("risk"))  # the therapist's "potential risk" flag
    view["colleagues"] = store.colleagues(chat)  # supervisors who joined openly
    view["messages"] = [m.as_dict() for m in store.messages_after(r, chat_id)]
    return view


def assign_and_notify(r: Redis) -> list[tuple[str, str]]:
    """Run the atomic assignment and tell both sides of every new pair."""
    pairs = assignment.assign_waiting(r, now())
    for chat_id, staff_id in pairs:
        chat = store.get_chat(r, chat_id)
        to_chatter(chat_id, "assigned", {"therapist": chat.get("staff_name", "")})
        view = chat_view(r, chat_id, chat)
        handover = transfer.take_handover(r, chat_id)  # a note left when handed back
        if handover:
            view["handover_note"] = handover
        to_staff(staff_id, "chat_assigned", view)
    if pairs:
        line_changed()
    return pairs


def line_view(r: Redis, ids: list[str] | None = None) -> dict:
    """The waiting line as staff see it: the first LINE_VIEW_LIMIT places and the total.

    Nothing exists beyond the intake answers. Only the first places are read and sent,
    so a long line costs the consoles what they show, not what waits.
    """
    ids = line.waiting(r) if ids is None else ids
    shown = ids[: current_app.config["LINE_VIEW_LIMIT"]]
    with r.pipeline(transaction=False) as pipe:
        for chat_id in shown:
            pipe.hmget(keys.chat(chat_id), "created_at", "age_band", "gender", "lang",
                       "counted")
        rows = pipe.execute()
    waiting = [
        {"chat_id": cid, "position": i, "waiting_since": float(c) if c else None,
         "age_band": a or None, "gender": g or None, "lang": lang or None,
         "handed_back": bool(counted)}
        for i, (cid, (c, a, g, lang, counted)) in enumerate(zip(shown, rows, strict=True), 1)
    ]
    return {"waiting": waiting, "total": len(ids)}


def broadcast_line(r: Redis) -> None:
    """Send each waiting chatter its place and expected wait, only when these changed."""
    ids = line.waiting(r)
    free, total, durations = estimate.capacity_now(r)
    default = current_app.config["DEFAULT_CHAT_MINUTES"]
    # Whether the chat still takes new chatters: with nobody on duty and the chat closed,
    # the page tells those waiting plainly that nobody can answer them any more today.
    is_open = gate.chat_taking_new(db.session, now()) if ids else True
    sent = r.hgetall(keys.POSITIONS_SENT)
    updates: dict[str, str] = {}
    changed: list[tuple[str, dict]] = []
    for position, chat_id in enumerate(ids, 1):
        wait = estimate.expected_wait_minutes(position, free, total, durations, default)
        span = estimate.expected_wait_range(position, free, total, durations, default)
        value = f"{position}:{wait}:{span}:{int(is_open)}"
        if sent.get(chat_id) != value:
            updates[chat_id] = value
            changed.append((chat_id, {"position": position, "expected_wait_minutes": wait,
                                      "expected_wait_range": span,
                                      "staff_on_duty": total > 0, "open": is_open}))
    to_chatters("position", changed)
    gone = set(sent).difference(ids)
    with r.pipeline() as pipe:
        if updates:
            pipe.hset(keys.POSITIONS_SENT, mapping=updates)
        if gone:
            pipe.hdel(keys.POSITIONS_SENT, *gone)
        pipe.execute()
    socketio.emit("line", line_view(r, ids), to=CONSOLE_ROOM, namespace=STAFF_NS)


class Coalesced:
    """Run a broadcast once for a burst of triggers: at most once per delay, per process.

    With the delay setting at 0 (tests, the worker) it runs at once. A failed broadcast is
    logged and never reaches the step that triggered it; the next trigger heals it.
    """

    def __init__(self, name: str, broadcast, delay_setting: str):
        self.name = name
        self.broadcast = broadcast
        self.delay_setting = delay_setting
        self.pending = False

    def __call__(self) -> None:
        app = current_app._get_current_object()
        delay = app.config[self.delay_setting]
        if not delay:
            self._run(app)
        elif not self.pending:
            self.pending = True
            socketio.start_background_task(self._later, app, delay)

    def _later(self, app, delay: float) -> None:
        socketio.sleep(delay)
        self.pending = False  # a change from now on is seen by this round or the next
        with app.app_context():
            self._run(app)

    def _run(self, app) -> None:
        r = redis()
        try:
            single_flight.run(r, self.name, lambda: self.broadcast(r))
        except Exception:
            db.session.rollback()
            app.logger.exception("%s broadcast failed", self.name)


def broadcast_overview(r: Redis) -> None:
    """Send the whole picture to every supervisor socket (skipped when none is open)."""
    from . import supervise

    if not supervise.supervisors_connected(r):
        return
    to_supervisors("overview", supervise.overview(r, db.session, now()))


_line_broadcast = Coalesced("line", broadcast_line, "LINE_BROADCAST_DELAY")
_overview_broadcast = Coalesced("overview", broadcast_overview, "OVERVIEW_BROADCAST_DELAY")


def line_changed() -> None:
    """The line changed (join, leave, assignment): update chatters, consoles, supervisors."""
    overview_changed()
    _line_broadcast()


def overview_changed() -> None:
    """Something the supervisors' overview shows changed: push it soon."""
    _overview_broadcast()
