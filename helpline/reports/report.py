"""The reports page's figures, as tables: built from a Tally and a few aggregate tables.

Every section is a Table (title, headers, rows of plain values), so the page, the CSV
export and the XLSX workbook show exactly the same numbers. Building tables from a
tally is pure: the unit tests feed hand-made tallies and registrations.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..availability import missed
from ..availability.missed import Period
from ..availability.models import MissedContact
from ..records.models import CHANNEL_NAMES, CHANNELS
from ..records.retention import MISSED_DIMENSION
from ..records.taxonomy import Taxonomy
from . import feedback, queries
from .models import MonthCount, ReferralArrival
from .queries import Tally, quantile
from .tables import Labels, Pct, Table, pct

ARRIVALS_RULE = _l("Arrivals are the numbers the centres report for a span of days. A span "
                   "that reaches beyond this period counts pro rata: for the share of its "
                   "days that lie inside the period, rounded to whole people per centre.")
# The missed contacts are grouped by week up to this many days, by month up to the next.
WEEKS_UP_TO, MONTHS_UP_TO = 183, 3 * 366
APPOINTMENT = "follow_up_appointment"  # the follow_up key of an appointment made
REFERRAL = "referral"


def _share_table(key, title, first, counts: Counter, order, labels, section, total):
    """Rows of (label, count, % of total) in taxonomy order, then unknown keys, then unknown."""
    table = Table(key, str(title), [str(first), str(_l("Count")), "%"], chart="bars")
    keys = [k for k in order if counts.get(k)] + sorted(
        k for k in counts if k not in order and k not in ("", "unknown") and counts[k])
    keys += [k for k in ("unknown", "") if counts.get(k)]
    for k in keys:
        table.rows.append([labels(section, k), counts[k], pct(counts[k], total)])
    return table


def contacts(t: Tally, period: Period) -> list[Table]:
    """Total and per channel; per year and per month, per channel."""
    per = t.channels()
    total = sum(per.values())
    channels = Table("channels", str(_l("Contacts per channel")),
                     [str(_l("Channel")), str(_l("Count")), "%"], chart="bars")
    for channel in CHANNELS:
        channels.rows.append([str(CHANNEL_NAMES[channel]), per[channel], pct(per[channel], total)])
    channels.footer = [str(_l("Total")), total, Pct(100.0) if total else None]
    months = Table("months", str(_l("Contacts per month and channel")),
                   [str(_l("Month"))] + [str(CHANNEL_NAMES[c]) for c in CHANNELS]
                   + [str(_l("Total"))], chart="months")
    by_month = {c: t.by_key("month", c) for c in CHANNELS}
    for month in sorted(set().union(*by_month.values())):
        counts = [by_month[c][month] for c in CHANNELS]
        months.rows.append([month, *counts, sum(counts)])
    years = per_year(t, period)
    apart = Table("no_conversation", str(_l("Chats without a conversation (not contacts)")),
                  [str(_l("Figure")), str(_l("Count"))])
    apart.rows.append([str(_l("Ended before the chatter wrote anything")), t.no_conversation()])
    return [channels, years, months, apart]


def per_year(t: Tally, period: Period) -> Table:
    """Contacts per year and channel, with the change from the year before: the annual
    report's first table. A year the period covers only in part is marked with * and has
    no change (it would compare a part of a year with a whole one)."""
    headers = ([str(_l("Year"))] + [str(CHANNEL_NAMES[c]) for c in CHANNELS]
               + [str(_l("Total")), str(_l("Change from the year before (%)"))])
    table = Table("years", str(_l("Contacts per year and channel")), headers, chart="years")
    by_month = {c: t.by_key("month", c) for c in CHANNELS}
    before = None  # the previous whole year's total
    partial = False
    for year in range(period.first.year, period.last.year + 1):
        counts = [sum(n for m, n in by_month[c].items() if m[:4] == str(year))
                  for c in CHANNELS]
        total = sum(counts)
        whole = period.first <= date(year, 1, 1) and date(year, 12, 31) <= period.last
        partial = partial or not whole
        change = pct(total - before, before) if whole and before else None
        table.rows.append([str(year) if whole else f"{year}*", *counts, total, change])
        before = total if whole else None
    if partial:
        table.note = str(_l("* Only part of this year lies in the period, so no change from "
                            "the year before is given."))
    return table


def who(t: Tally, taxonomy: Taxonomy, labels: Labels) -> list[Table]:
    """Target groups and subcategories (count, % of contacts), and the help given."""
    total = sum(t.channels().values())
    groups = _share_table("target_groups", _l("Target groups"), _l("Target group"),
                          t.by_key("target_group"), [g.key for g in taxonomy.target_groups],
                          labels, "target_groups", total)
    subs = Table("subcategories", str(_l("Subcategories")),
                 [str(_l("Target group")), str(_l("Subcategory")), str(_l("Count")), "%"])
    counts = t.by_key("subcategory")
    for group in taxonomy.target_groups:
        for sub in group.subcategories:
            if counts[sub.key]:
                subs.rows.append([labels("target_groups", group.key),
                                  labels("subcategories", sub.key), counts[sub.key],
                                  pct(counts[sub.key], total)])
    help_given = _share_table("help_given", _l("Help given (share of contacts)"),
                              _l("Help"), t.by_key("help_given"),
                              [o.key for o in taxonomy.help_given], labels, "help_given", total)
    return [groups, subs, help_given]


def referrals(t: Tally, taxonomy: Taxonomy, labels: Labels,
              arrivals: Counter, prorated: int = 0) -> list[Table]:
    """Referrals: count, share, accepted; per centre with reported arrivals; per region."""
    total = sum(t.channels().values())
    referred = t.by_key("help_given")[REFERRAL]
    accepted = t.by_key("referral_accepted")["yes"]
    centres = t.by_key("referral_target")
    summary = Table("referrals", str(_l("Referrals")), [str(_l("Figure")), str(_l("Value"))])
    arrived = sum(arrivals.values())
    summary.rows = [
        [str(_l("Referrals")), referred],
        [str(_l("Share of contacts (%)")), pct(referred, total)],
        [str(_l("Referral accepted")), accepted],
        [str(_l("Arrived at a treatment centre (reported by the centres)")), arrived],
        [str(_l("Started (share of referrals, %)")), pct(arrived, referred)],
    ]
    summary.note = str(ARRIVALS_RULE)
    if prorated:
        summary.note += " " + str(_l("In this period %(n)s reported spans counted in part.",
                                     n=prorated))
    per_centre = Table("referral_centres", str(_l("Referrals and arrivals per centre")),
                       [str(_l("Centre")), str(_l("Referred")), str(_l("Arrived")),
                        str(_l("Started (%)"))], chart="bars")
    order = [o.key for o in taxonomy.referral_targets]
    for key in order + sorted((set(centres) | set(arrivals)) - set(order) - {""}):
        if centres[key] or arrivals[key]:
            per_centre.rows.append([labels("referral_targets", key), centres[key],
                                    arrivals[key], pct(arrivals[key], centres[key])])
    regions = t.by_key("referral_region")
    regions.pop("", None)
    per_region = _share_table("referral_regions", _l("Referrals per region"), _l("Region"),
                              regions, [o.key for o in taxonomy.regions], labels, "regions",
                              referred)
    return [summary, per_centre, per_region]


def follow_up(t: Tally, feedback: Counter | None = None) -> list[Table]:
    """Follow-up appointments made and kept, contacted before, said helpful."""
    total = sum(t.channels().values())
    before = t.by_key("contacted_before")
    made = t.by_key("follow_up")[APPOINTMENT]
    kept = t.by_key("follow_up_kept")["yes"]
    helpful = t.by_key("said_helpful")["yes"]
    table = Table("follow_up", str(_l("Follow-up and the contacts' own word")),
                  [str(_l("Figure")), str(_l("Count")), "%"])
    table.rows = [
        [str(_l("Follow-up appointments made")), made, pct(made, total)],
        [str(_l("Follow-up appointments kept")), kept, pct(kept, made)],
        [str(_l("Contacted the helpline before: yes")), before["yes"], pct(before["yes"], total)],
        [str(_l("Contacted the helpline before: no")), before["no"], pct(before["no"], total)],
        [str(_l("Contacted the helpline before: unknown")), before["unknown"],
         pct(before["unknown"], total)],
        [str(_l("Said the contact was helpful")), helpful, pct(helpful, total)],
    ]
    return [table]


def own_word(answers: dict[tuple[str, str], int]) -> list[Table]:
    """The chatters' own answers on the closing card (counts only, never linked)."""
    names = {("helped", "yes"): _l("Did this chat help you? Yes"),
             ("helped", "a_bit"): _l("Did this chat help you? A bit"),
             ("helped", "no"): _l("Did this chat help you? No"),
             ("again", "yes"): _l("Would you contact us again if needed? Yes"),
             ("again", "no"): _l("Would you contact us again if needed? No")}
    table = Table("chatter_feedback", str(_l("The chatters' own word")),
                  [str(_l("Answer")), str(_l("Count")), "%"])
    for question in ("helped", "again"):
        total = sum(n for (q, _a), n in answers.items() if q == question)
        for (q, a), label in names.items():
            if q == question:
                table.rows.append([str(label), answers.get((q, a), 0),
                                   pct(answers.get((q, a), 0), total)])
    return [table]


