"""A WebSocket frame that is not an Engine.IO packet closes the connection at once.

python-engineio (4.x) decodes each frame outside its error handling
(`Socket._websocket_handler`): a text frame such as `zz`, an empty one or broken base64
raises ValueError out of the WSGI application, and pywsgi then writes an HTTP 500
response into the upgraded connection (bytes no WebSocket client can read, and a
`request failed` log line) while the socket lingers until its pings time out. Here
`Packet.decode` turns such a frame into an Engine.IO close packet: engine.io closes the
socket as if the client had closed it, with one fixed log line and no client bytes.

Touches `engineio.packet:Packet.decode` (wrapped; registry: helpline/compat/).
"""

from __future__ import annotations

import logging

from engineio import packet

log = logging.getLogger(__name__)
_decode = packet.Packet.decode


def decode(self: packet.Packet, encoded_packet):
    """Engine.IO's own decoding; a frame it cannot read becomes a close packet."""
    try:
        return _decode(self, encoded_packet)
    except ValueError:  # not a packet type digit, empty, broken base64
        log.warning("socket frame refused: not an Engine.IO packet")
        self.binary, self.packet_type, self.data = False, packet.CLOSE, None
        return None


def install() -> None:
    """Every process (the class is shared); installing twice changes nothing."""
    packet.Packet.decode = decode
