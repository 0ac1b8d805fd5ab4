"""Which language a request is answered in, and locale-aware helpers for pages and JS.

Order for a chatter: `?lang=` (the page passes it on to its socket too), else
Accept-Language, else HELPLINE_DEFAULT_LANGUAGE. The tab's earlier choice lives in
sessionStorage and comes back as `?lang=` (static/js/lib/common.js). Staff: the account's
saved preference, then Accept-Language, then the helpline default. Nothing about the
language is stored in a cookie.
"""

from __future__ import annotations

from babel import Locale
from flask import current_app, has_request_context, request
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from flask_login import current_user

from .availability import schedule

LANGUAGES = ("nl", "fr", "en")  # Dutch first: the helpline's own order
NATIVE_NAMES = {"nl": "Nederlands", "fr": "Français", "en": "English"}


def default_language() -> str:
    lang = current_app.config.get("HELPLINE_DEFAULT_LANGUAGE", "nl")
    return lang if lang in LANGUAGES else "nl"


def known(value: object) -> str | None:
    """`value` if it names one of our languages ('nl-BE' counts as 'nl'), else None."""
    if not isinstance(value, str):
        return None
    code = value.strip()[:2].lower()
    return code if code in LANGUAGES else None


# Where a request's (or a socket connection's) language is kept once chosen.
LOCALE_KEY = "helpline.locale"


def select_locale() -> str:
    """Flask-Babel's locale selector (runs per request and per socket event).

    Every event of a socket reuses its connection's WSGI environ, so the language is chosen
    once per connection, not per event: a flood of refused events pays less, and a socket
    keeps one language (a page that changes it reloads and connects again)."""
    if not has_request_context():
        return default_language()
    environ = request.environ
    if LOCALE_KEY not in environ:
        environ[LOCALE_KEY] = (
            known(request.args.get("lang")) or _staff_language()
            or request.accept_languages.best_match(LANGUAGES) or default_language())
    return environ[LOCALE_KEY]


def _staff_language() -> str | None:
    """A signed-in staff member's saved preference (None: follow the browser)."""
    try:
        return known(getattr(current_user, "language", None))
    except Exception:  # no login manager on this request (e.g. outside the app's pages)
        return None


def current_language() -> str:
    return str(get_locale() or default_language())[:2]


def weekday_names(lang: str | None = None, width: str = "wide") -> list[str]:
    """Monday..Sunday in the reader's language, from Babel's locale data."""
    days = Locale.parse(lang or current_language()).days["format"][width]
    return [days[i] for i in range(7)]


def language_name(code: str | None, lang: str | None = None) -> str:
    """The name of language `code` in the reader's language ('Nederlands', 'néerlandais')."""
    if not code:
        return ""
    name = Locale.parse(lang or current_language()).languages.get(code, code)
    return name[:1].upper() + name[1:]


def js_locale() -> dict:
    """What every page's JS needs for dates and times: language, time zone, 24-hour clock."""
    return {"lang": current_language(),
            "time_zone": current_app.config["HELPLINE_TIMEZONE"],
            "languages": [{"code": c, "name": NATIVE_NAMES[c]} for c in LANGUAGES]}


def hours_text(slots, channel: str, width: str = "wide") -> str:
    """A channel's weekly hours in the reader's language, weekday names from Babel.

    Chatters read whole names ('dinsdag 15:00–19:00'); staff pages pass "abbreviated"."""
    words = {"always": _("Every day, 24 hours"), "every_day": _("Every day {hours}"),
             "none": _("No regular hours")}
    return schedule.weekly_text(slots, channel, weekday_names(width=width), words)


def lazy_weekday(index: int, width: str = "wide"):
    """Monday (0) .. Sunday (6) in the reader's language, resolved when shown."""
    return LazyString(lambda: weekday_names(width=width)[index])


# For forms and charts built once, each shown in its reader's language.
WEEKDAY_NAMES = [lazy_weekday(i) for i in range(7)]
WEEKDAY_SHORT = [lazy_weekday(i, "abbreviated") for i in range(7)]


def number(value: object) -> object:
    """A count or a share in the reader's notation (1.913 and 10,8 in Dutch); other
    values (labels, dashes) pass through unchanged. A Jinja filter: `{{ v|number }}`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    # Shares and means carry one decimal (the reports round them so), counts none.
    return format_decimal(value, format="#,##0.0" if isinstance(value, float) else "#,##0")
