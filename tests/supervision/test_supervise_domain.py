"""The supervision functions without a server: overview parts, today's counters, triage,
monitor, whisper, join, the risk flag, and the audit API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from helpline import audit
from helpline.availability import missed
from helpline.chat import store
from helpline.extensions import db
from helpline.queue import assignment, broadcast, keys, line
from helpline.realtime.protocol import ProtocolError
from helpline.records.models import Summary
from helpline.supervision import actions, overview

# Wednesday 2026-11-25 14:30 in Brussels (UTC+1).
NOW = datetime(2026, 11, 25, 13, 30, tzinfo=UTC).timestamp()


@pytest.fixture
def people(make_staff):
    return make_staff("anna", name="Anna"), make_staff("sara", role="supervisor", name="Sara")


def new_chat(r, at=NOW - 600, age=None, gender=None, lang="en"):
    chat_id, _ = store.create_chat(r, age, gender, lang, at, 3600)
    return chat_id


def on_duty(r, staff, capacity=2, at=NOW - 3600):
    assignment.go_on_duty(r, str(staff.id), staff.username.title(), capacity, at)


def rows(session):
    return [(e.actor_id, e.action, e.chat_ref, e.target_staff_id)
            for e in session.scalars(select(audit.AuditEvent).order_by(audit.AuditEvent.id))]


# ---------- audit ----------

def test_record_keeps_only_who_what_which_chat_and_when(ctx, people):
    anna, sara = people
    with ctx():
        row = audit.record(db.session, sara.id, "monitor", "abcdefgh12345678", anna.id)
        assert row.id and row.at.microsecond == 0 and row.at.tzinfo is None
        assert abs(row.at.replace(tzinfo=UTC) - datetime.now(UTC)) < timedelta(seconds=5)
        assert rows(db.session) == [(sara.id, "monitor", "abcdefgh12345678", anna.id)]
        [latest] = audit.latest(db.session)
        assert (latest["actor"], latest["action"], latest["target"]) == ("Sara", "monitor", "Anna")


@pytest.mark.parametrize("action, chat_ref", [
    ("read_everything", None), ("", None), ("monitor", "hello there, it's me"),
    ("monitor", "short"), ("monitor", 12345678),
])
def test_record_refuses_unknown_actions_and_anything_but_a_chat_id(ctx, people, action,
                                                                   chat_ref):
    with ctx(), pytest.raises(ValueError):
        audit.record(db.session, people[1].id, action, chat_ref)


def test_the_audit_table_has_no_column_for_text():
    columns = {c.name: type(c.type).__name__ for c in audit.AuditEvent.__table__.columns}
    assert columns == {"id": "Integer", "at": "DateTime", "actor_id": "Integer",
                       "action": "String", "chat_ref": "String", "target_staff_id": "Integer",
                       "registration_id": "Integer", "count": "Integer"}
    assert audit.AuditEvent.__table__.c.chat_ref.type.length == 64


# ---------- overview parts ----------

def test_waiting_rows_in_order_with_intake_and_language(ctx, r):
    first = new_chat(r, NOW - 300, "18_25", "woman", "nl")
    second = new_chat(r, NOW - 200)
    with ctx():
        got = broadcast.line_view(r)["waiting"]
    assert [w["chat_id"] for w in got] == [first, second]
    assert got[0] == {"chat_id": first, "position": 1, "waiting_since": NOW - 300,
                      "age_band": "18_25", "gender": "woman", "lang": "nl",
                      "handed_back": False}
    assert (got[1]["age_band"], got[1]["gender"], got[1]["position"]) == (None, None, 2)


def test_staff_see_only_the_first_places_of_a_long_line_and_its_length(app, ctx, r):
    ids = [new_chat(r, NOW - 300 + i) for i in range(5)]
    app.config["LINE_VIEW_LIMIT"] = 2
    with ctx():
        view = broadcast.line_view(r)
        pushed = overview.overview(r, db.session, NOW)
    assert [w["chat_id"] for w in view["waiting"]] == ids[:2]
    assert view["total"] == 5
    assert [w["chat_id"] for w in pushed["waiting"]] == ids[:2]
    assert pushed["waiting_total"] == 5


def test_staff_and_chat_rows(ctx, r, people):
    anna, sara = people
    on_duty(r, anna, capacity=3)
    cid = new_chat(r, NOW - 900)
    assignment.assign_waiting(r, NOW - 800)
    store.add_message(r, cid, "chatter", "hello", NOW - 700, 3600)
    with ctx():
        [staff] = overview.staff_rows(r, NOW)
        [chat] = overview.chat_rows(r, db.session)
    assert staff == {"staff_id": str(anna.id), "name": "Anna", "capacity": 3, "load": 1,
                     "idle_since": NOW - 800, "paused": False, "cooldown": 0}
    assert chat["chat_id"] == cid and chat["therapist"] == "Anna"
    assert chat["staff_id"] == str(anna.id) and chat["state"] == "active"
    assert (chat["created_at"], chat["assigned_at"]) == (NOW - 900, NOW - 800)
    assert chat["last_message_at"] == pytest.approx(NOW - 700)
    assert chat["risk"] is False and chat["colleagues"] == []
    # off duty, the chat stays held and stays in the overview
    assignment.go_off_duty(r, str(anna.id))
    with ctx():
        assert overview.staff_rows(r, NOW) == []
        assert [c["chat_id"] for c in overview.chat_rows(r, db.session)] == [cid]


def test_staff_rows_say_who_takes_no_new_chat_for_now(ctx, r, people):
    """A paused therapist, or one in a cool-down, has free places the line cannot use."""
    anna, sara = people
    on_duty(r, anna, capacity=2)
    on_duty(r, sara, capacity=2)
    assignment.set_paused(r, str(anna.id), True)
    assignment.start_cooldown(r, str(sara.id), NOW + 90.5)
    with ctx():
        rows = {row["name"]: row for row in overview.staff_rows(r, NOW)}
    assert (rows["Anna"]["paused"], rows["Anna"]["cooldown"]) == (True, 0)
    assert (rows["Sara"]["paused"], rows["Sara"]["cooldown"]) == (False, 91)


def test_today_counters_from_sql_and_live_chats(ctx, r, people):
    anna, _ = people
    today_hour = datetime(2026, 11, 25, 9, 0)  # UTC, naive as stored
    yesterday = datetime(2026, 11, 24, 12, 0)
    just_before_midnight = datetime(2026, 11, 24, 22, 0)  # 23:00 in Brussels: yesterday
    with ctx():
        for hour, wait, duration in ((today_hour, 60, 1200), (today_hour, 120, None),
                                     (yesterday, 999, 999), (just_before_midnight, 5, 5)):
            db.session.add(Summary(status="filed", contact_hour=hour, staff_id=anna.id,
                                   wait_seconds=wait, duration_seconds=duration, help_given=[]))
        db.session.add(Summary(channel="phone", contact_hour=today_hour, staff_id=anna.id,
                               help_given=[]))
        db.session.commit()
        missed.record(db.session, "closed", NOW - 3600)
        missed.record(db.session, "left_unanswered", NOW - 60, 90)
        missed.record(db.session, "left_unanswered", NOW - 86400, 90)  # yesterday
        live = [
            {"assigned_at": NOW - 100, "created_at": NOW - 400, "ended_at": None},
            {"assigned_at": NOW - 1000, "created_at": NOW - 1030, "ended_at": NOW - 40},
            {"assigned_at": NOW - 86400, "created_at": NOW - 86500, "ended_at": None},
            {"assigned_at": None, "created_at": NOW - 5, "ended_at": None},
        ]
        got = overview.today_counters(db.session, live, NOW)
    assert got["date"] == "2026-11-25"
    assert got["answered"] == 4  # two filed today, two live chats assigned today
    assert got["missed"] == {"closed": 1, "nobody_on_duty": 0, "left_unanswered": 1,
                             "dropped_waiting": 0, "at_capacity": 0}
    assert got["missed_total"] == 2
    assert got["average_wait_seconds"] == pytest.approx((60 + 120 + 300 + 30) / 4, abs=0.1)
    assert got["average_duration_seconds"] == pytest.approx((1200 + 960) / 2, abs=0.1)


def test_overview_is_free_of_text_and_tokens(ctx, r, people):
    anna, _ = people
    on_duty(r, anna)
    cid, token = store.create_chat(r, None, None, "en", NOW - 50, 3600)
    assignment.assign_waiting(r, NOW - 40)
    store.add_message(r, cid, "chatter", "my secret words", NOW - 30, 3600)
    new_chat(r)
    with ctx():
        picture = overview.overview(r, db.session, NOW)
    flat = repr(picture)
    assert "my secret words" not in flat and token not in flat
    assert store.hash_token(token) not in flat
    assert set(picture) == {"ok", "at", "open", "waiting", "waiting_total", "staff", "chats",
                            "today", "guard"}


def test_supervisor_sockets_are_counted(r):
    assert not overview.supervisors_connected(r)
    overview.supervisor_socket_opened(r, "sid-1")
    assert overview.supervisors_connected(r)
    overview.supervisor_socket_closed(r, "sid-1")
    assert not overview.supervisors_connected(r)


# ---------- acting on chats ----------

def test_triage_only_a_waiting_chat_and_recorded(ctx, r, people):
    anna, sara = people
    a, b, c = new_chat(r), new_chat(r), new_chat(r)
    with ctx():
        actions.triage(r, db.session, sara.id, c)
        assert line.waiting(r) == [c, a, b]
        actions.triage(r, db.session, sara.id, b)
        assert line.waiting(r) == [b, c, a]
        on_duty(r, anna, capacity=1)
        assignment.assign_waiting(r, NOW)
        with pytest.raises(ProtocolError) as err:
            actions.triage(r, db.session, sara.id, b)  # now active
        assert err.value.code == "not_waiting"
        with pytest.raises(ProtocolError) as err:
            actions.triage(r, db.session, sara.id, "nosuchchat000")
        assert err.value.code == "unknown_chat"
        assert rows(db.session) == [(sara.id, "triage", c, None), (sara.id, "triage", b, None)]


def test_monitor_records_before_showing(ctx, r, people):
    anna, sara = people
    on_duty(r, anna)
    cid = new_chat(r)
    assignment.assign_waiting(r, NOW)
    store.add_message(r, cid, "chatter", "hello", NOW, 3600)
    with ctx():
        view = actions.monitor(r, db.session, sara.id, cid)
        assert [m["text"] for m in view["messages"]] == ["hello"]
        assert view["therapist"] == "Anna" and view["staff_id"] == str(anna.id)
        assert rows(db.session) == [(sara.id, "monitor", cid, anna.id)]
        store.end_chat(r, cid, "chatter", "chatter_ended", NOW)
        with pytest.raises(ProtocolError) as err:
            actions.monitor(r, db.session, sara.id, cid)
        assert err.value.code == "chat_ended"
        assert len(rows(db.session)) == 1  # refused: nothing shown, nothing recorded


def test_whisper_never_touches_the_stream(ctx, r, people):
    anna, sara = people
    on_duty(r, anna)
    cid = new_chat(r)
    assignment.assign_waiting(r, NOW)
    with ctx():
        note = actions.whisper(r, db.session, sara.id, "Sara", cid, "a private hint", NOW)
    assert note["text"] == "a private hint" and note["from"] == "Sara"
    assert r.xlen(keys.messages(cid)) == 0
    assert "a private hint" not in repr(r.hgetall(keys.chat(cid)))


def test_join_then_colleague_messages(ctx, r, people):
    anna, sara = people
    on_duty(r, anna)
    cid = new_chat(r)
    assignment.assign_waiting(r, NOW)
    with ctx():
        with pytest.raises(ProtocolError) as err:
            actions.colleague_say(r, sara.id, "Sara", cid, "hi")
        assert err.value.code == "not_joined"
        with pytest.raises(ProtocolError):
            actions.join(r, db.session, anna.id, "Anna", cid)  # the holder herself
        view = actions.join(r, db.session, sara.id, "Sara", cid)
        assert view["colleagues"] == [{"staff_id": str(sara.id), "name": "Sara"}]
        msg = actions.colleague_say(r, sara.id, "Sara", cid, "hello from a colleague")
    assert (msg.sender, msg.name) == ("colleague", "Sara")
    assert [m.sender for m in store.messages_after(r, cid)] == ["colleague"]


def test_risk_flag_changes_once_and_is_recorded(ctx, r, people):
    anna, _ = people
    on_duty(r, anna)
    cid = new_chat(r)
    assignment.assign_waiting(r, NOW)
    with ctx():
        assert actions.set_risk(r, db.session, anna.id, "Anna", cid, True, NOW)
        assert not actions.set_risk(r, db.session, anna.id, "Anna", cid, True, NOW)
        assert r.hmget(keys.chat(cid), "risk", "risk_at") == ["1", str(NOW)]
        assert actions.set_risk(r, db.session, anna.id, "Anna", cid, False, NOW)
        assert rows(db.session) == [(anna.id, "risk_flag", cid, None),
                                    (anna.id, "risk_clear", cid, None)]
        store.end_chat(r, cid, "therapist", "therapist_ended", NOW)
        with pytest.raises(ProtocolError) as err:
            actions.set_risk(r, db.session, anna.id, "Anna", cid, True, NOW)
        assert err.value.code == "chat_ended"
        with pytest.raises(ProtocolError) as err:
            actions.set_risk(r, db.session, anna.id, "Anna", "gone00000000", True, NOW)
        assert err.value.code == "unknown_chat"
    assert not r.exists(keys.chat("gone00000000"))  # no stub left behind
