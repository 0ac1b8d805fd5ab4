"""Follow-up without identity: codes as keyed hashes, once, in their window; the chatter
who returns with one goes first, to the same therapist, in the same series."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from helpline.extensions import db
from helpline.realtime.protocol import ProtocolError
from helpline.records import followup
from helpline.records.followup import FollowUpCode
from helpline.records.models import Registration
from tests.conftest import events

NS = "/staff"
SECRET = "test-secret"
TODAY = date(2026, 11, 30)
VALUES = {
    "target_group": "self", "subcategory": "sexual_feelings_minors",
    "help_given": ["listening"], "referral_target": None, "referral_region": None,
    "follow_up": "follow_up_appointment", "risk": "no_indication", "age_band": "unknown",
    "gender": "unknown", "note": "",
}


def send(sock, event, data=None, ns=NS):
    return sock.emit(event, data, namespace=ns, callback=True)


def test_codes_are_short_unambiguous_and_normalised():
    code = followup.new_code()
    assert len(code) == 9 and code[4] == "-"
    assert set(code.replace("-", "")) <= set(followup.ALPHABET)
    assert not set("01OIL") & set(followup.ALPHABET)
    assert followup.normalise(f" {code.lower()} ") == code.replace("-", "")
    for bad in (None, 12345678, "ABC", "ABCD-EFG0", "x" * 100, "ABCD EFGH I"):
        assert followup.normalise(bad) is None


def test_stored_only_as_a_keyed_hash_used_once_within_the_window(ctx, make_staff):
    anna = make_staff("anna")
    with ctx():
        issued = followup.issue(db.session, SECRET, anna.id, TODAY, TODAY + timedelta(days=2))
        dump = str(db.session.execute(sa.text("SELECT * FROM follow_up_codes")).all())
        plain = issued.code.replace("-", "")
        assert plain not in dump and issued.code not in dump
        row = db.session.scalar(select(FollowUpCode))
        assert row.code_hash == followup.code_hash(SECRET, plain)
        assert row.code_hash != followup.code_hash("another-secret", plain)
        with pytest.raises(ProtocolError):  # before the agreed day
            followup.redeem(db.session, SECRET, issued.code, TODAY - timedelta(days=1))
        with pytest.raises(ProtocolError):  # after the window
            followup.redeem(db.session, SECRET, issued.code, TODAY + timedelta(days=3))
        used = followup.redeem(db.session, SECRET, issued.code.lower(), TODAY + timedelta(days=2))
        assert used == followup.Redeemed(issued.series_id, str(anna.id), row.created_at)
        with pytest.raises(ProtocolError) as again:
            followup.redeem(db.session, SECRET, issued.code, TODAY)
        with pytest.raises(ProtocolError) as never:
            followup.redeem(db.session, SECRET, "ABCD-EFGH", TODAY)
        with pytest.raises(ProtocolError) as garbage:
            followup.redeem(db.session, SECRET, {"$ne": None}, TODAY)
        answers = {(e.value.code, e.value.message) for e in (again, never, garbage)}
        assert len(answers) == 1 and answers.pop()[0] == "bad_code"
        assert followup.purge(db.session, TODAY) == 1


def test_window_rules():
    assert followup.window("2026-12-03", 2, TODAY) == (date(2026, 12, 3), date(2026, 12, 5))
    for on, days in (("2026-11-29", 1), ("2027-05-01", 1), ("soon", 1), (None, 1),
                     ("2026-12-03", 15), ("2026-12-03", -1), ("2026-12-03", True),
                     ("2026-12-03", "2")):
        with pytest.raises(ProtocolError):
            followup.window(on, days, TODAY)


def _today() -> date:
    return datetime.now(ZoneInfo("Europe/Brussels")).date()


def _chat_with(staff_socket, make_staff, chatter, name="anna"):
    therapist = staff_socket(make_staff(name))
    send(therapist, "duty", {"on": True})
    client = chatter()
    started = send(client, "start", {}, "/chat")
    return therapist, client, started["chat_id"]


def test_the_whole_follow_up(app, staff_socket, make_staff, chatter, ctx):
    anna, first_client, first_chat = _chat_with(staff_socket, make_staff, chatter)
    issued = send(anna, "follow_up_code", {"chat_id": first_chat, "date": _today().isoformat(),
                                           "window_days": 3})
    assert issued["ok"] and len(issued["code"]) == 9
    pushed = events(first_client, "/chat", "follow_up_code")
    assert pushed == [{"code": issued["code"], "from": issued["from"], "until": issued["until"]}]
    assert send(anna, "end", {"chat_id": first_chat})["ok"]
    assert send(anna, "summary", {"chat_id": first_chat, "values": VALUES})["ok"]

    # Anna is busy with someone else; Ben comes on duty with room; a stranger waits first
    send(anna, "capacity", {"capacity": 2})
    busy = send(chatter(), "start", {}, "/chat")["chat_id"]
    send(anna, "duty", {"on": False})
    waiting = send(chatter(), "start", {}, "/chat")["chat_id"]
    wrong = send(chatter(), "start", {"follow_up_code": "ABCD-EFGH"}, "/chat")
    assert wrong["code"] == "bad_code"
    back = send(chatter(), "start", {"follow_up_code": issued["code"].lower()}, "/chat")
    assert back["ok"] and back["position"] == 1  # in front of the stranger
    assert send(chatter(), "start", {"follow_up_code": issued["code"]}, "/chat")[
        "code"] == "bad_code"  # works once
    events(anna, NS)  # forget the earlier events
    send(anna, "duty", {"on": True})  # anna has one free place: her follow-up comes first
    assert [c["chat_id"] for c in events(anna, NS, "chat_assigned")] == [back["chat_id"]]
    assert send(anna, "end", {"chat_id": back["chat_id"]})["ok"]
    assert send(anna, "summary", {"chat_id": back["chat_id"],
                                  "values": {**VALUES, "follow_up": "none"}})["ok"]
    with ctx():
        rows = db.session.scalars(select(Registration).order_by(Registration.id)).all()
    assert len(rows) == 2
    assert rows[0].series_id and rows[0].series_id == rows[1].series_id
    assert (rows[0].follow_up_kept, rows[1].follow_up_kept) == (False, True)
    assert busy and waiting


def test_another_therapist_takes_the_follow_up_when_the_first_is_off_duty(
        staff_socket, make_staff, chatter):
    anna, _client, chat = _chat_with(staff_socket, make_staff, chatter)
    code = send(anna, "follow_up_code", {"chat_id": chat, "date": _today().isoformat(),
                                         "window_days": 0})["code"]
    send(anna, "duty", {"on": False})
    ben = staff_socket(make_staff("ben"))
    send(ben, "duty", {"on": True})
    back = send(chatter(), "start", {"follow_up_code": code}, "/chat")
    assert back["state"] == "active"
    assert [c["chat_id"] for c in events(ben, NS, "chat_assigned")] == [back["chat_id"]]


def test_only_the_holder_issues_codes(staff_socket, make_staff, chatter):
    _anna, _client, chat = _chat_with(staff_socket, make_staff, chatter)
    ben = staff_socket(make_staff("ben"))
    assert send(ben, "follow_up_code", {"chat_id": chat, "date": "2030-01-01"})[
        "code"] == "not_your_chat"


def test_the_follow_up_is_offered_to_the_same_therapist_first(staff_socket, make_staff, chatter):
    anna, _client, chat = _chat_with(staff_socket, make_staff, chatter)
    code = send(anna, "follow_up_code", {"chat_id": chat, "date": _today().isoformat(),
                                         "window_days": 0})["code"]
    assert send(anna, "end", {"chat_id": chat})["ok"]
    assert send(anna, "summary", {"chat_id": chat, "values": VALUES})["ok"]
    ben = staff_socket(make_staff("ben"))
    send(ben, "duty", {"on": True, "capacity": 3})  # more free places than anna's one
    events(anna, NS)
    stranger = send(chatter(), "start", {}, "/chat")["chat_id"]
    assert [c["chat_id"] for c in events(ben, NS, "chat_assigned")] == [stranger]
    back = send(chatter(), "start", {"follow_up_code": code}, "/chat")
    assert [c["chat_id"] for c in events(anna, NS, "chat_assigned")] == [back["chat_id"]]
    assert events(ben, NS, "chat_assigned") == []
