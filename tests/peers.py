"""Real Socket.IO clients (python-socketio) and staff sign-in for tests against live servers."""

from __future__ import annotations

import re
import threading
import time

import requests
import socketio

from tests import totp
from tests.conftest import PASSWORD, with_solution


class Peer:
    """A python-socketio client that records every event it receives."""

    def __init__(self, url: str, namespace: str, cookie: str | None = None,
                 headers: dict | None = None, verify: str | None = None):
        self.namespace = namespace
        self.url = url
        self.received: list[tuple[str, object]] = []
        self.lock = threading.Lock()
        http = requests.Session()
        if verify:  # wss:// with a test CA: its certificate file
            http.verify = verify
        self.sio = socketio.Client(reconnection=False, http_session=http)
        self.sio.on("*", self._record, namespace=namespace)
        headers = dict(headers or {})  # websocket-client sends the right Origin itself
        if cookie:
            headers["Cookie"] = cookie
        self.sio.connect(url, namespaces=[namespace], transports=["websocket"], headers=headers,
                         wait_timeout=10)

    def _record(self, event, data=None):
        with self.lock:
            self.received.append((event, data))

    def call(self, event, data=None):
        if event == "start" and self.namespace == "/chat":
            data = with_solution(data, lambda: requests.get(self.url + "/challenge",
                                                            timeout=10).json())
        return self.sio.call(event, data, namespace=self.namespace, timeout=10)

    def wait_for(self, event, predicate=lambda d: True, timeout=10.0):
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
