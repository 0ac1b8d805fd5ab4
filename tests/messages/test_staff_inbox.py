"""The staff side of anonymous messages (issue 20): the inbox, one conversation's page,
taking, answering, handing over, asking a supervisor, closing, the registration on the
channel "message", answer times in the reports and late answers in the missed ledger."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from helpline import audit
from helpline.availability import missed
from helpline.availability.models import MissedContact, OpeningSlot
from helpline.extensions import db
from helpline.messages import conversations as msg
from helpline.messages import errors, inbox
from helpline.messages.models import Conversation, HandoverNote, Message
from helpline.records import retention, taxonomy
from helpline.records.models import Registration, Staff
from helpline.reports import queries, report
from tests.conftest import sign_in

DAY = 86400
TZ = ZoneInfo("Europe/Brussels")
SENTINEL = "okapi-sentinel-51f2 ik durf het niemand te zeggen"
NOTE = "giraffe-note-77 let op zijn tweede bericht"


def local(y, m, d, hour=12) -> float:
    return datetime(y, m, d, hour, tzinfo=TZ).timestamp()


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def staff(staff_id: int) -> Staff:
    return db.session.get(Staff, staff_id)


def audit_rows(action: str) -> list[audit.AuditEvent]:
    return list(db.session.scalars(select(audit.AuditEvent)
                                   .where(audit.AuditEvent.action == action)))


def signed_in(app, username):
    http = app.test_client()
    assert sign_in(http, username).status_code == 302
    return http


def csrf(http, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]*)"',
                      http.get(path).get_data(as_text=True))
    return found.group(1) if found else ""


def post(http, path: str, page: str, **data):
    return http.post(path, data={"csrf_token": csrf(http, page), **data})


def write(ctx, clock, text="hallo", language="nl", **kw):
    with ctx():
        conversation, code = msg.write_new(db.session, clock(), text, language, **kw)
        return conversation.id, code


# ---------- the inbox ----------

def test_the_inbox_puts_overdue_first_shows_the_profile_and_counts_in_the_nav(
        app, ctx, clock, make_staff):
    make_staff("anna")
    with ctx():
        clock.advance(-10 * DAY)  # written ten days ago: past its promised day
        late, _ = msg.write_new(db.session, clock(), "oud", "fr", "26_35", "woman")
        clock.advance(10 * DAY)
        fresh, _ = msg.write_new(db.session, clock(), "nieuw", "nl")
        late_id, fresh_id = late.id, fresh.id
    http = signed_in(app, "anna")
    html = http.get("/staff/messages/").get_data(as_text=True)
    order = re.findall(r'<tr data-conversation="(\d+)"( class="overdue")?', html)
    assert order == [(str(late_id), ' class="overdue"'), (str(fresh_id), "")]
    assert "Français" in html and "overdue" in html
    assert "oud" not in html and "nieuw" not in html  # no text in the list
    assert re.search(r'data-figure="overdue" class="overdue">1<', html)
    console = http.get("/staff/").get_data(as_text=True)
    nav = re.search(r'<nav class="staff-nav".*?</nav>', console, re.S).group(0)
    assert "/staff/messages/" in nav and "(2)" in nav


def test_the_inbox_is_paginated(app, ctx, clock, make_staff):
    make_staff("anna")
    with ctx():
        for n in range(inbox.PAGE_SIZE + 2):
            msg.write_new(db.session, clock() + n, f"bericht {n}", "nl")
    http = signed_in(app, "anna")
    first = http.get("/staff/messages/").get_data(as_text=True)
    second = http.get("/staff/messages/?page=2").get_data(as_text=True)
    assert first.count("<tr data-conversation") == inbox.PAGE_SIZE
    assert second.count("<tr data-conversation") == 2
    assert "Page 2 of 2" in second


# ---------- taking, reading, answering ----------

def test_two_therapists_take_at_once_and_one_wins(app, ctx, clock, make_staff):
    anna, ben = make_staff("anna"), make_staff("ben")
    cid, _ = write(ctx, clock)
    with app.app_context():  # ben's view of the row, loaded before anna takes it
        stale_ben = db.session.get(Conversation, cid)
        assert stale_ben.staff_id is None
        with app.app_context():
            inbox.take(db.session, staff(anna.id), db.session.get(Conversation, cid), clock())
        with pytest.raises(errors.TakenByOther):
            inbox.take(db.session, staff(ben.id), stale_ben, clock())
        assert stale_ben.staff_id == anna.id  # ben now sees who took it
        assert [e.actor_id for e in audit_rows("message_take")] == [anna.id]


def test_taking_over_http_others_see_who_took_it_and_cannot_read_it(
        app, ctx, clock, make_staff):
    make_staff("anna", name="Anna")
    make_staff("ben")
    cid, _ = write(ctx, clock, SENTINEL)
    page = f"/staff/messages/{cid}"
    anna, ben = signed_in(app, "anna"), signed_in(app, "ben")
    assert SENTINEL in ben.get(page).get_data(as_text=True)  # nobody has it yet
    post(anna, f"{page}/take", page)
    post(ben, f"{page}/take", page)
    shown = ben.get(page).get_data(as_text=True)
    assert "A colleague has taken this conversation." in shown
    assert "Anna has taken this conversation" in shown and SENTINEL not in shown
    response = post(ben, f"{page}/answer", page, text="ik ook")
    assert response.status_code == 302
    with ctx():
        assert db.session.get(Conversation, cid).staff_id is not None
        assert count(Message, Message.author == "staff") == 0


def test_answering_keeps_the_first_answer_time_and_whether_it_was_in_time(
        app, ctx, clock, make_staff):
    make_staff("anna")
    cid, _ = write(ctx, clock, language="fr")
    page = f"/staff/messages/{cid}"
    http = signed_in(app, "anna")
    html = http.get(page).get_data(as_text=True)
    assert "lang=fr" in html  # the ready texts of the conversation's language
    assert post(http, f"{page}/answer", page, text="Bonjour, merci").status_code == 302
    with ctx():
        conversation = db.session.get(Conversation, cid)
        assert (conversation.state, conversation.answered_in_time) == ("answered", True)
        first = conversation.first_answer_at
        assert first is not None and conversation.staff_id is not None
        msg.add_staff_answer(db.session, conversation, conversation.staff_id, "encore",
                             clock() + 60)
        assert conversation.first_answer_at == first  # the first one is kept
    assert "Bonjour, merci" in http.get(page).get_data(as_text=True)


def test_every_look_is_audited_without_text_and_a_supervisor_may_open_any(
        app, ctx, clock, make_staff):
    anna = make_staff("anna")
    sara = make_staff("sara", role="supervisor")
    cid, _ = write(ctx, clock, SENTINEL)
    with ctx():
        msg.take(db.session, db.session.get(Conversation, cid), anna.id, clock())
    page = f"/staff/messages/{cid}"
    assert SENTINEL in signed_in(app, "anna").get(page).get_data(as_text=True)
    assert SENTINEL in signed_in(app, "sara").get(page).get_data(as_text=True)
    with ctx():
        looks = audit_rows("message_open")
        assert [(e.actor_id, e.chat_ref, e.target_staff_id) for e in looks] == [
            (anna.id, f"message-{cid}", None), (sara.id, f"message-{cid}", anna.id)]
        trail = " ".join(str(v) for e in audit.latest(db.session) for v in e.values())
        assert "okapi" not in trail


# ---------- hand-over, asking a supervisor ----------

def test_hand_over_with_an_encrypted_note_is_audited_without_the_note(
        app, ctx, clock, make_staff):
    anna, ben = make_staff("anna", name="Anna"), make_staff("ben", name="Ben")
    cid, _ = write(ctx, clock, SENTINEL)
    page = f"/staff/messages/{cid}"
    http = signed_in(app, "anna")
    post(http, f"{page}/take", page)
    assert post(http, f"{page}/hand-over", page, colleague=str(ben.id),
                note=NOTE).status_code == 302
    with ctx():
        assert db.session.get(Conversation, cid).staff_id == ben.id
        raw = " ".join(bytes(r.ciphertext).decode("latin-1")
                       for r in db.session.scalars(select(HandoverNote)))
        assert raw and "giraffe" not in raw
        [row] = audit_rows("message_handover")
        assert (row.actor_id, row.target_staff_id, row.chat_ref) == (
            anna.id, ben.id, f"message-{cid}")
    shown = signed_in(app, "ben").get(page).get_data(as_text=True)
    assert NOTE in shown and "Anna to Ben" in shown
    assert SENTINEL not in http.get(page).get_data(as_text=True)  # anna no longer holds it
    with ctx():  # the note goes with the conversation
        msg.end_by_writer(db.session, db.session.get(Conversation, cid), clock())
        assert count(HandoverNote) == 0


@pytest.mark.parametrize("colleague", ["2147483648", "99999999999999999999", "²", "-1", ""])
def test_a_hand_over_to_an_id_no_column_holds_names_nobody(app, ctx, clock, make_staff,
                                                           colleague):
    """Not a 500 (an integer past the column, or a digit Python cannot read): refused."""
    make_staff("anna", name="Anna")
    cid, _ = write(ctx, clock)
    page = f"/staff/messages/{cid}"
    http = signed_in(app, "anna")
    post(http, f"{page}/take", page)
    assert post(http, f"{page}/hand-over", page, colleague=colleague).status_code == 302
    assert 'role="alert"' in http.get(page).get_data(as_text=True)
    with ctx():
        assert db.session.get(Conversation, cid).staff_id is not None  # still anna's


def test_a_page_past_any_number_is_the_first(app, ctx, clock, make_staff):
    make_staff("anna", name="Anna")
    http = signed_in(app, "anna")
    for page in ("99999999999999999999999", "²", "0", "-3"):
        assert http.get(f"/staff/messages/?page={page}").status_code == 200, page


def test_only_the_holder_hands_over(app, ctx, clock, make_staff):
    anna, ben, cleo = make_staff("anna"), make_staff("ben"), make_staff("cleo")
    cid, _ = write(ctx, clock)
    with ctx():
        conversation = db.session.get(Conversation, cid)
        inbox.take(db.session, staff(anna.id), conversation, clock())
        with pytest.raises(errors.NotYours):
            inbox.hand_over(db.session, staff(ben.id), conversation, cleo.id, "", clock())
        assert count(audit.AuditEvent, audit.AuditEvent.action == "message_handover") == 0


def test_asking_a_supervisor_is_audited_and_shown_to_supervisors(app, ctx, clock, make_staff):
    anna = make_staff("anna")
    make_staff("sara", role="supervisor")
    cid, _ = write(ctx, clock)
    page = f"/staff/messages/{cid}"
    http = signed_in(app, "anna")
    post(http, f"{page}/ask-supervisor", page)
    post(http, f"{page}/ask-supervisor", page)  # twice: once in the trail
    with ctx():
        assert [e.actor_id for e in audit_rows("message_consult")] == [anna.id]
        assert inbox.summary(db.session, clock()).asked == 1
    html = signed_in(app, "sara").get("/staff/messages/").get_data(as_text=True)
    assert "supervisor asked" in html


# ---------- closing, mark_read_by_writer ----------

def test_closing_waits_until_the_writer_read_the_last_answer(app, ctx, clock, make_staff):
    anna = make_staff("anna")
    cid, code = write(ctx, clock, SENTINEL)
    with ctx():
        conversation = db.session.get(Conversation, cid)
        inbox.answer(db.session, staff(anna.id), conversation, "antwoord", clock())
        with pytest.raises(errors.NotRead):
            inbox.close(db.session, staff(anna.id), conversation, clock())
        clock.advance(60)
        msg.mark_read_by_writer(db.session, msg.open_with_code(db.session, code, clock()),
                                clock())
        assert inbox.last_answer_read(db.session, conversation)
        clock.advance(60)
        inbox.answer(db.session, staff(anna.id), conversation, "nog iets", clock())
        assert not inbox.last_answer_read(db.session, conversation)  # a newer answer
        with pytest.raises(errors.NotRead):
            inbox.close(db.session, staff(anna.id), conversation, clock())
        clock.advance(60)
        msg.mark_read_by_writer(db.session, conversation, clock())
    page = f"/staff/messages/{cid}"
    http = signed_in(app, "anna")
    assert "Close the conversation" in http.get(page).get_data(as_text=True)
    post(http, f"{page}/close", page)
    with ctx():
        conversation = db.session.get(Conversation, cid)
        assert (conversation.state, conversation.wrapped_key) == ("closed", None)
        assert count(Message) == 0 and msg.open_with_code(db.session, code, clock()) is None
        assert [e.actor_id for e in audit_rows("message_close")] == [anna.id]


# ---------- the registration ----------

FORM = {"target_group": "self", "subcategory": "sexual_feelings_minors", "help_given": "listening",
        "age_band": "26_35", "gender": "man", "contacted_before": "no", "note": "",
        "follow_up": "none", "risk": "no_indication"}


def test_an_ended_conversation_is_registered_on_the_message_channel_and_forgotten(
        app, ctx, clock, make_staff):
    anna = make_staff("anna")
    with ctx():
        conversation, _ = msg.write_new(db.session, clock(), SENTINEL, "nl", "26_35", "man")
        msg.add_staff_answer(db.session, conversation, anna.id, "dag", clock() + 5 * 3600)
        msg.end_by_writer(db.session, conversation, clock() + 6 * 3600)
        cid = conversation.id
    page = f"/staff/messages/{cid}"
    http = signed_in(app, "anna")
    html = http.get(page).get_data(as_text=True)
    assert "Register an anonymous message" not in html  # the page's own heading
    assert 'name="target_group"' in html and "/register" in html
    assert "/staff/messages/" in http.get("/staff/messages/").get_data(as_text=True)
    response = post(http, f"{page}/register", page, **FORM)
    assert response.status_code == 302, response.get_data(as_text=True)
    with ctx():
        [row] = db.session.scalars(select(Registration))
        assert (row.channel, row.status, row.staff_id, row.wait_seconds,
                row.answered_in_time) == ("message", "filed", anna.id, 5 * 3600, True)
        assert (row.age_band, row.gender) == ("26_35", "man")
        assert count(Conversation) == 0  # forgotten: the registration keeps the minimum
        period = missed.Period(date.today() - timedelta(days=3),
                               date.today() + timedelta(days=3), TZ)
        t = queries.tally(db.session, period)
        assert t.channels()["message"] == 1
        [channels] = [tb for tb in report.contacts(t, period) if tb.key == "channels"]
        assert ["Anonymous message", 1, 100.0] in channels.rows
        answers = dict(report.message_answers(t).rows)
        assert answers["Answered"] == 1
        assert answers["Median time to the first answer (hours)"] == 5.0
        assert answers["First answered by the promised day (%)"] == 100.0


def test_a_live_conversation_cannot_be_registered(app, ctx, clock, make_staff):
    anna = make_staff("anna")
    cid, _ = write(ctx, clock)
    with ctx(), pytest.raises(errors.NotEnded):
        inbox.register(db.session, taxonomy.current(), staff(anna.id),
                       db.session.get(Conversation, cid), FORM)


def test_answer_figures_median_and_share_within_the_promise(app, ctx, clock, make_staff):
    anna = make_staff("anna")
    with ctx():
        db.session.add_all(OpeningSlot(channel="phone", weekday=w, starts=time(9),
                                       ends=time(17)) for w in range(5))
        db.session.commit()
        # Monday 4 Jan 2027: promised by Thursday 7 (three working days)
        hours = []
        for n, answer_day in enumerate((5, 7, 8)):  # Tue, Thu (in time), Fri (late)
            conversation, _ = msg.write_new(db.session, local(2027, 1, 4, 10), f"v{n}", "nl")
            msg.add_staff_answer(db.session, conversation, anna.id, "a",
                                 local(2027, 1, answer_day, 10))
            hours.append((answer_day - 4) * 24)
            msg.end_by_writer(db.session, conversation, local(2027, 1, 9))
            fields = inbox.answer_figures(conversation)
            db.session.add(Registration(channel="message", status="filed",
                                        contact_hour=conversation.created_at.replace(
                                            minute=0, second=0, microsecond=0), **fields))
        never, _ = msg.write_new(db.session, local(2027, 1, 4, 10), "nooit", "nl")
        msg.end_by_writer(db.session, never, local(2027, 1, 12))  # past Thursday, unanswered
        db.session.add(Registration(channel="message", status="filed",
                                    contact_hour=never.created_at.replace(minute=0, second=0,
                                                                          microsecond=0),
                                    **inbox.answer_figures(never)))
        early, _ = msg.write_new(db.session, local(2027, 1, 4, 10), "vroeg", "nl")
        msg.end_by_writer(db.session, early, local(2027, 1, 5))  # ended before the promise
        assert inbox.answer_figures(early) == {"wait_seconds": None, "answered_in_time": None}
        db.session.commit()
        t = queries.tally(db.session, missed.Period(date(2027, 1, 1), date(2027, 1, 31), TZ))
        answers = dict(report.message_answers(t).rows)
        assert answers["Answered"] == 3
        assert answers["Median time to the first answer (hours)"] == 72.0
        assert answers["First answered by the promised day (%)"] == 50.0  # 2 of 4
        assert answers["Late or unanswered past the promised day"] == 2


def test_an_unfiled_stub_becomes_a_missing_registration(app, ctx, clock, make_staff):
    with ctx():
        conversation, _ = msg.write_new(db.session, clock(), "weg", "nl", "18_25")
        msg.end_by_writer(db.session, conversation, clock())
        assert inbox.record_unfiled(db.session, clock() + 10 * DAY) == 0
        assert inbox.record_unfiled(db.session, clock() + 31 * DAY) == 1
        [row] = db.session.scalars(select(Registration))
        assert (row.channel, row.status, row.age_band) == ("message", "missing", "18_25")
        assert count(Conversation) == 0


# ---------- the missed ledger ----------

def test_unanswered_past_the_promise_counts_once_in_the_missed_ledger(app, ctx, clock,
                                                                     make_staff):
    anna = make_staff("anna")
    with ctx():
        conversation, _ = msg.write_new(db.session, local(2027, 1, 4), "hallo", "nl")
        due = conversation.answer_due  # calendar days without hours: Thursday 7
        assert inbox.mark_overdue(db.session, local(2027, 1, 7, 23)) == 0  # still due today
        assert inbox.mark_overdue(db.session, local(2027, 1, 8, 3)) == 1
        assert inbox.mark_overdue(db.session, local(2027, 1, 9, 3)) == 0  # once
        [row] = db.session.scalars(select(MissedContact))
        assert row.reason == "message_overdue"
        assert row.hour == missed.hour_of(datetime.combine(due + timedelta(days=1), time(0), TZ))
        result = missed.report(db.session, missed.Period(date(2027, 1, 1), date(2027, 1, 31),
                                                         TZ), [])
        assert result.totals["message_overdue"] == 1
        assert result.peak == 0  # the chat's heatmap leaves messages out
        # writing again after it is late does not count it a second time
        msg.add_staff_answer(db.session, conversation, anna.id, "laat", local(2027, 1, 9))
        msg.add_writer_message(db.session, conversation, "nog", local(2027, 1, 9, 13))
        assert inbox.mark_overdue(db.session, local(2027, 2, 1)) == 0
        assert conversation.answered_in_time is False


def test_late_answers_are_counted_a_batch_at_a_time(app, ctx):
    """The same SQL statements for 3 late conversations as for 12 (one UPDATE ... RETURNING
    and one INSERT per batch): row by row, with two commits each, 10,000 took 46 s on
    PostgreSQL, past the daily job's 30 s timeout (bench/messages.py)."""

    def statements_to_count(n: int) -> int:
        with ctx():
            for _ in range(n):
                msg.write_new(db.session, local(2027, 1, 4), "hallo", "nl")
            seen: list[str] = []

            def listen(_conn, _cursor, statement, *_rest):
                seen.append(statement)

            sa.event.listen(db.engine, "before_cursor_execute", listen)
            try:
                assert inbox.mark_overdue(db.session, local(2027, 2, 1)) == n
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", listen)
            return len(seen)

    assert statements_to_count(3) == statements_to_count(12)
    with ctx():
        assert count(MissedContact, MissedContact.reason == "message_overdue") == 15
        assert count(Conversation, Conversation.overdue_counted.is_(False)) == 0
        assert inbox.mark_overdue(db.session, local(2027, 2, 2)) == 0  # once


