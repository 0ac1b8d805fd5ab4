"""Demo data: a realistic 2017-2021 history from the helpline's published figures.

Volumes, channel mix, target groups and subcategories, referrals, follow-ups and the
contacts' own word follow the annual report (see docs/supervisor-guide.md, "Demo
data"); counts are distributed exactly (largest remainder), the rest is drawn from a
seeded generator, so two runs give the same database. `scale` multiplies everything
(the benchmark uses it for 100,000 registrations).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ..availability.models import MissedContact
from ..reports.models import ReferralArrival
from .models import Registration

# Contacts per year and channel: 1,913 in all (e-mail 893, phone 814, chat 206 since June
# 2019); 2021 is 40% phone, 42% e-mail, 18% chat.
YEARS = {
    2017: {"phone": 149, "email": 166, "chat": 0},
    2018: {"phone": 212, "email": 235, "chat": 0},
    2019: {"phone": 114, "email": 127, "chat": 40},
    2020: {"phone": 175, "email": 193, "chat": 92},
    2021: {"phone": 164, "email": 172, "chat": 74},
}
CHAT_SINCE = date(2019, 6, 1)
# Registration categories 2017-2021 (the annual report; the partner count is not
# published: 20 is our guess). The weights are scaled to the total number of contacts.
SUBCATEGORIES = {
    "self": {"sexual_feelings_minors": 506, "csam_downloader": 295, "potential_downloader": 66,
             "hands_on_offender": 130, "other_sexual_problem": 59},
    "close_one": {"partner_of_offender": 20, "adult_concerned_offender": 175,
                  "adult_concerned_potential_offender": 135, "adult_concerned_downloader": 66,
                  "child_online_behaviour": 13, "child_sexual_behaviour": 17,
                  "child_signs_of_abuse": 7, "other_person_sexual_problem": 23},
    "professional": {"general_practitioner": 3, "teacher": 4, "psychologist": 39,
                     "sexologist": 13, "other_helpline": 15, "other_professional": 83},
    "society": {"information_request": 116, "societal_question": 87, "not_serious": 43,
                "hung_up": 84},
}
# Target groups where the annual report gives a year's own figures (shares of that year's
# contacts): 2021 was 48% about themselves, 19% about a close one, 10% professionals. The
# other groups and years share what is left, so 2017-2021 keeps the categories above.
YEAR_GROUPS = {2021: {"self": 0.48, "close_one": 0.19, "professional": 0.10}}
TOTALS = {"referrals": 263, "arrived": 210, "accepted": 240, "follow_up_appointments": 38,
          "kept": 30, "contacted_before": 178, "said_helpful": 797}
CENTRES = {"caw": 0.35, "cgg": 0.45, "ufc": 0.2}
REGIONS = {"antwerp": 0.28, "east_flanders": 0.22, "west_flanders": 0.17,
           "flemish_brabant": 0.15, "limburg": 0.12, "brussels_capital": 0.06}
GENDERS = {"man": 0.55, "woman": 0.2, "x": 0.01, "unknown": 0.24}
AGES = {"under_18": 0.03, "18_25": 0.1, "26_35": 0.12, "36_45": 0.1, "46_55": 0.07,
        "56_65": 0.04, "over_65": 0.02, "unknown": 0.52}
# Phone sessions (weekday, first hour, last hour) and the weekly chat session.
PHONE_HOURS = [(1, 15, 18), (2, 9, 12), (4, 12, 14)]
CHAT_HOURS = [(3, 19, 21)]
MISSED_CHATTERS_PER_WEEK = 40
TZ = ZoneInfo("Europe/Brussels")


def spread(total: int, weights: dict[str, float]) -> dict[str, int]:
    """`total` split by weight, exactly (largest remainder)."""
    whole = sum(weights.values())
    raw = {k: total * w / whole for k, w in weights.items()}
    counts = {k: int(v) for k, v in raw.items()}
    left = total - sum(counts.values())
    for k in sorted(raw, key=lambda k: (counts[k] - raw[k], k))[:left]:
        counts[k] += 1
    return counts


def _bag(total: int, weights: dict[str, float], rng: random.Random) -> list[str]:
    """`total` keys in the exact proportions, shuffled."""
    bag = [k for k, n in spread(total, weights).items() for _ in range(n)]
    rng.shuffle(bag)
    return bag


def _moment(rng: random.Random, year: int, channel: str) -> datetime:
    """A naive UTC hour in the year, in the channel's opening hours (e-mail: any hour)."""
    first = CHAT_SINCE if channel == "chat" and year == CHAT_SINCE.year else date(year, 1, 1)
    while True:
        day = first + timedelta(days=rng.randrange((date(year, 12, 31) - first).days + 1))
        sessions = {"phone": PHONE_HOURS, "chat": CHAT_HOURS}.get(channel)
        if sessions is None:
            hour = rng.randrange(7, 23)
        else:
            match = [s for s in sessions if s[0] == day.weekday()]
            if not match:
                continue
            hour = rng.randint(match[0][1], match[0][2])
        local = datetime(day.year, day.month, day.day, hour, tzinfo=TZ)
        return local.astimezone(UTC).replace(tzinfo=None)


