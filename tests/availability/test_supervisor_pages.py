"""The supervisor pages: opening hours editing, the missed-chats report, CSV, access."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from helpline.availability import missed
from helpline.availability.models import MissedContact, OpeningException, OpeningSlot
from helpline.availability.schedule import zone
from helpline.extensions import db
from tests.conftest import sign_in

TZ = zone("Europe/Brussels")


def signed_in(app, make_staff, role="supervisor"):
    staff = make_staff("sup" if role == "supervisor" else "ther", role=role)
    http = app.test_client()
    response = sign_in(http, staff.username)
    assert response.status_code == 302
    return http


@pytest.fixture
def sup(app, make_staff):
    return signed_in(app, make_staff)


@pytest.mark.parametrize("path", ["/staff/hours", "/staff/missed", "/staff/missed.csv"])
def test_supervisor_only(app, make_staff, path):
    therapist = signed_in(app, make_staff, role="therapist")
    assert therapist.get(path).status_code == 403
    assert therapist.post("/staff/hours", data={"action": "add_slot"}).status_code == 403
    anonymous = app.test_client().get(path)
    assert anonymous.status_code == 302 and "/staff/login" in anonymous.headers["Location"]


def test_pages_follow_the_csp(sup):
    for path in ("/staff/hours", "/staff/missed"):
        response = sup.get(path)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert " style=" not in html and "<style" not in html and "<script" not in html
        assert "/static/css/supervisor.css" in html


def add(http, **fields):
    action = fields.pop("action")
    prefix = "slot" if action == "add_slot" else "exc"
    return http.post("/staff/hours", data={"action": action,
                                           **{f"{prefix}-{k}": v for k, v in fields.items()}})


def slots(app):
    with app.app_context():
        return [(s.channel, s.weekday, s.starts, s.ends) for s in db.session.scalars(
            select(OpeningSlot).order_by(OpeningSlot.id))]


def test_add_and_remove_weekly_sessions(app, sup):
    response = add(sup, action="add_slot", channel="chat", weekday="3", starts="19:00",
                   ends="21:30")
    assert response.status_code == 302
    response = add(sup, action="add_slot", channel="chat", weekday="5", starts="22:00",
                   ends="24:00")
    assert response.status_code == 302
    assert slots(app) == [("chat", 3, time(19), time(21, 30)), ("chat", 5, time(22), time(0))]
    page = sup.get("/staff/hours").get_data(as_text=True)
    assert "Thu 19:00–21:30; Sat 22:00–24:00" in page
    assert "Added: Chat, Saturday 22:00–24:00." in page  # the flash after the redirect
    with app.app_context():
        first = db.session.scalar(select(OpeningSlot.id).where(OpeningSlot.weekday == 3))
    assert sup.post("/staff/hours", data={"action": "delete_slot", "del-item": first}
                    ).status_code == 302
    assert slots(app) == [("chat", 5, time(22), time(0))]


@pytest.mark.parametrize(("fields", "message"), [
    ({"starts": "21:00", "ends": "19:00"}, "The end must be after the start"),
    ({"starts": "9:00", "ends": "12:00"}, "Use HH:MM"),
    ({"starts": "", "ends": "12:00"}, "Give a time as HH:MM."),
    ({"starts": "24:00", "ends": "24:00"}, "Use a time between 00:00 and 23:59."),
    ({"starts": "10:00", "ends": "25:00"}, "Use a time between 00:00 and 23:59 or 24:00."),
    ({"starts": "20:00", "ends": "22:00"}, "This overlaps the session 19:00–21:30"),
])
def test_weekly_session_validation(app, sup, fields, message):
    assert add(sup, action="add_slot", channel="chat", weekday="3", starts="19:00",
               ends="21:30").status_code == 302
    response = add(sup, action="add_slot", channel="chat", weekday="3", **fields)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert "Nothing was saved" in html and 'aria-invalid="true"' in html
    assert len(slots(app)) == 1


def test_unknown_channel_or_day_is_refused(app, sup):
    assert add(sup, action="add_slot", channel="fax", weekday="3", starts="19:00",
               ends="20:00").status_code == 400
    assert add(sup, action="add_slot", channel="chat", weekday="9", starts="19:00",
               ends="20:00").status_code == 400
    assert sup.post("/staff/hours", data={"action": "nonsense"}).status_code == 400
    assert slots(app) == []


def test_exceptions(app, sup):
    day = (date.today() + timedelta(days=10)).isoformat()
    assert add(sup, action="add_exception", channel="chat", day=day, kind="closed",
               starts="", ends="", note="Team training").status_code == 302
    assert add(sup, action="add_exception", channel="phone", day=day, kind="extra",
               starts="10:00", ends="12:00").status_code == 302
    page = sup.get("/staff/hours").get_data(as_text=True)
    assert "Team training" in page and "the whole day" in page and "10:00–12:00" in page
    bad = add(sup, action="add_exception", channel="chat", day=day, kind="extra",
              starts="", ends="")
    assert bad.status_code == 400 and "Give a time as HH:MM." in bad.get_data(as_text=True)
    bad = add(sup, action="add_exception", channel="chat", day="26/11/2026", kind="closed")
    assert bad.status_code == 400 and "Give the date as YYYY-MM-DD." in bad.get_data(as_text=True)
    bad = add(sup, action="add_exception", channel="chat", day=day, kind="closed",
              note="x" * 201)
    assert bad.status_code == 400
    with app.app_context():
        rows = db.session.execute(select(OpeningException.channel, OpeningException.kind,
                                         OpeningException.starts, OpeningException.note)).all()
        first = db.session.scalar(select(OpeningException.id).order_by(OpeningException.id))
    assert sorted(rows) == [("chat", "closed", None, "Team training"),
                            ("phone", "extra", time(10), "")]
    assert sup.post("/staff/hours", data={"action": "delete_exception", "del-item": first}
                    ).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(OpeningException.channel)) == "phone"


def seed_missed(app):
    """A known pattern: Brussels local times (winter, UTC+1)."""
    entries = [
        (datetime(2026, 11, 19, 18, 20), "closed", None),      # Thu 18:xx x3
        (datetime(2026, 11, 19, 18, 40), "closed", None),
        (datetime(2026, 11, 12, 18, 5), "closed", None),
        (datetime(2026, 11, 18, 20, 15), "closed", None),      # Wed 20:xx x2
        (datetime(2026, 11, 11, 20, 59), "closed", None),
        (datetime(2026, 11, 19, 19, 30), "left_unanswered", 120),  # Thu 19:xx, chat hours
        (datetime(2026, 11, 19, 20, 10), "dropped_waiting", 60),
        (datetime(2026, 11, 19, 19, 5), "nobody_on_duty", None),
        (datetime(2026, 11, 16, 9, 0), "at_capacity", None),   # Mon 09:xx
        (datetime(2026, 10, 1, 12, 0), "closed", None),        # outside the period
    ]
    with app.app_context():
        db.session.add(OpeningSlot(channel="chat", weekday=3, starts=time(19),
                                   ends=time(21, 30)))
        db.session.commit()
        for moment, reason, wait in entries:
            missed.record(db.session, reason, moment.replace(tzinfo=TZ), wait)


PERIOD = "from=2026-11-09&to=2026-11-22"


def cell(html, weekday, hour):
    match = re.search(rf'data-weekday="{weekday}" data-hour="{hour}" data-count="(\d+)"', html)
    return int(match.group(1))


def test_missed_page_report_and_heatmap(app, sup):
    seed_missed(app)
    response = sup.get(f"/staff/missed?{PERIOD}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "November 9, 2026 to November 22, 2026: 9 missed" in html
    assert '<div data-reason="closed"><dt>Arrived while closed</dt><dd>5</dd>' in html
    # heatmap cells, local time: Thursday = 3, Wednesday = 2, Monday = 0
    assert html.count('<g class="cell"') == 7 * 24
    assert cell(html, 3, 18) == 3 and cell(html, 2, 20) == 2 and cell(html, 0, 9) == 1
    assert cell(html, 3, 19) == 2 and cell(html, 3, 20) == 1 and cell(html, 4, 18) == 0
    assert 'data-weekday="3" data-hour="19" data-count="2" data-chat-hours="1"' in html
    assert sum(int(n) for n in re.findall(r'data-count="(\d+)"', html)) == 9
    # the answer: the busiest hours outside the current chat hours
    answer = re.search(r'<p class="lead" id="answer">(.*?)</p>', html, re.S).group(1)
    assert answer.startswith("Extra opening hours would catch most missed chatters on "
                             "Thursday 18:00–19:00 (3), Wednesday 20:00–21:00 (2) and "
                             "Monday 09:00–10:00 (1)")
    assert "of the 6 who came outside the current chat hours, 6 came then" in answer
    # average wait before leaving: (120 + 60) / 2
    assert "Average wait before leaving the line: 1 min 30 s." in html
    # per ISO week
    w46 = re.search(r'<tr data-week="2026-W46">(.*?)</tr>', html, re.S).group(1)
    w47 = re.search(r'<tr data-week="2026-W47">(.*?)</tr>', html, re.S).group(1)
    # (the last reason before the total: anonymous messages unanswered past the promise)
    assert re.findall(r"<td[^>]*>(\d+)</td>", w46) == ["2", "0", "0", "0", "0", "0", "2"]
    assert re.findall(r"<td[^>]*>(\d+)</td>", w47) == ["3", "1", "1", "1", "1", "0", "7"]


def test_missed_page_without_data_and_with_bad_dates(app, sup):
    html = sup.get("/staff/missed").get_data(as_text=True)
    assert "No missed chatters were recorded in this period." in html
    assert html.count('data-count="0"') == 7 * 24
    bad = sup.get("/staff/missed?from=2026-11-30&to=2026-11-01")
    assert bad.status_code == 400
    assert "The first day must not be after the last day." in bad.get_data(as_text=True)
    assert sup.get("/staff/missed?from=yesterday").status_code == 400
    assert sup.get("/staff/missed.csv?from=2020-01-01&to=2026-01-01").status_code == 400


def test_missed_csv(app, sup):
    seed_missed(app)
    response = sup.get(f"/staff/missed.csv?{PERIOD}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "missed-chats-2026-11-09-to-2026-11-22.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["Hour (local time)", "Reason", "Wait (seconds)"]
    assert len(rows) == 10
    assert rows[1] == ["2026-11-11T20:00+01:00", "closed", ""]
    assert ["2026-11-19T19:00+01:00", "left_unanswered", "120"] in rows
    assert all(len(row) == 3 for row in rows)


def test_report_groups_in_local_time_across_dst(app, ctx):
    """A contact at 00:30 local on the DST Sunday lands in Sunday 00:00, not Saturday."""
    with ctx():
        missed.record(db.session, "closed", datetime(2026, 3, 29, 0, 30, tzinfo=TZ))
        missed.record(db.session, "closed", datetime(2026, 3, 29, 3, 30, tzinfo=TZ))  # CEST
        report = missed.report(db.session, missed.Period(date(2026, 3, 23), date(2026, 3, 29),
                                                         TZ), [])
        rows = db.session.scalars(select(MissedContact.hour)).all()
    assert report.matrix[6][0] == 1 and report.matrix[6][3] == 1
    assert sorted(rows) == [datetime(2026, 3, 28, 23), datetime(2026, 3, 29, 1)]
    assert report.weeks[0].label == "2026-W13" and report.weeks[0].total == 2
    assert all(h.tzinfo is None for h in rows)
    assert datetime(2026, 3, 29, 1, tzinfo=UTC).astimezone(TZ).hour == 3
