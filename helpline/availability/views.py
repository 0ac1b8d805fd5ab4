"""Supervisor pages: opening hours (weekly sessions and exceptions) and missed chats."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import i18n
from ..auth.access import roles_required
from ..extensions import db
from ..i18n import WEEKDAY_NAMES
from ..records.models import CHANNEL_NAMES, CHANNELS
from ..reports import charts, export, periods
from . import gate, missed, schedule
from .forms import (
    KIND_NAMES,
    DeleteForm,
    ExceptionForm,
    SlotForm,
    overlap,
    parse_span,
    span_text,
)
from .models import (
    REASONS,
    WAITED_REASONS,
    OpeningException,
    OpeningSlot,
)

bp = Blueprint("availability", __name__, url_prefix="/staff")

REASON_NAMES = {
    "closed": _l("Arrived while closed"),
    "nobody_on_duty": _l("Nobody on duty"),
    "left_unanswered": _l("Left the line unanswered"),
    "dropped_waiting": _l("Dropped while waiting"),
    "at_capacity": _l("Turned away at capacity"),
    "message_overdue": _l("Anonymous message unanswered past the promised day"),
}
# The longest period the missed-chats page reports on at once.
MAX_PERIOD_DAYS = 3 * 366


# ---------- opening hours: saving the forms ----------

def _add_slot(form: SlotForm) -> bool:
    if not form.validate():
        parse_span(form, required=True)  # show time problems alongside the others
        return False
    span = parse_span(form, required=True)
    if span is None:
        return False
    starts, ends = span
    clash = next((s for s in db.session.scalars(select(OpeningSlot).where(
        OpeningSlot.channel == form.channel.data, OpeningSlot.weekday == form.weekday.data))
        if overlap(s, starts, ends)), None)
    if clash:
        form.starts.errors = [*form.starts.errors, str(_l(
            "This overlaps the session %(span)s on the same day; change or remove that one.",
            span=span_text(clash.starts, clash.ends)))]
        return False
    db.session.add(OpeningSlot(channel=form.channel.data, weekday=form.weekday.data,
                               starts=starts, ends=ends))
    db.session.commit()
    flash(str(_l("Added: %(channel)s, %(day)s %(span)s.",
                 channel=CHANNEL_NAMES[form.channel.data],
                 day=WEEKDAY_NAMES[form.weekday.data], span=span_text(starts, ends))))
    return True


def _add_exception(form: ExceptionForm) -> bool:
    if not form.validate():
        parse_span(form, required=form.kind.data == "extra")
        return False
    span = parse_span(form, required=form.kind.data == "extra")
    if span is None:
        return False
    starts, ends = span
    db.session.add(OpeningException(channel=form.channel.data, day=form.day.data,
                                    kind=form.kind.data, starts=starts, ends=ends,
                                    note=(form.note.data or "").strip()))
    db.session.commit()
    flash(str(_l("Added: %(channel)s on %(day)s, %(kind)s %(span)s.",
                 channel=CHANNEL_NAMES[form.channel.data], day=format_date(form.day.data, "long"),
                 kind=str(KIND_NAMES[form.kind.data]).lower(), span=span_text(starts, ends))))
    return True


def _delete(model, form: DeleteForm) -> bool:
    if not form.validate():
        return False
    row = db.session.get(model, form.item.data)
    if row is not None:
        db.session.delete(row)
        db.session.commit()
        flash(str(_l("Removed.")))
    return True


# ---------- opening hours page ----------

def _now() -> datetime:
    return datetime.now(UTC)


def _hours_context(slot_form, exception_form, error: str | None = None) -> dict:
    now = _now()
    tz = gate.timezone()
    today = now.astimezone(tz).date()
    slots = list(db.session.scalars(select(OpeningSlot).order_by(
        OpeningSlot.channel, OpeningSlot.weekday, OpeningSlot.starts)))
    exceptions = list(db.session.scalars(select(OpeningException).where(
        OpeningException.day >= today - timedelta(days=30)).order_by(
        OpeningException.day, OpeningException.channel, OpeningException.starts)))
    hours = gate.load_hours(db.session, now)
    channels = []
    for channel in CHANNELS:
        nxt = schedule.next_opening(hours.slots, hours.exceptions, channel, now, tz)
        end = schedule.current_session_end(hours.slots, hours.exceptions, channel, now, tz)
        channels.append({
            "key": channel, "name": CHANNEL_NAMES[channel],
            "slots": [s for s in slots if s.channel == channel],
            "text": i18n.hours_text(hours.slots, channel, "abbreviated"),
            "open_now": end is not None,
            "open_until": _when(end) if end and end - now < timedelta(days=7) else None,
            "next_opening": _when(nxt) if nxt else None,
        })
    return {"channels": channels, "exceptions": exceptions, "today": today,
            "slot_form": slot_form, "exception_form": exception_form,
            "delete_form": DeleteForm(formdata=None, prefix="del"), "error": error,
            "weekday_names": WEEKDAY_NAMES, "channel_names": CHANNEL_NAMES,
            "kind_names": KIND_NAMES, "span_text": span_text, "time_zone": tz.key}


def _when(moment: datetime) -> str:
    """A moment in the helpline's time zone, as supervisors read it."""
    return format_datetime(moment, "EEEE d MMMM y, HH:mm")