def year_groups(scale: int = 1) -> dict[int, dict[str, int]]:
    """Contacts per year and target group, exact both ways: each year's total is YEARS',
    each group's total follows SUBCATEGORIES, and a year in YEAR_GROUPS has its shares."""
    left = dict(_group_totals(scale))
    out: dict[int, dict[str, int]] = {}
    for year, shares in YEAR_GROUPS.items():
        n = sum(YEARS[year].values()) * scale
        fixed = {g: round(n * share) for g, share in shares.items()}
        rest = spread(n - sum(fixed.values()), {g: left[g] for g in left if g not in fixed})
        out[year] = {**fixed, **rest}
    for counts in out.values():
        for group, n in counts.items():
            left[group] -= n
    free = [year for year in YEARS if year not in YEAR_GROUPS]
    for i, year in enumerate(free):
        n = sum(YEARS[year].values()) * scale
        out[year] = dict(left) if i == len(free) - 1 else spread(n, left)
        for group, count in out[year].items():
            left[group] -= count
    return {year: out[year] for year in YEARS}


def _subcategory_counts(scale: int) -> dict[str, int]:
    weights = {sub: n for subs in SUBCATEGORIES.values() for sub, n in subs.items()}
    return spread(sum(sum(mix.values()) for mix in YEARS.values()) * scale, weights)


def _group_totals(scale: int) -> dict[str, int]:
    subs = _subcategory_counts(scale)
    return {group: sum(subs[s] for s in names) for group, names in SUBCATEGORIES.items()}


def rows(scale: int = 1, seed: int = 2017) -> list[dict]:
    """Every demo registration as a dict of column values."""
    rng = random.Random(seed)
    subs = _subcategory_counts(scale)
    pools = {}
    for group, names in SUBCATEGORIES.items():
        pools[group] = [sub for sub in names for _ in range(subs[sub])]
        rng.shuffle(pools[group])
    out = []
    for year, groups in year_groups(scale).items():
        plan = [channel for channel, n in YEARS[year].items() for _ in range(n * scale)]
        bag = [group for group, n in groups.items() for _ in range(n)]
        rng.shuffle(bag)
        for channel, group in zip(plan, bag, strict=True):
            out.append(_registration(rng, year, channel, group, pools[group].pop()))
    _assign(rng, out, scale)
    return out


