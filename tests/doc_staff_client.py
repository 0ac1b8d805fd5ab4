"""The client side of a supervisor's console, written from docs/protocol.md only (its
sections "Namespace `/staff`", "Supervision", "Staff sign-in (for a client that is not a
browser)", "Conventions" and "Error codes"): the payloads as the doc states them, a socket
that keeps its events in arrival order, and the two-factor sign-in. Used by
tests/test_doc_client_supervision.py; plain `socketio.Client` and `requests`.
"""

from __future__ import annotations

import re
import threading
import time
from urllib.parse import urljoin, urlsplit

import requests
import socketio

from tests import totp
from tests.conftest import PASSWORD
from tests.test_doc_client import solved_challenge
from tests.test_doc_client_line import InOrderClient

DEADLINE = 20.0  # for a busy machine, not a timing assertion
SUMMARY = {"target_group": "self", "subcategory": "sexual_feelings_minors",
           "help_given": ["listening"], "follow_up": "may_contact_again",
           "risk": "no_indication"}

# The doc's payloads, field by field.
ERROR = {"ok", "code", "message", "event"}
STATE = {"ok", "on_duty", "capacity", "load", "paused", "cooldown", "name", "role", "chats",
         "waiting", "waiting_total"}
SESSION = {"idle_seconds", "idle_left", "lifetime_left", "warn_seconds"}
PRESENCE = {"ok", "on_duty", "capacity", "load", "paused", "cooldown"}
WAITING = {"chat_id", "position", "waiting_since", "age_band", "gender", "lang", "handed_back"}
OVERVIEW = {"ok", "at", "open", "waiting", "waiting_total", "staff", "chats", "today", "guard"}
STAFF_ROW = {"staff_id", "name", "capacity", "load", "idle_since", "paused", "cooldown"}
CHAT_ROW = {"chat_id", "state", "staff_id", "therapist", "created_at", "assigned_at",
            "ended_at", "last_message_at", "risk", "risk_at", "chatter_connected", "age_band",
            "gender", "lang", "colleagues"}
TODAY = {"date", "answered", "missed", "missed_total", "average_wait_seconds",
         "average_duration_seconds"}
MISSED = {"closed", "nobody_on_duty", "left_unanswered", "dropped_waiting", "at_capacity"}
GUARD = {"price", "normal_price", "highest_price", "refused_capacity", "refused_proof",
         "reclaimed", "cleared", "without_sign"}
CHAT_VIEW = {"chat_id", "state", "age_band", "gender", "lang", "created_at", "assigned_at",
             "ended_at", "ended_by", "end_reason", "chatter_connected", "number", "follow_up",
             "risk", "colleagues", "messages"}
WATCH_VIEW = CHAT_VIEW | {"therapist", "staff_id"}
POSITION = {"position", "expected_wait_minutes", "expected_wait_range", "staff_on_duty", "open"}
RISK_ALERT = {"chat_id", "therapist", "staff_id", "at"}
MESSAGE = {"id", "sender", "text", "ts", "name"}  # /chat's Message
STAFF_MESSAGE = MESSAGE | {"chat_id"}
WHISPER = {"chat_id", "id", "from", "from_id", "text", "ts"}
STAFF_EVENTS = {"state", "line", "chat_assigned", "message", "typing", "chatter_connection",
                "chat_ended", "summary_missing", "chat_transferred", "signed_out", "session",
                "error", "overview", "risk_alert", "risk", "whisper", "colleague_joined"}
CHAT_EVENTS = {"position", "line_moved", "assigned", "transferred", "message",
               "colleague_joined", "typing", "ended", "follow_up_code", "error"}
SUPERVISOR_ONLY = ["overview", "triage", "clear_places", "remove_waiting", "monitor",
                   "unmonitor", "whisper", "join", "colleague_message"]


def fields(obj, names: set) -> dict:
    """`obj` is an object with exactly the doc's fields."""
    assert isinstance(obj, dict), obj
    assert set(obj) == names, (set(obj) ^ names, obj)
    return obj


def refused(answer, code: str, event: str) -> None:
    fields(answer, ERROR)
    assert (answer["ok"], answer["code"], answer["event"]) == (False, code, event), answer
    assert isinstance(answer["message"], str) and answer["message"]


