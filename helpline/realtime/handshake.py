"""WebSocket handshakes checked before engine.io sees them (RFC 6455, section 4.2.1).

engine.io hands an upgrade request to simple-websocket, whose handshake (wsproto) raises on
a missing key or Host, a version other than 13 or a Host it cannot decode; pywsgi then answers
500 and logs a failed request. It takes any key, too, where the RFC asks for the base64
of 16 bytes. `HandshakeCheck` answers all of these 400 with a short plain body and logs a
fixed line naming the rule, never a header's value, before engine.io makes a socket.

The body is for a developer's tools only: a browser never shows a failed handshake's
response (the WebSocket API reports a bare error), so it is not translated.
"""

from __future__ import annotations

import base64
import binascii
import logging

log = logging.getLogger(__name__)

WEBSOCKET_VERSION = "13"
KEY_BYTES = 16
BODY = b"Bad WebSocket handshake.\n"


def problem(environ: dict) -> str | None:
    """What is wrong with this WebSocket handshake (a fixed text), None when nothing is."""
    connection = environ.get("HTTP_CONNECTION", "").lower().split(",")
    if "upgrade" not in {token.strip() for token in connection}:
        return "no Connection: Upgrade"
    if environ.get("HTTP_SEC_WEBSOCKET_VERSION", "").strip() != WEBSOCKET_VERSION:
        return "version not 13"
    key = environ.get("HTTP_SEC_WEBSOCKET_KEY", "").strip()
    if not key:
        return "no key"
    try:
        if len(base64.b64decode(key, validate=True)) != KEY_BYTES:
            return "key not 16 bytes"
    except (binascii.Error, ValueError):  # ValueError: a character beyond ASCII
        return "key not base64"
    host = environ.get("HTTP_HOST")
    if host is None:
        return "no Host"
    try:
        host.encode("ascii").decode("idna")  # as wsproto reads it
    except UnicodeError:
        return "Host not a host name"
    return None


class HandshakeCheck:
    """WSGI: a WebSocket handshake to the Socket.IO path that breaks RFC 6455 gets 400."""

    def __init__(self, wsgi_app, path: str = "/socket.io"):
        self.wsgi_app, self.path = wsgi_app, path

    def __call__(self, environ, start_response):
        if (environ.get("PATH_INFO", "").startswith(self.path)
                and environ.get("HTTP_UPGRADE", "").strip().lower() == "websocket"):
            reason = problem(environ)
            if reason is not None:
                log.warning("bad WebSocket handshake: %s", reason)
                start_response("400 Bad Request", [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(BODY))),
                    ("Sec-WebSocket-Version", WEBSOCKET_VERSION),  # the one we speak
                    ("Cache-Control", "no-store")])
                return [BODY]
        return self.wsgi_app(environ, start_response)
