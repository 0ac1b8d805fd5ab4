"""The period a report covers, from the page's query string.

?year=2021, ?year=2021&quarter=3, ?year=2021&month=6, ?from=YYYY-MM-DD&to=YYYY-MM-DD, or
?all=1 ("since the start"); without any, the current year so far.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date
from zoneinfo import ZoneInfo

from ..availability.missed import Period


class PeriodError(ValueError):
    """The query string does not name a period."""


def _int(args, name: str, low: int, high: int) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise PeriodError(name)
    return int(raw)


def parse(args, tz: ZoneInfo, today: date, start: date | None) -> tuple[Period, dict]:
    """The period and the query arguments that name it (for links and exports)."""
    if args.get("all"):
        return Period(min(start or today, today), today, tz), {"all": "1"}
    if args.get("from") or args.get("to"):
        try:
            first = date.fromisoformat(args.get("from", "").strip())
            last = date.fromisoformat(args.get("to", "").strip())
        except ValueError:
            raise PeriodError("dates") from None
        if first > last:
            raise PeriodError("order")
        return Period(first, last, tz), {"from": first.isoformat(), "to": last.isoformat()}
    year = _int(args, "year", 2000, 2999) or today.year
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
