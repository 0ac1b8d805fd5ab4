"""The one period parser (reports/periods.py): the reports' forms and the missed chats'."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from helpline.availability.missed import Period
from helpline.reports import periods

TZ = ZoneInfo("Europe/Brussels")
TODAY = date(2026, 11, 30)
EIGHT_WEEKS = Period(date(2026, 10, 6), TODAY, TZ)


def parse(args: dict, start: date | None = None):
    return periods.parse(args, TZ, TODAY, start)


def test_the_reports_forms():
    assert parse({}) == (Period(date(2026, 1, 1), date(2026, 12, 31), TZ), {"year": "2026"})
    assert parse({"year": "2021", "quarter": "3"}) == (
        Period(date(2021, 7, 1), date(2021, 9, 30), TZ), {"year": "2021", "quarter": "3"})
    assert parse({"year": "2024", "month": "2"})[0] == Period(date(2024, 2, 1),
                                                              date(2024, 2, 29), TZ)
    assert parse({"from": " 2021-05-01 ", "to": "2021-06-30"}) == (
        Period(date(2021, 5, 1), date(2021, 6, 30), TZ), {"from": "2021-05-01",
                                                          "to": "2021-06-30"})
    assert parse({"all": "1"}, start=date(2018, 5, 1)) == (
        Period(date(2018, 5, 1), TODAY, TZ), {"all": "1"})
    assert parse({"all": "1"})[0] == Period(TODAY, TODAY, TZ)
    assert parse({"from": "", "to": "", "year": "2020"})[0].first == date(2020, 1, 1)


@pytest.mark.parametrize("args", [
    {"year": "20x1"}, {"year": "1999"}, {"year": "3000"}, {"year": "2021", "quarter": "5"},
    {"year": "2021", "month": "13"}, {"from": "2021-05-01"}, {"to": "2021-05-01"},
    {"from": " "}, {"from": "2021-05-01", "to": "2021-01-01"}, {"from": "x", "to": "y"},
    {"from": "0001-01-01", "to": "0001-01-02"}, {"from": "9999-12-30", "to": "9999-12-31"}])
def test_a_malformed_reports_period_names_the_forms(app, args):
    with app.test_request_context(), pytest.raises(periods.PeriodError) as caught:
        parse(args)
    assert str(caught.value) == ("Choose a period: a year, a quarter, a month, two dates or "
                                 "since the start.")


def test_the_missed_chats_dates_default_to_either_end():
    def dates(args):
        return periods.dates(args, TZ, EIGHT_WEEKS, 3 * 366)

    assert dates({}) == EIGHT_WEEKS
    assert dates({"from": " ", "to": ""}) == EIGHT_WEEKS
    assert dates({"from": "2026-11-01"}) == Period(date(2026, 11, 1), TODAY, TZ)
    assert dates({"to": "2026-11-01"}) == Period(date(2026, 10, 6), date(2026, 11, 1), TZ)
    assert dates({"from": "2024-01-01", "to": "2026-12-31"}).last == date(2026, 12, 31)


@pytest.mark.parametrize(("args", "message"), [
    ({"from": "yesterday"}, "Give the dates as YYYY-MM-DD."),
    ({"from": "2026-02-30"}, "Give the dates as YYYY-MM-DD."),
    ({"from": "1999-12-31"}, "Give the dates as YYYY-MM-DD."),
    ({"to": "3000-01-01"}, "Give the dates as YYYY-MM-DD."),
    ({"from": "2026-11-30", "to": "2026-11-01"}, "The first day must not be after the last day."),
    ({"from": "2022-01-01", "to": "2026-01-01"}, "Choose a period of at most three years.")])
def test_the_missed_chats_dates_say_what_is_wrong(app, args, message):
    with app.test_request_context(), pytest.raises(periods.PeriodError) as caught:
        periods.dates(args, TZ, EIGHT_WEEKS, 3 * 366)
    assert str(caught.value) == message


def test_without_a_default_both_dates_are_needed(app):
    with app.test_request_context(), pytest.raises(periods.PeriodError) as caught:
        periods.dates({"from": "2026-01-01"}, TZ)
    assert str(caught.value) == "Give the dates as YYYY-MM-DD."
    assert periods.dates({"from": "2000-01-01", "to": "2999-12-31"}, TZ).last == date(2999, 12, 31)
