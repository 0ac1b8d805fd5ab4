"""A client written from docs/protocol.md only (issue 6, D15): staff sign-in over HTTP, a
full chat over Socket.IO, the summary, and the connection rules the doc states (Origin,
heartbeat values in the open packet, frame limit). If this needs anything the doc does
not say, the doc is incomplete.

It deliberately uses nothing from tests/peers.py: plain `requests`, `socketio.Client` and
`websocket-client`, the way an outside client writer would.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time

import pytest
import requests
import socketio
import websocket

from tests.conftest import PASSWORD


class DocClient:
    """A Socket.IO client that keeps every event it gets, per name."""

    def __init__(self, url: str, namespace: str, cookie: str | None = None):
        self.ns = namespace
        self.got: dict[str, list] = {}
        self.lock = threading.Lock()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("*", self._keep, namespace=namespace)
        self.sio.connect(url, namespaces=[namespace], transports=["websocket"],
                         headers={"Cookie": cookie} if cookie else {}, wait_timeout=10)

    def _keep(self, event, data=None):
        with self.lock:
            self.got.setdefault(event, []).append(data)

    def send(self, event, data=None):
        return self.sio.call(event, data, namespace=self.ns, timeout=10)

    def first(self, event, test=lambda d: True, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for data in self.got.get(event, []):
                    if test(data):
                        return data
            time.sleep(0.02)
        raise AssertionError(f"no {event} in {timeout}s: {self.got}")


def staff_session(url: str, username: str) -> str:
    """docs/protocol.md, *Staff sign-in*: GET the form, POST it with its token: 302."""
    http = requests.Session()
    form = http.get(url + "/staff/login")
    assert form.status_code == 200 and "session" in http.cookies
    token = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', form.text).group(1)
    wrong = http.post(url + "/staff/login", allow_redirects=False,
                      data={"csrf_token": token, "username": username, "password": "nope"})
    assert wrong.status_code == 401
    bad = http.post(url + "/staff/login", allow_redirects=False,
                    data={"username": username, "password": PASSWORD})
    assert bad.status_code == 400  # no CSRF token
    ok = http.post(url + "/staff/login", allow_redirects=False,
                   data={"csrf_token": token, "username": username, "password": PASSWORD})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/staff/")
    return f"session={http.cookies['session']}"


def solved_challenge(url: str) -> dict:
    """"Proof of work before `start`": GET /challenge, find the number, send the five fields."""
    challenge = requests.get(url + "/challenge", timeout=10).json()
    for number in range(challenge["maxnumber"] + 1):
        digest = hashlib.sha256((challenge["salt"] + str(number)).encode("ascii")).hexdigest()
        if digest == challenge["challenge"]:
            return {"algorithm": challenge["algorithm"], "challenge": challenge["challenge"],
                    "number": number, "salt": challenge["salt"],
                    "signature": challenge["signature"]}
    raise AssertionError("no number solves the challenge")


def test_a_full_chat_written_from_the_doc(live, live_staff):
    url = live.urls[0]
    live_staff("anna", name="Anna")
    staff = DocClient(url, "/staff", staff_session(url, "anna"))
    state = staff.first("state")  # "On connect the server sends state"
    assert state["on_duty"] is False and state["name"] == "Anna"
    assert staff.send("duty", {"on": True, "capacity": 1})["on_duty"] is True

    chatter = DocClient(url, "/chat")
    started = chatter.send("start", {"pow": solved_challenge(url), "age_band": None,
                                     "gender": None, "lang": "en"})
    assert started["ok"] and started["token"]
    chatter.first("assigned", lambda d: d["therapist"] == "Anna")
    assigned = staff.first("chat_assigned")
    chat_id = assigned["chat_id"]
    assert chat_id == started["chat_id"]

    assert chatter.send("typing", {"typing": True}) == {"ok": True}
    staff.first("typing", lambda d: d["chat_id"] == chat_id and d["typing"] is True)
    sent = chatter.send("message", {"text": "Hello"})
    staff.first("message", lambda d: d["id"] == sent["id"] and d["sender"] == "chatter")
    reply = staff.send("message", {"chat_id": chat_id, "text": "Hi, I am listening."})
    chatter.first("message", lambda d: d["id"] == reply["id"] and d["name"] == "Anna")

    # A reconnect: a new socket resumes with the token and the last id it holds.
    chatter.sio.disconnect()
    staff.first("chatter_connection", lambda d: d["connected"] is False)
    again = DocClient(url, "/chat")
    resumed = again.send("resume", {"token": started["token"], "last_id": sent["id"]})
    assert resumed["state"] == "active" and [m["id"] for m in resumed["messages"]] == \
        [reply["id"]]

    assert again.send("end", {}) == {"ok": True}
    staff.first("chat_ended", lambda d: d["chat_id"] == chat_id and d["by"] == "chatter")
    assert again.send("message", {"text": "x"})["code"] == "chat_ended"  # unbound now
    values = {"target_group": "self", "subcategory": "sexual_feelings_minors",
              "help_given": ["listening"], "follow_up": "may_contact_again",
              "risk": "no_indication"}  # the required fields of the table, nothing else
    filed = staff.send("summary", {"chat_id": chat_id, "values": values})
    assert filed["ok"] and filed["summary_id"]
    again.sio.disconnect()
    staff.sio.disconnect()


def test_connection_rules_from_the_doc(live):
    url = live.urls[0]
    ws_url = url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(ws_url, origin="https://elsewhere.example", timeout=10)
    assert refused.value.status_code == 400
    ws = websocket.create_connection(ws_url, timeout=10)  # the same origin (websocket-client)
    opened = ws.recv()
    assert opened.startswith("0")
    info = json.loads(opened[1:])
    assert info["maxPayload"] == 65_536
    assert isinstance(info["pingInterval"], int) and isinstance(info["pingTimeout"], int)
    ws.send("40/chat,")
    assert ws.recv().startswith("40/chat,")
    ws.send('42/chat,1["disconnect"]')  # a reserved name: answered, the socket stays
    frames = [ws.recv(), ws.recv()]
    assert any('"reserved_event"' in f for f in frames)
    ws.send("4" + "x" * 65_536)  # one character over the limit: the connection just ends
    with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
        for _ in range(5):
            if ws.recv() in ("", None):
                raise websocket.WebSocketConnectionClosedException()
    ws.close()
