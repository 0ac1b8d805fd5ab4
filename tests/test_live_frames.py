"""docs/protocol.md, *Connection*: what the server does with a frame that is not what was
due, over a real WebSocket against a live server (issue 19, item 21). A frame that is not
Engine.IO at all closes the WebSocket; one that is Engine.IO but not the Socket.IO that
was due gets `bad_packet` first. (A bad handshake key: tests/test_frame_floods.py.)"""

from __future__ import annotations

import json

import pytest

from tests.peers import RawSocket

NS = "/chat"
# a binary event announcing one attachment: the next frame must be binary
ANNOUNCES_ATTACHMENT = '451-/chat,5["message",{"text":{"_placeholder":true,"num":0}}]'


def written_since(log, start: int) -> str:
    with log.open("rb") as handle:
        handle.seek(start)
        return handle.read().decode("utf-8", "replace")


def bad_packet(frame: str) -> bool:
    return frame.startswith(f"42{NS},") and json.loads(frame[len(NS) + 3:])[1]["code"] == \
        "bad_packet"


@pytest.mark.parametrize("frames", [
    ["zz"],                           # no Engine.IO packet type
    [""],                             # empty
    ["bA"],                           # Engine.IO base64 that is not base64
    [ANNOUNCES_ATTACHMENT, "zz"],     # not Engine.IO where an attachment was due
])
def test_a_frame_that_is_not_engine_io_closes_the_websocket(live, frames):
    start = live.log.stat().st_size
    sock = RawSocket(live.urls[0])
    for frame in frames:
        sock.send(frame)
    assert sock.closed()  # a WebSocket close, nothing else before it (no HTTP 500 inside)
    written = written_since(live.log, start)  # the fixed line may be folded into a repeat
    assert "request failed" not in written and "Traceback" not in written, written
    assert "socket frame refused: not an Engine.IO packet" in live.log.read_text()


def test_socket_io_text_where_an_attachment_was_due_gets_bad_packet(live):
    sock = RawSocket(live.urls[0])
    sock.send(ANNOUNCES_ATTACHMENT)
    sock.send("4hello")  # an Engine.IO message, but text: not the binary attachment due
    assert bad_packet(sock.expect(lambda f: f.startswith(f"42{NS},")))
    assert sock.expect(lambda f: f == f"41{NS},")
    assert sock.closed()


def test_an_engine_io_packet_type_that_does_not_exist_is_ignored(live):
    sock = RawSocket(live.urls[0])
    try:
        sock.send("9")
        assert sock.call(NS, 1, sock.start_body())[0]["ok"]  # the socket still works
    finally:
        sock.close()
