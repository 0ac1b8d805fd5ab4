"""Staff sessions end after SESSION_IDLE_SECONDS without activity and SESSION_LIFETIME_SECONDS
after sign-in, on pages and on open console sockets alike; the cookie carries no
address-derived value, and signing in gives a new CSRF token.

Time passes by moving the stored timestamps back, never by sleeping."""

from __future__ import annotations

import re

from helpline.auth import sessions
from helpline.extensions import socketio
from helpline.queue import keys
from helpline.realtime import live
from tests.admin.test_signout import console, names
from tests.conftest import PASSWORD, run_jobs

NS = "/staff"
IDLE, LIFETIME = 600, 3600


def session_id(r) -> str:
    """The one staff session recorded in Redis."""
    (key,) = [k for k in r.scan_iter(keys.session("*")) if not k.endswith(":sockets")]
    return key.removeprefix(keys.session(""))


def age(r, field: str, seconds: float) -> None:
    """Pretend `field` (started or seen) happened `seconds` ago."""
    r.hset(keys.session(session_id(r)), field, live.now() - seconds)


def cookie_session(app, http) -> dict:
    value = http.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    return app.session_interface.get_signing_serializer(app).loads(value)


def setup(app, make_staff):
    app.config.update(SESSION_IDLE_SECONDS=IDLE, SESSION_LIFETIME_SECONDS=LIFETIME)
    make_staff("anna")
    return console(app, "anna")


def test_the_cookie_carries_no_address_derived_value(app, make_staff):
    http, _ = setup(app, make_staff)
    stored = cookie_session(app, http)
    assert "_id" not in stored
    assert set(stored) <= {"_user_id", "_fresh", sessions.SESSION_KEY, "csrf_token"}


def test_idle_session_is_refused_on_http_and_activity_keeps_it(app, make_staff, r):
    http, _ = setup(app, make_staff)
    age(r, "seen", IDLE - 5)
    assert http.get("/staff/").status_code == 200  # a page is activity: the clock restarts
    age(r, "seen", IDLE - 5)
    assert http.get("/staff/").status_code == 200
    age(r, "seen", IDLE + 1)
    response = http.get("/staff/")
    assert response.status_code == 302 and "/staff/login" in response.location


def test_absolute_lifetime_ends_even_an_active_session(app, make_staff, r):
    http, sock = setup(app, make_staff)
    age(r, "started", LIFETIME + 1)
    assert http.get("/staff/").status_code == 302
    ack = sock.emit("state", {}, namespace=NS, callback=True)
    assert ack["code"] == "not_signed_in"
    assert ("signed_out", {"reason": "expired"}) in names(sock, NS)
    assert not sock.is_connected(NS)


def test_socket_events_count_as_activity(app, make_staff, r):
    http, sock = setup(app, make_staff)
    age(r, "seen", IDLE - 5)
    assert sock.emit("state", {}, namespace=NS, callback=True)["ok"]
    assert http.get("/staff/").status_code == 200  # HTTP sees the socket's activity


def test_a_socket_opens_the_cookie_session_once_not_per_event(app, make_staff, r, monkeypatch):
    """Every event of a console socket reuses the session its connection opened: checking the
    cookie's signature again per event was work thrown away (the session checks still run:
    the test above and below)."""
    from flask.sessions import SecureCookieSessionInterface

    opened = []
    open_session = SecureCookieSessionInterface.open_session
    monkeypatch.setattr(SecureCookieSessionInterface, "open_session",
                        lambda self, *a: opened.append(1) or open_session(self, *a))
    http, sock = setup(app, make_staff)
    before = len(opened)
    for _ in range(3):
        assert sock.emit("state", {}, namespace=NS, callback=True)["ok"]
    assert len(opened) == before
    assert http.get("/staff/").status_code == 200
    assert len(opened) == before + 1  # an HTTP request still opens its own


def test_a_console_checks_its_session_at_most_once_a_second(app, make_staff, r, clock,
                                                            monkeypatch):
    """A busy console's events within a second of a passed check reuse it (one Redis round
    trip saved per event); the next event after that second checks again, and refuses."""
    http, sock = setup(app, make_staff)
    checks = []
    check = sessions.end_reason
    monkeypatch.setattr(sessions, "end_reason", lambda *a, **k: checks.append(1) or check(*a, **k))
    for _ in range(3):
        assert sock.emit("state", {}, namespace=NS, callback=True)["ok"]
    assert len(checks) == 1
    age(r, "seen", IDLE + 1)
    assert sock.emit("state", {}, namespace=NS, callback=True)["ok"]  # within the second
    clock.advance(sessions.CHECK_EVERY_SECONDS)
    assert sock.emit("duty", {"on": True}, namespace=NS, callback=True)["code"] == "not_signed_in"
    assert ("signed_out", {"reason": "idle"}) in names(sock, NS)


def test_stay_signed_in_always_checks_the_session(app, make_staff, r):
    """`keepalive` answers with the session's true state, however recent the last check."""
    http, sock = setup(app, make_staff)
    assert sock.emit("state", {}, namespace=NS, callback=True)["ok"]
    age(r, "seen", IDLE + 1)
    answer = sock.emit("keepalive", {}, namespace=NS, callback=True)
    assert answer["code"] == "not_signed_in"