def times(t: Tally) -> list[Table]:
    """Duration per channel (mean, median, in minutes) and chat waits (median, 90th pct)."""
    durations = Table("durations", str(_l("Duration per channel (minutes)")),
                      [str(_l("Channel")), str(_l("Contacts with a duration")),
                       str(_l("Mean")), str(_l("Median"))])
    for channel in CHANNELS:
        if channel == "message":
            continue  # a conversation by messages has no duration: see message_answers
        n = t.by_key("duration_n", channel)["n"]
        total = t.by_key("duration_sum", channel)["seconds"]
        median = quantile(t.by_key("duration_minute", channel), 0.5)
        durations.rows.append([str(CHANNEL_NAMES[channel]), n,
                               round(total / n / 60, 1) if n else None,
                               None if median is None else int(median)])
    waits = t.by_key("wait_second", "chat")
    wait = Table("waits", str(_l("Chat waits (seconds)")),
                 [str(_l("Chats answered")), str(_l("Median")), str(_l("90th percentile"))])
    median, p90 = quantile(waits, 0.5), quantile(waits, 0.9)
    wait.rows.append([sum(waits.values()), None if median is None else int(median),
                      None if p90 is None else int(p90)])
    return [durations, wait, message_answers(t)]


def message_answers(t: Tally) -> Table:
    """Anonymous messages: how many were answered, the median time to the first answer
    (hours), and the share first answered by the promised day (of those answered, or left
    unanswered past it)."""
    table = Table("message_answers", str(_l("Anonymous messages: answer times")),
                  [str(_l("Figure")), str(_l("Value"))])
    waits = t.by_key("wait_second", "message")
    timely = t.by_key("answered_in_time", "message")
    judged = timely["yes"] + timely["no"]
    median = quantile(waits, 0.5)
    table.rows = [
        [str(_l("Conversations registered")), t.channels()["message"]],
        [str(_l("Answered")), sum(waits.values())],
        [str(_l("Median time to the first answer (hours)")),
         None if median is None else round(median / 3600, 1)],
        [str(_l("First answered by the promised day (%)")), pct(timely["yes"], judged)],
        [str(_l("Late or unanswered past the promised day")), timely["no"]],
    ]
    table.note = str(_l("The promised day is the one the writer was given when they wrote "
                        "(working days of the message channel's hours)."))
    return table


