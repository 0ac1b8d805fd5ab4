"""The ping interval and timeout a client writer reads in docs/protocol.md are the server's."""

from __future__ import annotations

import json
import re

import pytest
import websocket

from helpline.settings import ROOT

# Engine.IO's pings are the same whatever Redis and database serve: one half (tests/conftest.py).
pytestmark = pytest.mark.once


def documented(name: str) -> list[int]:
    """Every value of `name` (milliseconds) docs/protocol.md states (Connection, Pings)."""
    text = (ROOT / "docs" / "protocol.md").read_text()
    return [int(value) for value in re.findall(rf"`{name}` (\d+)", text)]


def documented_seconds(words: str) -> int:
    """The seconds docs/protocol.md gives after `words` ("= **15 s**", "(10 s)")."""
    text = " ".join((ROOT / "docs" / "protocol.md").read_text().split())
    return int(re.search(re.escape(words) + r"\D*(\d+) s\b", text).group(1))


def test_the_handshake_carries_the_documented_ping_settings(live):
    url = live.urls[0].replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    ws = websocket.create_connection(url, timeout=10)
    try:
        opened = ws.recv()
    finally:
        ws.close()
    assert opened.startswith("0")  # the Engine.IO open packet
    handshake = json.loads(opened[1:])
    interval, timeout = handshake["pingInterval"], handshake["pingTimeout"]
    # one truth: each section that states the values states these (issue 19, item 20)
    assert documented("pingInterval") == [interval, interval]
    assert documented("pingTimeout") == [timeout, timeout]
    text = (ROOT / "docs" / "protocol.md").read_text()
    assert not re.search(r"ping_(interval|timeout)\s*=\s*\d", text)  # no stale kwargs
    assert documented_seconds("interval + 2 × timeout") * 1000 == interval + 2 * timeout
    assert documented_seconds("ping for `pingInterval + pingTimeout`") * 1000 == \
        interval + timeout
    # a silent client is noticed within interval + 2 x timeout (see docs/architecture.md)
    assert handshake["pingInterval"] + 2 * handshake["pingTimeout"] <= 15_000


def test_the_server_pings_again_once_a_ping_is_answered(live):
    """Pings wait on a timer (helpline/compat/engineio_pings.py): each answered ping brings
    the next."""
    import time

    url = live.urls[0].replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    ws = websocket.create_connection(url, timeout=60)  # a deadline: a busy machine is slow
    try:
        interval = json.loads(ws.recv()[1:])["pingInterval"] / 1000
        for _ in range(2):
            t0 = time.monotonic()
            assert ws.recv() == "2"  # nothing else is sent to a socket without a namespace
            assert time.monotonic() - t0 > interval - 0.5  # on the timer, not at once
            ws.send("3")
    finally:
        ws.close()
