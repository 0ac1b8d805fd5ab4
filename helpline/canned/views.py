"""Supervisor pages for the canned-response library, and its JSON for the console picker."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from .. import i18n
from ..auth.access import roles_required
from ..extensions import db
from . import library
from .models import TEXT_MAX, TITLE_MAX, CannedResponse

bp = Blueprint("canned", __name__, url_prefix="/staff")


class CannedForm(FlaskForm):
    """Checked by library.check (one place for the rules); this adds the CSRF token."""

    language = SelectField(_l("Language"),
                           choices=[(c, i18n.NATIVE_NAMES[c]) for c in i18n.LANGUAGES],
                           validate_choice=False)  # library.check words the error
    # Spell check off, as in every box (Enhanced Spell Check sends the text to the vendor).
    title = StringField(_l("Title"), render_kw={"maxlength": TITLE_MAX, "autocomplete": "off",
                                                "spellcheck": "false"})
    text = TextAreaField(_l("Text"), render_kw={"maxlength": TEXT_MAX, "rows": 6,
                                                "spellcheck": "false"})
    tags = StringField(_l("Tags"), render_kw={"autocomplete": "off", "spellcheck": "false"})


class DeleteForm(FlaskForm):
    """A POST with a CSRF token and nothing else."""


def _language(param: str = "language") -> str:
    """The texts' language asked for, else the page's language (the staff member's). The
    page asks with ?language= because ?lang= would also switch the page's own language."""
    return i18n.known(request.args.get(param)) or i18n.known(i18n.current_language()) or "nl"


def _page(lang: str, form: CannedForm | None = None, status: int = 200):
    rows = library.for_language(db.session, lang)
    return render_template(
        "admin/canned.html", rows=rows, lang=lang, form=form or CannedForm(language=lang),
        delete_form=DeleteForm(), text_max=TEXT_MAX,
        picker=picker_config(lang),
    ), status


def picker_strings() -> dict:
    """The picker's words (static/js/lib/canned-picker.js), for any page that attaches it."""
    return {"open": _("Ready texts"), "search": _("Search ready texts"),
            "empty": _("No ready text matches."), "close": _("Close"),
            "failed": _("The ready texts could not be loaded."),
            "count": _("%(n)s ready texts", n="{n}")}


def picker_config(lang: str | None = None) -> dict:
    """What attachCannedPicker needs: the JSON address and the words."""
    return {"url": url_for("canned.as_json", lang=lang) if lang else url_for("canned.as_json"),
            "strings": picker_strings()}


@bp.app_context_processor
def canned_picker():
    """Templates: `{{ canned_picker()|tojson }}` in a page's config (the console's)."""
    return {"canned_picker": picker_config}


def _saved(form: CannedForm, row: CannedResponse | None):
    """Save a valid form (flash, back to the list) or None with the errors on the fields."""
    if not form.validate_on_submit():
        return None
    try:
        fields = library.check(form.language.data, form.title.data, form.text.data,
                               form.tags.data)
    except library.InvalidCanned as bad:
        for name, message in bad.errors.items():
            getattr(form, name).errors = [message]
        return None
    row = library.save(db.session, current_user.id, fields, row)
    flash(_("Ready text “%(title)s” saved.", title=row.title))
    return redirect(url_for("canned.page", language=row.language))


@bp.route("/canned", methods=["GET", "POST"])
@roles_required("supervisor")
def page():
    if request.method == "GET":
        return _page(_language())
    form = CannedForm()
    return _saved(form, None) or _page(i18n.known(form.language.data) or _language(), form, 400)


def _row(canned_id: int) -> CannedResponse:
    row = db.session.get(CannedResponse, canned_id)
    if row is None:
        abort(404)
    return row


@bp.route("/canned/<int:canned_id>", methods=["GET", "POST"])
@roles_required("supervisor")
def edit(canned_id: int):
    row = _row(canned_id)
    form = CannedForm(obj=row) if request.method == "GET" else CannedForm()
    if request.method == "GET":
        form.tags.data = " ".join(row.tags)
    else:
        done = _saved(form, row)
        if done:
            return done
    status = 400 if request.method == "POST" else 200
    return render_template("admin/canned_edit.html", row=row, form=form), status


@bp.route("/canned/<int:canned_id>/delete", methods=["POST"])
@roles_required("supervisor")
def delete(canned_id: int):
    row = _row(canned_id)
    if not DeleteForm().validate_on_submit():
        abort(400)
    lang, title = row.language, row.title
    library.delete(db.session, current_user.id, row)
    flash(_("Ready text “%(title)s” deleted.", title=title))
    return redirect(url_for("canned.page", language=lang))


@bp.route("/canned.json")
@roles_required("therapist", "supervisor")
def as_json():
    """The texts of one language for the console picker (the staff member's by default)."""
    rows = library.for_language(db.session, _language("lang"))
    response = jsonify({"responses": [row.as_json() for row in rows]})
    response.headers["Cache-Control"] = "no-store"
    return response
