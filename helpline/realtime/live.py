"""Pushing live changes to the sockets that care, from any process.

Emits go through Flask-SocketIO's client manager; with the Redis message queue they
reach sockets held by any server process, and the RQ worker can emit too.
"""

from __future__ import annotations

import time

from flask import current_app, has_app_context
from redis import Redis
from socketio import PubSubManager

from ..compat.socketio_manager import BatchingRedisManager, Emit
from ..extensions import db, socketio
from . import single_flight

CHAT_NS = "/chat"
STAFF_NS = "/staff"
CONSOLE_ROOM = "console"  # every signed-in staff socket: the waiting line view
SUPERVISORS_ROOM = "supervisors"  # every supervisor socket: overview pushes, risk alerts
LINE_ROOM = "line"  # /chat: protocol-2 sockets of waiting chats, for `line_moved` packets


def redis() -> Redis:
    """This process's Redis client for live state (decoded strings)."""
    return current_app.extensions["helpline_redis"]


def now() -> float:
    """The app's time: the wall clock, unless the app's CLOCK setting names another
    (tests move a clock on instead of sleeping: tests/clock.py)."""
    clock = current_app.config.get("CLOCK") if has_app_context() else None
    return clock() if clock is not None else time.time()


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
    """Each (event, namespace, room or rooms, data), in this order, in one publish (none
    for nothing)."""
    if not emits:
        return
    manager = socketio.server.manager
    if isinstance(manager, BatchingRedisManager):
        manager.emit_many(emits)
        return
    for event, namespace, room, data in emits:  # one process, no message queue (tests)
        socketio.emit(event, data, to=room, namespace=namespace)


def disconnect_chatter(sid: str) -> None:
    """Close a chatter's socket on whichever process holds it (through the message queue)."""
    socketio.server.disconnect(sid, namespace=CHAT_NS)


def enter_line(sid: str) -> None:
    """Put a chatter's socket in the line's room, on whichever process holds it.

    Without a message queue (one process: tests) a socket that closed meanwhile is not
    there to enter; python-socketio's pub/sub manager checks that on the holder's side."""
    manager = socketio.server.manager
    if isinstance(manager, PubSubManager) or manager.is_connected(sid, CHAT_NS):
        socketio.server.enter_room(sid, LINE_ROOM, namespace=CHAT_NS)


def leave_line(sid: str) -> None:
    """Take a chatter's socket out of the line's room, on whichever process holds it."""
    socketio.server.leave_room(sid, LINE_ROOM, namespace=CHAT_NS)


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


COALESCED: list[Coalesced] = []  # every coalesced broadcast, for heal_broadcasts


def heal_broadcasts() -> None:
    """Each server's heartbeat: send the broadcasts a killed process left unsent."""
    app = current_app._get_current_object()
    for coalesced in COALESCED:
        coalesced.heal(app)


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
        COALESCED.append(self)

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

    def heal(self, app) -> None:
        """Run now if triggers were left unsent by a holder that died (single_flight.behind)."""
        if not self.pending and single_flight.behind(redis(), self.name):
            self._run(app)

    def _run(self, app) -> None:
        r = redis()
        try:
            single_flight.run(r, self.name, lambda: self.broadcast(r))
        except Exception:
            db.session.rollback()
            app.logger.exception("%s broadcast failed", self.name)


