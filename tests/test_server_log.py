"""A live server's output holds no address, port, user agent or byte a client sent,
whatever the client sends: bad HTTP, bad handshakes, bad and post-close WebSocket frames."""

from __future__ import annotations

import contextlib
import io
import logging
import re
import socket
import time
from urllib.parse import urlsplit

import pytest
import redis as redis_lib
import websocket

from tests.peers import Peer

SENTINEL = "SNTL7q"
AGENT = "SentinelAgent/4.2"


def _raw(url: str, data: bytes, read: bool = True) -> None:
    """Send raw bytes over TCP, read what comes back, close."""
    host, port = urlsplit(url).hostname, urlsplit(url).port
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(data)
        if read:
            with contextlib.suppress(OSError):
                s.recv(65536)


def _ws(url: str) -> websocket.WebSocket:
    ws = websocket.create_connection(
        url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
        header=[f"User-Agent: {AGENT}"], timeout=5)
    ws.recv()  # the Engine.IO open packet
    return ws


def _frame(text: str, mask: bytes | None = None) -> bytes:
    """A client text frame; an all-zero mask leaves the text readable in the bytes sent."""
    frame = websocket.ABNF.create_frame(text, websocket.ABNF.OPCODE_TEXT)
    if mask is not None:
        frame.get_mask_key = lambda length: mask
    return frame.format()


def _bad_http(url: str) -> None:
    _raw(url, f"{SENTINEL}-GARBAGE\r\n\r\n".encode())
    _raw(url, f"GET /{SENTINEL} HTTP/9.{SENTINEL}\r\nUser-Agent: {AGENT}\r\n\r\n".encode())
    _raw(url, f"GET /{SENTINEL} HTTP/3.0\r\n\r\n".encode())  # gevent: "Invalid http version"
    _raw(url, f"POST /{SENTINEL} HTTP/1.1\r\nContent-Length: -{SENTINEL}\r\n\r\n".encode())
    _raw(url, f"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nUser-Agent: {AGENT}".encode(),
         read=False)  # truncated
    _raw(url, b"\x16\x03\x01\x02\x00" + SENTINEL.encode() * 50)  # TLS hello on plain HTTP


def _bad_handshakes(url: str) -> None:
    for query in (f"EIO={SENTINEL}&transport=websocket", f"EIO=4&transport={SENTINEL}",
                  f"EIO=4&transport=polling&sid={SENTINEL}"):
        _raw(url, (f"GET /socket.io/?{query} HTTP/1.1\r\nHost: x\r\nUser-Agent: {AGENT}\r\n"
                   f"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {SENTINEL}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    _raw(url, (f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n"
               f"Origin: http://{SENTINEL}.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
               f"User-Agent: {AGENT}\r\n\r\n").encode())


def _bad_frames(url: str) -> None:
    for _ in range(30):  # Engine.IO garbage: once a traceback with the environ each
        ws = _ws(url)
        ws.send(f"zz{SENTINEL}")
        ws.close()
    for text in (f'42/chat,["message",{{"text":"{SENTINEL}', f"4{SENTINEL}", f"40/{SENTINEL},",
                 "x" * 70_000 + SENTINEL):  # truncated, bad type, unknown namespace, oversized
        ws = _ws(url)
        try:
            ws.send("40/chat,{}")
            ws.send(text)
            ws.recv()
        except (websocket.WebSocketException, OSError):
            pass
        ws.close()
    for _ in range(20):  # a message, the close, then frames after the close
        ws = _ws(url)
        ws.send("40/chat,{}")
        ws.sock.sendall(_frame(f'42/chat,["message",{{"text":"{SENTINEL}"}}]'))
        ws.sock.sendall(websocket.ABNF.create_frame(b"\x03\xe8", websocket.ABNF.OPCODE_CLOSE)
                        .format())
        with contextlib.suppress(websocket.WebSocketException, OSError):
            ws.recv()  # the server's close: what follows reaches pywsgi, not the WebSocket
        # with three words before a newline, gevent logged the frame as a request line
        late = f'42/chat,["message",{{"text":"a {SENTINEL} b\n"}}]'
        with contextlib.suppress(OSError):
            ws.sock.sendall(_frame(late, mask=b"\0\0\0\0") * 3)
        time.sleep(0.05)
        ws.sock.close()
    ws = _ws(url)  # a truncated frame header, then the connection drops
    ws.sock.sendall(_frame(f"42{SENTINEL}" * 10)[:9])
    ws.sock.close()


def _handler_exception(live) -> None:
    """A real handler failure: the chat's message stream is a string, so XADD fails."""
    chatter = Peer(live.urls[0], "/chat", headers={"User-Agent": AGENT})
    chat_id = chatter.call("start", {})["chat_id"]
    r = redis_lib.Redis.from_url(live.env["REDIS_URL"])
    r.set(f"hl:chat:{chat_id}:msgs", SENTINEL)
    reply = chatter.call("message", {"text": f"{SENTINEL} fails"})
    assert reply["code"] == "internal", reply
    chatter.close()


