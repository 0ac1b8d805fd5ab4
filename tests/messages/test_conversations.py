"""Anonymous messages through their API (helpline/messages/conversations.py), on the test
run's SQL database; time is the app's clock."""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from helpline.availability.models import OpeningException, OpeningSlot
from helpline.extensions import db
from helpline.messages import codes, errors, keys
from helpline.messages import conversations as msg
from helpline.messages.models import Conversation, Message
from helpline.records import retention

DAY = 86400
SENTINEL = "zebra-sentinel-8c41 ik maak me zorgen"
TZ = ZoneInfo("Europe/Brussels")


def local(y, m, d, hour=12) -> float:
    return datetime(y, m, d, hour, tzinfo=TZ).timestamp()


def rows_as_text() -> str:
    """Every column of every message row and conversation row, as one string."""
    out = []
    for table in (Conversation.__table__, Message.__table__):
        for row in db.session.execute(sa.select(table)):
            out += [bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v)
                    for v in row]
    return "\n".join(out)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_write_read_answer_and_read_again(app, ctx, clock, make_staff):
    anna = make_staff("anna")
    with ctx():
        conv, code = msg.write_new(db.session, clock(), "Eerste bericht", "nl", "18_25", "x")
        assert (conv.state, conv.language, conv.age_band, conv.gender) == (
            "open", "nl", "18_25", "x")
        clock.advance(3600)
        found = msg.open_with_code(db.session, code.lower().replace("-", " "), clock())
        assert found is not None and found.id == conv.id
        msg.add_staff_answer(db.session, found, anna.id, "Het antwoord", clock())
        assert (found.state, found.staff_id) == ("answered", anna.id)
        clock.advance(3600)
        msg.add_writer_message(db.session, found, "Nog een vraag", clock())
        assert found.state == "open"
        entries = msg.read(db.session, msg.open_with_code(db.session, code, clock()))
        assert [(e.author, e.text) for e in entries] == [
            ("writer", "Eerste bericht"), ("staff", "Het antwoord"), ("writer", "Nog een vraag")]
        assert entries[0].at < entries[1].at < entries[2].at


def test_a_wrong_an_unknown_and_an_ended_code_get_the_same_answer(app, ctx, clock):
    with ctx():
        conv, code = msg.write_new(db.session, clock(), "Hallo", "nl")
        ended, ended_code = msg.write_new(db.session, clock(), "Weg", "fr")
        msg.end_by_writer(db.session, ended, clock())
        one_off = code[:-1] + ("0" if code[-1] != "0" else "1")  # one character wrong
        answers = [msg.open_with_code(db.session, typed, clock())
                   for typed in (one_off, codes.new_code(), ended_code, "nonsense", None, "")]
        assert answers == [None] * 6
        assert msg.open_with_code(db.session, code, clock()).id == conv.id


def test_no_text_and_no_code_in_any_column(app, ctx, clock, make_staff):
    anna = make_staff("anna")
    with ctx():
        conv, code = msg.write_new(db.session, clock(), SENTINEL, "nl")
        msg.add_staff_answer(db.session, conv, anna.id, "staff " + SENTINEL, clock())
        msg.add_writer_message(db.session, conv, SENTINEL.upper(), clock())
        stored = rows_as_text()
        assert count(Message) == 3
        assert "zebra" not in stored.lower() and "zorgen" not in stored.lower()
        assert code not in stored and code.replace("-", "") not in stored
        assert SENTINEL in [e.text for e in msg.read(db.session, conv)]  # it is all there


def test_ending_deletes_text_key_and_code_at_once_and_keeps_a_stub(app, ctx, clock):
    with ctx():
        conv, code = msg.write_new(db.session, clock(), SENTINEL, "en", "26_35", "woman")
        msg.end_by_writer(db.session, conv, clock())
        assert count(Message) == 0
        assert (conv.state, conv.code_hash, conv.wrapped_key, conv.key_epoch) == (
            "ended", None, None, None)
        assert (conv.language, conv.age_band, conv.gender) == ("en", "26_35", "woman")
        assert msg.read(db.session, conv) == []
        assert msg.open_with_code(db.session, code, clock()) is None
        with pytest.raises(errors.NotLive):
            msg.add_writer_message(db.session, conv, "again", clock())
        msg.forget(db.session, conv)
        assert count(Conversation) == 0


