"""The chatter across a network loss, from docs/protocol.md only ("Namespace `/chat`",
"Reload and network loss", "Pings and faults", "Keeping a place", "Limits per socket and
per process", "Conventions", "Error codes"): it drops its socket without `end`, resumes on
the other server process and must get exactly what it missed; then the refusals, the end,
`quick_exit`, `feedback`, the graces and every error code a chatter can provoke. Plain
`socketio.Client` and `requests`; its own two servers, with the graces and limits shortened
through the environment (the doc's opening paragraph)."""

from __future__ import annotations

import re
import threading
import time

import pytest
import redis as redis_lib
import requests
import websocket

from helpline import create_app
from helpline.extensions import db
from tests.conftest import PASSWORD, LiveServers, add_staff, eventually, other_db
from tests.test_doc_client import DocClient, solved_challenge
from tests.test_doc_client_line import InOrderClient

pytestmark = pytest.mark.once("embedded")  # its own servers and SQLite file
REDIS_DB = 8
# Real-time graces, far enough apart that a loaded box cannot swap what
# test_who_does_not_come_back waits for (an assignment within the waiting grace, then that
# grace's end before the resume grace's).
SETTINGS = {"WAITING_GRACE_SECONDS": "8", "RESUME_GRACE_SECONDS": "20",
            "PLACE_LEASE_SECONDS": "8", "MAX_LINE_LENGTH": "5", "CHAT_BYTES_PER_SIDE": "16384"}
DEADLINE = 30.0  # for a busy machine: a deadline, not a timing assertion


@pytest.fixture(scope="module")
def servers(tmp_path_factory, redis_url):
    tmp = tmp_path_factory.mktemp("docchat")
    database, url = f"sqlite:///{tmp / 'chat.sqlite'}", other_db(redis_url, REDIS_DB)
    redis_lib.Redis.from_url(url).flushdb()
    app = create_app("testing", overrides={"REDIS_URL": url, "SQLALCHEMY_DATABASE_URI": database})
    with app.app_context():
        db.create_all()
        add_staff("anna", "therapist", "Anna", None)
    live = LiveServers(url, database, tmp, count=2, env=SETTINGS)
    yield live
    live.stop()


@pytest.fixture
def urls(servers):
    r = redis_lib.Redis.from_url(servers.env["REDIS_URL"])
    yield servers.urls
    while OPEN:
        OPEN.pop().disconnect()
    names = [n for n in r.scan_iter("hl:*") if not n.startswith((b"hl:proc:", b"hl:procs"))]
    if names:
        r.delete(*names)


OPEN: list = []  # the test's Socket.IO clients, closed after it


class Page:
    """A chatter's socket: every event in the order it came (`seen`)."""

    def __init__(self, url: str, lang: str = "en"):
        self.url, self.seen, self.lock = url, [], threading.Lock()
        self.sio = InOrderClient(reconnection=False)
        OPEN.append(self.sio)
        self.sio.on("*", self._keep, namespace="/chat")
        self.sio.connect(f"{url}?lang={lang}", namespaces=["/chat"], transports=["websocket"],
                         wait_timeout=10)

    def _keep(self, event, data=None):
        with self.lock:
            self.seen.append((event, data))

    def call(self, event, data=None):
        return self.sio.call(event, data, namespace="/chat", timeout=10)

    def got(self, event: str) -> list:
        with self.lock:
            return [data for name, data in self.seen if name == event]

    def first(self, event, test=lambda d: True, timeout=DEADLINE):
        eventually(lambda: any(test(d) for d in self.got(event)), timeout, f"{event} on the page")
        return next(d for d in self.got(event) if test(d))

    def start(self, **fields) -> dict:
        answer = self.call("start", {"pow": solved_challenge(self.url), "lang": "en", **fields})
        assert answer["ok"], answer
        return answer

    def drop(self) -> None:
        """The network goes: the WebSocket closes, no `end`, no Socket.IO disconnect."""
        self.sio.eio.ws.close()
        eventually(lambda: not self.sio.connected, DEADLINE, "the socket closed")


def refused(page: Page, event: str, data, code: str, told: bool = True) -> dict:
    """*Conventions*: the ack `{ok: false, code, message, event}`, and (unless the same error
    came within the second) the same as an `error` event."""
    answer = page.call(event, data)
    assert answer["ok"] is False and answer["code"] == code, (event, data, answer)
    assert isinstance(answer["message"], str) and answer["message"], answer  # any language
    if told:
        page.first("error", lambda e: e["code"] == code and e["event"] == answer["event"])
    return answer


