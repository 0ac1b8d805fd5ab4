"""Socket.IO packets from clients, checked before python-socketio acts on them.

python-socketio hands a client event named `connect` or `disconnect` to the server's own
connect/disconnect handlers, and drops malformed events silently (`[]`, an object instead
of an array, broken JSON, an unknown packet type) or raises inside Engine.IO. Here:

- `StrictPacket` (the server's packet class, set through the `serializer` option) turns a
  malformed or reserved event into the event `REFUSED` with an error code; the namespace's
  catch-all handler (helpline/realtime/sockets.py) answers it with an `error` event and the ack.
- `guard_messages` wraps the Engine.IO message handler: a packet that names no namespace
  this socket is in, or cannot be decoded at all, gets an `error` event with code
  `bad_packet` on every namespace of the socket, which is then disconnected.

`serializer` is a public option, but its packet class is documented for `encode` and
`decode` only; `add_attachment` and the Engine.IO message handler
(`Server._handle_eio_message`, replaced through `eio.on`) are python-socketio's own
(registry: helpline/compat/).
"""

from __future__ import annotations

import logging

from socketio import packet as sio_packet

from ..realtime.protocol import ProtocolError

# An event name no client can send: a client's own event of that name is refused too.
REFUSED = "\x00refused"
# Names the Socket.IO servers and clients use themselves; never a client event.
RESERVED = frozenset({"connect", "connect_error", "disconnect", "disconnecting",
                      "newListener", "removeListener", "__disconnect_final", REFUSED})
KNOWN_TYPES = {sio_packet.CONNECT, sio_packet.DISCONNECT, sio_packet.EVENT, sio_packet.ACK,
               sio_packet.BINARY_EVENT, sio_packet.BINARY_ACK}
MAX_EVENT_NAME = 64

log = logging.getLogger(__name__)


class MalformedPacket(ValueError):
    """A packet that cannot be attributed to a namespace: the socket is closed."""


class StrictPacket(sio_packet.Packet):
    """A Socket.IO packet whose client events are well formed or turned into `REFUSED`."""

    def decode(self, encoded_packet):
        if not isinstance(encoded_packet, str) or not encoded_packet[:1].isdigit():
            raise MalformedPacket("not a Socket.IO packet")
        try:
            count = super().decode(encoded_packet)
        except ValueError:  # broken JSON (JSONDecodeError), an id too long, ...
            return self._refuse("bad_payload", "The packet is not valid JSON.")
        if self.packet_type not in KNOWN_TYPES:
            return self._refuse("bad_payload", "Unknown packet type.")
        if self.packet_type == sio_packet.BINARY_EVENT:
            self.data = _refusal("bad_payload", "Binary data is not accepted.", None)
            return count  # the attachments are collected, then the refusal is answered
        if self.packet_type == sio_packet.EVENT:
            self._check_event()
        return count

    def add_attachment(self, attachment):
        """An attachment is a binary frame: a text frame here is a new packet, not data."""
        if not isinstance(attachment, bytes):
            raise MalformedPacket("text frame where an attachment was due")
        return super().add_attachment(attachment)

    def _check_event(self) -> None:
        data = self.data
        if not isinstance(data, list) or not data or not isinstance(data[0], str):
            self.data = _refusal("bad_payload", "An event is an array: [name, payload].", None)
        elif len(data[0]) > MAX_EVENT_NAME or data[0] in RESERVED:
            name = data[0] if len(data[0]) <= MAX_EVENT_NAME else None
            self.data = _refusal("reserved_event" if name else "unknown_event", None, name)

    def _refuse(self, code: str, detail: str) -> int:
        """Answer in the packet's namespace when it names one; else close the socket."""
        if self.namespace is None:
            raise MalformedPacket(code)
        self.packet_type = sio_packet.EVENT
        self.data = _refusal(code, detail, None)
        return 0


def _refusal(code: str, detail: str | None, name: str | None) -> list:
    return [REFUSED, code, detail, name]


def guard_messages(server) -> None:
    """Close, with a reason, a socket whose packet cannot be answered in a namespace."""
    handle = server._handle_eio_message

    def on_message(eio_sid, data):
        try:
            if isinstance(data, str):  # bytes: an attachment, checked by python-socketio
                _check_namespace(server, eio_sid, server.packet_class(encoded_packet=data))
            handle(eio_sid, data)
        except Exception as exc:
            log.warning("socket packet refused: %s", type(exc).__name__)
            close_socket(server, eio_sid)

    server.eio.on("message", on_message)


def _check_namespace(server, eio_sid, pkt) -> None:
    """python-socketio drops an event for a namespace the socket is not in: close instead."""
    if pkt.packet_type in (sio_packet.EVENT, sio_packet.BINARY_EVENT) and \
            not server.manager.sid_from_eio_sid(eio_sid, pkt.namespace or "/"):
        raise MalformedPacket("namespace not connected")


def close_socket(server, eio_sid) -> None:
    """Tell every namespace of the socket why (`bad_packet`), disconnect it, close it."""
    body = ProtocolError("bad_packet").payload(None)
    namespaces = [(ns, server.manager.sid_from_eio_sid(eio_sid, ns))
                  for ns in list(server.manager.get_namespaces())]
    namespaces = [(ns, sid) for ns, sid in namespaces if sid]
    for ns, sid in namespaces:
        server.emit("error", body, to=sid, namespace=ns, ignore_queue=True)
        server.disconnect(sid, namespace=ns, ignore_queue=True)
    server.eio.disconnect(eio_sid)  # the WebSocket too: a client in no namespace is of no use
