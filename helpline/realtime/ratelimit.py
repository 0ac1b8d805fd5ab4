"""Rate limits keyed on a socket or on the process, never on an address.

Every client event passes `admit()` (from sockets.dispatch): a token bucket per socket
refuses a burst with `rate_limited`, and a socket that keeps going past it is
disconnected. `resume` is also capped per socket, so one socket cannot pull a transcript
over and over. New connections pass `AdmissionMiddleware`: a cap on open sockets and on
handshakes per second per process.

The buckets are process-local on purpose: a socket lives in exactly one server process,
so its bucket needs no sharing; a Redis round trip per event would let a flood load Redis
too; and nothing of it outlives the process. Entries of closed sockets are swept lazily.
"""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import parse_qs

from flask import current_app, request
from flask_socketio import disconnect
from werkzeug.http import parse_cookie

from ..compat import engineio_sockets
from . import overload
from .protocol import ProtocolError

REFUSAL_MEMORY_SECONDS = 10.0  # refusals closer together than this add up to "sustained"
SWEEP_EVERY = 1000  # events between sweeps of idle entries
IDLE_SECONDS = 600  # an entry idle this long belongs to a closed socket (or a quiet one)
ERROR_EVENT_SECONDS = 1.0  # the same `error` event to a socket at most once in this time


class TokenBucket:
    """`burst` tokens, refilled at `rate` per second; take() says whether one was left."""

    def __init__(self, burst: float, rate: float, now: float | None = None):
        self.burst, self.rate = float(burst), float(rate)
        self.tokens = float(burst)
        self.stamp = time.monotonic() if now is None else now

    def take(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class ProcessCeiling:
    """This process's ceiling on something cheap a client may ask for freely (proof-of-work
    challenges): `rate` a second, a burst of twice that; 0 = no ceiling. A flood of asks
    costs the server little, and no address is ever looked at."""

    def __init__(self):
        self.lock = threading.Lock()
        self.bucket: TokenBucket | None = None

    def take(self, rate: int) -> bool:
        if not rate:
            return True
        with self.lock:
            if self.bucket is None or self.bucket.rate != rate:
                self.bucket = TokenBucket(2 * rate, rate)
            return self.bucket.take()


class _Socket:
    __slots__ = ("bucket", "refused", "last_refused", "resumes", "seen", "told")

    def __init__(self, burst: int, rate: int):
        self.bucket = TokenBucket(burst, rate)
        self.refused = 0  # refusals, each within REFUSAL_MEMORY_SECONDS of the one before
        self.last_refused = 0.0
        self.resumes = 0
        self.seen = time.monotonic()
        self.told: dict[str, float] = {}  # error -> when its last `error` event went


_sockets: dict[str, _Socket] = {}
_lock = threading.Lock()
_calls = 0


def _entry(sid: str) -> _Socket:
    global _calls
    cfg = current_app.config
    with _lock:
        _calls += 1
        if _calls % SWEEP_EVERY == 0:
            horizon = time.monotonic() - IDLE_SECONDS
            for key in [k for k, v in _sockets.items() if v.seen < horizon]:
                del _sockets[key]
        entry = _sockets.get(sid)
        if entry is None:
            entry = _sockets[sid] = _Socket(cfg["SOCKET_EVENT_BURST"],
                                            cfg["SOCKET_EVENTS_PER_SECOND"])
        entry.seen = time.monotonic()
        return entry


def admit(event: object) -> None:
    """Let this socket's event run, or raise ProtocolError; disconnect sustained abuse."""
    entry = _entry(request.sid)
    if not entry.bucket.take():
        now = time.monotonic()
        # a flood that keeps the bucket empty disconnects even if some events get through
        recent = now - entry.last_refused < REFUSAL_MEMORY_SECONDS
        entry.refused = entry.refused + 1 if recent else 1
        entry.last_refused = now
        if entry.refused >= current_app.config["SOCKET_REFUSALS_BEFORE_DISCONNECT"]:
            disconnect()
        raise ProtocolError("rate_limited")
    if event == "resume":
        entry.resumes += 1
        if entry.resumes > current_app.config["RESUMES_PER_SOCKET"]:
            raise ProtocolError("too_many_resumes")


def error_event_due(code: str, message: str) -> bool:
    """Whether this socket gets an `error` event for this code and message now: the same
    one at most every ERROR_EVENT_SECONDS (the ack answers every event). A socket that
    floods refused events would otherwise have the server write a frame for each (issue 17)."""
    now, key = time.monotonic(), f"{code}\x00{message}"
    entry = _entry(request.sid)
    if now - entry.told.get(key, -ERROR_EVENT_SECONDS) < ERROR_EVENT_SECONDS:
        return False
    if len(entry.told) > 50:  # a socket sees a handful of different errors
        entry.told.clear()
    entry.told[key] = now
    return True


def forget(sid: str) -> None:
    """A socket closed: drop its entry now rather than at the next sweep."""
    with _lock:
        _sockets.pop(sid, None)


class AdmissionMiddleware:
    """WSGI: refuse a new Engine.IO handshake when the process is full, flooded or
    overloaded (its event loop lags: realtime/overload.py).

    A handshake is a request to the Socket.IO path without a `sid`; requests of open
    sockets always pass. The refusal is HTTP 503 with a JSON reason (`server_busy`), so a
    client sees a clear connect error rather than a timeout. Overload refuses newcomers
    only: a console or a chat page coming back (`returning`) reconnects.
    """

    def __init__(self, wsgi_app, app, socketio):
        self.wsgi_app, self.socketio = wsgi_app, socketio
        self.max_sockets = app.config["MAX_SOCKETS_PER_PROCESS"]
        self.overload_lag_ms = app.config["OVERLOAD_LAG_MS"]
        self.session_cookie = app.config["SESSION_COOKIE_NAME"]
        rate = app.config["HANDSHAKES_PER_SECOND"]
        self.handshakes = TokenBucket(rate, rate) if rate else None
        self.lock = threading.Lock()

    def open_sockets(self) -> int:
        return engineio_sockets.open_sockets(getattr(self.socketio, "server", None))

    def returning(self, environ) -> bool:
        """A staff console (its session cookie) or a chat page that holds a chat (`resume=1`
        in the query) reconnecting: what the process serves already, not a newcomer, so
        overload does not keep it out (a therapist would go off duty, a chat would end).
        Faking either buys a socket but no chat: `start` is refused while overloaded."""
        query = parse_qs(environ.get("QUERY_STRING", ""))
        return (query.get("resume") == ["1"]
                or self.session_cookie in parse_cookie(environ.get("HTTP_COOKIE", "")))

    def busy(self, environ) -> bool:
        if self.max_sockets and self.open_sockets() >= self.max_sockets:
            return True
        if overload.overloaded(self.overload_lag_ms) and not self.returning(environ):
            return True
        if self.handshakes is not None:
            with self.lock:
                return not self.handshakes.take()
        return False

    def __call__(self, environ, start_response):
        handshake = (environ.get("PATH_INFO", "").startswith("/socket.io")
                     and "sid=" not in environ.get("QUERY_STRING", ""))
        if handshake and self.busy(environ):
            body = json.dumps({"code": "server_busy",
                               "message": "The server is busy; try again in a moment."}).encode()
            start_response("503 Service Unavailable", [
                ("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                ("Retry-After", "5"), ("Cache-Control", "no-store")])
            return [body]
        return self.wsgi_app(environ, start_response)
