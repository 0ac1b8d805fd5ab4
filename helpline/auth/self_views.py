"""A staff member's own security: their password and their second factor.

These pages serve two kinds of visitor: a person half-way through signing in (a
one-time password to replace, a required enrolment; see `signin.py`) and a signed-in
person on their account page. Every change is audited (never the secret or a code).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from .. import audit
from ..admin import accounts
from ..admin.forms import ActionForm, NameForm
from ..extensions import db
from ..queue import keys
from ..realtime import live
from ..records.models import Staff
from . import signin, twofactor
from .access import advance_signin, bp, roles_required
from .passwords import min_length

ENROL_SECONDS = 15 * 60


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[Length(max=256)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])
    repeat = PasswordField(_l("New password again"), validators=[
        DataRequired(), EqualTo("new", message=_l("The two new passwords differ."))])


class EnrolForm(FlaskForm):
    code = StringField(_l("Six-digit code from the app"),
                       validators=[DataRequired(), Length(max=16)])


class PasswordConfirmForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(),
                                                                 Length(max=256)])


def _who(step: str) -> tuple[Staff | None, bool]:
    """(the account, True if half-way through signing in), or (None, False).

    Half-way, a page opens only when it is the step due: nobody who has typed only the
    password can set a new one (or a second factor) before giving their code.
    """
    if current_user.is_authenticated:
        return db.session.get(Staff, current_user.id), False
    staff = signin.pending(db.session)
    if staff is None or signin.next_step(staff) != step:
        return None, False
    return staff, True


def _audit(staff: Staff, action: str, actor_id: int | None = None) -> None:
    audit.record(db.session, actor_id or staff.id, action, None, staff.id)


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    """Set one's own password: the current one is asked unless it was one-time."""
    staff, signing_in = _who("admin.change_password")
    if staff is None:
        return redirect(url_for("admin.login"))
    form, error = PasswordForm(), None
    one_time = signing_in and staff.must_change_password
    if form.validate_on_submit():
        try:
            accounts.change_password(db.session, staff, form.new.data,
                                     None if one_time else form.current.data or "")
        except accounts.AccountError as exc:
            error = str(exc)
        else:
            _audit(staff, "staff_password_change")
            if signing_in:
                signin.version_changed(staff)
                return advance_signin(staff)
            login_user(staff)  # the new session version: other sessions end
            flash(_("Your password was changed. Other sessions of yours were ended."))
            return redirect(url_for("admin.account"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/change_password.html", form=form, error=error,
                           one_time=one_time, signing_in=signing_in, staff=staff,
                           min_length=_min_length(staff)), status


def _min_length(staff: Staff) -> int:
    return min_length(staff.role)


def _offered_secret(staff: Staff) -> str:
    """The secret offered for enrolment, the same on every reload for a while."""
    r = live.redis()
    key = keys.totp_enrolment(staff.id)
    secret = r.get(key)
    if not secret:
        secret = twofactor.new_secret()
        r.set(key, secret, ex=ENROL_SECONDS)
    return secret


@bp.route("/two-factor", methods=["GET", "POST"])
def two_factor_setup():
    """Enrol an authenticator app: QR code and text secret, confirmed by one code."""
    staff, signing_in = _who("admin.two_factor_setup")
    if staff is None:
        return redirect(url_for("admin.login"))
    if staff.totp_secret:  # signed in with one already: the account page says so
        return redirect(url_for("admin.account"))
    secret = _offered_secret(staff)
    form, error = EnrolForm(), None
    if form.validate_on_submit():
        codes = twofactor.enable(db.session, staff, secret, form.code.data, live.now())
        if codes:
            live.redis().delete(keys.totp_enrolment(staff.id))
            _audit(staff, "staff_2fa_enrol")
            if signing_in:
                signin.second_factor_done()
            return render_template("admin/recovery_codes.html", codes=codes,
                                   signing_in=signing_in, form=ActionForm())
        error = _("That code is not right. Check the time on your phone and try again.")
    uri = twofactor.provisioning_uri(secret, staff.username)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/two_factor_setup.html", form=form, error=error,
                           qr=twofactor.qr_svg(uri), secret=secret, uri=uri,
                           signing_in=signing_in), status


@bp.route("/login/continue", methods=["POST"])
def signin_continue():
    """After the recovery codes were shown: the next sign-in step, or the console."""
    staff = signin.pending(db.session)
    if staff is None or not ActionForm().validate_on_submit():
        return redirect(url_for("admin.login"))
    return advance_signin(staff)


@bp.route("/account", methods=["GET"])
@roles_required("therapist", "supervisor")
def account():
    staff = db.session.get(Staff, current_user.id)
    return _account_page(staff, NameForm(display_name=staff.display_name))


def _account_page(staff: Staff, name_form: NameForm, status: int = 200):
    return render_template(
        "admin/account.html", staff=staff, required=twofactor.required(staff.role),
        codes_left=twofactor.recovery_left(staff), form=PasswordConfirmForm(),
        name_form=name_form), status


@bp.route("/account/name", methods=["POST"])
@roles_required("therapist", "supervisor")
def own_name():
    """Change the name chatters see (audited as the person's own action)."""
    staff = db.session.get(Staff, current_user.id)
    form = NameForm()
    if form.validate_on_submit():
        try:
            accounts.set_display_name(db.session, staff.id, form.display_name.data)
        except accounts.AccountError as exc:
            form.display_name.errors = [str(exc)]
        else:
            _audit(staff, "staff_display_name")
            flash(_("Chatters now see you as %(name)s, from your next time on duty.",
                    name=staff.display_name))
            return redirect(url_for("admin.account"))
    return _account_page(staff, form, 400)


@bp.route("/two-factor/off", methods=["POST"])
@roles_required("therapist", "supervisor")
def two_factor_off():
    """Turn the second factor off (only where the role does not require it)."""
    staff = db.session.get(Staff, current_user.id)
    form = PasswordConfirmForm()
    if twofactor.required(staff.role):
        flash(_("Your role requires two-factor sign-in."))
    elif not form.validate_on_submit() or not accounts.passwords.verify(
            staff.password_hash, form.current.data):
        flash(_("The current password is wrong."))
    else:
        twofactor.remove(db.session, staff)
        _audit(staff, "staff_2fa_off")
        flash(_("Two-factor sign-in is off."))
    return redirect(url_for("admin.account"))


@bp.route("/two-factor/recovery-codes", methods=["POST"])
@roles_required("therapist", "supervisor")
def renew_recovery_codes():
    """New recovery codes (the old ones stop working), shown once."""
    staff = db.session.get(Staff, current_user.id)
    form = PasswordConfirmForm()
    if not staff.totp_secret or not form.validate_on_submit() or not accounts.passwords.verify(
            staff.password_hash, form.current.data):
        flash(_("The current password is wrong."))
        return redirect(url_for("admin.account"))
    codes = twofactor.renew_recovery_codes(db.session, staff)
    _audit(staff, "staff_recovery_codes_renewed")
    return render_template("admin/recovery_codes.html", codes=codes, signing_in=False,
                           form=ActionForm())