def test_nothing_a_client_sends_reaches_the_server_log(live):
    url = live.urls[0]
    start = live.log.stat().st_size
    _bad_http(url)
    _bad_handshakes(url)
    _bad_frames(url)
    _handler_exception(live)
    time.sleep(1)  # let the server finish writing what these caused
    log = live.log.read_bytes()[start:].decode("latin-1")
    assert "socket handler failed: ResponseError" in log  # the server did log, fixed text
    for needle in (SENTINEL, AGENT, "127.0.0.1", "REMOTE_", "HTTP_USER_AGENT"):
        assert needle not in log, (needle, log[-3000:])
    numbers = {int(n) for n in re.findall(r"\b\d{4,5}\b", log)}
    ephemeral = {n for n in numbers if 32768 <= n <= 60999}  # where a client's port comes from
    assert not ephemeral - {urlsplit(u).port for u in live.urls}, log[-3000:]
    assert log.count("\n") < 200, log[-3000:]  # one client cannot flood the log


def test_records_keep_no_library_arguments_and_no_exception_messages():
    from helpline.server.logs import AnonymousFormatter

    formatter = AnonymousFormatter("%(name)s: %(message)s")
    try:
        raise ValueError(SENTINEL)
    except ValueError:
        import sys

        exc_info = sys.exc_info()
    lib = logging.LogRecord("engineio.server", logging.ERROR, __file__, 1,
                            "%s: Received packet %s", (SENTINEL, SENTINEL), exc_info)
    app = logging.LogRecord("helpline", logging.ERROR, __file__, 1,
                            "failed: %s", ("ValueError",), exc_info)
    out = formatter.format(lib) + formatter.format(app)
    assert SENTINEL not in out
    assert "Received packet" in out and "failed: ValueError" in out and "ValueError" in out