def console(url: str, capacity: int = 1) -> DocClient:
    """*Staff sign-in* (tests/test_doc_client.py checks its refusals), then on duty."""
    http = requests.Session()
    form = http.get(url + "/staff/login", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    assert http.post(url + "/staff/login", allow_redirects=False, timeout=30, data={
        "csrf_token": token, "username": "anna", "password": PASSWORD}).status_code == 302
    staff = DocClient(url, "/staff", f"session={http.cookies['session']}")
    OPEN.append(staff.sio)
    staff.first("state")
    assert staff.send("duty", {"on": True, "capacity": capacity})["on_duty"] is True
    return staff


def test_a_dropped_chatter_gets_exactly_what_it_missed(urls):
    staff = console(urls[0])
    page = Page(urls[0])
    started = page.start()
    token = started["token"]
    assert page.first("assigned")["therapist"] == "Anna"
    chat_id = staff.first("chat_assigned", lambda d: d["chat_id"] == started["chat_id"])["chat_id"]

    assert page.call("typing", {"typing": True}) == {"ok": True} == \
        staff.send("typing", {"chat_id": chat_id, "typing": True})
    staff.first("typing", lambda d: d == {"chat_id": chat_id, "typing": True})
    assert page.first("typing") == {"typing": True}
    mine = page.call("message", {"text": "  Hello\r\nthere  "})
    echo = page.first("message", lambda m: m["id"] == mine["id"])  # its own comes back too
    assert (echo["sender"], echo["text"]) == ("chatter", "Hello\nthere")
    theirs = staff.send("message", {"chat_id": chat_id, "text": "Hi, I am listening."})["id"]
    page.first("message", lambda m: m["id"] == theirs)
    held = [m["id"] for m in page.got("message")]
    assert held == [mine["id"], theirs] and held == sorted(held)

    page.drop()
    staff.first("chatter_connection", lambda d: d == {"chat_id": chat_id, "connected": False})
    missed = [staff.send("message", {"chat_id": chat_id, "text": f"Still here ({n})"})["id"]
              for n in range(3)]
    staff.send("typing", {"chat_id": chat_id, "typing": False})

    again = Page(urls[1])  # the other server process
    resumed = again.call("resume", {"token": token, "last_id": held[-1]})
    assert resumed["ok"] and resumed["chat_id"] == chat_id, resumed
    assert (resumed["state"], resumed["therapist"], resumed["ended_by"]) == \
        ("active", "Anna", None)
    assert [m["id"] for m in resumed["messages"]] == missed
    assert [(m["sender"], m["text"], m["name"]) for m in resumed["messages"]] == \
        [("therapist", f"Still here ({n})", "Anna") for n in range(3)]
    back = staff.first("chatter_connection", lambda d: d["connected"] is True)
    assert back["chat_id"] == chat_id and back.get("lang") == "en"

    later = staff.send("message", {"chat_id": chat_id, "text": "Welcome back."})["id"]
    mine2 = again.call("message", {"text": "Thanks"})["id"]
    staff.first("message", lambda m: m["id"] == mine2 and m["sender"] == "chatter")
    again.first("message", lambda m: m["id"] == mine2)
    # The ack brought what was missed, the events what came after: nothing twice.
    assert [m["id"] for m in again.got("message")] == [later, mine2]
    assert held + missed + [later, mine2] == sorted(held + missed + [later, mine2])

    everything = again.call("resume", {"token": token, "last_id": None})
    assert [m["id"] for m in everything["messages"]] == held + missed + [later, mine2]
    switched = again.call("resume", {"token": token, "last_id": mine2, "lang": "fr"})
    assert switched["ok"] and switched["messages"] == []
    staff.first("chatter_connection", lambda d: d.get("lang") == "fr")
    refused(again, "resume", {"token": token, "last_id": mine2}, "too_many_resumes")
    assert again.call("message", {"text": "still bound"})["ok"]  # the socket keeps its chat


def test_resume_refusals(urls):
    page, other = Page(urls[0]), Page(urls[1])
    started = page.start()
    page.drop()
    english = refused(other, "resume", {"token": "no-such-token"}, "unknown_token")
    french = refused(Page(urls[1], lang="fr"), "resume", {"token": "x"}, "unknown_token")
    assert french["message"] != english["message"]  # the socket's language, the same code
    refused(other, "resume", {"token": "t\u00e9st"}, "unknown_token", told=False)
    refused(other, "resume", {}, "bad_payload")
    for wrong in ({"token": 5}, {"token": None}, {"token": started["token"], "lang": "de"},
                  {"token": started["token"], "protocol": 3},
                  {"token": started["token"], "last_id": 5}):
        refused(Page(urls[0]), "resume", wrong, "bad_payload", told=False)
    # RESUMES_PER_SOCKET counts every `resume`, refused ones too: the fourth is refused.
    refused(other, "resume", {"token": started["token"], "last_id": None}, "too_many_resumes")
    answer = Page(urls[1]).call("resume", {"token": started["token"], "last_id": None})
    assert answer["ok"] and (answer["state"], answer["position"]) == ("waiting", 1), answer


def test_the_end_feedback_and_a_resume_after_it(urls):
    staff = console(urls[0])
    page = Page(urls[0])
    token = page.start()["token"]
    chat_id = staff.first("chat_assigned")["chat_id"]
    refused(page, "feedback", {"helped": "yes"}, "feedback_not_due")
    said = staff.send("message", {"chat_id": chat_id, "text": "Take care."})["id"]
    assert staff.send("end", {"chat_id": chat_id}) == {"ok": True}
    assert page.first("ended") == {"by": "therapist", "reason": "therapist_ended"}
    assert staff.first("chat_ended") == \
        {"chat_id": chat_id, "by": "therapist", "reason": "therapist_ended"}
    refused(page, "message", {"text": "hello?"}, "chat_ended")
    refused(page, "typing", {"typing": True}, "chat_ended", told=False)
    refused(page, "feedback", {"helped": "maybe"}, "bad_payload")
    refused(page, "feedback", {}, "bad_payload", told=False)
    assert page.call("feedback", {"helped": "a_bit", "again": "yes"}) == {"ok": True}
    refused(page, "feedback", {"helped": "yes"}, "feedback_not_due")
    refused(page, "end", {}, "chat_ended", told=False)  # changes nothing: still bound
    refused(page, "start", {}, "pow_required")  # but not `already_joined`: it has ended

    later = Page(urls[1])  # a reload after the end: the closing screen
    resumed = later.call("resume", {"token": token, "last_id": None})
    assert resumed["ok"] and (resumed["state"], resumed["ended_by"]) == ("ended", "therapist")
    assert [m["id"] for m in resumed["messages"]] == [said]
    refused(later, "message", {"text": "x"}, "not_joined")  # not bound to it
    refused(later, "feedback", {"helped": "yes"}, "feedback_not_due")  # answered already
    assert staff.send("summary", {"chat_id": chat_id, "no_conversation": True})["ok"]
    refused(later, "resume", {"token": token}, "unknown_token")  # gone with its summary
    assert later.start()["ok"]  # a new chat from the closing screen


def test_quick_exit(urls):
    page = Page(urls[0])
    for payload in (None, {}, "anything", [1, 2]):  # any payload, always ok, also unbound
        assert page.call("quick_exit", payload) == {"ok": True}
    staff = console(urls[0])
    token = page.start()["token"]
    chat_id = staff.first("chat_assigned")["chat_id"]
    assert page.call("quick_exit", {}) == {"ok": True}
    ended = {"by": "chatter", "reason": "quick_exit"}
    assert staff.first("chat_ended") == {"chat_id": chat_id, **ended}
    assert page.first("ended") == ended  # its own too
    refused(page, "message", {"text": "x"}, "chat_ended")  # unbound: its own end
    resumed = Page(urls[1]).call("resume", {"token": token, "last_id": None})
    assert resumed["ok"] and (resumed["state"], resumed["ended_by"]) == ("ended", "chatter")
    waiting = Page(urls[1])  # the therapist's one place is taken: this one waits
    assert waiting.start()["state"] == "waiting"
    staff.first("line", lambda d: d["total"] == 1)
    assert waiting.call("end", {}) == {"ok": True}  # leaves the line
    assert waiting.first("ended") == {"by": "chatter", "reason": "left_line"}
    staff.first("line", lambda d: d["total"] == 0)
    assert waiting.call("feedback", {"again": "no"}) == {"ok": True}


def test_who_does_not_come_back(urls):
    """*Reload and network loss*: a waiting chatter keeps its place WAITING_GRACE_SECONDS;
    one a therapist takes meanwhile gets RESUME_GRACE_SECONDS from the drop; then the chat
    ends with `connection_lost` and the therapist is told."""
    staff = console(urls[0])
    Page(urls[0]).start()  # the therapist's one place
    staff.first("chat_assigned")
    taken, left = Page(urls[0]), Page(urls[1])
    taken_token, left_token = taken.start()["token"], left.start()["token"]
    line = staff.first("line", lambda d: d["total"] == 2)
    assert [w["position"] for w in line["waiting"]] == [1, 2]
    taken_id = line["waiting"][0]["chat_id"]
    taken.drop(), left.drop()
    # A second place: the first in the line is taken though its chatter is away.
    assert staff.send("capacity", {"capacity": 2})["capacity"] == 2
    assigned = staff.first("chat_assigned", lambda d: d["chat_id"] == taken_id)
    assert assigned["state"] == "active" and assigned["chatter_connected"] is False
    staff.first("line", lambda d: d["total"] == 0, DEADLINE)  # `left` given up after its grace
    assert not [e for e in staff.got.get("chat_ended", []) if e["chat_id"] == taken_id]
    gone = Page(urls[0]).call("resume", {"token": left_token, "last_id": None})
    assert gone["ok"] and (gone["state"], gone["ended_by"], gone["therapist"]) == \
        ("ended", "system", None), gone  # the closing screen, not `unknown_token`
    assert staff.first("chat_ended", lambda d: d["chat_id"] == taken_id, DEADLINE) == \
        {"chat_id": taken_id, "by": "system", "reason": "connection_lost"}
    late = Page(urls[1]).call("resume", {"token": taken_token, "last_id": None})
    assert late["ok"] and (late["state"], late["ended_by"]) == ("ended", "system"), late
    assert "chatter_connection" not in staff.got  # taken while away: only `chat_assigned`


def test_a_place_not_proved_again(urls):
    """*Keeping a place*: `keep_place` at least once every PLACE_LEASE_SECONDS, or the place
    is given back (`place_lapsed`); a chatter that proves again keeps it."""
    proving, lapsing = Page(urls[0]), Page(urls[1])
    token = proving.start() and lapsing.start()["token"]
    proved = time.monotonic()

    def lapsed() -> bool:
        nonlocal proved
        if time.monotonic() - proved > 3:  # the page's renewal, well within the lease
            assert proving.call("keep_place", {"pow": solved_challenge(urls[0])}) == {"ok": True}
            proved = time.monotonic()
        return bool(lapsing.got("ended"))

    eventually(lapsed, DEADLINE, "the place lapsed")
    assert lapsing.got("ended") == [{"by": "system", "reason": "place_lapsed"}]
    assert proving.call("where", {})["position"] == 1 and not proving.got("ended")
    refused(lapsing, "keep_place", {"pow": solved_challenge(urls[1])}, "not_waiting")
    resumed = Page(urls[0]).call("resume", {"token": token, "last_id": None})
    assert resumed["ok"] and (resumed["state"], resumed["ended_by"]) == ("ended", "system")
    assert lapsing.start()["state"] == "waiting"  # a new start is allowed


def test_the_error_codes_of_a_chatter(urls):
    page = Page(urls[0])
    for event, data in (("message", {"text": "x"}), ("typing", {"typing": True}),
                        ("end", {}), ("where", {})):
        refused(page, event, data, "not_joined", told=event == "message")
    refused(page, "keep_place", {"pow": solved_challenge(urls[0])}, "not_joined", told=False)
    refused(page, "hello", {}, "unknown_event")
    refused(page, "x" * 65, {}, "unknown_event", told=False)
    refused(page, "disconnect", {}, "reserved_event")
    refused(page, "start", "not an object", "bad_payload")
    refused(page, "typing", ({"typing": True}, {}), "bad_payload", told=False)  # two arguments
    refused(page, "start", {"lang": "en"}, "pow_required")
    refused(page, "start", {"pow": {"number": 1}}, "pow_required", told=False)  # not the five
    wrong = solved_challenge(urls[0])
    refused(page, "start", {"pow": {**wrong, "number": wrong["number"] + 1}}, "pow_invalid")
    refused(page, "start", {"pow": solved_challenge(urls[0]), "follow_up_code": "ABCD-EFGH"},
            "bad_code")
    proof = solved_challenge(urls[0])  # a field refused before the proof leaves it unspent
    refused(page, "start", {"pow": proof, "age_band": "ancient"}, "bad_payload", told=False)
    assert (started := page.call("start", {"pow": proof, "lang": "en"}))["state"] == "waiting"
    refused(page, "start", {"pow": proof}, "already_joined")  # checked before the proof
    refused(Page(urls[1]), "start", {"pow": proof}, "pow_invalid", told=False)  # spent
    assert page.call("where", {})["position"] == 1 and \
        page.call("keep_place", {"pow": solved_challenge(urls[0])})["ok"]
    refused(page, "keep_place", {}, "pow_required", told=False)
    for text, code in (("", "empty"), (" \u0007\u202e\n ", "empty"), ("x" * 2001, "too_long"),
                       (5, "bad_payload")):
        refused(page, "message", {"text": text}, code, told=code != "empty" or not text)
    refused(page, "typing", {"typing": "yes"}, "bad_payload", told=False)
    assert all(page.call("message", {"text": "w" * 2000})["ok"] for _ in range(3))  # fit
    refused(page, "message", {"text": "w" * 2000}, "waiting_limit")

    # Its socket has spent its event bucket (30 at once, 5 a second): the page reloads.
    page.sio.disconnect()
    page = Page(urls[1])
    assert page.call("resume", {"token": started["token"], "last_id": None})["ok"]
    staff = console(urls[1])
    chat_id = staff.first("chat_assigned")["chat_id"]
    page.first("assigned")
    refused(page, "where", {}, "not_waiting")
    refused(page, "keep_place", {"pow": solved_challenge(urls[0])}, "not_waiting", told=False)
    assert staff.send("message", {"chat_id": chat_id, "text": "Hello"})["ok"]
    for n in range(4):  # with CHAT_BYTES_PER_SIDE 16,384: 7 of 2,000 (3 sent waiting)
        answer = page.call("message", {"text": "a" * 2000})
        assert answer["ok"], (n, answer)
    refused(page, "message", {"text": "a" * 2000}, "chat_full")
    assert staff.send("message", {"chat_id": chat_id, "text": "Still there"})["ok"]
    assert page.call("end", {}) == {"ok": True}
    for event, data in (("message", {"text": "x"}), ("typing", {"typing": False}), ("end", {}),
                        ("keep_place", {"pow": solved_challenge(urls[0])})):
        refused(page, event, data, "chat_ended", told=event == "message")

    assert staff.send("capacity", {"capacity": 2})["ok"]  # a place for the next chat
    fast = Page(urls[1])  # a new chat: 20 messages in 10 s from one side, not 21
    fast.start()
    staff.first("chat_assigned", lambda d: d["chat_id"] != chat_id)
    answers = [fast.call("message", {"text": f"m{n}"}) for n in range(21)]
    assert all(a["ok"] for a in answers[:20]) and answers[20]["code"] == "rate_limited"
    fast.first("error", lambda e: e["code"] == "rate_limited")


def test_the_price_of_a_place_and_a_full_line(urls):
    early = solved_challenge(urls[0])  # solved at the empty line's price
    pages = [Page(urls[n % 2]) for n in range(6)]
    for page in pages[:4]:
        assert page.start()["state"] == "waiting"
    refused(pages[4], "start", {"pow": early}, "pow_stale")
    assert pages[4].start()["position"] == 5
    full = refused(pages[5], "start", {"pow": solved_challenge(urls[0])}, "at_capacity")
    assert {"next_opening", "open_until", "time_zone", "chat_hours", "channels",
            "self_help_url", "counted"} <= set(full), full


def test_a_flood_of_events(urls):
    """*Limits per socket*: 30 events at once, then `rate_limited`; the 20th refusal in a
    row closes the socket (a server-side disconnect), before it is answered."""
    page, answers = Page(urls[0]), []
    for _ in range(60):
        page.sio.emit("where", {}, namespace="/chat", callback=answers.append)
    eventually(lambda: not page.sio.connected, DEADLINE, "the server's disconnect")
    codes = [a["code"] for a in answers]  # (the bucket refills 5 a second meanwhile)
    assert codes[:30] == ["not_joined"] * 30 and codes.count("rate_limited") == 19, codes


def test_a_packet_for_no_namespace_of_the_socket(urls):
    ws = websocket.create_connection(urls[0].replace("http", "ws", 1)
                                     + "/socket.io/?EIO=4&transport=websocket", timeout=10)
    assert ws.recv().startswith("0")
    ws.send("40/chat,")
    assert ws.recv().startswith("40/chat,")
    ws.send('42/elsewhere,["message",{"text":"x"}]')
    frames = []
    while not frames or frames[-1]:  # until the WebSocket ends
        try:
            frames.append(ws.recv())
        except websocket.WebSocketConnectionClosedException:
            break
    assert any('"bad_packet"' in f and f.startswith("42/chat,") for f in frames), frames
    assert "41/chat," in frames, frames
