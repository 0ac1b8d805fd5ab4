"""The missed-contact ledger through real socket flows (Redis, SQL, the RQ worker)."""

from __future__ import annotations

import time as clock
from datetime import datetime, time

import pytest
from sqlalchemy import select

from helpline.availability.models import MissedContact, OpeningSlot
from helpline.extensions import db
from helpline.queue import keys
from tests.conftest import events, run_jobs


@pytest.fixture
def gated(app):
    app.config.update(CHAT_ALWAYS_OPEN=False, MAX_LINE_LENGTH=15)
    return app


def set_chat_hours(app, open_now: bool) -> None:
    """Open around the clock, or one session two days from now (never now)."""
    with app.app_context():
        db.session.execute(OpeningSlot.__table__.delete())
        if open_now:
            db.session.add_all(OpeningSlot(channel="chat", weekday=d, starts=time(0),
                                           ends=time(0)) for d in range(7))
        else:
            weekday = (datetime.now().weekday() + 2) % 7
            db.session.add(OpeningSlot(channel="chat", weekday=weekday, starts=time(10),
                                       ends=time(11)))
        db.session.commit()


def ledger(app):
    with app.app_context():
        return [(m.reason, m.wait_seconds) for m in db.session.scalars(
            select(MissedContact).order_by(MissedContact.id))]


def start(client, **extra):
    return client.emit("start", {"gender": "man", **extra}, namespace="/chat", callback=True)


def busy_therapist(staff_socket, make_staff, chatter):
    """A therapist on duty whose only slot is taken, so the next chatter waits."""
    sock = staff_socket(make_staff("anna"))
    assert sock.emit("duty", {"on": True, "capacity": 1}, namespace="/staff",
                     callback=True)["ok"]
    first = chatter()
    assert start(first)["state"] == "active"
    return sock


def test_start_while_closed_is_refused_with_the_next_opening(gated, chatter):
    set_chat_hours(gated, open_now=False)
    client = chatter()
    ack = start(client)
    assert ack["ok"] is False and ack["code"] == "closed"
    opens = datetime.fromisoformat(ack["next_opening"])
    assert opens.utcoffset() is not None and opens.timestamp() > clock.time()
    assert opens.hour == 10 and opens.minute == 0
    assert {c["channel"] for c in ack["channels"]} == {"phone", "email"}
    assert ack["self_help_url"]
    assert events(client, "/chat", "error")[-1]["code"] == "closed"
    assert ledger(gated) == [("closed", None)]
    # the page sends counted: true from then on; the tab is not counted again
    assert start(client, counted=True)["code"] == "closed"
    assert ledger(gated) == [("closed", None)]


def test_counted_must_be_a_boolean(gated, chatter):
    set_chat_hours(gated, open_now=False)
    ack = start(chatter(), counted="yes")
    assert ack["code"] == "bad_payload"
    assert ledger(gated) == []


def test_nobody_on_duty_while_open(gated, chatter):
    set_chat_hours(gated, open_now=True)
    ack = start(chatter())
    assert ack["code"] == "nobody_on_duty" and ack["next_opening"] is None
    assert ledger(gated) == [("nobody_on_duty", None)]


def test_leaving_the_line_is_counted_with_the_wait(gated, chatter, staff_socket, make_staff, r):
    set_chat_hours(gated, open_now=True)
    busy_therapist(staff_socket, make_staff, chatter)
    client = chatter()
    waiting = start(client)
    assert waiting["state"] == "waiting" and waiting["open"] is True
    r.hset(keys.chat(waiting["chat_id"]), "created_at", clock.time() - 95)
    assert client.emit("end", {}, namespace="/chat", callback=True)["ok"]
    [(reason, wait)] = ledger(gated)
    assert reason == "left_unanswered" and 94 <= wait <= 100


def test_quick_exit_from_the_line_is_counted(gated, chatter, staff_socket, make_staff):
    set_chat_hours(gated, open_now=True)
    busy_therapist(staff_socket, make_staff, chatter)
    client = chatter()
    start(client)
    client.emit("quick_exit", {}, namespace="/chat", callback=True)
    assert [reason for reason, _ in ledger(gated)] == ["left_unanswered"]


def test_ending_an_answered_chat_is_not_missed(gated, chatter, staff_socket, make_staff):
    set_chat_hours(gated, open_now=True)
    sock = staff_socket(make_staff("anna"))
    sock.emit("duty", {"on": True}, namespace="/staff", callback=True)
    client = chatter()
    assert start(client)["state"] == "active"
    client.emit("end", {}, namespace="/chat", callback=True)
    assert ledger(gated) == []


def test_drop_while_waiting_is_counted_once_as_dropped(
    gated, chatter, staff_socket, make_staff, app, r
):
    set_chat_hours(gated, open_now=True)
    busy_therapist(staff_socket, make_staff, chatter)
    client = chatter()
    waiting = start(client)
    r.hset(keys.chat(waiting["chat_id"]), "created_at", clock.time() - 30)
    client.disconnect("/chat")
    run_jobs(app)
    run_jobs(app)  # nothing left to do: no second row
    [(reason, wait)] = ledger(gated)
    assert reason == "dropped_waiting" and 29 <= wait <= 40


def test_a_counted_tab_leaving_the_line_is_not_counted_again(
    gated, chatter, staff_socket, make_staff
):
    set_chat_hours(gated, open_now=True)
    busy_therapist(staff_socket, make_staff, chatter)
    client = chatter()
    assert start(client, counted=True)["state"] == "waiting"
    client.emit("end", {}, namespace="/chat", callback=True)
    assert ledger(gated) == []


def test_turned_away_at_capacity(gated, chatter, staff_socket, make_staff):
    set_chat_hours(gated, open_now=True)
    busy_therapist(staff_socket, make_staff, chatter)
    gated.config["MAX_LINE_LENGTH"] = 2
    assert start(chatter())["state"] == "waiting"
    assert start(chatter())["state"] == "waiting"
    refused = start(chatter())
    assert refused["code"] == "at_capacity" and refused["channels"]
    assert ledger(gated) == [("at_capacity", None)]


def test_at_capacity_also_when_always_open(app, chatter):
    app.config["MAX_LINE_LENGTH"] = 1  # CHAT_ALWAYS_OPEN is on in the test config
    assert start(chatter())["state"] == "waiting"
    assert start(chatter())["code"] == "at_capacity"
    assert ledger(app) == [("at_capacity", None)]


def test_people_waiting_at_closing_are_told_when_nobody_is_left(
    gated, chatter, staff_socket, make_staff
):
    set_chat_hours(gated, open_now=True)
    sock = busy_therapist(staff_socket, make_staff, chatter)
    client = chatter()
    assert start(client)["state"] == "waiting"
    client.get_received("/chat")
    set_chat_hours(gated, open_now=False)  # the session is over
    assert sock.emit("duty", {"on": False}, namespace="/staff", callback=True)["ok"]
    position = events(client, "/chat", "position")[-1]
    assert position["staff_on_duty"] is False and position["open"] is False
    # still in the line: leaving it now is counted as unanswered
    client.emit("end", {}, namespace="/chat", callback=True)
    assert [reason for reason, _ in ledger(gated)] == ["left_unanswered"]
