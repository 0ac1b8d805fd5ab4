"""Socket.IO packets from clients, checked before python-socketio acts on them.

python-socketio hands a client event named `connect` or `disconnect` to the server's own
connect/disconnect handlers, and drops malformed events silently (`[]`, an object instead
of an array, broken JSON, an unknown packet type) or raises inside Engine.IO. Here:

- `StrictPacket` (the server's packet class, set through the `serializer` option) turns a
  malformed or reserved event into the event `REFUSED` with an error code; the namespace's
  catch-all handler (helpline/realtime/sockets.py) answers it with an `error` event and the ack.
- `guard_messages` wraps the Engine.IO message handler: a packet that names no namespace
  this socket is in, or cannot be decoded at all, gets an `error` event with code
  `bad_packet` on every namespace of the socket, which is then disconnected. So does the
  socket whose packets were refused `bad_packets_before_close` times (malformed events,
  connects the server turned down, acks and disconnects for a namespace it is not in).
  Once the socket is closed, frames it had already sent are dropped unread and unlogged:
  engine.io goes on handing them over (issue 17: one socket wrote 10,762 log lines
  in 0.5 s, each a refusal of a frame sent after its namespace was dropped).

`serializer` is a public option, but its packet class is documented for `encode` and
`decode` only; `add_attachment` and the Engine.IO message handler
(`Server._handle_eio_message`, replaced through `eio.on`) are python-socketio's own
(registry: helpline/compat/). The count of refused packets lives in the socket's
Engine.IO session (engine.io's public `get_session`, which fails once the socket is
closed), under a key that cannot be a namespace.
"""

from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l
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
EVENTS = (sio_packet.EVENT, sio_packet.BINARY_EVENT)
# Refused packets so far, in the socket's Engine.IO session (its other keys are namespaces).
BAD_PACKETS = "\x00bad_packets"
TOO_MANY_BAD = _l("The connection sent too many packets that were refused; it is closed.")
# Why a packet was refused, lazy: translated when the error is sent, in the socket's language.
NOT_JSON = _l("The packet is not valid JSON.")
UNKNOWN_TYPE = _l("Unknown packet type.")
NO_BINARY = _l("Binary data is not accepted.")
NOT_AN_ARRAY = _l("An event is an array: [name, payload].")

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
            return self._refuse("bad_payload", NOT_JSON)
        if self.packet_type not in KNOWN_TYPES:
            return self._refuse("bad_payload", UNKNOWN_TYPE)
        if self.packet_type == sio_packet.BINARY_EVENT:
            self.data = _refusal("bad_payload", NO_BINARY, _event_name(self.data))
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
            self.data = _refusal("bad_payload", NOT_AN_ARRAY, None)
        elif len(data[0]) > MAX_EVENT_NAME or data[0] in RESERVED:
            name = data[0] if len(data[0]) <= MAX_EVENT_NAME else None
            self.data = _refusal("reserved_event" if name else "unknown_event", None, name)

    def _refuse(self, code: str, detail) -> int:
        """Answer in the packet's namespace when it names one; else close the socket."""
        if self.namespace is None:
            raise MalformedPacket(code)
        self.packet_type = sio_packet.EVENT
        self.data = _refusal(code, detail, None)
        return 0


def _refusal(code: str, detail, name: str | None) -> list:
    """The data of a refused event: its code, a lazy detail (or None) and the client's name."""
    return [REFUSED, code, detail, name]


def _event_name(data) -> str | None:
    """The event name a client gave, when it is a usable one (the error names it)."""
    name = data[0] if isinstance(data, list) and data else None
    return name if isinstance(name, str) and len(name) <= MAX_EVENT_NAME else None


def guard_messages(server, bad_packets_before_close: int) -> None:
    """Close, with a reason, a socket whose packet cannot be answered in a namespace or that
    keeps sending packets the server refuses; read nothing more from a closed socket."""
    handle = server._handle_eio_message

    def on_message(eio_sid, data):
        session = _open_session(server, eio_sid)
        if session is None:
            return  # closed: what the client had already sent is dropped, unlogged
        try:
            pkt = server.packet_class(encoded_packet=data) if isinstance(data, str) else None
            joined = pkt is not None and _in_namespace(server, eio_sid, pkt)
            if pkt is not None and pkt.packet_type in EVENTS and not joined:
                # python-socketio would drop it (and log a warning): close instead
                raise MalformedPacket("namespace not connected")
            handle(eio_sid, data)  # bytes: an attachment, checked by python-socketio
        except Exception as exc:
            log.warning("socket packet refused: %s", type(exc).__name__)
            close_socket(server, eio_sid)
            return
        if pkt is not None and _refused(server, eio_sid, pkt, joined):
            session[BAD_PACKETS] = session.get(BAD_PACKETS, 0) + 1
            if session[BAD_PACKETS] >= bad_packets_before_close:
                log.warning("socket closed after %d refused packets", session[BAD_PACKETS])
                close_socket(server, eio_sid, ProtocolError("bad_packet", TOO_MANY_BAD))

    server.eio.on("message", on_message)


def _open_session(server, eio_sid) -> dict | None:
    """The socket's Engine.IO session; None once the socket is closed (or gone)."""
    try:
        return server.eio.get_session(eio_sid)
    except KeyError:
        return None


def _in_namespace(server, eio_sid, pkt) -> bool:
    return bool(server.manager.sid_from_eio_sid(eio_sid, pkt.namespace or "/"))


def _refused(server, eio_sid, pkt, joined_before: bool) -> bool:
    """Whether the server refused this (already handled) packet: a malformed or reserved
    event, a connect it turned down or that was not needed, an ack or disconnect for a
    namespace the socket was not in. None of these comes from a well-behaved client."""
    if pkt.packet_type in EVENTS:
        return isinstance(pkt.data, list) and pkt.data[:1] == [REFUSED]
    if pkt.packet_type == sio_packet.CONNECT:
        return joined_before or not _in_namespace(server, eio_sid, pkt)
    return not joined_before


def close_socket(server, eio_sid, error: ProtocolError | None = None) -> None:
    """Tell every namespace of the socket why (`bad_packet`), disconnect it, close it."""
    body = (error or ProtocolError("bad_packet")).payload(None)
    namespaces = [(ns, server.manager.sid_from_eio_sid(eio_sid, ns))
                  for ns in list(server.manager.get_namespaces())]
    namespaces = [(ns, sid) for ns, sid in namespaces if sid]
    for ns, sid in namespaces:
        server.emit("error", body, to=sid, namespace=ns, ignore_queue=True)
        server.disconnect(sid, namespace=ns, ignore_queue=True)
    server.eio.disconnect(eio_sid)  # the WebSocket too: a client in no namespace is of no use
