"""One socket cannot make a server write more than a few log lines, whatever it sends
(issue 17, point 5). Frames sent after the server dropped the socket's namespace close the
whole connection at the first one, and what it had in flight is dropped unlogged; a
connection whose packets keep being refused is closed after SOCKET_BAD_PACKETS_BEFORE_CLOSE
of them; repeated log lines are counted, not repeated; a malformed WebSocket handshake
gets 400 with a fixed log line. Beside all of it a sentinel chat goes on undisturbed.

Lines are counted, never timed: LOG_REPEAT_SECONDS is longer than the test run, so each
kind of line is written once per server, and the counts come out when the server stops.
"""

from __future__ import annotations

import base64
import contextlib
import socket
from urllib.parse import urlsplit

import pytest
import redis as redis_lib
import websocket

from helpline import create_app
from helpline.extensions import db
from helpline.realtime.handshake import HandshakeCheck, problem
from tests.conftest import LiveServers, other_db
from tests.peers import RawSocket

# Frames and log lines do not depend on the backends (tests/conftest.py); placed to even
# out the halves' times.
pytestmark = pytest.mark.once("embedded")

NS = "/chat"
FLOOD = 2000
BAD_PACKETS = 5
WINDOW = 3600  # LOG_REPEAT_SECONDS: longer than the run
REDIS_DB, OWN_REDIS_DB = 13, 14  # the module's server, and the one a test stops itself
SENTINEL = "SNTL7q"
LIMITS = {"SOCKET_EVENT_BURST": "5", "SOCKET_EVENTS_PER_SECOND": "1",
          "SOCKET_REFUSALS_BEFORE_DISCONNECT": "3",
          "SOCKET_BAD_PACKETS_BEFORE_CLOSE": str(BAD_PACKETS), "LOG_REPEAT_SECONDS": str(WINDOW),
          "MAX_LINE_LENGTH": "0"}  # every test's sentinel waits in the line for a while


def start_server(tmp, redis_url, number: int) -> LiveServers:
    """One server process and a worker with small limits, on their own Redis database."""
    database = f"sqlite:///{tmp / 'floods.sqlite'}"
    url = other_db(redis_url, number)
    app = create_app("testing", overrides={"REDIS_URL": url, "SQLALCHEMY_DATABASE_URI": database})
    with app.app_context():
        db.create_all()
    redis_lib.Redis.from_url(url).flushdb()
    return LiveServers(url, database, tmp, count=1, env=LIMITS)


@pytest.fixture(scope="module")
def server(tmp_path_factory, redis_url):
    servers = start_server(tmp_path_factory.mktemp("floods"), redis_url, REDIS_DB)
    yield servers
    servers.stop()


@pytest.fixture
def sentinel(server, peers):
    """A chat on the same server that must go on whatever the other sockets do."""
    chatter = peers(server.urls[0], NS)
    started = chatter.call("start", {})
    assert started["ok"], started
    yield chatter
    assert chatter.call("message", {"text": "still here"})["ok"]
    assert not chatter.got("ended") and chatter.sio.connected


def written_since(log, offset: int) -> list[str]:
    return log.read_bytes()[offset:].decode("utf-8", "replace").splitlines()


def error_codes(sock: RawSocket) -> list[str]:
    return [f.split('"code":"')[1].split('"')[0] for f in sock.frames
            if isinstance(f, str) and f.startswith(f'42{NS},["error"')]


def flood(sock: RawSocket, frames: list) -> int:
    """Send frames until the server closes the connection; how many went out."""
    sent = 0
    for frame in frames:
        try:
            sock.send(frame)
        except (websocket.WebSocketException, OSError):
            break
        sent += 1
    return sent


def test_frames_after_the_namespace_was_dropped_close_the_connection_in_one_line(
        server, sentinel):
    """The finding: after the rate limit dropped /chat, every frame was a WARNING (10,762
    lines in 0.5 s) and the WebSocket stayed open."""
    sock = RawSocket(server.urls[0])
    start = server.log.stat().st_size
    flood(sock, ['42/chat,["typing",{"typing":true}]'] * FLOOD)
    assert sock.closed()  # the whole connection, not only /chat
    assert "rate_limited" in error_codes(sock) and f"41{NS}," in sock.frames
    # The server wrote these lines before its close reached the client; at most one is
    # the flood's ("socket packet refused"), whatever FLOOD is. Before: one per frame.
    written = written_since(server.log, start)
    assert len(written) <= 2, written[:5]


REFUSED_PACKETS = [
    f"42{NS},7[]",                   # not [name, payload]: bad_payload
    f'42{NS},["disconnect"]',        # reserved
    f"40{NS},",                      # connecting a namespace it is in
    "43/staff,1[]",                  # an ack for a namespace it is not in
    "41/staff,",                     # leaving a namespace it is not in
    f'49{NS},["start",{{}}]',        # an unknown packet type
]


@pytest.mark.parametrize("last", REFUSED_PACKETS)
def test_a_connection_is_closed_after_n_refused_packets(server, sentinel, last):
    sock = RawSocket(server.urls[0])
    for _ in range(BAD_PACKETS - 1):
        sock.send(f"42{NS},5[]")
        sock.expect(lambda f: f.startswith(f"43{NS},5["))  # answered, the socket stays
    # every packet got its ack; the same `error` event comes once a second (protocol.md)
    assert error_codes(sock) == ["bad_payload"]
    sock.send(last)
    assert sock.closed()
    assert error_codes(sock)[-1] == "bad_packet" and f"41{NS}," in sock.frames
    assert any("too many packets that were refused" in f for f in sock.frames)
    assert "socket closed after 5 refused packets" in server.log.read_text()


