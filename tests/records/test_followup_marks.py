"""A returning chatter's chat is marked for staff (the day of the registration it follows
up, the therapist agreed then) and the chatter is told whether that therapist is there
(issue 19, item 11)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.conftest import events
from tests.records.test_followup import NS, VALUES, send


def _today() -> str:
    return datetime.now(ZoneInfo("Europe/Brussels")).date().isoformat()


def _code_from_anna(staff_socket, make_staff, chatter):
    """Anna talks with a chatter, gives a code for today and files the summary."""
    anna = staff_socket(make_staff("anna", name="Anna"))
    send(anna, "duty", {"on": True})
    chat = send(chatter(), "start", {}, "/chat")["chat_id"]
    code = send(anna, "follow_up_code", {"chat_id": chat, "date": _today(),
                                         "window_days": 0})["code"]
    assert send(anna, "end", {"chat_id": chat})["ok"]
    assert send(anna, "summary", {"chat_id": chat, "values": VALUES})["ok"]
    events(anna, NS)  # forget the first chat's events
    return anna, code


def test_a_colleague_who_takes_the_follow_up_sees_it_and_the_chatter_is_told(
        staff_socket, make_staff, chatter):
    anna, code = _code_from_anna(staff_socket, make_staff, chatter)
    send(anna, "pause", {"paused": True})
    ben = staff_socket(make_staff("ben", name="Ben"))
    send(ben, "duty", {"on": True})
    client = chatter()
    back = send(client, "start", {"follow_up_code": code}, "/chat")
    assert back["state"] == "active" and back["follow_up"] == "colleague"
    assert [e.get("follow_up") for e in events(client, "/chat", "assigned")] == ["colleague"]
    [view] = events(ben, NS, "chat_assigned")
    assert view["follow_up"] == {"of": _today(), "agreed_with": "Anna"}


def test_the_agreed_therapist_sees_the_mark_without_their_own_name(
        staff_socket, make_staff, chatter):
    anna, code = _code_from_anna(staff_socket, make_staff, chatter)
    client = chatter()
    back = send(client, "start", {"follow_up_code": code}, "/chat")
    assert back["follow_up"] == "agreed"
    assert [e.get("follow_up") for e in events(client, "/chat", "assigned")] == ["agreed"]
    [view] = events(anna, NS, "chat_assigned")
    assert view["follow_up"] == {"of": _today(), "agreed_with": None}


def test_while_waiting_the_chatter_hears_whether_their_therapist_is_on_duty(
        staff_socket, make_staff, chatter):
    anna, code = _code_from_anna(staff_socket, make_staff, chatter)
    send(chatter(), "start", {}, "/chat")  # anna's one place is taken
    back = send(chatter(), "start", {"follow_up_code": code}, "/chat")
    assert (back["state"], back["follow_up"]) == ("waiting", "on_duty")
    send(anna, "pause", {"paused": True})
    again = send(chatter(), "start", {}, "/chat")
    assert "follow_up" not in again  # an ordinary chat has no such field


def test_a_paused_therapist_is_away(staff_socket, make_staff, chatter):
    anna, code = _code_from_anna(staff_socket, make_staff, chatter)
    send(anna, "pause", {"paused": True})
    back = send(chatter(), "start", {"follow_up_code": code}, "/chat")
    assert (back["state"], back["follow_up"]) == ("waiting", "away")
