"""Demo data: the report run on it finds the helpline's published figures."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from helpline.availability.missed import Period
from helpline.extensions import db
from helpline.records import demo
from helpline.records.taxonomy import DEFAULT_TAXONOMY_PATH, load_taxonomy
from helpline.reports import report

TZ = ZoneInfo("Europe/Brussels")
TAXONOMY = load_taxonomy(DEFAULT_TAXONOMY_PATH)


@pytest.fixture
def filled(app, ctx):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["demo-data"])
    assert out.exit_code == 0, out.output
    assert "1913 registrations" in out.output
    again = runner.invoke(args=["demo-data"])
    assert again.exit_code != 0 and "empty" in again.output
    return app


def tables(ctx, first: date, last: date) -> dict:
    with ctx():
        return {t.key: t for t in report.build(db.session, Period(first, last, TZ), TAXONOMY)}


def test_the_report_finds_the_published_figures(filled, ctx):
    t = tables(ctx, date(2017, 1, 1), date(2021, 12, 31))
    channels = {row[0]: row[1] for row in t["channels"].rows}
    assert channels == {"E-mail": 893, "Phone": 814, "Chat": 206}
    per_year = {}
    for month, *counts in t["months"].rows:
        per_year[month[:4]] = per_year.get(month[:4], 0) + counts[-1]
    assert per_year == {"2017": 315, "2018": 447, "2019": 281, "2020": 460, "2021": 410}
    assert min(row[0] for row in t["months"].rows if row[1]) == "2019-06"  # chat since June
    refs = dict(t["referrals"].rows)
    assert refs["Referrals"] == 263
    assert refs["Started (share of referrals, %)"] == pytest.approx(80, abs=1)
    assert refs["Arrived at a treatment centre (reported by the centres)"] == 210
    follow = {row[0]: row[1] for row in t["follow_up"].rows}
    assert follow["Follow-up appointments made"] == 38
    assert follow["Contacted the helpline before: yes"] == 178
    assert follow["Said the contact was helpful"] == 797
    groups = {row[0]: row[2] for row in t["target_groups"].rows}
    assert groups["Concerned about oneself"] == pytest.approx(52, abs=4)
    assert groups["Concerned about a close one"] == pytest.approx(23, abs=2)
    assert groups["Professional concerned about someone"] == pytest.approx(8, abs=1)
    subs = {row[1]: row[2] for row in t["subcategories"].rows}
    # each subcategory within 5% (relative) of its published count, scaled to 1,913
    assert subs["Concerned about sexual feelings for minors"] == pytest.approx(506 * 1913 / 1999,
                                                                               rel=0.05)
    assert subs["Psychologist"] == pytest.approx(39 * 1913 / 1999, rel=0.05)
    phone = next(row for row in t["durations"].rows if row[0] == "Phone")
    chat = next(row for row in t["durations"].rows if row[0] == "Chat")
    assert phone[2] == pytest.approx(20, abs=1) and chat[2] > phone[2]
    missed = t["missed_weeks"].rows
    assert sum(n for _, n in missed) / 52 == pytest.approx(40, abs=1)


def test_2021_mix(filled, ctx):
    t = tables(ctx, date(2021, 1, 1), date(2021, 12, 31))
    shares = {row[0]: row[2] for row in t["channels"].rows}
    assert shares == {"Chat": pytest.approx(18, abs=0.5), "Phone": pytest.approx(40, abs=0.5),
                      "E-mail": pytest.approx(42, abs=0.5)}


def test_spread_is_exact():
    assert sorted(demo.spread(10, {"a": 1, "b": 1, "c": 1}).values()) == [3, 3, 4]
    assert demo.spread(263, {"x": 0.35, "y": 0.45, "z": 0.2}) == {"x": 92, "y": 118, "z": 53}
    assert demo.rows() == demo.rows()  # seeded: the same history every time
