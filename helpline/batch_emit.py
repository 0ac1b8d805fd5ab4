"""Many emits, each to its own room with its own data, in one publish between processes.

With the Redis message queue every `emit` is a PUBLISH that each server process reads
back. The line's positions are one emit per waiting chatter per change, so a few
thousand waiting chatters cost a few thousand publishes (and reads) per change. Here a
batch travels as one message, and each process delivers to the sockets it holds.
"""

from __future__ import annotations

from socketio import RedisManager
from socketio.manager import Manager

# Carried only between server processes, inside the message queue: never sent to a client.
BATCH_EVENT = "helpline:batch"


class BatchingRedisManager(RedisManager):
    """python-socketio's Redis manager with `emit_batch` (the rest is unchanged)."""

    def emit_batch(self, event: str, items: list[tuple[str, dict]], namespace: str) -> None:
        """Emit `event` to each (room, data) of `items`: here, and in one publish elsewhere."""
        self._deliver(event, items, namespace)
        self._publish({"method": "emit", "event": BATCH_EVENT, "data": [[event, items]],
                       "binary": False, "namespace": namespace, "room": None,
                       "skip_sid": None, "callback": None, "host_id": self.host_id})

    def _handle_emit(self, message: dict) -> None:
        if message.get("event") != BATCH_EVENT:
            return super()._handle_emit(message)
        event, items = message["data"][0]
        self._deliver(event, items, message.get("namespace"))

    def _deliver(self, event: str, items, namespace: str) -> None:
        """Send to the sockets of this process only (a write-only manager holds none)."""
        if self.write_only:
            return
        for room, data in items:
            Manager.emit(self, event, data, namespace=namespace, room=room)
