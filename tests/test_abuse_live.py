"""Abuse defences on a live server process (real sockets, real gevent server): a typing
flood is refused then disconnected while a sentinel chat goes on, the socket cap, the
header timeout against slowloris, the short grace of a vanished waiting chatter, and a
supervisor removing a waiting chat (the chatter is told)."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import pytest
import redis as redis_lib
import websocket

from helpline import create_app
from helpline.extensions import db
from tests.conftest import LiveServers, other_db
from tests.peers import staff_cookie

pytestmark = pytest.mark.once  # the same whatever the backends: tests/conftest.py

HEADER_TIMEOUT = 2
MAX_SOCKETS = 12


@pytest.fixture(scope="module")
def server(tmp_path_factory, redis_url):
    """One server process and a worker with small limits, on their own Redis database."""
    tmp = tmp_path_factory.mktemp("abuse")
    database = f"sqlite:///{tmp / 'abuse.sqlite'}"
    url = other_db(redis_url, 3)
    app = create_app("testing", overrides={"REDIS_URL": url, "SQLALCHEMY_DATABASE_URI": database})
    with app.app_context():
        db.create_all()
    redis_lib.Redis.from_url(url).flushdb()
    servers = LiveServers(url, database, tmp, count=1, env={
        "HEADER_TIMEOUT_SECONDS": str(HEADER_TIMEOUT), "MAX_SOCKETS_PER_PROCESS": str(MAX_SOCKETS),
        "SOCKET_EVENT_BURST": "10", "SOCKET_EVENTS_PER_SECOND": "2",
        "SOCKET_REFUSALS_BEFORE_DISCONNECT": "10", "WAITING_GRACE_SECONDS": "2"})
    servers.app = app
    servers.redis_url = url
    servers.redis = redis_lib.Redis.from_url(url, decode_responses=True)
    yield servers
    servers.stop()


def wait_until(check, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_a_typing_flood_is_refused_then_disconnected_beside_an_undisturbed_chat(server, peers):
    url = server.urls[0]
    sentinel = peers(url, "/chat")
    assert sentinel.call("start", {})["ok"]
    flooder = peers(url, "/chat")
    assert flooder.call("start", {})["ok"]
    for _ in range(200):
        if not flooder.sio.connected:
            break
        try:
            flooder.sio.emit("typing", {"typing": True}, namespace="/chat")
        except Exception:  # noqa: BLE001 - the server closed it mid-flood
            break
    flooder.wait_for("error", lambda d: d.get("code") == "rate_limited")
    assert wait_until(lambda: not flooder.sio.connected)
    assert sentinel.call("message", {"text": "still here"})["ok"]
    assert sentinel.call("typing", {"typing": False})["ok"]


def test_refusals_are_answered_by_the_process_not_through_redis(server, peers):
    """A flood of refused events costs no Redis publish each: the error goes straight to
    the socket, which lives in this process (issue 17: the relay made a flood 13x slower)."""
    from helpline.server.redis_client import channel_for

    listener = server.redis.pubsub()
    listener.subscribe(channel_for(server.redis_url))
    assert listener.get_message(timeout=5)["type"] == "subscribe"
    client = peers(server.urls[0], "/chat")
    for _ in range(3):
        assert client.call("nonsense", {})["code"] == "unknown_event"
    client.wait_for("error", lambda d: d.get("code") == "unknown_event")
    published = []  # other tests' line changes may be published meanwhile: look for ours
    while (message := listener.get_message(timeout=0.5)) is not None:
        published.append(message["data"])
    listener.close()
    assert not [data for data in published if "unknown_event" in str(data)]


def test_sockets_over_the_cap_are_refused_with_a_reason(server):
    host = urlsplit(server.urls[0]).netloc
    opened, refused = [], None
    try:
        for _ in range(MAX_SOCKETS + 5):
            try:
                opened.append(websocket.create_connection(
                    f"ws://{host}/socket.io/?EIO=4&transport=websocket", timeout=10))
            except websocket.WebSocketBadStatusException as exc:
                refused = exc
                break
        assert refused is not None and refused.status_code == 503
        assert b"server_busy" in (refused.resp_body or b"")
        assert len(opened) <= MAX_SOCKETS
    finally:
        for ws in opened:
            ws.close()

    def accepted() -> bool:
        try:
            websocket.create_connection(f"ws://{host}/socket.io/?EIO=4&transport=websocket",
                                        timeout=10).close()
            return True
        except websocket.WebSocketBadStatusException:
            return False

    assert wait_until(accepted)  # room again once sockets closed


def test_a_slowloris_connection_is_closed_by_the_header_timeout(server):
    parts = urlsplit(server.urls[0])
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n")  # headers never end
        conn.settimeout(10 * HEADER_TIMEOUT)
        received = b""
        while True:
            try:
                chunk = conn.recv(4096)
            except TimeoutError:
                pytest.fail("the server kept a connection whose headers never ended")
            if not chunk:
                break
            received += chunk
        assert b"200 OK" not in received
    # a normal request right after still works
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert conn.recv(4096).startswith(b"HTTP/1.1 200")


def test_a_vanished_waiting_chatter_leaves_the_line_after_the_short_grace(server, peers):
    chatter = peers(server.urls[0], "/chat")
    chat_id = chatter.call("start", {})["chat_id"]
    chatter.close()
    # RESUME_GRACE_SECONDS is 30 on live servers; the waiting grace is 2
    assert wait_until(lambda: server.redis.zscore("hl:line", chat_id) is None, timeout=20)


def test_a_removed_chatter_is_told_and_cannot_resume(server, peers):
    from tests.conftest import add_staff

    url = server.urls[0]
    with server.app.app_context():
        add_staff("sara", "supervisor", "Sara", None)  # enrolled in two-factor sign-in
    supervisor = peers(url, "/staff", cookie=staff_cookie(url, "sara"))
    chatter = peers(url, "/chat")
    started = chatter.call("start", {})
    assert supervisor.call("remove_waiting", {"chat_id": started["chat_id"]}) == {"ok": True}
    assert chatter.wait_for("ended") == {"by": "supervisor", "reason": "removed"}
    assert wait_until(lambda: not chatter.sio.connected)
    again = peers(url, "/chat").call("resume", {"token": started["token"]})
    assert again["code"] == "unknown_token"
