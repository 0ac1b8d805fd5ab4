"""The period a statistics page covers, from its query string: one parser for every page.

The reports: ?year=2021, ?year=2021&quarter=3, ?year=2021&month=6,
?from=YYYY-MM-DD&to=YYYY-MM-DD, or ?all=1 ("since the start"); without any, the current
year so far. The missed chats (availability/views.py): ?from=...&to=..., either one may
be left out (the default period's end is used), up to a longest span.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from ..availability.missed import Period

# Days far from now are typing mistakes; at the calendar's ends they would overflow.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)

BAD_DATES = _l("Give the dates as YYYY-MM-DD.")
BAD_ORDER = _l("The first day must not be after the last day.")
TOO_LONG = _l("Choose a period of at most three years.")
NO_PERIOD = _l("Choose a period: a year, a quarter, a month, two dates or since the start.")


class PeriodError(ValueError):
    """The query string does not name a period; str() says why, in the reader's language."""


def _day(args, name: str) -> date | None:
    """?name=YYYY-MM-DD between FIRST_DAY and LAST_DAY, None when absent or blank."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise PeriodError(BAD_DATES) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise PeriodError(BAD_DATES)
    return day


def dates(args, tz: ZoneInfo, default: Period | None = None,
          longest_days: int | None = None) -> Period:
    """?from=...&to=...: without a `default` both are needed, with one a missing end is the
    default's; the first day not after the last, the span shorter than `longest_days`."""
    first, last = _day(args, "from"), _day(args, "to")
    if default is not None:
        first, last = first or default.first, last or default.last
    if first is None or last is None:
        raise PeriodError(BAD_DATES)
    if first > last:
        raise PeriodError(BAD_ORDER)
    if longest_days is not None and (last - first).days >= longest_days:
        raise PeriodError(TOO_LONG)
    return Period(first, last, tz)


def _int(args, name: str, low: int, high: int) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise PeriodError(NO_PERIOD)
    return int(raw)


def parse(args, tz: ZoneInfo, today: date, start: date | None) -> tuple[Period, dict]:
    """The reports' period and the query arguments that name it (for links and exports)."""
    if args.get("all"):
        return Period(min(start or today, today), today, tz), {"all": "1"}
    if args.get("from") or args.get("to"):
        try:
            period = dates(args, tz)
        except PeriodError:
            raise PeriodError(NO_PERIOD) from None
        return period, {"from": period.first.isoformat(), "to": period.last.isoformat()}
    year = _int(args, "year", FIRST_DAY.year, LAST_DAY.year) or today.year
    quarter = _int(args, "quarter", 1, 4)
    month = _int(args, "month", 1, 12)
    if quarter:
        first_month, last_month, named = 3 * quarter - 2, 3 * quarter, {"quarter": str(quarter)}
    elif month:
        first_month, last_month, named = month, month, {"month": str(month)}
    else:
        first_month, last_month, named = 1, 12, {}
    last = date(year, last_month, monthrange(year, last_month)[1])
    return Period(date(year, first_month, 1), last, tz), {"year": str(year), **named}