def test_unfiled_stubs_are_recorded_a_batch_at_a_time(app, ctx):
    """The same statements and one commit for 3 unfiled stubs as for 12, besides the
    registrations' INSERTs (one per row on SQLite, batched on PostgreSQL): one stub per
    transaction, every loaded stub expired at each commit and read again, took 253 s for
    10,000 on SQLite (bench/messages.py)."""

    def work_to_record(n: int) -> tuple[int, int]:
        with ctx():
            for _ in range(n):
                conversation, _ = msg.write_new(db.session, local(2027, 1, 4), "hallo", "nl")
                msg.end_by_writer(db.session, conversation, local(2027, 1, 5))
            seen: list[str] = []

            def listen(_conn, _cursor, statement, *_rest):
                seen.append(statement)

            sa.event.listen(db.engine, "before_cursor_execute", listen)
            try:
                assert inbox.record_unfiled(db.session, local(2027, 3, 1)) == n
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", listen)
            inserts = [q for q in seen if q.startswith("INSERT INTO summaries")]
            assert 1 <= len(inserts) <= n
            return len(seen) - len(inserts)

    assert work_to_record(3) == work_to_record(12)
    with ctx():
        assert count(Registration, Registration.status == "missing") == 15
        assert count(Conversation) == 0


def test_the_daily_job_lets_live_sockets_be_served_between_batches(app, ctx, clock,
                                                                   monkeypatch):
    """A server process that runs the daily job (no worker took it) yields to gevent's loop
    after each batch: without it, live chats waited 1.1 s for 10,000 expired conversations
    on SQLite (bench/messages.py --takeover)."""
    pauses: list[int] = []
    monkeypatch.setattr(msg, "BATCH", 2)
    monkeypatch.setattr(inbox, "BATCH", 2)
    monkeypatch.setattr(msg, "let_others_run", lambda: pauses.append(1))
    with ctx():
        clock.advance(-40 * DAY)
        for _ in range(5):
            msg.write_new(db.session, clock(), "laat", "nl")
        clock.advance(40 * DAY)
        done = retention.purge(db.session, app.config)
        assert (done["messages_overdue"], done["messages_expired"]) == (5, 5)
        assert len(pauses) == 3 + 3  # counting late ones: 2 + 2 + 1; expiring: the same
        clock.advance(31 * DAY)
        pauses.clear()
        later = retention.purge(db.session, app.config, now=msg.utc(clock()))
        assert later["message_stubs_unfiled"] == 5
        assert len(pauses) == 3


