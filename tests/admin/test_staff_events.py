"""The /staff namespace: duty, capacity, assignment rules, ownership, summaries."""

from __future__ import annotations

from sqlalchemy import select

from helpline.extensions import db, socketio
from helpline.queue import keys
from helpline.records.models import Summary
from tests.conftest import events

NS = "/staff"
VALUES = {
    "target_group": "self", "subcategory": "sexual_feelings_minors",
    "help_given": ["listening", "information"], "referral_target": None,
    "referral_region": None, "follow_up": "may_contact_again", "risk": "no_indication",
    "age_band": "26_35", "gender": "unknown", "note": "",
}


def send(sock, event, data=None):
    return sock.emit(event, data, namespace=NS, callback=True)


def start_chat(chatter, data=None):
    client = chatter()
    return client, client.emit("start", data or {}, namespace="/chat", callback=True)


def test_connect_requires_sign_in(app):
    anonymous = socketio.test_client(app, namespace=NS)
    assert not anonymous.is_connected(NS)


def test_state_on_connect(staff_socket, make_staff, chatter):
    start_chat(chatter, {"age_band": "18_25"})
    sock = staff_socket(make_staff("anna", name="Anna"))
    state = events(sock, NS, "state")[0]
    assert state["on_duty"] is False and state["name"] == "Anna" and state["chats"] == []
    assert [w["age_band"] for w in state["waiting"]] == ["18_25"]


def test_capacity_bounds(staff_socket, make_staff):
    sock = staff_socket(make_staff("anna"))
    for bad in (0, 6, "3", 2.5, True, None):
        assert send(sock, "capacity", {"capacity": bad})["code"] == "bad_payload"
    assert send(sock, "capacity", {"capacity": 5})["capacity"] == 5
    assert send(sock, "duty", {"on": "yes"})["code"] == "bad_payload"


def test_most_free_capacity_first_then_capacity_respected(staff_socket, make_staff, chatter):
    anna = staff_socket(make_staff("anna"))
    ben = staff_socket(make_staff("ben"))
    send(anna, "duty", {"on": True, "capacity": 1})
    send(ben, "duty", {"on": True, "capacity": 2})
    chats = [start_chat(chatter)[1]["chat_id"] for _ in range(4)]
    got_ben = [c["chat_id"] for c in events(ben, NS, "chat_assigned")]
    got_anna = [c["chat_id"] for c in events(anna, NS, "chat_assigned")]
    assert got_ben == [chats[0], chats[2]]
    assert got_anna == [chats[1]]
    assert send(anna, "state")["load"] == 1 and send(ben, "state")["load"] == 2
    assert [w["chat_id"] for w in send(anna, "state")["waiting"]] == [chats[3]]


def test_off_duty_keeps_chats_and_stops_new_ones(staff_socket, make_staff, chatter):
    anna = staff_socket(make_staff("anna"))
    send(anna, "duty", {"on": True, "capacity": 2})
    first = start_chat(chatter)[1]["chat_id"]
    assert send(anna, "duty", {"on": False})["load"] == 1
    start_chat(chatter)
    assert [c["chat_id"] for c in events(anna, NS, "chat_assigned")] == [first]
    assert send(anna, "message", {"chat_id": first, "text": "still here"})["ok"]


def test_writing_to_a_chat_not_yours(staff_socket, make_staff, chatter):
    anna = staff_socket(make_staff("anna"))
    ben = staff_socket(make_staff("ben"))
    send(anna, "duty", {"on": True})
    chat_id = start_chat(chatter)[1]["chat_id"]
    assert send(ben, "message", {"chat_id": chat_id, "text": "hi"})["code"] == "not_your_chat"
    assert send(ben, "end", {"chat_id": chat_id})["code"] == "not_your_chat"
    assert send(ben, "message", {"chat_id": "forged-id-123", "text": "x"})["code"] == "unknown_chat"
    assert send(ben, "message", {"chat_id": "../../etc", "text": "x"})["code"] == "unknown_chat"
    assert send(ben, "summary", {"chat_id": chat_id, "values": VALUES})["code"] == "not_your_chat"


