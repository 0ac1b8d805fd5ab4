"""A socket's rooms, indexed, so that a disconnect costs its own rooms and not every room.

python-socketio keeps `rooms[namespace][room] -> {sid: eio_sid}` only. To find the rooms
of a socket that disconnects (`basic_disconnect`) or is asked about (`get_rooms`), it
walks every room of the namespace, and every socket has a room of its own: each
disconnect costs time in proportion to all the sockets of the process, and a process
dropping thousands of sockets at once spends minutes in it (issue 21: 67 % of the samples
while 7,465 sockets went). Here every change of a room also updates `rooms_of[(namespace,
sid)]`, so those two look only at the socket's own rooms.

The room changes all pass through `basic_enter_room` and `basic_leave_room` (closing a
room leaves it sid by sid); `basic_disconnect` is rewritten with the index and otherwise
does what the library's does (registry: helpline/compat/; the contract tests compare the
two on the same sequence of changes). docs/architecture.md, "Library patches", has the
upstream proposal.
"""

from __future__ import annotations

from socketio import Manager

from .socketio_manager import BatchingRedisManager


class RoomIndex:
    """Mixin for a python-socketio manager: `rooms_of`, kept with every room change."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rooms_of: dict[tuple[str, str], set] = {}

    def basic_enter_room(self, sid, namespace, room, eio_sid=None):
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        self.rooms_of.setdefault((namespace, sid), set()).add(room)

    def basic_leave_room(self, sid, namespace, room):
        super().basic_leave_room(sid, namespace, room)
        held = self.rooms_of.get((namespace, sid))
        if held is not None:
            held.discard(room)
            if not held:
                del self.rooms_of[(namespace, sid)]

    def basic_disconnect(self, sid, namespace, **kwargs):
        if namespace not in self.rooms:
            return
        for room in list(self.rooms_of.get((namespace, sid), ())):
            self.basic_leave_room(sid, namespace, room)
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            if sid in pending.get(namespace, ()):
                pending[namespace].remove(sid)
                if not pending[namespace]:
                    del pending[namespace]

    def get_rooms(self, sid, namespace):
        """The rooms a client is in (its own sid room included, as in the library)."""
        return [room for room in self.rooms_of.get((namespace, sid), ()) if room is not None]


class IndexedManager(RoomIndex, Manager):
    """The in-process manager (no message queue: tests, a single process)."""


class IndexedRedisManager(RoomIndex, BatchingRedisManager):
    """The Redis manager of every server process, batching as before."""

