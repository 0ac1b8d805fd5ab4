"""The chatter's own word: counts per month only, once per chat, never linked."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from helpline.extensions import db
from helpline.reports import feedback, report
from tests.conftest import events

CHAT = "/chat"


def send(sock, event, data=None, ns=CHAT):
    return sock.emit(event, data, namespace=ns, callback=True)


def test_answers_are_counts_never_linked(app, chatter, staff_socket, make_staff, ctx):
    anna = staff_socket(make_staff("anna"))
    send(anna, "duty", {"on": True, "capacity": 3}, "/staff")
    client = chatter()
    chat_id = send(client, "start", {})["chat_id"]
    assert send(client, "feedback", {"helped": "yes"})["code"] == "feedback_not_due"
    send(anna, "end", {"chat_id": chat_id}, "/staff")
    assert events(client, CHAT, "ended")
    for bad in ({"helped": "maybe"}, {"again": 1}, {}):
        assert send(client, "feedback", bad)["code"] == "bad_payload"
    assert send(client, "feedback", {"helped": "a_bit", "again": "yes"})["ok"]
    assert send(client, "feedback", {"helped": "no"})["code"] == "feedback_not_due"
    other = chatter()
    other_id = send(other, "start", {})["chat_id"]
    send(anna, "end", {"chat_id": other_id}, "/staff")
    assert send(other, "feedback", {"helped": "a_bit"})["ok"]
    with ctx():
        result = db.session.execute(sa.text("SELECT * FROM chatter_feedback_counts"))
        columns = set(result.keys())
        rows = result.all()
    assert columns == {"id", "month", "question", "answer", "count"}
    assert {(r.question, r.answer, r.count) for r in rows} == {("helped", "a_bit", 2),
                                                               ("again", "yes", 1)}
    assert chat_id not in str(rows) and other_id not in str(rows)


def test_a_chatter_who_ends_the_chat_may_answer(chatter):
    client = chatter()
    send(client, "start", {})
    assert send(client, "end", {})["ok"]
    assert send(client, "feedback", {"again": "no"})["ok"]


def test_a_chat_that_ended_while_its_chatter_was_away_takes_one_answer(
        chatter, staff_socket, make_staff):
    """The therapist ended the chat while the chatter's connection was down: the page that
    reconnects shows the closing card, and its answer counts, once for the chat."""
    anna = staff_socket(make_staff("anna"))
    send(anna, "duty", {"on": True, "capacity": 3}, "/staff")
    away = chatter()
    started = send(away, "start", {})
    send(anna, "end", {"chat_id": started["chat_id"]}, "/staff")
    back = chatter()
    assert send(back, "resume", {"token": started["token"]})["state"] == "ended"
    assert send(back, "feedback", {"helped": "yes"})["ok"]
    again = chatter()  # another reconnect of the same chat: already answered
    assert send(again, "resume", {"token": started["token"]})["state"] == "ended"
    assert send(again, "feedback", {"helped": "yes"})["code"] == "feedback_not_due"
    assert send(away, "feedback", {"helped": "yes"})["code"] == "feedback_not_due"


def test_the_report_shows_the_answers(ctx):
    with ctx():
        for answer in ("yes", "yes", "no"):
            feedback.add(db.session, date(2026, 3, 1), "helped", answer)
        feedback.add(db.session, date(2026, 3, 1), "again", "yes")
        feedback.add(db.session, date(2025, 3, 1), "again", "no")  # another year
        assert feedback.counts(db.session, date(2026, 1, 1), date(2026, 12, 31)) == {
            ("helped", "yes"): 2, ("helped", "no"): 1, ("again", "yes"): 1}
        table = report.own_word(feedback.counts(db.session, date(2026, 1, 1),
                                                date(2026, 12, 31)))[0]
    assert [row[1:] for row in table.rows] == [[2, 66.7], [0, 0.0], [1, 33.3], [1, 100.0],
                                               [0, 0.0]]
