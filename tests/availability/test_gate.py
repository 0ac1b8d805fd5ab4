"""The gate on new chats (real Redis and SQL), the first-run defaults, the ledger rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from helpline.availability import defaults, gate, missed
from helpline.availability.models import MissedContact, OpeningException, OpeningSlot
from helpline.chat import store
from helpline.extensions import db
from helpline.queue import assignment
from helpline.realtime.protocol import ProtocolError
from helpline.settings import ROOT

TZ = gate.ZoneInfo("Europe/Brussels")
THURSDAY_20 = datetime(2026, 11, 19, 20, 0, tzinfo=TZ)  # inside Thu 19:00-21:30


@pytest.fixture
def gated(app):
    """The gate switched on, with the default hours (chat Thursday 19:00-21:30)."""
    app.config.update(CHAT_ALWAYS_OPEN=False, MAX_LINE_LENGTH=15,
                      CHAT_STOP_NEW_MINUTES_BEFORE_CLOSE=15)
    with app.app_context():
        assert defaults.seed_if_empty(db.session, ROOT / "config" / "hours.toml")
    return app


def check(app, r, at, counted=False):
    with app.app_context():
        gate.check_new_chat(r, db.session, at, counted=counted)


def refused(app, r, at, counted=False) -> ProtocolError:
    with pytest.raises(ProtocolError) as info:
        check(app, r, at, counted)
    return info.value


def rows(app):
    with app.app_context():
        return [(m.hour, m.reason, m.wait_seconds)
                for m in db.session.scalars(select(MissedContact).order_by(MissedContact.id))]


def on_duty(r, staff_id="1"):
    assignment.go_on_duty(r, staff_id, "Anna", 1, 0.0)


def test_closed_outside_hours_says_when_it_opens(gated, r):
    on_duty(r)
    err = refused(gated, r, datetime(2026, 11, 20, 10, tzinfo=TZ))  # Friday morning
    assert err.code == "closed"
    body = err.payload("start")
    assert body["ok"] is False and body["code"] == "closed" and body["event"] == "start"
    assert body["next_opening"] == "2026-11-26T19:00:00+01:00"
    assert datetime.fromisoformat(body["next_opening"]).utcoffset().total_seconds() == 3600
    assert body["time_zone"] == "Europe/Brussels"
    assert body["chat_hours"] == "Thursday 19:00–21:30"  # whole names for chatters
    assert body["self_help_url"] == gated.config["SELF_HELP_URL"]
    channels = {c["channel"]: c for c in body["channels"]}
    assert set(channels) == {"phone", "email"}
    assert channels["phone"] == {
        "channel": "phone", "label": "Phone", "contact": gated.config["HELPLINE_PHONE"],
        "hours": "Tuesday 15:00–19:00; Wednesday 09:30–12:30; Friday 12:00–15:00",
        "open_now": False}
    assert channels["email"]["contact"] == gated.config["HELPLINE_EMAIL"]
    assert channels["email"]["hours"] == "Every day, 24 hours" and channels["email"]["open_now"]
    assert rows(gated) == [(datetime(2026, 11, 20, 9), "closed", None)]


def test_open_with_someone_on_duty_lets_the_chatter_in(gated, r):
    on_duty(r)
    check(gated, r, THURSDAY_20)
    assert rows(gated) == []


def test_stops_taking_new_chatters_before_closing(gated, r):
    on_duty(r)
    check(gated, r, datetime(2026, 11, 19, 21, 14, tzinfo=TZ))
    err = refused(gated, r, datetime(2026, 11, 19, 21, 15, tzinfo=TZ))
    assert err.code == "closed"
    assert err.payload()["next_opening"] == "2026-11-26T19:00:00+01:00"
    gated.config["CHAT_STOP_NEW_MINUTES_BEFORE_CLOSE"] = 0
    check(gated, r, datetime(2026, 11, 19, 21, 29, tzinfo=TZ))


def test_nobody_on_duty_during_opening_hours(gated, r):
    err = refused(gated, r, THURSDAY_20)
    assert err.code == "nobody_on_duty"
    assert err.payload()["channels"]
    assert rows(gated) == [(datetime(2026, 11, 19, 19), "nobody_on_duty", None)]


def test_at_capacity_when_the_line_is_full(gated, r):
    on_duty(r)
    gated.config["MAX_LINE_LENGTH"] = 2
    for _ in range(2):
        store.create_chat(r, None, None, "en", 0.0, 60)
    err = refused(gated, r, THURSDAY_20)
    assert err.code == "at_capacity" and "channels" in err.payload()
    gated.config["MAX_LINE_LENGTH"] = 0  # no limit
    check(gated, r, THURSDAY_20)
    assert [reason for _, reason, _ in rows(gated)] == ["at_capacity"]


def test_always_open_skips_hours_and_duty_but_not_the_line_limit(gated, r):
    gated.config.update(CHAT_ALWAYS_OPEN=True, MAX_LINE_LENGTH=1)
    check(gated, r, datetime(2026, 11, 20, 3, tzinfo=TZ))  # closed, nobody on duty
    store.create_chat(r, None, None, "en", 0.0, 60)
    assert refused(gated, r, datetime(2026, 11, 20, 3, tzinfo=TZ)).code == "at_capacity"


def test_a_counted_tab_is_not_counted_again(gated, r):
    friday = datetime(2026, 11, 20, 10, tzinfo=TZ)
    refused(gated, r, friday)
    err = refused(gated, r, friday, counted=True)
    assert err.code == "closed" and err.payload()["counted"] is True
    refused(gated, r, THURSDAY_20, counted=True)  # nobody on duty, still the same tab
    assert len(rows(gated)) == 1


def test_exceptions_apply_to_the_gate(gated, r, ctx):
    on_duty(r)
    with ctx():
        db.session.add(OpeningException(channel="chat", day=date(2026, 11, 19), kind="closed",
                                        note="training"))
        db.session.add(OpeningException(channel="chat", day=date(2026, 11, 21), kind="extra",
                                        starts=time(10), ends=time(12)))
        db.session.commit()
    err = refused(gated, r, THURSDAY_20)
    assert err.code == "closed"
    assert err.payload()["next_opening"] == "2026-11-21T10:00:00+01:00"
    check(gated, r, datetime(2026, 11, 21, 11, tzinfo=TZ))


def test_ledger_rows_hold_only_hour_reason_and_wait(app, ctx):
    columns = {c.name for c in MissedContact.__table__.columns}
    assert columns == {"id", "hour", "reason", "wait_seconds"}
    with ctx():
        row = missed.record(db.session, "left_unanswered",
                            datetime(2026, 11, 19, 19, 42, 13, tzinfo=UTC), 93.6)
        assert (row.hour, row.reason, row.wait_seconds) == (
            datetime(2026, 11, 19, 19), "left_unanswered", 94)
        missed.record(db.session, "closed", 1_700_000_000.5)  # Unix seconds work too
        assert db.session.scalar(select(func.min(MissedContact.hour))) == datetime(2023, 11, 14, 22)
        with pytest.raises(ValueError):
            missed.record(db.session, "bored", 0.0)


def test_seed_defaults_once(app, ctx):
    path = ROOT / "config" / "hours.toml"
    with ctx():
        assert defaults.seed_if_empty(db.session, path)
        assert not defaults.seed_if_empty(db.session, path)
        slots = db.session.execute(select(OpeningSlot.channel, OpeningSlot.weekday,
                                          OpeningSlot.starts, OpeningSlot.ends)).all()
    phone = sorted((w, s, e) for c, w, s, e in slots if c == "phone")
    assert phone == [(1, time(15), time(19)), (2, time(9, 30), time(12, 30)),
                     (4, time(12), time(15))]
    assert [(w, s, e) for c, w, s, e in slots if c == "chat"] == [(3, time(19), time(21, 30))]
    assert sorted(w for c, w, s, e in slots if c == "email") == list(range(7))
    assert {(s, e) for c, w, s, e in slots if c == "email"} == {(time(0), time(0))}


def test_seed_is_skipped_when_supervisors_set_hours(app, ctx):
    with ctx():
        db.session.add(OpeningException(channel="chat", day=date(2026, 12, 25), kind="closed"))
        db.session.commit()
        assert not defaults.seed_if_empty(db.session, ROOT / "config" / "hours.toml")
        assert db.session.scalar(select(func.count()).select_from(OpeningSlot)) == 0


@pytest.mark.parametrize("text", [
    '[[chat]]\nday = "thu"\nstarts = "21:00"\nends = "19:00"\n',
    '[[chat]]\nday = "someday"\nstarts = "19:00"\nends = "21:00"\n',
    '[[chat]]\nday = "thu"\nstarts = "19:00"\n',
    '[[fax]]\nday = "thu"\nstarts = "19:00"\nends = "21:00"\n',
])
def test_a_bad_defaults_file_says_where(tmp_path, text):
    path = tmp_path / "hours.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match="hours.toml"):
        defaults.load_defaults(path)


def test_tables_hold_no_identifier(app):
    """The three tables have no column that could hold an address, agent, token or id."""
    inspector_cols = {t: {c.name for c in db.metadata.tables[t].columns}
                      for t in ("opening_slots", "opening_exceptions", "missed_contacts")}
    flat = " ".join(" ".join(c) for c in inspector_cols.values())
    for word in ("ip", "agent", "token", "chat_id", "session", "address", "cookie"):
        assert word not in flat.split()
    assert isinstance(db.metadata.tables["missed_contacts"].c.hour.type, sa.DateTime)


def test_nobody_on_duty_says_until_when_today_even_in_an_extra_session(gated, r, ctx):
    err = refused(gated, r, THURSDAY_20)
    assert err.payload()["open_until"] == "2026-11-19T21:30:00+01:00"
    with ctx():
        db.session.add(OpeningException(channel="chat", day=date(2026, 11, 21), kind="extra",
                                        starts=time(10), ends=time(12)))
        db.session.commit()
    err = refused(gated, r, datetime(2026, 11, 21, 11, tzinfo=TZ))  # Saturday, extra session
    assert err.code == "nobody_on_duty"
    assert err.payload()["open_until"] == "2026-11-21T12:00:00+01:00"
    closed = refused(gated, r, datetime(2026, 11, 20, 10, tzinfo=TZ), counted=True)
    assert closed.payload()["open_until"] is None


def test_intro_opening_open_or_closed_with_the_next_opening(gated):
    with gated.app_context():
        assert gate.intro_opening(db.session, THURSDAY_20) == {"open": True, "next": None}
        closed = gate.intro_opening(db.session, datetime(2026, 11, 20, 10, tzinfo=TZ))
    assert closed["open"] is False
    assert closed["next"].isoformat() == "2026-11-26T19:00:00+01:00"
