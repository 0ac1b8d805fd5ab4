"""Many emits in one publish between processes, and no decoding of our own publishes.

With the Redis message queue every `emit` is a PUBLISH that each server process reads
back. A chat message goes to both sides of the chat (two emits), and the line's
positions are one emit per waiting chatter per change, so each emit as its own publish
costs a round trip here and a read and a decode in every process. Here a batch travels
as one message, and each process delivers to the sockets it holds, in the batch's order.

python-socketio delivers an emit to this process's sockets before publishing it, then
reads its own publish back, decodes it and drops it. Our publishes start with the
publishing process's id, so the listener drops its own by a prefix test, undecoded.

python-socketio's pub/sub managers have no public hook for either: this overrides their
private `_publish`, `_listen` and `_handle_emit`, and relies on `_thread` (the listener)
handing every decoded emit of another process to `_handle_emit` (registry:
helpline/compat/). docs/architecture.md, "Library patches", has the upstream proposal.
"""

from __future__ import annotations

from socketio import RedisManager
from socketio.manager import Manager

# Carried only between server processes, inside the message queue: never sent to a client.
BATCH_EVENT = "helpline:batch"

# Emits delivered between two turns of the other greenlets (about 5-10 ms of work).
YIELD_EVERY = 200

# One emit of a batch: (event, namespace, room or list of rooms, data).
Emit = tuple[str, str, str | list[str], dict]


class BatchingRedisManager(RedisManager):
    """python-socketio's Redis manager with `emit_many` (the rest is unchanged)."""

    def emit_many(self, emits: list[Emit]) -> None:
        """Each emit to its room(s): here in order, and in one publish elsewhere."""
        for _, _, room, _ in emits:
            if not room:  # python-socketio reads no room as "everyone in the namespace"
                raise ValueError("every emit of a batch needs a room")
        self._deliver(emits)
        self._publish({"method": "emit", "event": BATCH_EVENT, "data": [emits],
                       "binary": False, "namespace": "/", "room": None,
                       "skip_sid": None, "callback": None, "host_id": self.host_id})

    def _publish(self, data: dict) -> None:
        # the publisher's id first, so that `_listen` can drop our own unread; a callback's
        # host_id names its addressee, not its publisher, so it keeps the library's order
        if data.get("method") != "callback":
            data = {"host_id": self.host_id, **data}
        return super()._publish(data)

    def _listen(self):
        own = self.json.dumps({"host_id": self.host_id})[:-1].encode()  # '{"host_id": "…"'
        for message in super()._listen():
            if isinstance(message, bytes) and message.startswith(own):
                continue
            yield message

    def _handle_emit(self, message: dict) -> None:
        if message.get("event") != BATCH_EVENT:
            return super()._handle_emit(message)
        self._deliver(message["data"][0])

    def _deliver(self, emits) -> None:
        """Send to the sockets of this process only (a write-only manager holds none).

        A line's positions are thousands of emits: every YIELD_EVERY of them the other
        greenlets get a turn, so chat messages are not held up behind the whole batch.
        The batch keeps its order (the broadcast that sends it is the only one running).
        """
        if self.write_only:
            return
        for n, (event, namespace, room, data) in enumerate(emits, 1):
            if room:
                Manager.emit(self, event, data, namespace=namespace, room=room)
            if n % YIELD_EVERY == 0:
                self.server.sleep(0)