def test_a_few_refused_packets_leave_the_connection_open(server):
    sock = RawSocket(server.urls[0])
    try:
        for frame in REFUSED_PACKETS[:BAD_PACKETS - 1]:
            sock.send(frame)
        assert sock.call(NS, 6, sock.start_body())[0]["ok"]
    finally:
        sock.close()


def test_one_cause_on_many_sockets_is_one_line_and_a_count(tmp_path, redis_url):
    """Its own server, so that the count is exact once it stopped (written at exit): the
    flood's frames after the close are not even counted, they are dropped unread."""
    servers = start_server(tmp_path, redis_url, OWN_REDIS_DB)
    try:
        start = servers.log.stat().st_size
        flooder = RawSocket(servers.urls[0])
        flood(flooder, ['42/chat,["typing",{"typing":true}]'] * FLOOD)
        assert flooder.closed()
        for _ in range(20):
            sock = RawSocket(servers.urls[0])
            sock.send('42["start",{}]')  # the default namespace, which it is not in
            assert sock.closed()
    finally:
        servers.stop()
    written = [line for line in written_since(servers.log, start) if "socket packet" in line]
    assert [line.split(" ", 1)[1] for line in written] == [
        "WARNING helpline.compat.socketio_packets: socket packet refused: MalformedPacket",
        "WARNING helpline.compat.socketio_packets: socket packet refused: MalformedPacket "
        f"(repeated 20 more times within {WINDOW} s)"]


KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455's example: base64 of 16 bytes
GOOD = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": KEY,
        "Sec-WebSocket-Version": "13", "Host": "localhost"}
BAD_HANDSHAKES = [
    ({"Sec-WebSocket-Key": f"{SENTINEL}!!"}, "key not base64"),
    ({"Sec-WebSocket-Key": base64.b64encode(SENTINEL.encode() * 2).decode()},
     "key not 16 bytes"),
    ({"Sec-WebSocket-Key": None}, "no key"),
    ({"Sec-WebSocket-Version": "8"}, "version not 13"),
    ({"Sec-WebSocket-Version": None}, "version not 13"),
    ({"Connection": f"keep-alive, {SENTINEL}"}, "no Connection: Upgrade"),
    ({"Host": f"\u00e9{SENTINEL}"}, "Host not a host name"),
    ({"Host": None}, "no Host"),
]


def handshake(url: str, changes: dict) -> bytes:
    """A WebSocket handshake to the Socket.IO path with `changes` (None: no such header);
    everything the server sends until it closes, or the head of a 101 (the WebSocket
    it opens would stay open)."""
    headers = {**GOOD, **changes}
    request = "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers.items() if value is not None)
    parts = urlsplit(url)
    received = b""
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        conn.sendall(request.encode() + b"\r\n")
        with contextlib.suppress(TimeoutError):
            while chunk := conn.recv(65536):
                received += chunk
                if received.startswith(b"HTTP/1.1 101 ") and b"\r\n\r\n" in received:
                    break
    return received


@pytest.mark.parametrize(("changes", "reason"), BAD_HANDSHAKES)
def test_a_malformed_handshake_gets_400_and_a_fixed_line(server, sentinel, changes, reason):
    start = server.log.stat().st_size
    response = handshake(server.urls[0], changes)
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 "), response[:200]
    assert b"Sec-WebSocket-Version: 13" in head and body == b"Bad WebSocket handshake.\n"
    log = server.log.read_text()
    assert f"helpline.realtime.handshake: bad WebSocket handshake: {reason}" in log
    since = "\n".join(written_since(server.log, start))
    assert SENTINEL not in since and "request failed" not in since, since


def test_a_good_handshake_still_opens_a_socket(server):
    assert handshake(server.urls[0], {}).startswith(b"HTTP/1.1 101 ")


@pytest.mark.parametrize("changes", [
    {}, {"Connection": "keep-alive, Upgrade"}, {"Host": "127.0.0.1:5000"},
    {"Host": "[::1]:5000"}, {"Sec-WebSocket-Version": " 13 "}])
def test_what_the_rfc_allows_passes_the_check(changes):
    headers = {**GOOD, **changes}
    environ = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
    assert problem(environ) is None


def test_only_websocket_handshakes_to_the_socket_path_are_checked():
    def app(environ, start_response):
        start_response("200 OK", [])
        return [b"app"]

    check = HandshakeCheck(app)
    bad = {"HTTP_UPGRADE": "websocket", "HTTP_SEC_WEBSOCKET_VERSION": "8"}
    statuses = []
    for environ in ({"PATH_INFO": "/", **bad}, {"PATH_INFO": "/socket.io/"},
                    {"PATH_INFO": "/socket.io/", **bad}):
        body = check(environ, lambda status, headers: statuses.append(status))
        assert body in ([b"app"], [b"Bad WebSocket handshake.\n"])
    assert statuses == ["200 OK", "200 OK", "400 Bad Request"]
