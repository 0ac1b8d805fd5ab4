"""Staff pages for registrations: file a phone or e-mail contact, list and correct them."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.access import roles_required
from ..availability import gate
from ..extensions import db
from ..i18n import current_language
from . import registrations
from .models import CHANNEL_NAMES, Registration
from .registrations import Contact, InvalidRegistration, NeedsConfirmation
from .scrubber.labels import label as scrub_label
from .summary_rules import FIELDS
from .taxonomy import current as current_taxonomy

bp = Blueprint("registrations", __name__, url_prefix="/staff/registrations")

FORM_ERRORS = {"started": _l("Check the date and start time."),
               "duration": _l("The duration must be a whole number of minutes (0 to 1440).")}



def form_values(form) -> dict:
    """The taxonomy fields of a posted form, as the shared rules expect them."""
    values = {field: form.get(field) for field in FIELDS if field in form}
    values["help_given"] = form.getlist("help_given")
    return values


def form_contact(form) -> Contact:
    """Channel, local start and duration of the form; bad input becomes a Contact error."""
    try:
        local = datetime.strptime(f"{form.get('date', '')} {form.get('time', '')}",
                                  "%Y-%m-%d %H:%M").replace(tzinfo=gate.timezone())
        started = local.astimezone(UTC).replace(tzinfo=None)
    except ValueError:
        started = datetime.max  # refused by Contact.check as "in the future"
    raw = (form.get("duration") or "").strip()
    try:
        duration = int(raw) if raw else None
    except ValueError:
        duration = -1  # refused by Contact.check
    return Contact(form.get("channel", ""), started, duration)


def _defaults(row: Registration | None) -> dict:
    """What the form shows first: a row's values, or now and nothing chosen."""
    if row is None:
        now = datetime.now(gate.timezone())
        return {"channel": "phone", "date": now.strftime("%Y-%m-%d"),
                "time": now.strftime("%H:%M"), "help_given": [], "age_band": "unknown",
                "gender": "unknown", "contacted_before": "unknown"}
    local = row.contact_hour.replace(tzinfo=UTC).astimezone(gate.timezone())
    data = {field: getattr(row, field) for field in FIELDS}
    data.update(channel=row.channel, date=local.strftime("%Y-%m-%d"),
                time=local.strftime("%H:%M"),
                duration="" if row.duration_seconds is None else row.duration_seconds // 60)
    return data


def _posted() -> dict:
    data = {key: request.form.get(key) for key in request.form}
    data["help_given"] = request.form.getlist("help_given")
    return data


def _render(row: Registration | None, data: dict, errors=None, scrubbed=None, status=200):
    return render_template(
        "admin/registration_form.html", row=row, data=data, errors=errors or {},
        scrubbed=scrubbed, scrub_label=scrub_label, taxonomy=current_taxonomy(),
        channel_names=CHANNEL_NAMES), status


def _save(row: Registration | None):
    """File or correct from the posted form; re-show it with errors or the scrubbed note."""
    confirmed = request.form.get("confirmed_note")
    contact = form_contact(request.form)
    try:
        if row is None:
            saved = registrations.register_contact(
                db.session, current_taxonomy(), current_user.id, contact,
                form_values(request.form), confirmed, language=current_language())
        else:
            saved = registrations.correct(
                db.session, current_taxonomy(), current_user, row, form_values(request.form),
                confirmed, contact, language=current_language())
    except InvalidRegistration as bad:
        db.session.rollback()
        return _render(row, _posted(), errors=bad.errors, status=400)
    except NeedsConfirmation as need:
        data = {**_posted(), "note": need.note}
        return _render(row, data, scrubbed=need, status=400)
    flash(_("Registration %(n)s saved.", n=saved.id))
    return redirect(url_for("registrations.index"))


@bp.route("/", methods=["GET"])
@roles_required("therapist", "supervisor")
def index():
    rows = registrations.visible(db.session, current_user)
    lang = _("en")  # the page's language, as its catalogue says
    group_names = {g.key: g.label_for(lang) for g in current_taxonomy().target_groups}
    return render_template("admin/registrations.html", rows=rows, channel_names=CHANNEL_NAMES,
                           group_names=group_names,
                           edit_days=registrations.EDIT_DAYS, tz=gate.timezone(), UTC=UTC)


@bp.route("/new", methods=["GET", "POST"])
@roles_required("therapist", "supervisor")
def new():
    if request.method == "POST":
        return _save(None)
    return _render(None, _defaults(None))


@bp.route("/<int:registration_id>", methods=["GET", "POST"])
@roles_required("therapist", "supervisor")
def edit(registration_id: int):
    row = registrations.editable(db.session, current_user, registration_id)
    if row is None:
        abort(404)
    if request.method == "POST":
        return _save(row)
    return _render(row, _defaults(row))
