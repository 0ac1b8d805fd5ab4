"""What a server process may write to its logs: fixed texts and exception type names.

Anonymity by construction, not by filtering: the gevent handler never learns the peer's
address (a constant stands in for it from the first moment), its error paths write a
fixed text plus an exception type (gevent's own ones quote the raw request line, which
after a WebSocket closes is a masked chat frame), the hub's last-resort printer does the
same, and every log record is formatted without the exception's message (which may quote
client bytes) and, for other libraries' loggers, without their arguments (engine.io and
socket.io pass packets and environ dicts). A burst of errors is cut to a few lines with a
count, so one client cannot flood the log. `AddressFreeLog` stays as a second line.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import sys
import threading
import time
import traceback
from datetime import datetime

from ..compat import gevent_hub
from ..compat.pywsgi import HookedHandler

# What every request sees instead of the peer: nothing to log, store or compare.
ANONYMOUS_PEER = ("0.0.0.0", 0)
APP_LOGGER_PREFIX = "helpline"
WITHHELD = "(message withheld: it may quote a client)"
WITHHELD_ARG = "[-]"  # an argument of another library's log line: not ours to print
# pywsgi writes "(from ('203.0.113.7', 51234))" and bare "('::1', 5000, 0, 0)" address tuples.
_ADDRESS = re.compile(r"\(from \([^)]*\)\)|\('[0-9A-Fa-f:.]+', \d+(?:, \d+)*\)")
# After a WebSocket closes, pywsgi tries to parse its last frame as HTTP: noise, not news.
_CLOSED_SOCKET_NOISE = ("Invalid HTTP method", "Expected GET method", "Invalid http version")


class Throttle:
    """At most `burst` lines per `window` seconds; the rest are counted and reported once."""

    def __init__(self, burst: int = 10, window: float = 10.0):
        self.burst, self.window = burst, window
        self.started, self.count, self.dropped = 0.0, 0, 0
        self.lock = threading.Lock()

    def admit(self) -> tuple[bool, int]:
        """(write this line?, lines dropped in the window before it)."""
        with self.lock:
            now = time.monotonic()
            if now - self.started >= self.window:
                dropped, self.dropped = self.dropped, 0
                self.started, self.count = now, 0
            else:
                dropped = 0
            self.count += 1
            if self.count > self.burst:
                self.dropped += 1
                return False, dropped
            return True, dropped


_throttle = Throttle()


def write_fixed(stream, text: str, exc_type: type | None = None) -> None:
    """Write one fixed line (plus an exception type name), throttled."""
    ok, dropped = _throttle.admit()
    if dropped:
        stream.write(f"server: {dropped} similar error lines suppressed\n")
    if ok:
        suffix = f" ({exc_type.__name__})" if exc_type is not None else ""
        stream.write(f"server: {text}{suffix}\n")
    stream.flush()


def no_delay(sock) -> None:
    """TCP_NODELAY: a small frame (an ack, a chat message) leaves at once instead of waiting
    for the peer's delayed ACK (ack p99 ~50 ms -> ~12 ms in issue 11's measurement)."""
    with contextlib.suppress(OSError, AttributeError):  # not TCP (a Unix socket): as is
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


# pywsgi reads requests through an 8 KB buffer that a WebSocket keeps for its whole life
# but never uses again (simple-websocket reads the raw socket): 2 KB holds a request line
# and the usual headers (longer ones are read in more steps), issue 11 (d).
READ_BUFFER_BYTES = 2048


class AnonymousHandler(HookedHandler):
    """pywsgi's handler without the peer's address and without client bytes in its errors
    (its private error paths reach `client_error` and `request_failed`: compat/pywsgi.py)."""

    read_buffer_bytes = READ_BUFFER_BYTES

    def __init__(self, sock, address, server, rfile=None):
        no_delay(sock)
        super().__init__(sock, ANONYMOUS_PEER, server, rfile)

    def get_environ(self):
        env = super().get_environ()
        env["REMOTE_ADDR"], env["REMOTE_PORT"] = ANONYMOUS_PEER[0], str(ANONYMOUS_PEER[1])
        return env

    def run_application(self):
        try:
            super().run_application()
        finally:
            # A finished WebSocket leaves its later frames on the connection: never parse
            # them as the next HTTP request (that is how chat frames reached the log).
            if self.environ.get("HTTP_UPGRADE"):
                self.close_connection = True

    def log_error(self, msg, *args):
        write_fixed(self.server.error_log, "request error")

    def client_error(self, ex):
        write_fixed(self.server.error_log, "bad request", type(ex))

    def request_failed(self, exc_type):
        write_fixed(self.server.error_log, "request failed", exc_type)

    def format_request(self):
        return "request"


def hub_print_exception(context, t, v, tb) -> None:
    """gevent's last resort for a failed greenlet: the type only, no context, no message."""
    write_fixed(sys.stderr, "background task failed", t if isinstance(t, type) else None)