def test_the_daily_job_counts_late_answers_and_files_unfiled_stubs(app, ctx, clock):
    with ctx():
        clock.advance(-40 * DAY)
        msg.write_new(db.session, clock(), "laat", "nl")
        gone, _ = msg.write_new(db.session, clock(), "weg", "nl")
        msg.end_by_writer(db.session, gone, clock())
        clock.advance(40 * DAY)
        done = retention.purge(db.session, app.config)
        assert (done["messages_overdue"], done["message_stubs_unfiled"]) == (1, 1)
        assert count(MissedContact, MissedContact.reason == "message_overdue") == 1
        assert count(Registration, Registration.status == "missing") == 1


# ---------- the promised day and the message channel's hours ----------

def test_the_message_channels_own_hours_make_the_working_days(app, ctx, clock):
    with ctx():
        db.session.add_all(OpeningSlot(channel="phone", weekday=w, starts=time(9), ends=time(17))
                           for w in range(5))
        db.session.commit()
        # Monday 4 Jan 2027, any channel: Tue, Wed, Thu
        assert msg.write_new(db.session, local(2027, 1, 4), "a", "nl")[0].answer_due == date(
            2027, 1, 7)
        db.session.add(OpeningSlot(channel="message", weekday=0, starts=time(9), ends=time(12)))
        db.session.commit()
        # only Mondays staff the messages now: 11, 18, 25 January
        assert msg.write_new(db.session, local(2027, 1, 4), "b", "nl")[0].answer_due == date(
            2027, 1, 25)


