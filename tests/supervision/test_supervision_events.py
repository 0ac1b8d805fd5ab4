"""/staff supervision events over the Flask-SocketIO test client: the overview, triage,
monitor, whisper, join, risk flag, and the role checked on every event."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from helpline.audit import AuditEvent
from helpline.chat import store
from helpline.extensions import db, socketio
from helpline.queue import keys, line
from helpline.supervision import overview
from tests.conftest import events

NS = "/staff"
CHAT = "/chat"
SUPERVISOR_EVENTS = {
    "overview": {}, "triage": {"chat_id": "x" * 22}, "monitor": {"chat_id": "x" * 22},
    "unmonitor": {"chat_id": "x" * 22}, "whisper": {"chat_id": "x" * 22, "text": "hi"},
    "join": {"chat_id": "x" * 22}, "colleague_message": {"chat_id": "x" * 22, "text": "hi"},
}


def send(sock, event, data=None, ns=NS):
    return sock.emit(event, data, namespace=ns, callback=True)


def start_chat(chatter, data=None):
    client = chatter()
    return client, client.emit("start", data or {}, namespace=CHAT, callback=True)


def audit_rows(ctx):
    with ctx():
        return [(e.actor_id, e.action, e.chat_ref, e.target_staff_id)
                for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


@pytest.fixture
def team(make_staff, staff_socket):
    """A therapist on duty (capacity 2) and a supervisor, both with a socket."""
    anna = make_staff("anna", name="Anna")
    sara = make_staff("sara", role="supervisor", name="Sara")
    therapist = staff_socket(anna)
    supervisor = staff_socket(sara)
    assert send(therapist, "duty", {"on": True, "capacity": 2})["ok"]
    therapist.get_received(NS)
    supervisor.get_received(NS)
    return anna, sara, therapist, supervisor


def test_a_therapist_is_forbidden_every_supervisor_event(make_staff, staff_socket):
    therapist = staff_socket(make_staff("anna"))
    for event, payload in SUPERVISOR_EVENTS.items():
        answer = send(therapist, event, payload)
        assert answer["ok"] is False and answer["code"] == "forbidden", event
    assert not [e for e in events(therapist, NS) if e and e.get("code") not in (None, "forbidden")]


def test_the_role_is_checked_again_within_a_second_not_only_at_connect(
        ctx, clock, make_staff, staff_socket):
    """A check that passed counts for CHECK_EVERY_SECONDS (auth/sessions.py)."""
    from helpline.auth.sessions import CHECK_EVERY_SECONDS

    sara = make_staff("sara", role="supervisor")
    sock = staff_socket(sara)
    assert send(sock, "overview")["ok"]
    with ctx():
        from helpline.records.models import Staff

        db.session.get(Staff, sara.id).role = "therapist"
        db.session.commit()
    clock.advance(CHECK_EVERY_SECONDS)
    assert send(sock, "overview")["code"] == "forbidden"


def test_overview_shows_line_staff_chats_and_is_pushed_on_change(team, chatter):
    anna, sara, therapist, supervisor = team
    first = start_chat(chatter, {"age_band": "18_25", "gender": "woman", "lang": "nl"})[1]
    pushed = events(supervisor, NS, "overview")
    assert pushed, "a supervisor gets the overview pushed when the line changes"
    picture = send(supervisor, "overview")
    assert picture["ok"] and picture["waiting"] == []
    [chat] = picture["chats"]
    assert chat["chat_id"] == first["chat_id"] and chat["therapist"] == "Anna"
    assert chat["state"] == "active" and chat["risk"] is False
    assert chat["lang"] == "nl" and chat["age_band"] == "18_25"
    [staff] = picture["staff"]
    assert (staff["name"], staff["capacity"], staff["load"]) == ("Anna", 2, 1)
    assert picture["today"]["answered"] == 1
    start_chat(chatter)
    start_chat(chatter, {"gender": "x"})
    picture = send(supervisor, "overview")
    assert [w["position"] for w in picture["waiting"]] == [1]
    assert picture["waiting"][0]["gender"] == "x"
    assert picture["today"]["answered"] == 2
    # therapists never get the overview pushed
    assert events(therapist, NS, "overview") == []


def test_triage_moves_to_front_audits_and_updates_the_line(ctx, r, make_staff, staff_socket,
                                                           chatter):
    sara = make_staff("sara", role="supervisor")
    supervisor = staff_socket(sara)
    ids = [start_chat(chatter)[1]["chat_id"] for _ in range(3)]
    supervisor.get_received(NS)
    assert send(supervisor, "triage", {"chat_id": ids[2]})["ok"]
    assert line.waiting(r) == [ids[2], ids[0], ids[1]]
    lines = events(supervisor, NS, "line")
    assert lines and [w["chat_id"] for w in lines[-1]["waiting"]] == [ids[2], ids[0], ids[1]]
    assert audit_rows(ctx) == [(sara.id, "triage", ids[2], None)]
    assert send(supervisor, "triage", {"chat_id": "n" * 22})["code"] == "unknown_chat"
    assert send(supervisor, "triage", {"chat_id": 5})["code"] == "unknown_chat"


def test_monitor_gets_history_and_live_messages_and_the_chatter_is_not_told(ctx, team, chatter):
    anna, sara, therapist, supervisor = team
    client, started = start_chat(chatter)
    cid = started["chat_id"]
    send(client, "message", {"text": "first words"}, CHAT)
    send(therapist, "message", {"chat_id": cid, "text": "welcome"})
    client.get_received(CHAT)
    watched = send(supervisor, "monitor", {"chat_id": cid})
    assert watched["ok"]
    assert [m["text"] for m in watched["chat"]["messages"]] == ["first words", "welcome"]
    assert watched["chat"]["therapist"] == "Anna"
    supervisor.get_received(NS)
    send(client, "message", {"text": "more"}, CHAT)
    send(client, "typing", {"typing": True}, CHAT)
    send(therapist, "message", {"chat_id": cid, "text": "go on"})
    got = events(supervisor, NS)
    texts = [e["text"] for e in got if isinstance(e, dict) and e.get("text")]
    assert texts == ["more", "go on"]
    assert {"chat_id": cid, "typing": True} in got
    # the chatter saw only the conversation: nothing about the supervisor
    names = [e["name"] for e in client.get_received(CHAT)]
    assert set(names) <= {"message", "typing", "position"}
    assert audit_rows(ctx) == [(sara.id, "monitor", cid, anna.id)]
    assert send(supervisor, "unmonitor", {"chat_id": cid})["ok"]
    supervisor.get_received(NS)
    send(client, "message", {"text": "after unmonitor"}, CHAT)
    assert [e for e in events(supervisor, NS) if isinstance(e, dict) and e.get("text")] == []


def test_monitor_sees_the_end(team, chatter):
    _, _, therapist, supervisor = team
    client, started = start_chat(chatter)
    cid = started["chat_id"]
    send(supervisor, "monitor", {"chat_id": cid})
    supervisor.get_received(NS)
    send(client, "end", {}, CHAT)
    ended = events(supervisor, NS, "chat_ended")
    assert ended == [{"chat_id": cid, "by": "chatter", "reason": "chatter_ended"}]


def test_whisper_reaches_the_therapist_only_and_is_not_stored(ctx, r, team, chatter):
    anna, sara, therapist, supervisor = team
    client, started = start_chat(chatter)
    cid = started["chat_id"]
    client.get_received(CHAT)
    therapist.get_received(NS)
    secret = "Ask about the weekend plans"
    answer = send(supervisor, "whisper", {"chat_id": cid, "text": secret})
    assert answer["ok"]
    [note] = events(therapist, NS, "whisper")
    assert note["text"] == secret and note["from"] == "Sara" and note["chat_id"] == cid
    assert client.get_received(CHAT) == []
    assert [m.text for m in store.messages_after(r, cid)] == []
    assert not any(secret in str(v) for v in r.hgetall(keys.chat(cid)).values())
    assert audit_rows(ctx) == [(sara.id, "whisper", cid, anna.id)]
    assert send(supervisor, "whisper", {"chat_id": cid, "text": ""})["code"] == "empty"
    assert send(supervisor, "whisper", {"chat_id": cid, "text": "x" * 1001})["code"] == \
        "too_long"


def test_join_tells_the_chatter_and_colleague_messages_reach_both(ctx, r, team, chatter):
    anna, sara, therapist, supervisor = team
    client, started = start_chat(chatter)
    cid = started["chat_id"]
    client.get_received(CHAT)
    therapist.get_received(NS)
    assert send(supervisor, "colleague_message", {"chat_id": cid, "text": "hi"})["code"] == \
        "not_joined"
    joined = send(supervisor, "join", {"chat_id": cid})
    assert joined["ok"] and joined["chat"]["colleagues"] == [
        {"staff_id": str(sara.id), "name": "Sara"}]
    assert events(client, CHAT, "colleague_joined") == [{"name": "Sara"}]
    assert events(therapist, NS, "colleague_joined") == [
        {"chat_id": cid, "name": "Sara", "staff_id": str(sara.id)}]
    sent = send(supervisor, "colleague_message", {"chat_id": cid, "text": "I am here too."})
    assert sent["ok"]
    [to_chatter] = events(client, CHAT, "message")
    assert (to_chatter["sender"], to_chatter["name"], to_chatter["text"]) == (
        "colleague", "Sara", "I am here too.")
    [to_therapist] = events(therapist, NS, "message")
    assert to_therapist["id"] == sent["id"] and to_therapist["sender"] == "colleague"
    assert [m.sender for m in store.messages_after(r, cid)] == ["colleague"]
    # joining again tells nobody again, but is recorded again
    assert send(supervisor, "join", {"chat_id": cid})["ok"]
    assert events(client, CHAT, "colleague_joined") == []
    assert audit_rows(ctx) == [(sara.id, "join", cid, anna.id)] * 2
    # the chatter's resume carries the colleague's message
    resumed = send(chatter(), "resume", {"token": started["token"]}, CHAT)
    assert [m["sender"] for m in resumed["messages"]] == ["colleague"]


def test_join_needs_an_active_chat(make_staff, staff_socket, chatter):
    supervisor = staff_socket(make_staff("sara", role="supervisor"))
    cid = start_chat(chatter)[1]["chat_id"]
    assert send(supervisor, "join", {"chat_id": cid})["code"] == "not_active"
    assert send(supervisor, "whisper", {"chat_id": cid, "text": "x"})["code"] == "not_active"
    assert send(supervisor, "monitor", {"chat_id": cid})["ok"]  # a waiting chat can be read


def test_risk_flag_alerts_supervisors_and_prefills_the_summary(ctx, r, team, make_staff,
                                                               staff_socket, chatter):
    anna, sara, therapist, supervisor = team
    ben = staff_socket(make_staff("ben"))
    cid = start_chat(chatter)[1]["chat_id"]
    ben.get_received(NS)
    answer = send(therapist, "risk_flag", {"chat_id": cid, "on": True})
    assert answer == {"ok": True, "chat_id": cid, "risk": True}
    [alert] = events(supervisor, NS, "risk_alert")
    assert alert["chat_id"] == cid and alert["therapist"] == "Anna"
    assert events(ben, NS, "risk_alert") == []
    assert r.hget(keys.chat(cid), "risk") == "1"
    state = send(therapist, "state")
    assert [c["risk"] for c in state["chats"]] == [True]
    [chat] = send(supervisor, "overview")["chats"]
    assert chat["risk"] is True
    # raising it again changes nothing and alerts nobody again
    assert send(therapist, "risk_flag", {"chat_id": cid, "on": True})["ok"]
    assert events(supervisor, NS, "risk_alert") == []
    assert send(ben, "risk_flag", {"chat_id": cid, "on": True})["code"] == "not_your_chat"
    assert send(therapist, "risk_flag", {"chat_id": cid, "on": "yes"})["code"] == "bad_payload"
    assert send(therapist, "risk_flag", {"chat_id": cid, "on": False})["risk"] is False
    assert r.hget(keys.chat(cid), "risk") == ""
    assert audit_rows(ctx) == [(anna.id, "risk_flag", cid, None),
                               (anna.id, "risk_clear", cid, None)]


def test_overview_pushes_are_coalesced(app, r, make_staff, staff_socket, chatter, monkeypatch):
    """A burst of changes gives one push per delay, with the state after the burst.

    The delayed round (a background task that sleeps the delay) is held and run by the
    test once the burst is over: no sleeping for the delay, and a slow burst on a busy
    machine cannot outlast it."""
    supervisor = staff_socket(make_staff("sara", role="supervisor"))
    supervisor.get_received(NS)
    app.config["OVERVIEW_BROADCAST_DELAY"] = 0.3
    held = []
    monkeypatch.setattr(socketio, "start_background_task",
                        lambda task, *args: held.append((task, args)))
    ids = [start_chat(chatter)[1]["chat_id"] for _ in range(3)]
    assert events(supervisor, NS, "overview") == []
    [(later, (held_app, delay))] = held  # one round for the whole burst, after the delay
    assert later.__self__ is overview._overview_broadcast and delay == 0.3
    with monkeypatch.context() as patch:
        patch.setattr(socketio, "sleep", lambda seconds: None)  # the delay is over
        later(held_app, delay)
    pushed = events(supervisor, NS, "overview")
    assert len(pushed) == 1
    assert [w["chat_id"] for w in pushed[0]["waiting"]] == ids


def test_supervisor_sockets_are_forgotten_at_disconnect(r, make_staff, staff_socket):
    supervisor = staff_socket(make_staff("sara", role="supervisor"))
    therapist = staff_socket(make_staff("anna"))
    assert r.scard(keys.SUPERVISOR_SOCKETS) == 1
    supervisor.disconnect(NS)
    therapist.disconnect(NS)
    assert r.scard(keys.SUPERVISOR_SOCKETS) == 0
