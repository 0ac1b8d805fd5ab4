"""Real Socket.IO clients (python-socketio) and staff sign-in for tests against live servers."""

from __future__ import annotations

import re
import select
import threading
import time

import requests
import socketio
import websocket

from tests import totp
from tests.conftest import PASSWORD, with_solution

STALE_RETRIES = 4  # `start` solved again on pow_stale, as the chatter page does


class SerialTLSWebSocket(websocket.WebSocket):
    """websocket-client's WebSocket whose TLS reads and writes never overlap.

    python-socketio's sync client reads in one thread and writes in another, and an
    ssl.SSLSocket used from two threads at once drops the connection at random, within
    milliseconds of a send (python-engineio#461: tests/test_nginx.py failed 3 runs in 90
    with both cores busy, none in 60 with this class). The reader waits for data outside
    the lock and reads inside it. Only these test clients need it: browsers and the
    asyncio bench clients are single-threaded.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._tls_lock = threading.Lock()

    def _send(self, data):
        with self._tls_lock:
            return super()._send(data)

    def _recv(self, bufsize):
        sock = self.sock
        if sock is not None and not sock.pending():
            readable, _, _ = select.select([sock], [], [], sock.gettimeout())
            if not readable:
                raise websocket.WebSocketTimeoutException("timed out")
        with self._tls_lock:
            return super()._recv(bufsize)


DEADLINE = 30  # seconds for an ack, an event, a connection: generous for a busy CI machine


def busy_retry_after(exc: BaseException | None) -> float | None:
    """The Retry-After of a WebSocket handshake refused 503 (`server_busy`: the server's
    event loop lags, realtime/overload.py), found under python-socketio's ConnectionError;
    None for any other failure."""
    while exc is not None:
        if isinstance(exc, websocket.WebSocketBadStatusException) and exc.status_code == 503:
            return float((exc.resp_headers or {}).get("retry-after", 1))
        exc = exc.__cause__ or exc.__context__
    return None


class Peer:
    """A python-socketio client that records every event it receives."""

    def __init__(self, url: str, namespace: str, cookie: str | None = None,
                 headers: dict | None = None, verify: str | None = None):
        self.namespace = namespace
        self.url = url
        self.received: list[tuple[str, object]] = []
        self.lock = threading.Lock()
        http = requests.Session()
        if verify:  # wss:// with a test CA: its certificate file (not REQUESTS_CA_BUNDLE)
            http.verify, http.trust_env = verify, False
        self.http = http  # also fetches the proof-of-work challenge (same certificate rules)
        tls = {"websocket_extra_options": {"class_": SerialTLSWebSocket}} if verify else {}
        self.sio = socketio.Client(reconnection=False, http_session=http, **tls)
        self.sio.on("*", self._record, namespace=namespace)
        headers = dict(headers or {})  # websocket-client sends the right Origin itself
        if cookie:
            headers["Cookie"] = cookie
        deadline = time.monotonic() + DEADLINE
        while True:  # as the chat page: a busy server's refusal is tried again after a while
            try:
                self.sio.connect(url, namespaces=[namespace], transports=["websocket"],
                                 headers=headers, wait_timeout=DEADLINE)
                return
            except socketio.exceptions.ConnectionError as exc:
                wait = busy_retry_after(exc)
                if wait is None or time.monotonic() + wait > deadline:
                    raise
                time.sleep(wait)  # (the server's Retry-After: not a clock the test moves)

    def _record(self, event, data=None):
        with self.lock:
            self.received.append((event, data))

    def call(self, event, data=None):
        if event == "start" and self.namespace == "/chat" and (data is None or "pow" not in data):
            # as the chatter page: solve, and solve again while places were taken meanwhile;
            # a busy server's `server_busy` is tried again after its `retry_after`
            deadline = time.monotonic() + DEADLINE
            stale = 0
            while True:
                answer = self._call(event, with_solution(data, self._challenge))
                code = answer.get("code")
                if code == "pow_stale" and (stale := stale + 1) < STALE_RETRIES:
                    continue
                wait = answer.get("retry_after", 1)
                if code != "server_busy" or time.monotonic() + wait > deadline:
                    return answer
                time.sleep(wait)  # (the server's retry_after: not a clock the test moves)
        return self._call(event, data)

    def _challenge(self) -> dict:
        return self.http.get(self.url + "/challenge", timeout=DEADLINE).json()

    def _call(self, event, data):
        try:
            return self.sio.call(event, data, namespace=self.namespace, timeout=DEADLINE)
        except socketio.exceptions.TimeoutError:  # say what the socket saw instead
            raise AssertionError(
                f"no ack for {event!r} within {DEADLINE} s (connected: {self.sio.connected}); "
                f"last events: {self.received[-5:]}") from None

    def wait_for(self, event, predicate=lambda d: True, timeout=DEADLINE):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for name, data in self.received:
                    if name == event and predicate(data):
                        return data
            time.sleep(0.02)
        raise AssertionError(f"no {event!r} within {timeout}s; got {self.received[-5:]}")

    def got(self, event):
        with self.lock:
            return [d for n, d in self.received if n == event]

    def close(self):
        self.sio.disconnect()


def in_parallel(calls) -> None:
    """Run each (function, *args) in a thread of its own, all at once; return when all are
    done (races between processes, as many browsers make them)."""
    threads = [threading.Thread(target=fn, args=args) for fn, *args in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def sign_in(url: str, username: str, verify: str | None = None
            ) -> tuple[requests.Session, str]:
    """A signed-in browser: its HTTP session (CSRF form) and the cookie header for sockets."""
    http = requests.Session()
    if verify:  # https:// with a test CA: its certificate file (not REQUESTS_CA_BUNDLE)
        http.verify, http.trust_env = verify, False
    page = http.get(url + "/staff/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = http.post(url + "/staff/login", allow_redirects=False,
                         data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.text[:300]
    if "/staff/login/code" in response.headers["Location"]:  # a supervisor: the second step
        response = http.post(url + "/staff/login/code", allow_redirects=False,
                             data={"code": totp.next_code(username), "csrf_token": token})
        assert response.status_code == 302, response.text[:300]
    return http, "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def staff_cookie(url: str, username: str) -> str:
    """Sign in over HTTP and return the session cookie header."""
    return sign_in(url, username)[1]


class RawSocket:
    """A bare Engine.IO v4 WebSocket (websocket-client): frames exactly as given, for tests of
    malformed packets. Answers the server's pings so that only the test decides to close."""

    def __init__(self, url: str, namespace: str | None = "/chat", cookie: str | None = None,
                 query: str = ""):
        import websocket

        self.url = url
        self.ws = websocket.create_connection(
            url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
            + (f"&{query}" if query else ""),
            timeout=10, header=[f"Cookie: {cookie}"] if cookie else None)
        assert self.ws.recv().startswith("0{")  # the Engine.IO open packet
        self.frames: list = []
        if namespace:
            self.send(f"40{namespace},")
            assert self.expect(lambda f: f.startswith(f"40{namespace},"))

    def start_body(self, data: dict | None = None) -> str:
        """`["start", {...}]` with a solved proof of work, as a chatter page sends it."""
        import json

        challenge = requests.get(self.url + "/challenge", timeout=10).json()
        return json.dumps(["start", with_solution(data, lambda: challenge)])

    def send(self, frame) -> None:
        if isinstance(frame, bytes):
            self.ws.send_binary(frame)
        else:
            self.ws.send(frame)

    def recv(self):
        """The next frame other than a ping; None once the server closed the socket."""
        import websocket

        while True:
            try:
                frame = self.ws.recv()
            except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
                return None
            if frame in ("", "1"):  # a WebSocket or an Engine.IO close
                return None
            if frame == "2":
                self.ws.send("3")
                continue
            self.frames.append(frame)
            return frame

    def expect(self, predicate, limit: int = 50):
        """The first frame matching `predicate` (frames before it are kept in `frames`)."""
        for _ in range(limit):
            frame = self.recv()
            if frame is None:
                raise AssertionError(f"closed; got {self.frames[-5:]}")
            if isinstance(frame, str) and predicate(frame):
                return frame
        raise AssertionError(f"not received; got {self.frames[-5:]}")

    def call(self, namespace: str, ack_id: int, body: str):
        """Send `42<ns>,<id><body>` and return the decoded ack (a list)."""
        import json

        self.send(f"42{namespace},{ack_id}{body}")
        prefix = f"43{namespace},{ack_id}["
        return json.loads(self.expect(lambda f: f.startswith(prefix))[len(prefix) - 1:])

    def closed(self) -> bool:
        """True when the server closes the socket before sending anything else."""
        while True:
            frame = self.recv()
            if frame is None:
                return True

    def close(self) -> None:
        self.ws.close()