def test_the_hours_page_offers_the_message_channel(app, make_staff):
    make_staff("sara", role="supervisor")
    html = signed_in(app, "sara").get("/staff/hours").get_data(as_text=True)
    assert 'value="message"' in html and "Anonymous message" in html


def test_no_text_or_note_outside_the_encrypted_columns(app, ctx, clock, make_staff):
    anna, ben = make_staff("anna"), make_staff("ben")
    with ctx():
        conversation, _ = msg.write_new(db.session, clock(), SENTINEL, "nl")
        inbox.answer(db.session, staff(anna.id), conversation, "antwoord " + SENTINEL, clock())
        inbox.hand_over(db.session, staff(anna.id), conversation, ben.id, NOTE, clock())
        inbox.ask_supervisor(db.session, staff(ben.id), conversation, clock())
        dump = []
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)):
                dump += [bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview)
                         else str(v) for v in row]
        text = "\n".join(dump).lower()
        assert "okapi" not in text and "giraffe" not in text


def test_the_live_overview_shows_the_inbox_age_and_overdue(app, ctx, clock, make_staff):
    make_staff("sara", role="supervisor")
    with ctx():
        clock.advance(-10 * DAY)
        msg.write_new(db.session, clock(), "oud", "nl")
        clock.advance(10 * DAY)
        msg.write_new(db.session, clock(), "nieuw", "nl")
    html = signed_in(app, "sara").get("/staff/overview").get_data(as_text=True)
    card = re.search(r'<section class="card" aria-labelledby="messages-heading".*?</section>',
                     html, re.S).group(0)
    assert re.search(r'data-figure="waiting">2<', card)
    assert re.search(r'data-figure="overdue" class="overdue">1<', card)
    assert re.search(r"data-figure=\"oldest\">(1 week|10 days)<", card), card  # the longest wait


def test_a_therapist_sees_the_waiting_count_on_the_inbox_and_registration_pages(
        app, ctx, clock, make_staff):
    make_staff("anna")
    write(ctx, clock)
    http = signed_in(app, "anna")
    for path in ("/staff/messages/", "/staff/registrations/"):
        html = http.get(path).get_data(as_text=True)
        nav = re.search(r'<header class="supervisor-header">.*?</nav>', html, re.S).group(0)
        assert re.search(r'href="/staff/messages/"[^>]*>Messages <span class="count"[^>]*>'
                         r"\(1\)</span></a>", nav), (path, nav)
