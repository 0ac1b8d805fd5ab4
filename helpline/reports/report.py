"""The reports page's figures, as tables: built from a Tally and a few aggregate tables.

Every section is a Table (title, headers, rows of plain values), so the page, the CSV
export and the XLSX workbook show exactly the same numbers. Building tables from a
tally is pure: the unit tests feed hand-made tallies and registrations.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..availability import missed
from ..availability.missed import Period
from ..records.models import CHANNEL_NAMES, CHANNELS
from ..records.taxonomy import Taxonomy
from . import feedback, queries
from .models import ReferralArrival
from .queries import Tally, quantile

UNKNOWN = _l("Unknown")
APPOINTMENT = "follow_up_appointment"  # the follow_up key of an appointment made
REFERRAL = "referral"


@dataclass
class Table:
    """One section of the report: the page shows it, CSV and XLSX export it."""

    key: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    chart: str | None = None  # 'bars' (horizontal, first two columns) or 'months'
    footer: list | None = None  # a totals row, kept out of the chart

    def all_rows(self) -> list[list]:
        return self.rows + ([self.footer] if self.footer else [])


def pct(part: int, whole: int) -> float | None:
    """A share in percent with one decimal, or None when there is nothing to share."""
    return round(100 * part / whole, 1) if whole else None


class Labels:
    """Taxonomy labels in the reader's language."""

    def __init__(self, taxonomy: Taxonomy):
        lang = str(get_locale() or "en")
        self.names: dict[str, dict[str, str]] = {}
        for section in ("age_bands", "genders", "help_given", "referral_targets", "regions",
                        "follow_up", "target_groups"):
            self.names[section] = {o.key: o.label_for(lang) for o in getattr(taxonomy, section)}
        self.names["subcategories"] = {s.key: s.label_for(lang)
                                       for g in taxonomy.target_groups for s in g.subcategories}

    def __call__(self, section: str, key: str) -> str:
        if key in ("", "unknown"):
            return str(UNKNOWN)
        return self.names.get(section, {}).get(key, key)


def _share_table(key, title, first, counts: Counter, order, labels, section, total):
    """Rows of (label, count, % of total) in taxonomy order, then unknown keys, then unknown."""
    table = Table(key, str(title), [str(first), str(_l("Count")), "%"], chart="bars")
    keys = [k for k in order if counts.get(k)] + sorted(
        k for k in counts if k not in order and k not in ("", "unknown") and counts[k])
    keys += [k for k in ("unknown", "") if counts.get(k)]
    for k in keys:
        table.rows.append([labels(section, k), counts[k], pct(counts[k], total)])
    return table


def contacts(t: Tally) -> list[Table]:
    """Total and per channel; per month per channel."""
    per = t.channels()
    total = sum(per.values())
    channels = Table("channels", str(_l("Contacts per channel")),
                     [str(_l("Channel")), str(_l("Count")), "%"], chart="bars")
    for channel in CHANNELS:
        channels.rows.append([str(CHANNEL_NAMES[channel]), per[channel], pct(per[channel], total)])
    channels.footer = [str(_l("Total")), total, 100.0 if total else None]
    months = Table("months", str(_l("Contacts per month and channel")),
                   [str(_l("Month"))] + [str(CHANNEL_NAMES[c]) for c in CHANNELS]
                   + [str(_l("Total"))], chart="months")
    by_month = {c: t.by_key("month", c) for c in CHANNELS}
    for month in sorted(set().union(*by_month.values())):
        counts = [by_month[c][month] for c in CHANNELS]
        months.rows.append([month, *counts, sum(counts)])
    apart = Table("no_conversation", str(_l("Chats without a conversation (not contacts)")),
                  [str(_l("Figure")), str(_l("Count"))])
    apart.rows.append([str(_l("Ended before the chatter wrote anything")), t.no_conversation()])
    return [channels, months, apart]


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
              arrivals: Counter) -> list[Table]:
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
    return [durations, wait]


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
    """Missed contacts per ISO week (from the ledger), and the share of chatters answered."""
    report = missed.report(session, period, [])
    weeks = Table("missed_weeks", str(_l("Missed contacts per week")),
                  [str(_l("Week")), str(_l("Missed"))])
    weeks.rows = [[week.label, week.total] for week in report.weeks]
    answered = t.channels()["chat"]
    missed_n = report.total + sum(t.by_key("missed").values())  # rows + folded months
    share = Table("answered", str(_l("Chatters answered")),
                  [str(_l("Chats answered")), str(_l("Chatters missed")), "%"])
    share.rows.append([answered, missed_n, pct(answered, answered + missed_n)])
    return [weeks, share]


def arrivals(session: Session, period: Period) -> Counter:
    """Arrivals reported by the centres for spans that lie inside the period."""
    rows = session.execute(
        select(ReferralArrival.centre, func.sum(ReferralArrival.arrived))
        .where(ReferralArrival.first_day >= period.first, ReferralArrival.last_day <= period.last)
        .group_by(ReferralArrival.centre))
    return Counter({centre: int(n or 0) for centre, n in rows})


def build(session: Session, period: Period, taxonomy: Taxonomy) -> list[Table]:
    """Every table of the report for one period, in page order."""
    t = queries.tally(session, period)
    labels = Labels(taxonomy)
    return [*contacts(t), *who(t, taxonomy, labels),
            *referrals(t, taxonomy, labels, arrivals(session, period)),
            *follow_up(t), *own_word(feedback.counts(session, period.first, period.last)),
            *times(t), *people(t, taxonomy, labels),
            *missed_tables(session, period, t)]
