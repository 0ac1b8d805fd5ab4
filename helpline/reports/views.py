"""The reports page, its exports, and the centres' arrival numbers (supervisors only)."""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import roles_required
from ..availability import gate
from ..extensions import db
from ..records import retention
from ..records.taxonomy import current as current_taxonomy
from . import charts, export, periods, queries, report
from .models import ReferralArrival

bp = Blueprint("reports", __name__, url_prefix="/staff/reports")
MAX_ARRIVED = 100_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"



def _period():
    """The requested period, or a 400 page for a malformed one."""
    tz = gate.timezone()
    try:
        return periods.parse(request.args, tz, gate.today(), queries.first_day(db.session, tz))
    except periods.PeriodError as exc:
        abort(400, str(exc))


def _retention() -> dict:
    return retention.settings(current_app.config)


@bp.route("/")
@roles_required("supervisor")
def page():
    period, args = _period()
    tables = report.build(db.session, period, current_taxonomy())
    years = sorted({int(row[0][:4]) for t in tables if t.key == "months" for row in t.rows}
                   | {period.last.year})
    return render_template(
        "admin/reports.html", tables=tables, charts={t.key: charts.chart(t) for t in tables},
        period=period, args=args, years=years, taxonomy=current_taxonomy(),
        retention=_retention(), arrivals_rule=report.ARRIVALS_RULE)


@bp.route("/<key>.csv")
@roles_required("supervisor")
def table_csv(key: str):
    period, _args = _period()
    tables = report.build(db.session, period, current_taxonomy())
    table = next((t for t in tables if t.key == key), None)
    if table is None:
        abort(404)
    return export.attachment(export.table_csv(table), "text/csv", key, period, "csv")


@bp.route("/report.xlsx")
@roles_required("supervisor")
def xlsx():
    period, _args = _period()
    tables = report.build(db.session, period, current_taxonomy())
    title = f"{current_app.config['HELPLINE_NAME']} {period.first} – {period.last}"
    return export.attachment(export.workbook(tables, title), XLSX, "report", period, "xlsx")


@bp.route("/registrations.csv")
@roles_required("supervisor")
def registrations_csv():
    period, _args = _period()
    machine = request.args.get("machine") == "1"
    rows = export.registration_rows(db.session, period, notes=request.args.get("notes") == "1",
                                    taxonomy=current_taxonomy(), machine=machine)
    return export.attachment(stream_with_context(rows), "text/csv",
                             "registrations-keys" if machine else "registrations", period,
                             "csv")


@bp.route("/arrivals", methods=["POST"])
@roles_required("supervisor")
def arrivals():
    """A centre's reported number of arrived referrals for a span of days."""
    form = request.form
    centre = form.get("centre", "")
    try:
        first = datetime.strptime(form.get("first_day", ""), "%Y-%m-%d").date()
        last = datetime.strptime(form.get("last_day", ""), "%Y-%m-%d").date()
        arrived = int(form.get("arrived", ""))
    except ValueError:
        first = last = None
        arrived = -1
    if (centre not in current_taxonomy().keys("referral_targets") or first is None
            or first > last or not 0 <= arrived <= MAX_ARRIVED):
        flash(_("The arrivals were not saved: choose a centre, two dates in order and a "
                "number of people."))
        return redirect(url_for("reports.page"))
    db.session.add(ReferralArrival(centre=centre, first_day=first, last_day=last,
                                   arrived=arrived, entered_by=current_user.id))
    db.session.commit()
    flash(_("Arrivals saved."))
    return redirect(url_for("reports.page", **{"from": first.isoformat(),
                                               "to": last.isoformat()}))