@bp.route("/hours", methods=["GET", "POST"])
@roles_required("supervisor")
def hours():
    slot_form = SlotForm(prefix="slot", formdata=None)
    exception_form = ExceptionForm(prefix="exc", formdata=None)
    if request.method == "POST":
        action = request.form.get("action", "")
        if action == "add_slot":
            slot_form = SlotForm(prefix="slot")
            done = _add_slot(slot_form)
        elif action == "add_exception":
            exception_form = ExceptionForm(prefix="exc")
            done = _add_exception(exception_form)
        elif action in ("delete_slot", "delete_exception"):
            model = OpeningSlot if action == "delete_slot" else OpeningException
            done = _delete(model, DeleteForm(prefix="del"))
        else:
            abort(400)
        if done:
            return redirect(url_for("availability.hours"))
        error = str(_l("Nothing was saved: correct the fields marked below."))
        return render_template("admin/hours.html",
                               **_hours_context(slot_form, exception_form, error)), 400
    return render_template("admin/hours.html", **_hours_context(slot_form, exception_form))


# ---------- missed chats ----------

def _period(default: missed.Period) -> missed.Period:
    """The period from ?from=YYYY-MM-DD&to=YYYY-MM-DD, either end defaulting to `default`'s."""
    return periods.dates(request.args, default.tz, default, MAX_PERIOD_DAYS)


def _default_period() -> missed.Period:
    """The last eight weeks up to today."""
    return missed.default_period(gate.today(), gate.timezone())


def answer(report: missed.Report) -> str:
    """One sentence: when would extra opening hours catch most missed chatters?"""
    if not report.total:
        return str(_l("No missed chatters were recorded in this period."))
    best = report.best_extra_hours()
    if not best:
        return str(_l("All %(n)s missed chatters came during the current chat hours: more "
                      "therapists on duty would help more than longer hours.", n=report.total))
    parts = [str(_l("%(day)s %(hour)s (%(n)s)", day=WEEKDAY_NAMES[c.weekday],
                    hour=charts.hour_span(c.hour), n=c.count)) for c in best]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + str(_l(" and ")) + parts[-1]
    outside = sum(c.count for c in report.cells() if not c.in_chat_hours)
    return str(_l(
        "Extra opening hours would catch most missed chatters on %(cells)s: of the "
        "%(outside)s who came outside the current chat hours, %(caught)s came then.",
        cells=listed, outside=outside, caught=sum(c.count for c in best)))


def _duration(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    minutes, secs = divmod(round(seconds), 60)
    return str(_l("%(m)s min %(s)s s", m=minutes, s=secs)) if minutes else str(
        _l("%(s)s s", s=secs))


@bp.route("/missed")
@roles_required("supervisor")
def missed_page():
    status, error, default = 200, None, _default_period()
    try:
        period = _period(default)
    except periods.PeriodError as exc:
        status, error, period = 400, str(exc), default
    slots = list(db.session.scalars(select(OpeningSlot).where(OpeningSlot.channel == "chat")))
    report = missed.report(db.session, period, slots)
    return render_template(
        "admin/missed.html", report=report, period=period, error=error,
        heatmap=charts.heatmap(report), answer=answer(report), reasons=REASONS,
        reason_names=REASON_NAMES, waited_reasons=WAITED_REASONS,
        average={k: _duration(v) for k, v in report.average_wait.items()},
        chat_hours=i18n.hours_text(slots, "chat", "abbreviated"), time_zone=period.tz.key,
    ), status


@bp.route("/missed.csv")
@roles_required("supervisor")
def missed_csv():
    try:
        period = _period(_default_period())
    except periods.PeriodError as exc:
        abort(400, str(exc))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    # Headers in the reader's language; the values stay machine-readable (ISO times, keys).
    writer.writerow([_l("Hour (local time)"), _l("Reason"), _l("Wait (seconds)")])
    writer.writerows(missed.csv_rows(db.session, period))
    return export.attachment(out.getvalue(), "text/csv", "missed-chats", period, "csv")

