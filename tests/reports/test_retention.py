"""Retention: rows past their period are folded into month counts and purged; reports
"since the start" stay the same. The clock is moved by passing `now`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from helpline import audit, timers
from helpline.availability import missed
from helpline.availability.missed import Period
from helpline.availability.models import MissedContact
from helpline.extensions import db
from helpline.records import demo, retention
from helpline.records.models import Registration
from helpline.records.taxonomy import DEFAULT_TAXONOMY_PATH, load_taxonomy
from helpline.reports import report
from helpline.reports.models import MonthCount
from helpline.reports.periods import parse
from tests.conftest import run_jobs

TZ = ZoneInfo("Europe/Brussels")
TAXONOMY = load_taxonomy(DEFAULT_TAXONOMY_PATH)
ALL = Period(date(2017, 1, 1), date(2030, 12, 31), TZ)


def figures(period=ALL) -> dict:
    return {t.key: (t.rows, t.footer) for t in report.build(db.session, period, TAXONOMY)
            if t.key not in ("missed_weeks",)}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_since_the_start_survives_the_purge(app, ctx):
    with ctx():
        demo.fill(db.session, missed=False)
        before = figures()
        year_2019 = figures(Period(date(2019, 1, 1), date(2019, 12, 31), TZ))
        # two years after the end of 2020 (UTC): every row of 2017-2020 is past its period
        done = retention.purge(db.session, app.config, now=datetime(2022, 12, 31, 23))
        assert done["registrations"] == 315 + 447 + 281 + 460
        assert count(Registration) == 410
        assert count(MonthCount) > 0
        assert figures() == before
        assert figures(Period(date(2019, 1, 1), date(2019, 12, 31), TZ)) == year_2019
        # running again the same day changes nothing
        assert retention.purge(db.session, app.config,
                               now=datetime(2022, 12, 31, 23))["registrations"] == 0
        assert figures() == before


def test_a_partly_folded_month_adds_up(app, ctx):
    hours = [datetime(2024, 3, d, 10) for d in (1, 10, 20, 30)]
    with ctx():
        db.session.add_all([Registration(channel="phone", contact_hour=h, duration_seconds=600,
                                         help_given=["listening"]) for h in hours])
        db.session.commit()
        march = Period(date(2024, 3, 1), date(2024, 3, 31), TZ)
        before = figures(march)
        now = datetime(2024, 3, 15) + timedelta(days=730)
        assert retention.purge(db.session, app.config, now=now)["registrations"] == 2
        assert count(Registration) == 2
        assert figures(march) == before


def test_missed_contacts_and_audit_events_expire(app, ctx, make_staff):
    sara = make_staff("sara", "supervisor")
    with ctx():
        for hour in (datetime(2023, 1, 5, 10), datetime(2023, 1, 6, 10), datetime(2024, 6, 1)):
            missed.record(db.session, "closed", hour)
        old = audit.record(db.session, sara.id, "staff_create", target_staff_id=sara.id)
        old.at = datetime(2022, 1, 1)
        db.session.commit()
        audit.record(db.session, sara.id, "staff_create", target_staff_id=sara.id)
        answered = dict(figures(Period(date(2023, 1, 1), date(2023, 12, 31), TZ)))["answered"]
        done = retention.purge(db.session, app.config, now=datetime(2024, 3, 1))
        assert done == {"registrations": 0, "missed_contacts": 2, "audit_events": 1,
                        "follow_up_codes": 0, "messages_overdue": 0,
                        "message_stubs_unfiled": 0, "messages_expired": 0, "message_stubs": 0,
                        "message_keys_rewrapped": 0, "message_epochs_destroyed": 0}
        assert count(MissedContact) == 1 and count(audit.AuditEvent) == 1
        after = dict(figures(Period(date(2023, 1, 1), date(2023, 12, 31), TZ)))["answered"]
        assert after == answered  # the share answered still counts the folded misses


def test_settings_come_from_the_config(app):
    assert retention.settings(app.config) == {"REGISTRATION_RETENTION_DAYS": 730,
                                              "MISSED_RETENTION_DAYS": 365,
                                              "AUDIT_RETENTION_DAYS": 730}
    assert retention.settings({"MISSED_RETENTION_DAYS": 30})["MISSED_RETENTION_DAYS"] == 30


def test_next_run_is_three_in_the_night_local():
    tz = ZoneInfo("Europe/Brussels")
    assert retention.next_run(datetime(2026, 11, 30, 1, 0, tzinfo=UTC), tz) == datetime(
        2026, 11, 30, 2, 0, tzinfo=UTC)
    assert retention.next_run(datetime(2026, 11, 30, 2, 0, tzinfo=UTC), tz) == datetime(
        2026, 12, 1, 2, 0, tzinfo=UTC)
    assert retention.next_run(datetime(2026, 7, 1, 12, 0, tzinfo=UTC), tz) == datetime(
        2026, 7, 2, 1, 0, tzinfo=UTC)  # summer time


def test_the_daily_job_runs_on_the_worker_and_schedules_the_next(app, ctx, r):
    def planned():
        return [(t.timer_id, t.name, t.args) for t in timers.planned(r)]

    with ctx():
        db.session.add(Registration(channel="email", contact_hour=datetime(2001, 1, 1, 10),
                                    help_given=["advice"]))
        db.session.commit()
        first = retention.schedule_daily(datetime(2026, 11, 30, 12, tzinfo=UTC))
        assert first == "retention:2026-12-01"
        assert retention.schedule_daily(datetime(2026, 11, 30, 13, tzinfo=UTC)) == first
        assert planned() == [(first, "retention", ["2026-12-01"])]  # planned once
    run_jobs(app, include_scheduled=True)  # the clock moves past 03:00: the job runs
    with ctx():
        assert count(Registration) == 0 and count(MonthCount) > 0
    # and tomorrow's run is planned
    assert planned() == [("retention:2026-12-02", "retention", ["2026-12-02"])]


def test_since_the_start_period_reaches_folded_months(app, ctx):
    with ctx():
        db.session.add(MonthCount(month=date(2018, 5, 1), channel="phone", dimension="status",
                                  key="filed", count=3))
        db.session.commit()
        period, args = parse({"all": "1"}, TZ, date(2026, 11, 30),
                             report.queries.first_day(db.session, TZ))
        assert period.first == date(2018, 5, 1) and args == {"all": "1"}
        assert report.queries.tally(db.session, period).channels() == {"phone": 3}
