"""A live server's output holds no address, port, user agent or byte a client sent,
whatever the client sends: bad HTTP, bad handshakes, bad and post-close WebSocket frames."""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import time
from urllib.parse import urlsplit

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


def test_a_burst_of_errors_is_cut_to_a_few_lines_and_a_count():
    from helpline.server.logs import Throttle

    throttle = Throttle(burst=3, window=3600)
    admitted = [throttle.admit()[0] for _ in range(10)]
    assert admitted == [True] * 3 + [False] * 7
    throttle.started -= 3600  # the window is over
    assert throttle.admit() == (True, 7)


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

    monkeypatch.setattr(serverlog, "_throttle", serverlog.Throttle())
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