def test_retention_expires_after_n_days_without_activity(app, ctx, clock):
    app.config["MESSAGE_RETENTION_DAYS"] = 30
    with ctx():
        quiet, quiet_code = msg.write_new(db.session, clock(), "stil", "nl")
        busy, busy_code = msg.write_new(db.session, clock(), "druk", "nl")
        clock.advance(20 * DAY)
        msg.add_writer_message(db.session, busy, "nog iets", clock())
        clock.advance(10 * DAY - 60)
        assert msg.expire_due(db.session, clock()) == {"expired": 0, "stubs_deleted": 0}
        clock.advance(120)  # 30 days and a minute after the quiet one's last message
        assert msg.open_with_code(db.session, quiet_code, clock()) is None  # even before the job
        assert msg.expire_due(db.session, clock()) == {"expired": 1, "stubs_deleted": 0}
        db.session.refresh(quiet)
        assert (quiet.state, quiet.wrapped_key) == ("expired", None)
        assert [e.text for e in msg.read(db.session, busy)] == ["druk", "nog iets"]
        assert count(Message) == 2
        clock.advance(30 * DAY + 60)  # the stub goes a retention period after it ended
        assert msg.expire_due(db.session, clock()) == {"expired": 1, "stubs_deleted": 1}
        assert msg.open_with_code(db.session, busy_code, clock()) is None


def test_the_daily_retention_job_expires_messages_and_logs_counts_only(app, ctx, clock, caplog):
    caplog.set_level(logging.INFO, "helpline.retention")
    with ctx():
        clock.advance(-31 * DAY)  # written 31 days ago; the job runs on the wall clock
        msg.write_new(db.session, clock(), SENTINEL, "nl")
        clock.advance(31 * DAY)
        done = retention.daily_purge(date.today().isoformat())
        assert (done["messages_expired"], done["message_stubs"]) == (1, 0)
        assert count(Message) == 0
    assert "1 messages_expired" in caplog.text
    assert SENTINEL not in caplog.text


def test_limits_on_texts(app, ctx, clock):
    app.config["MESSAGE_MAX_CHARS"] = 50
    with ctx():
        conv, _ = msg.write_new(db.session, clock(), "x" * 50, "nl")
        cases = {"   \n\t ": errors.Empty, "": errors.Empty, None: errors.Empty,
                 "x" * 51: errors.TooLong, "bel me\x07": errors.ControlCharacters,
                 "nul\x00": errors.ControlCharacters, "lone \ud800": errors.ControlCharacters,
                 "abc\u202edcba": errors.BidiControls, "iso\u2067late\u2069": errors.BidiControls}
        for text, refusal in cases.items():
            with pytest.raises(refusal) as refused:
                msg.add_writer_message(db.session, conv, text, clock())
            assert refused.value.code == refusal.code
            with pytest.raises(refusal):
                msg.write_new(db.session, clock(), text, "nl")
        assert count(Message) == 1 and count(Conversation) == 1
        # lines, tabs and right-to-left letters are fine; outer white space is trimmed
        entry = msg.add_writer_message(db.session, conv, "  a\r\nb\tc مرحبا  ", clock())
        assert entry.text == "a\nb\tc مرحبا"


def test_profile_choices_are_checked(app, ctx, clock):
    with ctx():
        for lang, age, gender in (("de", None, None), ("", None, None),
                                  ("nl", "17", None), ("nl", None, "alien")):
            with pytest.raises(errors.BadProfile):
                msg.write_new(db.session, clock(), "hallo", lang, age, gender)
        conv, _ = msg.write_new(db.session, clock(), "hallo", "fr", "", "")
        assert (conv.age_band, conv.gender) == (None, None)


def test_messages_per_conversation_are_bounded_per_side(app, ctx, clock, make_staff):
    anna = make_staff("anna")
    app.config["MESSAGE_MAX_PER_CONVERSATION"] = 3
    with ctx():
        conv, _ = msg.write_new(db.session, clock(), "1", "nl")
        msg.add_writer_message(db.session, conv, "2", clock())
        msg.add_writer_message(db.session, conv, "3", clock())
        with pytest.raises(errors.ConversationFull) as refused:
            msg.add_writer_message(db.session, conv, "4", clock())
        assert refused.value.code == "conversation_full"
        msg.add_staff_answer(db.session, conv, anna.id, "the writer's count is not ours",
                             clock())
        assert count(Message) == 4