class Frozen:
    """A clock that moves only when the test says so."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def counting_handler(window: float = 10):
    """A stream handler as configure_logging sets it up, on a frozen clock."""
    from helpline.server.logs import AnonymousFormatter, RepeatFilter, Repeats

    clock, out = Frozen(), io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(AnonymousFormatter("%(levelname)s %(name)s: %(message)s"))
    repeat_filter = RepeatFilter(handler, Repeats(window, clock=clock))
    handler.addFilter(repeat_filter)
    return handler, repeat_filter, clock, out


def emit(handler, name, msg, args=(), level=logging.WARNING):
    handler.handle(logging.LogRecord(name, level, __file__, 1, msg, args, None))


def test_repeated_lines_are_written_once_then_counted_in_one_line():
    handler, repeat_filter, clock, out = counting_handler()
    for _ in range(5000):
        emit(handler, "helpline.compat.socketio_packets", "socket packet refused: %s",
             ("MalformedPacket",))
    assert out.getvalue().splitlines() == [
        "WARNING helpline.compat.socketio_packets: socket packet refused: MalformedPacket"]
    clock.now += 10  # the window is over; nothing else is logged: the periodic flush
    repeat_filter.flush()
    assert out.getvalue().splitlines()[1:] == [
        "WARNING helpline.compat.socketio_packets: socket packet refused: MalformedPacket "
        "(repeated 4999 more times within 10 s)"]
    emit(handler, "helpline.compat.socketio_packets", "socket packet refused: %s",
         ("MalformedPacket",))
    assert len(out.getvalue().splitlines()) == 3  # a new window: written again
    repeat_filter.flush()
    assert len(out.getvalue().splitlines()) == 3  # nothing held back, nothing to count


def test_the_count_comes_before_the_next_line_once_the_window_is_over():
    handler, _, clock, out = counting_handler()
    for _ in range(3):
        emit(handler, "helpline.x", "tick")
    clock.now += 10
    emit(handler, "helpline.y", "tock")
    assert out.getvalue().splitlines() == [
        "WARNING helpline.x: tick", "WARNING helpline.x: tick (repeated 2 more times within 10 s)",
        "WARNING helpline.y: tock"]


def test_a_flood_of_one_kind_holds_back_no_other_line():
    handler, _, _, out = counting_handler()
    distinct = [("helpline.a", "socket closed after %d refused packets", (10,), logging.WARNING),
                ("helpline.a", "socket closed after %d refused packets", (10,), logging.ERROR),
                ("helpline.b", "socket packet refused: %s", ("MalformedPacket",), logging.WARNING),
                ("helpline.a", "socket packet refused: %s", ("ValueError",), logging.WARNING),
                ("rq.worker", "Worker %s: idle for %d seconds", ("w", 30), logging.WARNING)]
    for n in range(1000):
        emit(handler, "helpline.a", "socket packet refused: %s", ("MalformedPacket",))
        if n % 100 == 0:
            for name, msg, args, level in distinct:
                emit(handler, name, msg, args, level)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 + len(distinct), lines


def test_a_kind_writes_at_most_ten_different_lines_then_counts():
    handler, repeat_filter, clock, out = counting_handler()
    for n in range(50):
        emit(handler, "helpline.timers", "timer backlog: %d due timer(s) queued", (n,))
    lines = out.getvalue().splitlines()
    assert lines == [f"WARNING helpline.timers: timer backlog: {n} due timer(s) queued"
                     for n in range(10)]
    repeat_filter.flush(everything=True)  # at exit: what is still counted
    assert out.getvalue().splitlines()[10:] == [
        "WARNING helpline.timers: timer backlog: 10 due timer(s) queued (one of 40 more lines "
        "of this kind within 10 s)"]


def test_preformatted_library_lines_are_one_kind_and_never_quoted():
    handler, repeat_filter, clock, out = counting_handler()
    for n in range(100):  # engine.io's "<origin> is not an accepted origin.": client bytes
        emit(handler, "engineio.server", f"http://{SENTINEL}{n}.example is not an accepted origin.",
             level=logging.ERROR)
    clock.now += 10
    repeat_filter.flush()
    assert out.getvalue().splitlines() == [
        "ERROR engineio.server: (message withheld: it may quote a client)",
        "ERROR engineio.server: (message withheld: it may quote a client) (repeated 99 more "
        "times within 10 s)"]


def test_fixed_server_lines_are_counted_per_text(monkeypatch):
    from helpline.server import logs as serverlog

    clock, out = Frozen(), io.StringIO()
    monkeypatch.setattr(serverlog, "_fixed", serverlog.Repeats(10, clock=clock))
    for _ in range(300):
        serverlog.write_fixed(out, "bad request", ValueError)
    serverlog.write_fixed(out, "request failed", KeyError)  # another text: written
    serverlog.write_fixed(out, "bad request", KeyError)  # another type: written once too
    assert out.getvalue().splitlines() == ["server: bad request (ValueError)",
                                           "server: request failed (KeyError)",
                                           "server: bad request (KeyError)"]
    serverlog.flush_repeats(everything=True)
    assert out.getvalue().splitlines()[3:] == [
        "server: bad request (ValueError) (repeated 299 more times within 10 s)"]


def test_the_counts_come_every_window_even_when_nothing_else_is_logged(monkeypatch):
    from helpline.server import logs as serverlog

    clock, out = Frozen(), io.StringIO()
    monkeypatch.setattr(serverlog, "_fixed", serverlog.Repeats(10, clock=clock))
    for _ in range(2):
        serverlog.write_fixed(out, "bad request")

    class Stop(Exception):
        pass

    naps = []

    def nap(seconds):
        naps.append(seconds)
        if len(naps) == 3:
            raise Stop
        clock.now += seconds

    with pytest.raises(Stop):
        serverlog.flush_every(10, sleep=nap)
    assert out.getvalue().splitlines() == [
        "server: bad request", "server: bad request (repeated 1 more time within 10 s)"]


def test_no_window_writes_every_line(monkeypatch):
    from helpline.server import logs as serverlog

    handler, _, _, out = counting_handler(window=0)
    for _ in range(3):
        emit(handler, "helpline.x", "tick")
    assert out.getvalue().splitlines() == ["WARNING helpline.x: tick"] * 3
    monkeypatch.setattr(serverlog.threading, "Thread", None)  # nothing to start
    serverlog.report_repeats(0)


def test_a_failing_page_logs_its_route_not_the_path_a_client_chose(app, caplog):
    def boom(word):
        raise ValueError(word)

    app.add_url_rule("/boom/<word>", "boom", boom)
    response = app.test_client().get(f"/boom/{SENTINEL}", headers={"User-Agent": AGENT})
    assert response.status_code == 500
    logged = [r.getMessage() for r in caplog.records if r.name == "helpline"]
    assert logged == ["request failed: ValueError on /boom/<word>"]


def test_a_failed_greenlet_prints_its_type_only(capsys, monkeypatch):
    import gevent

    from helpline.server import logs as serverlog

    monkeypatch.setattr(serverlog, "_fixed", serverlog.Repeats())
    hub = gevent.get_hub()
    serverlog.install_hub_printer()
    try:
        def fail(text):
            raise ValueError(text)

        gevent.spawn(fail, SENTINEL).join()
    finally:
        del hub.print_exception
    err = capsys.readouterr().err
    assert "server: background task failed (ValueError)" in err
    assert SENTINEL not in err and "Greenlet" not in err
