"""Staff pages: sign in (password, second step), sign out, the staff pages' language."""

from __future__ import annotations

from flask import (
    abort,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from .. import audit, i18n
from ..admin import accounts
from ..extensions import db
from ..realtime import live, metrics
from ..settings import setting
from . import signin, signout, throttle, twofactor
from .access import LogoutForm, advance_signin, bp, roles_required, safe_next


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class LanguageForm(FlaskForm):
    """A staff member's language for the staff pages ('' follows the browser)."""

    language = SelectField(_l("Language"), choices=[("", "")] + [(c, c) for c in i18n.LANGUAGES])
    next = HiddenField()


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Step one: the password. Throttled per username (known or not) and globally."""
    form = LoginForm()
    error, status = None, (400 if request.method == "POST" else 200)
    if form.validate_on_submit():
        r, now, name = live.redis(), live.now(), form.username.data
        busy = throttle.global_wait(r, now)
        if busy:
            return _busy(form, busy)
        waiting = throttle.failures(r, name).wait(now)
        staff = None if waiting else accounts.authenticate(db.session, name, form.password.data)
        if staff:
            signin.begin(staff)
            return advance_signin(staff)
        error, status = _failed(r, name, now, waiting), 401
    return render_template("admin/login.html", form=form, error=error), status


def _failed(r, name: str, now: float, waiting: int, wrong: str | None = None) -> str:
    """Count a failure (unless the attempt was not even checked) and say what to do."""
    metrics.SIGNIN_FAILURES.inc()
    if not waiting:
        failed = throttle.record_failure(r, name, now)
        waiting = failed.wait(now)
        if failed.count >= setting("LOGIN_LOCK_AFTER"):
            _audit_lock(name)
    if waiting:
        return _("Too many failed sign-ins for this username. Try again in %(n)s seconds.",
                 n=waiting)
    return wrong or _("Unknown username or wrong password.")


def _audit_lock(name: str) -> None:
    """A lock of a real account goes into the audit trail (as the account's own event)."""
    staff = accounts.find(db.session, name)
    if staff is not None:
        audit.record(db.session, staff.id, "staff_signin_locked", None, staff.id)


def _busy(form, seconds: int):
    error = _("Many sign-ins are failing right now. Please try again in %(n)s seconds.",
              n=seconds)
    response = render_template("admin/login.html", form=form, error=error)
    return response, 429, {"Retry-After": str(seconds)}


class CodeForm(FlaskForm):
    code = StringField(_l("Code from your app, or a recovery code"),
                       validators=[DataRequired(), Length(max=32)])


@bp.route("/login/code", methods=["GET", "POST"])
def second_step():
    """Step two for an enrolled account: a TOTP code or a recovery code (throttled too)."""
    staff = signin.pending(db.session)
    if staff is None or not staff.totp_secret:
        return redirect(url_for("admin.login"))
    form, error, status = CodeForm(), None, 200
    if form.validate_on_submit():
        r, now = live.redis(), live.now()
        waiting = throttle.failures(r, staff.username).wait(now)
        used = None if waiting else twofactor.check(db.session, staff, form.code.data, now)
        if used:
            if used == "recovery":
                audit.record(db.session, staff.id, "staff_recovery_code_used", None, staff.id)
            signin.second_factor_done()
            return advance_signin(staff)
        error = _failed(r, staff.username, now, waiting,
                        _("That code is not right (or was used already)."))
        status = 401
    return render_template("admin/second_step.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out everywhere: every session of the account ends, and every console of theirs
    closes at once on every server (their active chats go to the front of the line)."""
    if LogoutForm().validate_on_submit():
        staff_id = current_user.id if current_user.is_authenticated else None
        if staff_id is not None:
            accounts.end_sessions(db.session, staff_id)
        logout_user()
        if staff_id is not None:
            signout.sign_out_everywhere(live.redis(), staff_id, "logged_out")
    return redirect(url_for("admin.login"))


@bp.route("/language", methods=["POST"])
@roles_required("therapist", "supervisor")
def set_language():
    """Save the person's language preference, then back to the page they were on."""
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    current_user.language = form.language.data or None
    db.session.commit()
    return redirect(safe_next(form.next.data))


@bp.app_context_processor
def language_form():
    """Every staff page's header carries the language form."""
    return {"language_form": LanguageForm}