def people(t: Tally, taxonomy: Taxonomy, labels: Labels) -> list[Table]:
    """Age bands and genders, known and unknown."""
    total = sum(t.channels().values())
    return [
        _share_table("age_bands", _l("Age bands"), _l("Age band"), t.by_key("age_band"),
                     [o.key for o in taxonomy.age_bands], labels, "age_bands", total),
        _share_table("genders", _l("Genders"), _l("Gender"), t.by_key("gender"),
                     [o.key for o in taxonomy.genders], labels, "genders", total),
    ]


def missed_tables(session: Session, period: Period, t: Tally) -> list[Table]:
    """Missed contacts per week, month or year (by the period's length, so a long period
    stays a short table), the average per week, and the share of chatters answered."""
    report = missed.report(session, period, [])
    folded = _folded_missed(session, period)
    days = (period.last - period.first).days + 1
    if days <= WEEKS_UP_TO:
        table = Table("missed_weeks", str(_l("Missed contacts per week")),
                      [str(_l("Week")), str(_l("Missed"))])
        table.rows = [[week.label, week.total] for week in report.weeks]
    else:
        monthly = days <= MONTHS_UP_TO
        width = 7 if monthly else 4
        title = _l("Missed contacts per month") if monthly else _l("Missed contacts per year")
        table = Table("missed_weeks", str(title),
                      [str(_l("Month") if monthly else _l("Year")), str(_l("Missed"))])
        counts: Counter = Counter({label: 0 for label in _labels(period, width)})
        for hour, n in session.execute(
                select(MissedContact.hour, func.count())
                .where(MissedContact.hour >= period.start_utc,
                       MissedContact.hour < period.end_utc)
                .group_by(MissedContact.hour)):
            counts[period.local(hour).strftime("%Y-%m")[:width]] += n
        for month, n in folded.items():
            counts[month[:width]] += n
        table.rows = [[label, n] for label, n in sorted(counts.items())]
    missed_n = report.total + sum(folded.values())
    table.footer = [str(_l("Per week on average")), round(missed_n * 7 / days, 1)]
    answered = t.channels()["chat"]
    share = Table("answered", str(_l("Chatters answered")),
                  [str(_l("Chats answered")), str(_l("Chatters missed")), "%"])
    share.rows.append([answered, missed_n, pct(answered, answered + missed_n)])
    return [table, share]