def _ended_chat(staff_socket, make_staff, chatter):
    anna = staff_socket(make_staff("anna"))
    send(anna, "duty", {"on": True})
    client, started = start_chat(chatter, {"age_band": "26_35"})
    client.emit("message", {"text": "I am worried about my thoughts"}, namespace="/chat")
    assert send(anna, "end", {"chat_id": started["chat_id"]})["ok"]
    return anna, started["chat_id"]


def test_summary_filed_deletes_transcript_and_frees_the_slot(
    staff_socket, make_staff, chatter, r, ctx
):
    anna, chat_id = _ended_chat(staff_socket, make_staff, chatter)
    waiting_id = start_chat(chatter)[1]["chat_id"]
    assert events(anna, NS, "chat_assigned")[-1]["chat_id"] == chat_id  # still wrapping up
    assert send(anna, "summary", {"chat_id": chat_id, "values": VALUES})["ok"]
    assert not r.exists(keys.messages(chat_id)) and not r.exists(keys.chat(chat_id))
    assert events(anna, NS, "chat_assigned")[-1]["chat_id"] == waiting_id
    with ctx():
        row = db.session.scalar(select(Summary))
    assert row.status == "filed" and row.subcategory == "sexual_feelings_minors"
    assert row.help_given == ["listening", "information"] and row.age_band == "26_35"
    assert row.wait_seconds is not None and row.duration_seconds is not None
    assert row.contact_hour.minute == 0


def test_summary_with_identity_in_note_needs_confirmation(staff_socket, make_staff, chatter, ctx):
    anna, chat_id = _ended_chat(staff_socket, make_staff, chatter)
    note = "Mailed from jan.peeters@example.be, call back on 0470 12 34 56."
    first = send(anna, "summary", {"chat_id": chat_id, "values": {**VALUES, "note": note}})
    assert first["code"] == "confirm_scrub"
    assert "jan.peeters@example.be" not in first["note"]
    assert {x["kind"] for x in first["removed"]} >= {"email", "phone"}
    labels = {x["kind"]: x["label"] for x in first["removed"]}
    assert (labels["email"], labels["phone"]) == ("E-mail address", "Phone number")
    assert "[email]" in first["note"]  # markers in the therapist's language (English here)
    done = send(anna, "summary", {"chat_id": chat_id, "values": {**VALUES, "note": note},
                                  "confirmed_note": first["note"]})
    assert done["ok"]
    with ctx():
        stored = db.session.scalar(select(Summary)).note
    assert stored == first["note"] and "0470" not in stored


def test_invalid_summary_and_summary_before_end(staff_socket, make_staff, chatter):
    anna = staff_socket(make_staff("anna"))
    send(anna, "duty", {"on": True})
    chat_id = start_chat(chatter)[1]["chat_id"]
    early = send(anna, "summary", {"chat_id": chat_id, "values": VALUES})
    assert early["code"] == "summary_not_due"
    send(anna, "end", {"chat_id": chat_id})
    wrong = {**VALUES, "subcategory": "teacher"}
    bad = send(anna, "summary", {"chat_id": chat_id, "values": wrong})
    assert bad["code"] == "invalid_summary" and "subcategory" in bad["message"]
    assert send(anna, "summary", {"chat_id": chat_id, "values": "x"})["code"] == "bad_payload"
    assert send(anna, "summary", {"chat_id": chat_id, "values": VALUES})["ok"]
    assert send(anna, "summary", {"chat_id": chat_id, "values": VALUES})["code"] == "unknown_chat"


def test_deactivated_account_is_refused_at_next_event(staff_socket, make_staff, ctx):
    from helpline.admin import accounts

    anna = make_staff("anna")
    sock = staff_socket(anna)
    with ctx():
        accounts.deactivate(db.session, "anna")
    assert send(sock, "duty", {"on": True})["code"] == "not_signed_in"