def test_an_idle_session_closes_the_socket_at_its_next_event(app, make_staff, r):
    http, sock = setup(app, make_staff)
    sock.get_received(NS)
    age(r, "seen", IDLE + 1)
    assert sock.emit("duty", {"on": True}, namespace=NS, callback=True)["code"] == "not_signed_in"
    got = names(sock, NS)
    assert ("signed_out", {"reason": "idle"}) in got
    assert not sock.is_connected(NS)
    assert http.get("/staff/").status_code == 302  # the same cookie is refused on HTTP too


def test_the_session_job_closes_a_quiet_socket_when_the_session_ends(app, make_staff, r):
    _, sock = setup(app, make_staff)
    run_jobs(app)  # nothing is over yet: the job looks again later
    assert sock.is_connected(NS)
    age(r, "seen", IDLE + 1)
    run_jobs(app)
    assert ("signed_out", {"reason": "idle"}) in names(sock, NS)
    assert not sock.is_connected(NS)
    assert not list(r.scan_iter(keys.session("*")))  # the record and its socket set


def test_console_is_told_the_times_and_keepalive_answers_them(app, make_staff, r):
    _, sock = setup(app, make_staff)
    (times,) = [d for n, d in names(sock, NS) if n == "session"]
    assert times["idle_seconds"] == IDLE and 0 < times["idle_left"] <= IDLE
    assert 0 < times["lifetime_left"] <= LIFETIME and times["warn_seconds"] > 0
    age(r, "seen", IDLE - 30)
    ack = sock.emit("keepalive", {}, namespace=NS, callback=True)
    assert ack["ok"] and ack["idle_left"] >= IDLE - 2


def test_logging_out_ends_the_session_record(app, make_staff, r):
    http, _ = setup(app, make_staff)
    assert http.post("/staff/logout").status_code == 302
    assert not list(r.scan_iter(keys.session("*")))


def test_a_cookie_without_a_session_record_is_refused(app, make_staff, r):
    http, _ = setup(app, make_staff)
    r.delete(keys.session(session_id(r)))  # e.g. the live Redis was restarted
    assert http.get("/staff/").status_code == 302
    assert socketio.test_client(app, namespace=NS, flask_test_client=http).is_connected(
        NS) is False


def token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_signing_in_rotates_the_csrf_token(app, make_staff):
    app.config["WTF_CSRF_ENABLED"] = True
    make_staff("anna")
    http = app.test_client()
    before = token(http.get("/staff/login").get_data(as_text=True))
    assert http.post("/staff/login", data={"username": "anna", "password": PASSWORD,
                                           "csrf_token": before}).status_code == 302
    after = token(http.get("/staff/").get_data(as_text=True))
    assert after != before
    http.post("/staff/logout", data={"csrf_token": before})  # the old token does nothing
    assert http.get("/staff/").status_code == 200
    http.post("/staff/logout", data={"csrf_token": after})
    assert http.get("/staff/").status_code == 302


def test_an_idle_last_console_returns_its_chats_and_goes_off_duty(app, make_staff, r, chatter):
    """Nobody is left holding a chatter after their session ended by itself."""
    from helpline.queue import assignment, line

    anna = make_staff("anna")
    app.config.update(SESSION_IDLE_SECONDS=IDLE)
    _, sock = console(app, "anna")
    assert sock.emit("duty", {"on": True, "capacity": 1}, namespace=NS, callback=True)["ok"]
    client = chatter()
    chat_id = client.emit("start", {}, namespace="/chat", callback=True)["chat_id"]
    assert chat_id in assignment.held_chats(r, str(anna.id))
    client.get_received("/chat")
    age(r, "seen", IDLE + 1)
    run_jobs(app)
    assert ("signed_out", {"reason": "idle"}) in names(sock, NS)
    assert not sock.is_connected(NS)
    assert not assignment.presence(r, str(anna.id)).on_duty
    assert line.waiting(r) == [chat_id]
    assert not assignment.held_chats(r, str(anna.id))
    assert any(e["name"] == "transferred" for e in client.get_received("/chat"))


def test_a_session_ending_leaves_the_persons_other_session_alone(app, make_staff, r):
    anna = make_staff("anna")
    app.config.update(SESSION_IDLE_SECONDS=IDLE)
    old_http, old_sock = console(app, "anna")
    _, new_sock = console(app, "anna")  # a second browser, signed in separately
    assert new_sock.emit("duty", {"on": True}, namespace=NS, callback=True)["ok"]
    old_id = cookie_session(app, old_http)[sessions.SESSION_KEY]
    r.hset(keys.session(old_id), "seen", live.now() - IDLE - 1)
    run_jobs(app)
    assert ("signed_out", {"reason": "idle"}) in names(old_sock, NS)
    assert not old_sock.is_connected(NS)
    assert new_sock.is_connected(NS)
    from helpline.queue import assignment

    assert assignment.presence(r, str(anna.id)).on_duty
    assert new_sock.emit("state", {}, namespace=NS, callback=True)["ok"]