def _labels(period: Period, width: int) -> list[str]:
    """Every month (YYYY-MM, width 7) or year (YYYY, width 4) of the period, in order."""
    labels, day = [], period.first.replace(day=1)
    while day <= period.last:
        labels.append(day.strftime("%Y-%m")[:width])
        day = (day + timedelta(days=32)).replace(day=1)
    return sorted(set(labels))


def _folded_missed(session: Session, period: Period) -> Counter:
    """Missed contacts past their retention, per month (YYYY-MM), for the months that
    start inside the period (as the report's other folded counts)."""
    first = period.first if period.first.day == 1 else (
        period.first + timedelta(days=32)).replace(day=1)
    rows = session.execute(
        select(MonthCount.month, func.sum(MonthCount.count))
        .where(MonthCount.dimension == MISSED_DIMENSION, MonthCount.month >= first,
               MonthCount.month <= period.last)
        .group_by(MonthCount.month))
    return Counter({month.strftime("%Y-%m"): int(n or 0) for month, n in rows})


def arrivals(session: Session, period: Period) -> tuple[Counter, int]:
    """Arrivals reported by the centres, per centre, and how many spans counted in part.

    A reported span that reaches over the period's edge counts pro rata, for the share of
    its days inside the period, so adjacent periods add up to the whole; each centre's
    sum is rounded to whole people. The page states this rule.
    """
    share: dict[str, float] = defaultdict(float)
    prorated = 0
    for centre, first, last, n in session.execute(
            select(ReferralArrival.centre, ReferralArrival.first_day, ReferralArrival.last_day,
                   ReferralArrival.arrived)
            .where(ReferralArrival.first_day <= period.last,
                   ReferralArrival.last_day >= period.first)):
        days = (last - first).days + 1
        inside = (min(last, period.last) - max(first, period.first)).days + 1
        prorated += inside < days
        share[centre] += n * inside / days
    return Counter({centre: int(n + 0.5) for centre, n in share.items()}), prorated


def glance(tables: list[Table]) -> Table:
    """The annual report's summary page for the period, from the other tables: contacts
    per channel and target group, referrals and arrivals, follow-up, the contacts' own
    word, durations and missed contacts per week. Exported as the workbook's first sheet."""
    t = {table.key: table for table in tables}
    table = Table("glance", str(_l("At a glance")),
                  [str(_l("Figure")), str(_l("Value")), "%"])
    total = t["channels"].footer[1]
    rows = [[str(_l("Contacts")), total, None]]
    rows += [list(row) for row in t["channels"].rows]
    rows += [list(row) for row in t["target_groups"].rows]
    refs = dict(t["referrals"].rows)
    referred = refs[str(_l("Referrals"))]
    arrived = refs[str(_l("Arrived at a treatment centre (reported by the centres)"))]
    rows += [[str(_l("Referrals")), referred, pct(referred, total)],
             [str(_l("Arrived at a treatment centre (share of referrals)")), arrived,
              pct(arrived, referred)]]
    follow = {row[0]: row for row in t["follow_up"].rows}
    for label in (_l("Follow-up appointments made"), _l("Contacted the helpline before: yes"),
                  _l("Said the contact was helpful")):
        rows.append(list(follow[str(label)]))
    for row in t["durations"].rows:
        if row[2] is not None:
            rows.append([str(_l("%(channel)s: mean duration (minutes)", channel=row[0])),
                         row[2], None])
    answers = t["message_answers"].rows
    if answers[1][1]:  # some anonymous message was answered
        rows += [[str(_l("Anonymous messages: median time to the first answer (hours)")),
                  answers[2][1], None],
                 [str(_l("Anonymous messages: first answered by the promised day")), None,
                  answers[3][1]]]
    missed_footer = t["missed_weeks"].footer
    rows.append([str(_l("Missed contacts per week on average")), missed_footer[1], None])
    table.rows = rows
    table.note = t["referrals"].note
    return table


def build(session: Session, period: Period, taxonomy: Taxonomy) -> list[Table]:
    """Every table of the report for one period, in page order: at a glance first."""
    t = queries.tally(session, period)
    labels = Labels(taxonomy)
    tables = [*contacts(t, period), *who(t, taxonomy, labels),
              *referrals(t, taxonomy, labels, *arrivals(session, period)),
              *follow_up(t), *own_word(feedback.counts(session, period.first, period.last)),
              *times(t), *people(t, taxonomy, labels),
              *missed_tables(session, period, t)]
    return [glance(tables), *tables]
