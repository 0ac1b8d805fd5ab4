"""Every report aggregate on hand-made registrations with known answers."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from helpline.availability import missed
from helpline.availability.missed import Period
from helpline.extensions import db
from helpline.records.models import Registration
from helpline.records.taxonomy import DEFAULT_TAXONOMY_PATH, load_taxonomy
from helpline.reports import queries, report
from helpline.reports.models import MonthCount, ReferralArrival
from tests.records.test_registrations import signed_in

TZ = ZoneInfo("Europe/Brussels")
TAXONOMY = load_taxonomy(DEFAULT_TAXONOMY_PATH)
YEAR = Period(date(2021, 1, 1), date(2021, 12, 31), TZ)


def reg(hour: datetime, channel: str = "phone", **fields) -> Registration:
    base = {"status": "filed", "target_group": "self", "subcategory": "sexual_feelings_minors",
            "help_given": ["listening"], "follow_up": "none", "risk": "no_indication"}
    return Registration(channel=channel, contact_hour=hour, **{**base, **fields})


@pytest.fixture
def data(ctx):
    """Ten contacts in 2021 and one outside it, with every figure chosen by hand."""
    rows = [
        # 4 phone calls: 10, 20, 30, 40 minutes
        *(reg(datetime(2021, 3, 2, 14), duration_seconds=m * 60) for m in (10, 20, 30, 40)),
        # 3 e-mails, one a referral accepted to CGG in Limburg, said helpful, contacted before
        reg(datetime(2021, 3, 5, 8), "email", help_given=["advice", "referral"],
            referral_target="cgg", referral_region="limburg", referral_accepted=True,
            said_helpful=True, contacted_before="yes", target_group="close_one",
            subcategory="partner_of_offender", gender="woman", age_band="36_45"),
        reg(datetime(2021, 4, 5, 8), "email", help_given=["referral"], referral_target="cgg",
            referral_region="antwerp", referral_accepted=False, contacted_before="no"),
        reg(datetime(2021, 4, 6, 8), "email", follow_up="follow_up_appointment",
            target_group="professional", subcategory="teacher"),
        # 3 chats: waits 10, 20, 300 s; durations 30, 45, 50 min; one kept follow-up
        reg(datetime(2021, 5, 31, 22), "chat", wait_seconds=10, duration_seconds=30 * 60,
            follow_up_kept=True, gender="man"),  # 1 June 00:00 in Brussels
        reg(datetime(2021, 6, 1, 18), "chat", wait_seconds=20, duration_seconds=45 * 60,
            said_helpful=True),
        reg(datetime(2021, 6, 2, 18), "chat", wait_seconds=300, duration_seconds=50 * 60,
            status="missing", target_group=None, subcategory=None, help_given=[],
            follow_up=None, risk=None),
        # outside the year (31 Dec 2021 23:00 UTC is 1 Jan 2022 in Brussels)
        reg(datetime(2021, 12, 31, 23), "phone"),
    ]
    with ctx():
        db.session.add_all(rows)
        db.session.add(ReferralArrival(centre="cgg", first_day=date(2021, 1, 1),
                                       last_day=date(2021, 6, 30), arrived=1))
        db.session.add(ReferralArrival(centre="cgg", first_day=date(2021, 12, 1),
                                       last_day=date(2022, 1, 31), arrived=2))  # half inside
        db.session.commit()
    return rows


def tables(ctx, period=YEAR) -> dict:
    with ctx():
        return {t.key: t for t in report.build(db.session, period, TAXONOMY)}


def test_contacts_per_channel_and_month(ctx, data):
    t = tables(ctx)
    assert t["channels"].rows == [["Chat", 3, 30.0], ["Phone", 4, 40.0], ["E-mail", 3, 30.0],
                                  ["Anonymous message", 0, 0.0]]
    assert t["channels"].footer == ["Total", 10, 100.0]
    assert t["months"].rows == [["2021-03", 0, 4, 1, 0, 5], ["2021-04", 0, 0, 2, 0, 2],
                                ["2021-06", 3, 0, 0, 0, 3]]


def test_target_groups_subcategories_and_help(ctx, data):
    t = tables(ctx)
    assert t["target_groups"].rows == [
        ["Concerned about oneself", 7, 70.0], ["Concerned about a close one", 1, 10.0],
        ["Professional concerned about someone", 1, 10.0], ["Unknown", 1, 10.0]]
    assert ["Professional concerned about someone", "Teacher", 1, 10.0] in t["subcategories"].rows
    assert t["help_given"].rows == [["Listening", 7, 70.0], ["Advice", 1, 10.0],
                                    ["Referral to specialised help", 2, 20.0]]


def test_referrals_arrivals_regions(ctx, data):
    t = tables(ctx)
    assert t["referrals"].rows == [
        ["Referrals", 2], ["Share of contacts (%)", 20.0], ["Referral accepted", 1],
        ["Arrived at a treatment centre (reported by the centres)", 2],
        ["Started (share of referrals, %)", 100.0]]
    assert t["referral_centres"].rows == [
        ["CGG (Centre for Mental Health Care)", 2, 2, 100.0]]
    assert "pro rata" in t["referrals"].note and "1 reported spans counted in part" in (
        t["referrals"].note)
    assert t["referral_regions"].rows == [["Antwerp", 1, 50.0], ["Limburg", 1, 50.0]]


def test_arrivals_over_a_period_edge_count_pro_rata(ctx):
    """A span reaching over the edge counts for its days inside: adjacent periods add up to
    what the centre reported, rounded per centre."""
    with ctx():
        db.session.add_all([
            ReferralArrival(centre="ufc", first_day=date(2021, 1, 1),
                            last_day=date(2021, 12, 31), arrived=40),
            ReferralArrival(centre="caw", first_day=date(2021, 3, 1),
                            last_day=date(2021, 3, 31), arrived=3)])
        db.session.commit()
        q1 = report.arrivals(db.session, Period(date(2021, 1, 1), date(2021, 3, 31), TZ))
        rest = report.arrivals(db.session, Period(date(2021, 4, 1), date(2021, 12, 31), TZ))
        whole = report.arrivals(db.session, Period(date(2020, 6, 1), date(2022, 1, 1), TZ))
    assert q1 == ({"ufc": 10, "caw": 3}, 1)  # 40 * 90 / 365 = 9.9
    assert rest == ({"ufc": 30}, 1)  # 40 * 275 / 365 = 30.1
    assert whole == ({"ufc": 40, "caw": 3}, 0)


def test_follow_up_contacted_before_said_helpful(ctx, data):
    rows = {r[0]: r[1:] for r in tables(ctx)["follow_up"].rows}
    assert rows["Follow-up appointments made"] == [1, 10.0]
    assert rows["Follow-up appointments kept"] == [1, 100.0]
    assert rows["Contacted the helpline before: yes"] == [1, 10.0]
    assert rows["Contacted the helpline before: no"] == [1, 10.0]
    assert rows["Contacted the helpline before: unknown"] == [8, 80.0]
    assert rows["Said the contact was helpful"] == [2, 20.0]


def test_durations_and_waits(ctx, data):
    t = tables(ctx)
    assert t["durations"].rows == [["Chat", 3, 41.7, 45], ["Phone", 4, 25.0, 20],
                                   ["E-mail", 0, None, None]]
    assert t["waits"].rows == [[3, 20, 300]]


def test_ages_and_genders_known_and_unknown(ctx, data):
    t = tables(ctx)
    assert t["age_bands"].rows == [["36–45", 1, 10.0], ["Unknown", 9, 90.0]]
    assert t["genders"].rows == [["Man", 1, 10.0], ["Woman", 1, 10.0], ["Unknown", 8, 80.0]]


def test_missed_grouped_by_week_month_or_year_and_share_answered(ctx, data):
    """Weeks for a short period, months for a year, years for a long one: the table stays
    short; folded months count in months and years; the average per week is given."""
    with ctx():
        for reason in ("closed", "left_unanswered", "closed"):
            missed.record(db.session, reason, datetime(2021, 6, 1, 10))  # a Tuesday, W22
        missed.record(db.session, "closed", datetime(2018, 3, 1, 10))
        db.session.add(MonthCount(month=date(2017, 5, 1), channel="chat", dimension="missed",
                                  key="closed", count=4))
        db.session.commit()
    quarter = tables(ctx, Period(date(2021, 4, 1), date(2021, 6, 30), TZ))["missed_weeks"]
    assert quarter.title == "Missed contacts per week" and len(quarter.rows) == 14
    assert ["2021-W22", 3] in quarter.rows and sum(r[1] for r in quarter.rows) == 3
    assert quarter.footer == ["Per week on average", round(3 * 7 / 91, 1)]
    t = tables(ctx)
    year = t["missed_weeks"]
    assert year.title == "Missed contacts per month" and len(year.rows) == 12
    assert ["2021-06", 3] in year.rows and sum(r[1] for r in year.rows) == 3
    assert t["answered"].rows == [[3, 3, 50.0]]
    five = tables(ctx, Period(date(2017, 1, 1), date(2021, 12, 31), TZ))["missed_weeks"]
    assert five.title == "Missed contacts per year"
    assert five.rows == [["2017", 4], ["2018", 1], ["2019", 0], ["2020", 0], ["2021", 3]]
    assert five.footer == ["Per week on average", round(8 * 7 / 1826, 1)]


def test_folded_months_add_to_rows(ctx, data):
    with ctx():
        db.session.add_all([
            MonthCount(month=date(2021, 1, 1), channel="phone", dimension=d, key=k, count=n)
            for d, k, n in (("status", "filed", 5), ("month", "2021-01", 5),
                            ("subcategory", "teacher", 5), ("target_group", "professional", 5),
                            ("duration_minute", "20", 5), ("duration_sum", "seconds", 6000),
                            ("duration_n", "n", 5))])
        db.session.commit()
    t = tables(ctx)
    assert t["channels"].footer == ["Total", 15, 100.0]
    assert t["months"].rows[0] == ["2021-01", 0, 5, 0, 0, 5]
    assert t["durations"].rows[1] == ["Phone", 9, round((100 * 60 + 6000) / 9 / 60, 1), 20]
    with ctx():
        june = Period(date(2021, 6, 1), date(2021, 6, 30), TZ)
        assert queries.tally(db.session, june).channels() == {"chat": 3}


def test_quantiles_from_grouped_counts():
    from collections import Counter

    assert queries.quantile(Counter(), 0.5) is None
    assert queries.quantile(Counter({"1": 1, "2": 1, "3": 1}), 0.5) == 2
    assert queries.quantile(Counter({"5": 9, "100": 1}), 0.9) == 5
    assert queries.quantile(Counter({"5": 8, "100": 2}), 0.9) == 100


def test_page_exports_and_permissions(app, make_staff, ctx, data):
    anna, sara = make_staff("anna"), make_staff("sara", "supervisor")
    assert signed_in(app, anna).get("/staff/reports/").status_code == 403
    client = signed_in(app, sara)
    page = client.get("/staff/reports/?year=2021").get_data(as_text=True)
    assert 'data-table="channels"' in page and "<svg" in page and "2021-01-01 to 2021-12-31" in page
    assert "730" in page  # the retention of registrations is shown
    assert client.get("/staff/reports/?year=20x1").status_code == 400
    assert client.get("/staff/reports/?from=2021-05-01&to=2021-01-01").status_code == 400
    body = client.get("/staff/reports/channels.csv?year=2021").get_data(as_text=True)
    assert list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))[-1] == [
        "Total", "10", "100.0"]
    assert client.get("/staff/reports/nothing.csv?year=2021").status_code == 404
    xlsx = client.get("/staff/reports/report.xlsx?year=2021")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    rows = client.get("/staff/reports/registrations.csv?year=2021&machine=1")
    parsed = list(csv.DictReader(io.StringIO(rows.get_data(as_text=True))))
    assert len(parsed) == 10 and "note" not in parsed[0]
    assert parsed[4]["target_group"] == "close_one" and parsed[4]["referral_accepted"] == "yes"
    assert parsed[4]["contact_hour"] == "2021-03-05T09:00+01:00"
    assert "registrations-keys-2021" in rows.headers["Content-Disposition"]
    with_notes = client.get("/staff/reports/registrations.csv?year=2021&notes=1&machine=1")
    assert "note" in next(csv.DictReader(io.StringIO(with_notes.get_data(as_text=True))))


@pytest.mark.parametrize(("lang", "expected"), [
    ("nl", {"Kanaal": "E-mail", "Doelgroep": "Bezorgd over een naaste",
            "Doorverwijzing aanvaard": "Ja", "Datum en uur": "2021-03-05 09:00"}),
    ("fr", {"Canal": "E-mail", "Orientation acceptée": "Oui",
            "Date et heure": "2021-03-05 09:00"}),
])
def test_csv_for_belgian_excel(app, make_staff, data, lang, expected):
    """Dutch and French: ';', a decimal comma, a byte-order mark, the labels people read."""
    client = signed_in(app, make_staff("sara", "supervisor"))
    body = client.get(f"/staff/reports/registrations.csv?year=2021&lang={lang}").data
    assert body[:3] == b"\xef\xbb\xbf"
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 10
    assert {k: rows[4][k] for k in expected} == expected
    assert "close_one" not in body.decode() and "filed" not in body.decode()
    table = client.get(f"/staff/reports/channels.csv?year=2021&lang={lang}").data
    assert table[:3] == b"\xef\xbb\xbf"
    parsed = list(csv.reader(io.StringIO(table.decode("utf-8-sig")), delimiter=";"))
    assert parsed[1][1:] == ["3", "30,0"] and parsed[-1][1:] == ["10", "100,0"]


def test_arrivals_are_entered_by_supervisors(app, make_staff, ctx):
    client = signed_in(app, make_staff("sara", "supervisor"))
    ok = client.post("/staff/reports/arrivals", data={
        "centre": "ufc", "first_day": "2021-01-01", "last_day": "2021-12-31", "arrived": "7"})
    assert ok.status_code == 302
    for bad in ({"centre": "nowhere"}, {"arrived": "-1"}, {"last_day": "2020-01-01"},
                {"arrived": "many"}):
        form = {"centre": "ufc", "first_day": "2021-01-01", "last_day": "2021-12-31",
                "arrived": "7", **bad}
        assert client.post("/staff/reports/arrivals", data=form).status_code == 302
    with ctx():
        assert [(a.centre, a.arrived) for a in db.session.scalars(
            db.select(ReferralArrival))] == [("ufc", 7)]


def test_no_conversation_is_counted_apart_from_contacts(ctx, data):
    """A chat that ended before any message is no contact: not in channels, months,
    ages or durations, but shown in its own table (and in the tally, so it survives folding)."""
    with ctx():
        db.session.add(reg(datetime(2021, 6, 3, 18), "chat", status="no_conversation",
                           target_group=None, subcategory=None, help_given=[], follow_up=None,
                           risk=None, wait_seconds=5, duration_seconds=60))
        db.session.commit()
    t = tables(ctx)
    assert t["channels"].footer == ["Total", 10, 100.0]
    assert t["months"].rows[-1] == ["2021-06", 3, 0, 0, 0, 3]
    assert t["age_bands"].rows == [["36–45", 1, 10.0], ["Unknown", 9, 90.0]]
    assert t["waits"].rows == [[3, 20, 300]]
    assert t["no_conversation"].rows == [["Ended before the chatter wrote anything", 1]]


def test_contacts_per_year_with_the_change(ctx, data):
    """The annual report's first table: per year and channel, and the change from the year
    before; a year only partly in the period is marked and gets no change."""
    with ctx():
        db.session.add_all([reg(datetime(2020, 2, 4, 14)) for _ in range(8)])
        db.session.commit()
    t = tables(ctx, Period(date(2020, 1, 1), date(2022, 3, 31), TZ))
    assert t["years"].headers == ["Year", "Chat", "Phone", "E-mail", "Anonymous message",
                                  "Total", "Change from the year before (%)"]
    assert t["years"].rows == [["2020", 0, 8, 0, 0, 8, None], ["2021", 3, 4, 3, 0, 10, 25.0],
                               ["2022*", 0, 1, 0, 0, 1, None]]
    assert "part of this year" in t["years"].note
    assert tables(ctx)["years"].rows == [["2021", 3, 4, 3, 0, 10, None]]
    assert tables(ctx)["years"].note is None


def test_since_the_start_begins_at_the_first_thing_counted(app, make_staff, ctx, data):
    """Arrivals reported from before the first registration are inside "since the start"."""
    with ctx():
        db.session.add(ReferralArrival(centre="ufc", first_day=date(2020, 12, 1),
                                       last_day=date(2020, 12, 31), arrived=7))
        db.session.commit()
        assert queries.first_day(db.session, TZ) == date(2020, 12, 1)
    client = signed_in(app, make_staff("sara", "supervisor"))
    page = client.get("/staff/reports/?all=1").get_data(as_text=True)
    assert "2020-12-01 to " in page
    assert "pro rata" in page