class Sock:
    """A Socket.IO client that keeps every event, in the order it came when `in_order`
    (tests/test_doc_client_line.py's InOrderClient). A chatter's socket, which the server
    may close (`remove_waiting`), uses the plain client: the in-order one handles the
    server's disconnect on its reading thread, which then tries to join itself."""

    def __init__(self, url: str, namespace: str, cookie: str | None = None,
                 in_order: bool = True):
        self.ns = namespace
        self.events: list[tuple[str, object]] = []
        self.lock = threading.Lock()
        self.closed = False
        self.sio = (InOrderClient if in_order else socketio.Client)(reconnection=False)
        self.sio.on("*", self._keep, namespace=namespace)
        self.sio.on("disconnect", self._closed, namespace=namespace)
        self.sio.connect(url, namespaces=[namespace], transports=["websocket"],
                         headers={"Cookie": cookie} if cookie else {}, wait_timeout=10)

    def _keep(self, event, data=None):
        with self.lock:
            self.events.append((event, data))

    def _closed(self, *reason):
        self.closed = True

    def send(self, event, data=None):
        return self.sio.call(event, data, namespace=self.ns, timeout=10)

    def mark(self) -> int:
        with self.lock:
            return len(self.events)

    def got(self, event: str, since: int = 0) -> list:
        with self.lock:
            return [d for e, d in self.events[since:] if e == event]

    def wait(self, event: str, test=lambda d: True, since: int = 0) -> dict:
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            found = [d for d in self.got(event, since) if test(d)]
            if found:
                return found[0]
            time.sleep(0.02)
        raise AssertionError(f"no {event} in {DEADLINE} s: {self.events[since:][-12:]}")

    def names(self) -> set:
        with self.lock:
            return {e for e, _ in self.events}


def two_factor_session(url: str, username: str) -> str:
    """*Staff sign-in*: the password, then the code step (`/staff/login/code`), 302 to
    `/staff/` with the new `session` cookie. The CSRF input is the doc's literal form."""
    http = requests.Session()

    def csrf(html: str) -> str:
        found = re.search(r'<input id="csrf_token" name="csrf_token" type="hidden" '
                          r'value="([^"]+)">', html)
        assert found, html[:2000]
        return found.group(1)

    token = csrf(http.get(url + "/staff/login").text)
    answer = http.post(url + "/staff/login", allow_redirects=False,
                       data={"csrf_token": token, "username": username, "password": PASSWORD})
    assert answer.status_code == 302, answer.status_code
    step = urljoin(url + "/staff/login", answer.headers["Location"])
    assert urlsplit(step).path == "/staff/login/code", step
    form = http.get(step)
    assert form.status_code == 200
    code = totp.next_code(username)
    wrong = f"{(int(code) + 500_000) % 1_000_000:06d}"
    assert http.post(step, allow_redirects=False,
                     data={"csrf_token": csrf(form.text), "code": wrong}).status_code == 401
    done = http.post(step, allow_redirects=False,
                     data={"csrf_token": csrf(form.text), "code": code})
    assert done.status_code == 302 and urlsplit(done.headers["Location"]).path == "/staff/"
    return f"session={http.cookies['session']}"


def chatter(url: str, **start) -> tuple[Sock, dict]:
    sock = Sock(url, "/chat", in_order=False)
    return sock, sock.send("start", {"pow": solved_challenge(url), **start})


def staff_id(value) -> str:
    """Staff ids in the supervision payloads are strings of digits."""
    assert isinstance(value, str) and value.isdigit(), value
    return value


def check_overview(view: dict) -> dict:
    """An Overview as the doc gives it, field by field."""
    fields(view, OVERVIEW)
    assert view["ok"] is True and isinstance(view["at"], float) and view["open"] is True
    for row in view["waiting"]:
        fields(row, WAITING)
    for row in view["staff"]:
        staff_id(fields(row, STAFF_ROW)["staff_id"])
        assert isinstance(row["idle_since"], float)
        assert isinstance(row["paused"], bool) and type(row["cooldown"]) is int
    for row in view["chats"]:
        staff_id(fields(row, CHAT_ROW)["staff_id"])
        assert row["state"] in ("active", "ended")
    today = fields(view["today"], TODAY)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", today["date"])
    for key in ("average_wait_seconds", "average_duration_seconds"):
        assert today[key] is None or isinstance(today[key], float)
    fields(today["missed"], MISSED)
    fields(view["guard"], GUARD)
    return view


def pushed(sue: Sock, since: int, test) -> dict:
    """An `overview` push after `since` that shows the change."""
    return check_overview(sue.wait("overview", lambda v: test(check_overview(v)), since))
