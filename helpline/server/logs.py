"""What a server process may write to its logs: fixed texts and exception type names.

Anonymity by construction, not by filtering: the gevent handler never learns the peer's
address (a constant stands in for it from the first moment), its error paths write a
fixed text plus an exception type (gevent's own ones quote the raw request line, which
after a WebSocket closes is a masked chat frame), the hub's last-resort printer does the
same, and every log record is formatted without the exception's message (which may quote
client bytes) and, for other libraries' loggers, without their arguments (engine.io and
socket.io pass packets and environ dicts). Lines of one kind are written once per window
and the rest counted (`Repeats`), so no client can make a process write more than a few
lines per window for one cause, and one noisy cause hides no other line.
`AddressFreeLog` stays as a second line.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import re
import socket
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
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


# Lines of one kind within a window are written once each, at most this many different
# ones; the rest are counted (the window is the LOG_REPEAT_SECONDS setting).
REPEAT_WINDOW_SECONDS = 10.0
REPEAT_DISTINCT_LINES = 10


@dataclass
class _Window:
    started: float
    held: dict[str, int] = field(default_factory=dict)  # line written -> times held back
    other: str | None = None  # the first line held back as one different line too many
    others: int = 0  # such lines


class Repeats:
    """Lines of one kind (where they come from) within `window` seconds of the first one:
    each different line is written once, at most `distinct` of them, and the others are
    counted. Once the window is over each count is written as one line: a cause that goes
    on writes two lines per window whatever its rate, and other kinds are never held back."""

    def __init__(self, window: float = REPEAT_WINDOW_SECONDS,
                 distinct: int = REPEAT_DISTINCT_LINES, clock=time.monotonic):
        self.window, self.distinct, self.clock = window, distinct, clock
        self.windows: dict[object, _Window] = {}
        self.lock = threading.Lock()

    def admit(self, kind, line: str) -> tuple[bool, list]:
        """(write this line?, the counts of windows now over as (kind, line): write them
        first)."""
        with self.lock:
            over = self._over(everything=False)
            window = self.windows.setdefault(kind, _Window(self.clock()))
            if line in window.held:
                window.held[line] += 1
            elif len(window.held) >= self.distinct:
                window.other = window.other or line
                window.others += 1
            else:
                window.held[line] = 0
                return True, over
            return False, over

    def over(self, everything: bool = False) -> list:
        """The counts of windows that are over (all of them at exit) as (kind, line)."""
        with self.lock:
            return self._over(everything)

    def _over(self, everything: bool) -> list:
        now = self.clock()
        ended = [kind for kind, window in self.windows.items()
                 if everything or now - window.started >= self.window]
        counts = []
        for kind in ended:
            window = self.windows.pop(kind)
            counts += [(kind, f"{first_line(line)} (repeated {n} more "
                              f"{'time' if n == 1 else 'times'} within {self.window:g} s)")
                       for line, n in window.held.items() if n]
            if window.others:
                counts.append((kind, f"{first_line(window.other)} (one of {window.others} "
                                     f"more lines of this kind within {self.window:g} s)"))
        return counts


def first_line(text: str) -> str:
    """A count stands for a line; a traceback after it is not repeated."""
    return text.split("\n", 1)[0]


_fixed = Repeats()  # write_fixed's lines: kind (stream, text), line text + exception type


def write_fixed(stream, text: str, exc_type: type | None = None) -> None:
    """Write one fixed line (plus an exception type name), once per window and kind."""
    line = text + (f" ({exc_type.__name__})" if exc_type is not None else "")
    write, over = _fixed.admit((stream, text), line)
    _write_fixed_counts(over)
    if write:
        stream.write(f"server: {line}\n")
        stream.flush()


def _write_fixed_counts(over: list) -> None:
    for (stream, _), line in over:
        stream.write(f"server: {line}\n")
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
        if not record.name.startswith(APP_LOGGER_PREFIX) and not hasattr(record, "repeat_summary"):
            record = logging.makeLogRecord({**record.__dict__, "msg": library_text(record),
                                            "args": None, "exc_info": None, "exc_text": None})
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


def library_text(record: logging.LogRecord) -> str:
    """What another library's record may say. A template with arguments is code; a message
    without any may be preformatted with client bytes (engine.io's "%s is not an accepted
    origin" is). Numbers fill the template; any other argument is withheld; an exception
    gives its type (their trace is noise)."""
    fixed = fill(record.msg, record.args) if record.args and isinstance(
        record.msg, str) else WITHHELD
    if record.exc_info and isinstance(record.exc_info[0], type):
        fixed += f" ({record.exc_info[0].__name__})"
    return fixed


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


def record_kind(record: logging.LogRecord) -> tuple[tuple, str]:
    """(kind, line) of a record: its logger, level and message template; and the text it
    writes. Another library's message without arguments may be preformatted with client
    bytes: all of those are one kind and one line, the withheld text."""
    if record.name.startswith(APP_LOGGER_PREFIX):
        template = str(record.msg)
        try:
            line = record.getMessage()
        except (TypeError, ValueError, KeyError):  # arguments that do not fit: logging says so
            line = template
        if record.exc_info and isinstance(record.exc_info[0], type):
            line += f" ({record.exc_info[0].__name__})"
    else:
        template = record.msg if record.args and isinstance(record.msg, str) else WITHHELD
        line = library_text(record)
    return (record.name, record.levelno, template), line


class RepeatFilter(logging.Filter):
    """On a handler: a record whose kind was written in the current window is counted
    instead (`Repeats`); the counts of windows that are over go through the handler as one
    line each, with the logger and level they stand for."""

    def __init__(self, handler: logging.Handler, repeats: Repeats | None = None):
        super().__init__()
        self.handler, self.repeats = handler, repeats or Repeats()

    def filter(self, record: logging.LogRecord) -> bool:
        if hasattr(record, "repeat_summary"):
            return True  # one of ours, below
        kind, line = record_kind(record)
        write, over = self.repeats.admit(kind, line)
        self.write_counts(over)
        return write

    def flush(self, everything: bool = False) -> None:
        """Write the counts of windows that are over (all of them: at exit)."""
        self.write_counts(self.repeats.over(everything))

    def write_counts(self, over: list) -> None:
        for (name, level, _), line in over:
            record = logging.LogRecord(name, level, __file__, 0, line, None, None)
            record.repeat_summary = True  # fixed text already: the formatter keeps it as is
            self.handler.handle(record)


def count_repeats(handler: logging.Handler, window: float) -> None:
    """Count repeated lines on `handler` (once) and in write_fixed, over `window` seconds."""
    _fixed.window = window
    if not any(isinstance(f, RepeatFilter) for f in handler.filters):
        handler.addFilter(RepeatFilter(handler, Repeats(window)))


def flush_repeats(everything: bool = False) -> None:
    """Write the counts of windows that are over, on every handler of the root logger and
    of write_fixed (everything: the windows still open too)."""
    for handler in logging.getLogger().handlers:
        for repeat_filter in [f for f in handler.filters if isinstance(f, RepeatFilter)]:
            repeat_filter.flush(everything)
    _write_fixed_counts(_fixed.over(everything))


def report_repeats(window: float) -> None:
    """In a server or worker process: counts are written once their window is over even
    when nothing else is logged, and at exit whatever is still counted."""
    if window <= 0:
        return  # no window: every line is written, nothing is ever counted
    threading.Thread(target=flush_every, args=(window,), name="log-repeats", daemon=True).start()
    atexit.register(flush_repeats, True)


def flush_every(window: float, sleep=time.sleep) -> None:
    """Write the counts of windows that are over, every `window` seconds, for ever."""
    while True:
        sleep(window)
        flush_repeats()


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
