"""gevent's server error log without client addresses (it prints them by default)."""

from __future__ import annotations

import re
import sys

# pywsgi writes "(from ('203.0.113.7', 51234))" and bare "('::1', 5000, 0, 0)" address tuples.
_ADDRESS = re.compile(r"\(from \([^)]*\)\)|\('[0-9A-Fa-f:.]+', \d+(?:, \d+)*\)")
# After a WebSocket closes, pywsgi tries to parse its last frame as HTTP: noise, not news.
_CLOSED_SOCKET_NOISE = ("Invalid HTTP method", "Expected GET method")


class AddressFreeLog:
    """A file-like error log for pywsgi.WSGIServer that never writes a client address."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr

    def write(self, text: str) -> None:
        if any(noise in text for noise in _CLOSED_SOCKET_NOISE):
            return
        self.stream.write(_ADDRESS.sub("(client)", text))

    def flush(self) -> None:
        self.stream.flush()