def test_open_conversations_are_bounded_helpline_wide(app, ctx, clock):
    app.config["MESSAGE_MAX_OPEN"] = 2
    with ctx():
        first, _ = msg.write_new(db.session, clock(), "a", "nl")
        msg.write_new(db.session, clock(), "b", "nl")
        with pytest.raises(errors.HelplineFull) as refused:
            msg.write_new(db.session, clock(), "c", "nl")
        assert refused.value.code == "helpline_full"
        msg.end_by_writer(db.session, first, clock())  # an ended one no longer counts
        msg.write_new(db.session, clock(), "c", "nl")
        assert msg.open_count(db.session) == 2


def test_one_therapist_takes_a_conversation(app, ctx, clock, make_staff):
    anna, ben = make_staff("anna"), make_staff("ben")
    with ctx():
        conv, _ = msg.write_new(db.session, clock(), "hallo", "nl")
        msg.take(db.session, conv, anna.id, clock())
        msg.take(db.session, conv, anna.id, clock())  # again: harmless
        with pytest.raises(errors.TakenByOther):
            msg.take(db.session, conv, ben.id, clock())
        with pytest.raises(errors.TakenByOther):
            msg.add_staff_answer(db.session, conv, ben.id, "ik ook", clock())
        assert conv.staff_id == anna.id and count(Message) == 1


def test_key_files_are_owner_only_and_outside_the_database(app, ctx, clock):
    with ctx():
        conv, _ = msg.write_new(db.session, clock(), "hallo", "nl")
        folder = keys.directory(app.config)
        files = list(folder.iterdir())
        assert [f.name for f in files] == [f"{conv.key_epoch}.key"]
        assert files[0].stat().st_mode & 0o777 == 0o600
        assert folder.stat().st_mode & 0o777 == 0o700
        assert files[0].read_bytes() not in rows_as_text().encode("latin-1")


# ---------- the promised answer day ----------

def phone() -> list[OpeningSlot]:
    """The phone's weekly sessions: Tue, Wed, Fri (and no other channel)."""
    return [OpeningSlot(channel="phone", weekday=w, starts=time(s), ends=time(e))
            for w, s, e in ((1, 15, 19), (2, 9, 12), (4, 12, 15))]


def test_the_promise_counts_working_days_across_a_weekend(app, ctx, clock):
    with ctx():
        db.session.add_all(phone())
        db.session.commit()
        # Thursday 7 January 2027: Fri 8 (1), Tue 12 (2), Wed 13 (3)
        conv, _ = msg.write_new(db.session, local(2027, 1, 7), "hallo", "nl")
        assert conv.answer_due == date(2027, 1, 13)
        # late on Friday, local time (already Saturday in no zone): Tue, Wed, Fri
        conv, _ = msg.write_new(db.session, local(2027, 1, 8, 23), "hallo", "nl")
        assert conv.answer_due == date(2027, 1, 15)


def test_a_holiday_is_no_working_day_and_an_extra_session_is_one(app, ctx, clock):
    with ctx():
        db.session.add_all(phone())
        db.session.add(OpeningException(channel="phone", day=date(2027, 1, 12), kind="closed"))
        db.session.add(OpeningException(channel="chat", day=date(2027, 1, 16), kind="extra",
                                        starts=time(10), ends=time(12)))
        db.session.commit()
        # Thursday 7: Fri 8 (1), Tue 12 closed, Wed 13 (2), Fri 15 (3), Sat 16 extra chat (4)
        app.config["MESSAGE_ANSWER_WORKING_DAYS"] = 4
        conv, _ = msg.write_new(db.session, local(2027, 1, 7), "hallo", "nl")
        assert conv.answer_due == date(2027, 1, 16)
        app.config["MESSAGE_ANSWER_WORKING_DAYS"] = 1
        conv, _ = msg.write_new(db.session, local(2027, 1, 11), "hallo", "nl")  # Monday
        assert conv.answer_due == date(2027, 1, 13)


def test_writing_again_after_an_answer_sets_a_new_promise(app, ctx, clock, make_staff):
    anna = make_staff("anna")
    with ctx():
        db.session.add_all(phone())
        db.session.commit()
        conv, _ = msg.write_new(db.session, local(2027, 1, 7), "hallo", "nl")
        msg.add_staff_answer(db.session, conv, anna.id, "dag", local(2027, 1, 8))
        msg.add_writer_message(db.session, conv, "nog iets", local(2027, 1, 12, 20))
        assert (conv.state, conv.answer_due) == ("open", date(2027, 1, 19))


def test_without_any_opening_hours_the_promise_is_calendar_days(app, ctx, clock):
    with ctx():
        conv, _ = msg.write_new(db.session, local(2027, 1, 7), "hallo", "nl")
        assert conv.answer_due == date(2027, 1, 10)
