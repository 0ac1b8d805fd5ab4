"""Demo data: the report run on it finds the helpline's published figures."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from helpline.availability.missed import Period
from helpline.extensions import db
from helpline.records import demo
from helpline.records.taxonomy import DEFAULT_TAXONOMY_PATH, load_taxonomy
from helpline.reports import periods, queries, report
from tests.records.test_registrations import signed_in

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


def since_the_start(ctx) -> dict:
    """The report of ?all=1, its period parsed as the page parses it."""
    with ctx():
        period, _args = periods.parse({"all": "1"}, TZ, date(2026, 1, 5),
                                      queries.first_day(db.session, TZ))
        assert period.first == date(2017, 1, 1)  # the centres' first reported span
        return {t.key: t for t in report.build(db.session, period, TAXONOMY)}


def test_since_the_start_finds_the_published_figures(filled, ctx):
    t = since_the_start(ctx)
    channels = {row[0]: row[1] for row in t["channels"].rows}
    assert channels == {"E-mail": 893, "Phone": 814, "Chat": 206, "Anonymous message": 0}
    assert t["channels"].footer[1] == 1913
    assert min(row[0] for row in t["months"].rows if row[1]) == "2019-06"  # chat since June
    refs = dict(t["referrals"].rows)
    assert refs["Referrals"] == 263
    assert refs["Arrived at a treatment centre (reported by the centres)"] == 210
    assert refs["Started (share of referrals, %)"] == pytest.approx(80, abs=1)
    follow = {row[0]: row[1] for row in t["follow_up"].rows}
    assert follow["Follow-up appointments made"] == 38
    assert follow["Contacted the helpline before: yes"] == 178
    assert follow["Said the contact was helpful"] == 797
    groups = {row[0]: row[2] for row in t["target_groups"].rows}
    assert groups["Concerned about oneself"] == pytest.approx(52, abs=1)
    assert groups["Concerned about a close one"] == pytest.approx(23, abs=1)
    assert groups["Professional concerned about someone"] == pytest.approx(8, abs=0.5)
    subs = {row[1]: row[2] for row in t["subcategories"].rows}
    # each subcategory its published count, scaled to 1,913
    for name, published in (("Concerned about sexual feelings for minors", 506),
                            ("Presents as hands-on offender", 130), ("Psychologist", 39),
                            ("General request for information", 116)):
        assert subs[name] == round(published * 1913 / 1999)
    phone = next(row for row in t["durations"].rows if row[0] == "Phone")
    chat = next(row for row in t["durations"].rows if row[0] == "Chat")
    assert phone[2] == pytest.approx(20, abs=1) and chat[2] > phone[2]


def test_each_year_finds_its_published_total(filled, ctx):
    t = since_the_start(ctx)
    years = {row[0]: (row[5], row[6]) for row in t["years"].rows}
    assert years == {"2017": (315, None), "2018": (447, pytest.approx(41.9)),
                     "2019": (281, pytest.approx(-37.1)), "2020": (460, pytest.approx(63.7)),
                     "2021": (410, pytest.approx(-10.9)), "2022": (0, -100.0),
                     "2023": (0, None), "2024": (0, None), "2025": (0, None),
                     "2026*": (0, None)}
    for year, total in ((2017, 315), (2018, 447), (2019, 281), (2020, 460), (2021, 410)):
        one = tables(ctx, date(year, 1, 1), date(year, 12, 31))
        assert one["channels"].footer[1] == total
        assert one["years"].rows == [[str(year), *t["years"].rows[year - 2017][1:6], None]]


def test_2021_finds_its_own_published_figures(filled, ctx):
    t = tables(ctx, date(2021, 1, 1), date(2021, 12, 31))
    shares = {row[0]: row[2] for row in t["channels"].rows}
    assert shares == {"Chat": pytest.approx(18, abs=0.5), "Phone": pytest.approx(40, abs=0.5),
                      "E-mail": pytest.approx(42, abs=0.5), "Anonymous message": 0.0}
    groups = {row[0]: row[2] for row in t["target_groups"].rows}
    assert groups["Concerned about oneself"] == pytest.approx(48, abs=0.5)
    assert groups["Concerned about a close one"] == pytest.approx(19, abs=0.5)
    assert groups["Professional concerned about someone"] == pytest.approx(10, abs=0.5)
    assert t["channels"].footer[1] / 12 == pytest.approx(34, abs=0.5)  # about 34 a month
    assert t["missed_weeks"].title == "Missed contacts per month"
    assert t["missed_weeks"].footer[1] == pytest.approx(40, abs=1)  # 40 chatters a week


def test_spread_is_exact():
    assert sorted(demo.spread(10, {"a": 1, "b": 1, "c": 1}).values()) == [3, 3, 4]
    assert demo.spread(263, {"x": 0.35, "y": 0.45, "z": 0.2}) == {"x": 92, "y": 118, "z": 53}
    assert demo.rows() == demo.rows()  # seeded: the same history every time


def test_the_workbook_of_since_the_start_opens_at_a_glance(filled, make_staff):
    """The XLSX read back: the summary of the annual report first, shares as percentage
    cells, the years below it, native charts in the file."""
    client = signed_in(filled, make_staff("sara", "supervisor"))
    data = client.get("/staff/reports/report.xlsx?all=1").data
    book = openpyxl.load_workbook(io.BytesIO(data))
    first = book.worksheets[0]
    assert first.title == "At a glance"
    figures = {row[0].value: row for row in first.iter_rows(min_row=5) if row[0].value}
    assert figures["Contacts"][1].value == 1913
    assert figures["E-mail"][1].value == 893
    assert figures["E-mail"][2].value == pytest.approx(0.467)
    assert figures["E-mail"][2].number_format == "0.0%"
    assert figures["Referrals"][1].value == 263
    assert figures["Arrived at a treatment centre (share of referrals)"][1].value == 210
    assert figures["Follow-up appointments made"][1].value == 38
    assert figures["Contacted the helpline before: yes"][1].value == 178
    assert figures["Said the contact was helpful"][1].value == 797
    assert figures["2021"][5].value == 410 and figures["2021"][6].value == pytest.approx(-0.109)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert sum(n.startswith("xl/charts/chart") for n in names) >= 10
