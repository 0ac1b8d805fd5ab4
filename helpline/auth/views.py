"""Staff pages: sign in (password, second step), sign out, the staff pages' language."""

from __future__ import annotations

import json

from flask import (
    abort,
    current_app,
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
from ..chat import proofofwork
from ..chat.views import challenge_answer
from ..extensions import db
from ..realtime import live, metrics
from ..realtime.protocol import ProtocolError
from ..realtime.ratelimit import ProcessCeiling
from ..settings import setting
from . import devices, passwords, signin, signout, throttle, twofactor
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
    """Step one: the password. The cheap refusals come first (Redis: this count's wait or
    lock, the global ceiling unless the form carries a proof of work), then the check in
    the bounded hashing queue, with no database connection held while it waits. Known and
    unknown usernames take the same path, so no answer or its timing tells whether an
    account exists."""
    form = LoginForm()
    error, status = None, (400 if request.method == "POST" else 200)
    if form.validate_on_submit():
        r, now, name = live.redis(), live.now(), form.username.data
        device = _remembered(r, name, now)
        key = throttle.device_key(device) if device else throttle.name_key(name)
        counted = throttle.failures(r, key)
        refusal = _refusal(counted, now, False)
        if refusal:
            return _page(form, refusal, 401)
        # A fresh proof of work (the page solves one while the person types) counts like a
        # remembered browser for the ceiling and the hashing queue's priority lane: posters
        # without one cannot keep the person out, and each guess with one costs its sender.
        proved = not device and _proved(r)
        busy = 0 if device or proved else throttle.global_wait(r, now)
        if busy:
            return _busy(_("Many sign-ins are failing right now. Please try again in %(n)s "
                           "seconds.", n=busy), busy)
        try:
            staff = accounts.authenticate(db.session, name, form.password.data,
                                          bool(device) or proved)
        except passwords.Busy:
            wait = passwords.BUSY_RETRY_SECONDS
            return _busy(_("The sign-in service is busy. Please try again in %(n)s seconds.",
                           n=wait), wait)
        if staff and accounts.one_time_expired(staff, now):
            return _page(form, _("This one-time password has expired. Ask a supervisor for a "
                                 "new one."), 401)
        if staff:
            signin.begin(staff, device)
            return advance_signin(staff)
        error, status = _failed(r, name, key, now, not device), 401
    return _page(form, error, status)


def _proved(r) -> bool:
    """Whether the form carries a fresh proof of work at the sign-in's price, now spent: it
    buys a check past the global ceiling, in the hashing queue's priority lane, so an
    attacker pays for each guess and the person with the right password gets in."""
    size = int(setting("SIGNIN_POW_MAX_NUMBER"))
    raw = request.form.get("pow", "")
    if not size or not raw or len(raw) > 2000:
        return False
    try:
        proofofwork.redeem_sized(r, json.loads(raw), size)
    except (ValueError, ProtocolError):
        return False
    return True


@bp.route("/login/challenge")
def login_challenge():
    """A proof-of-work challenge at the sign-in's price, for the sign-in form. No cookie."""
    return challenge_answer(_challenges, int(setting("SIGNIN_POW_MAX_NUMBER")))


_challenges = ProcessCeiling()


def _remembered(r, name: str, now: float) -> str | None:
    """This browser's device id for the account, unless it has failed too often."""
    device = devices.device_for(name, now)
    if device and throttle.failures(r, throttle.device_key(device)).count >= int(
            setting("LOGIN_DEVICE_FAILURES")):
        return None
    return device


def _refusal(counted: throttle.Failures, now: float, code: bool) -> str | None:
    """Why this attempt is not even checked: its count is locked or waiting."""
    if counted.locked and code:
        return _("Too many wrong codes: two-factor sign-in is locked for this account. Ask "
                 "a supervisor to unlock it; if the wrong codes were not yours, change your "
                 "password.")
    if counted.locked:
        return _("Too many failed sign-ins: this username is locked on browsers it has not "
                 "signed in from before. Sign in from a browser you used before, or ask a "
                 "supervisor to unlock it.")
    if counted.wait(now):
        return _("Too many failed sign-ins for this username. Try again in %(n)s seconds.",
                 n=counted.wait(now))
    return None


def _failed(r, name: str, key: str, now: float, per_minute: bool,
            wrong: str | None = None, code: bool = False) -> str:
    """Count a failure and say what to do; the count's lock goes into the audit trail."""
    metrics.SIGNIN_FAILURES.inc()
    failed = throttle.record_failure(r, key, now, per_minute)
    if failed.count == int(setting("LOGIN_LOCK_AFTER")):
        _audit_lock(name)
    if code and failed.count == int(setting("LOGIN_FREE_FAILURES")):
        current_app.logger.warning("wrong two-factor codes after a right password")
    return _refusal(failed, now, code) or wrong or _("Unknown username or wrong password.")


def _audit_lock(name: str) -> None:
    """A lock of a real account goes into the audit trail (as the account's own event)."""
    staff = accounts.find(db.session, name)
    if staff is not None:
        audit.record(db.session, staff.id, "staff_signin_locked", None, staff.id)


def _page(form, error: str | None, status: int):
    """The sign-in page, with a refusal if any."""
    return render_template("admin/login.html", form=form, error=error,
                           pow_fresh_seconds=proofofwork.fresh_seconds()), status


def _busy(error: str, seconds: int):
    """429 with Retry-After, on a page without the form: under a flood most answers are
    these, and the form's fields are most of a page's cost."""
    page = render_template("admin/signin_busy.html", error=error)
    return page, 429, {"Retry-After": str(seconds)}


class CodeForm(FlaskForm):
    code = StringField(_l("Code from your app, or a recovery code"),
                       validators=[DataRequired(), Length(max=32)])


@bp.route("/login/code", methods=["GET", "POST"])
def second_step():
    """Step two for an enrolled account: a TOTP code or a recovery code. Only the right
    password leads here, so its failures are counted apart (throttle.code_key)."""
    staff = signin.pending(db.session)
    if staff is None or not staff.totp_secret:
        return redirect(url_for("admin.login"))
    form, error, status = CodeForm(), None, 200
    if form.validate_on_submit():
        r, now, key = live.redis(), live.now(), throttle.code_key(staff.username)
        error = _refusal(throttle.failures(r, key), now, True)
        used = None if error else twofactor.check(db.session, staff, form.code.data, now)
        if used:
            if used == "recovery":
                audit.record(db.session, staff.id, "staff_recovery_code_used", None, staff.id)
            signin.second_factor_done()
            return advance_signin(staff)
        if not error:
            error = _failed(r, staff.username, key, now, False,
                            _("That code is not right (or was used already)."), code=True)
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