def install_hub_printer() -> None:
    """Make this thread's gevent hub print failures as fixed text (its default quotes args)."""
    gevent_hub.print_exceptions_with(hub_print_exception)


class AnonymousFormatter(logging.Formatter):
    """Log records as fixed texts: never an exception's message, never another library's
    arguments (engine.io and socket.io put packets, sids and environ dicts there)."""

    def format(self, record: logging.LogRecord) -> str:
        if not record.name.startswith(APP_LOGGER_PREFIX):
            # A template with arguments is code; a message without any may be preformatted
            # with client bytes (engine.io's "%s is not an accepted origin" is). Numbers
            # fill the template; any other argument is withheld.
            fixed = fill(record.msg, record.args) if record.args and isinstance(
                record.msg, str) else WITHHELD
            if record.exc_info and isinstance(record.exc_info[0], type):
                fixed += f" ({record.exc_info[0].__name__})"  # the type; their trace is noise
            record = logging.makeLogRecord({**record.__dict__, "msg": fixed, "args": None,
                                            "exc_info": None, "exc_text": None})
        return super().format(record)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """ISO 8601 in the machine's zone, with its offset: 2026-12-07T03:21:05.463+01:00."""
        moment = datetime.fromtimestamp(record.created).astimezone()
        return moment.isoformat(timespec="milliseconds")

    def formatException(self, ei) -> str:
        t, _, tb = ei
        name = t.__name__ if isinstance(t, type) else "error"
        return f"{name}\n" + "".join(traceback.format_tb(tb)).rstrip()

    def formatStack(self, stack_info: str) -> str:
        return ""


_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def fill(template: str, args) -> str:
    """A library's template with its numeric arguments filled in and every other argument
    (a name, a packet, an address) shown as WITHHELD_ARG; never a bare `%s` in the log."""
    values = list(args) if isinstance(args, tuple) else [args]

    def one(match: re.Match) -> str:
        spec = match.group(0)
        if spec == "%%":
            return "%"
        if "(" in spec or not values:
            return WITHHELD_ARG
        value = values.pop(0)
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                return spec % value
            except (TypeError, ValueError):
                return WITHHELD_ARG
        return WITHHELD_ARG

    return _PLACEHOLDER.sub(one, template)


class ErrorBurstFilter(logging.Filter):
    """Errors pass a Throttle (one client failing a handler in a loop floods no log)."""

    def __init__(self, throttle: Throttle | None = None):
        super().__init__()
        self.throttle = throttle or Throttle()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.ERROR:
            return True
        ok, dropped = self.throttle.admit()
        if ok and dropped:
            record.msg = f"({dropped} similar error records suppressed) {record.msg}"
        return ok


def quiet_library_logger(name: str) -> logging.Logger:
    """A library logger that logs errors only, through the anonymous root handler."""
    logger = logging.getLogger(name)
    logger.setLevel(logging.ERROR)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    logger.propagate = True
    return logger


class AddressFreeLog:
    """Second line: a file-like error log that drops client addresses and frame noise."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr

    def write(self, text: str) -> None:
        if any(noise in text for noise in _CLOSED_SOCKET_NOISE):
            return
        self.stream.write(_ADDRESS.sub("(client)", text))

    def flush(self) -> None:
        self.stream.flush()