def _registration(rng: random.Random, year: int, channel: str, group: str, sub: str) -> dict:
    duration = {"phone": max(2, round(rng.gauss(20, 8))) * 60,
                "chat": max(5, round(rng.gauss(45, 15))) * 60}.get(channel)
    return {
        "channel": channel, "status": "filed", "contact_hour": _moment(rng, year, channel),
        "staff_id": None, "target_group": group, "subcategory": sub,
        "help_given": sorted(rng.sample(["listening", "information", "advice", "support"],
                                        rng.randint(1, 3)),
                             key=["listening", "information", "advice", "support"].index),
        "referral_target": None, "referral_region": None, "referral_accepted": None,
        "follow_up": "may_contact_again" if rng.random() < 0.5 else "none",
        "follow_up_kept": False, "risk": "no_indication", "contacted_before": "unknown",
        "said_helpful": False, "age_band": "unknown", "gender": "unknown",
        "wait_seconds": rng.randint(5, 900) if channel == "chat" else None,
        "duration_seconds": duration, "series_id": None, "note": "",
    }


def _assign(rng: random.Random, out: list[dict], scale: int) -> None:
    """Referrals, follow-ups, the contacts' own word, ages and genders, in exact numbers."""
    serious = [r for r in out if r["subcategory"] not in ("hung_up", "not_serious")]
    referred = rng.sample(serious, TOTALS["referrals"] * scale)
    centres = _bag(len(referred), CENTRES, rng)
    regions = _bag(len(referred), REGIONS, rng)
    accepted = set(range(TOTALS["accepted"] * scale))
    for i, (row, centre, region) in enumerate(zip(referred, centres, regions, strict=True)):
        row["help_given"] = [*row["help_given"], "referral"]
        row.update(referral_target=centre, referral_region=region,
                   referral_accepted=i in accepted)
    for row in rng.sample(serious, TOTALS["follow_up_appointments"] * scale):
        row["follow_up"] = "follow_up_appointment"
    for row in rng.sample(serious, TOTALS["kept"] * scale):
        row["follow_up_kept"] = True
    for row in rng.sample(serious, TOTALS["contacted_before"] * scale):
        row["contacted_before"] = "yes"
    for row in rng.sample(serious, TOTALS["said_helpful"] * scale):
        row["said_helpful"] = True
    for field, weights in (("gender", GENDERS), ("age_band", AGES)):
        for row, key in zip(out, _bag(len(out), weights, rng), strict=True):
            row[field] = key


def arrivals(scale: int = 1) -> list[dict]:
    """The centres' reported arrivals: 210 in all, per centre and per year."""
    per_year = spread(TOTALS["arrived"] * scale,
                      {y: sum(mix.values()) for y, mix in YEARS.items()})
    out = []
    for year, n in per_year.items():
        for centre, count in spread(n, CENTRES).items():
            out.append({"centre": centre, "first_day": date(year, 1, 1),
                        "last_day": date(year, 12, 31), "arrived": count})
    return out


def missed_rows(seed: int = 2021) -> list[dict]:
    """About 40 chatters a week arriving while the chat is closed, in 2021."""
    rng = random.Random(seed)
    out = []
    day = date(2021, 1, 4)
    while day.year == 2021:
        for _ in range(MISSED_CHATTERS_PER_WEEK):
            moment = datetime.combine(day + timedelta(days=rng.randrange(7)),
                                      datetime.min.time()).replace(hour=rng.randrange(24),
                                                                   tzinfo=TZ)
            out.append({"hour": moment.astimezone(UTC).replace(tzinfo=None),
                        "reason": "closed", "wait_seconds": None})
        day += timedelta(days=7)
    return out


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Registration))


def fill(session: Session, scale: int = 1, missed: bool = True) -> int:
    """Insert the demo history in bulk; returns the number of registrations."""
    data = rows(scale)
    for start in range(0, len(data), 5000):
        session.execute(insert(Registration), data[start:start + 5000])
    session.execute(insert(ReferralArrival), arrivals(scale))
    if missed:
        session.execute(insert(MissedContact), missed_rows())
    session.commit()
    return len(data)
