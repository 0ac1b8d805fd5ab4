"""Staff pages: sign in, sign out, the therapist console."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from .. import live
from ..extensions import db
from . import accounts, signout

bp = Blueprint("admin", __name__, url_prefix="/staff")


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class LogoutForm(FlaskForm):
    """Empty form: signing out is a POST with a CSRF token."""


def roles_required(*roles: str):
    """Route decorator: signed in and holding one of `roles`, else 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _safe_next(target: str | None) -> str:
    """Only redirect within the staff area after sign-in (no open redirect); a control
    character (a CR/LF would make the Location header fail: a 500) means the console."""
    if target and target.startswith("/staff/") and not target.startswith("//") and \
            target.isprintable():
        return target
    return url_for("admin.console")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        staff = accounts.authenticate(db.session, form.username.data, form.password.data)
        if staff:
            login_user(staff)
            return redirect(_safe_next(request.args.get("next")))
        error = _("Unknown username or wrong password.")
    status = 401 if error else (400 if form.errors else 200)
    return render_template("admin/login.html", form=form, error=error), status


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


@bp.route("/")
@roles_required("therapist", "supervisor")
def console():
    return render_template(
        "admin/console.html",
        taxonomy=current_app.extensions["helpline_taxonomy"].as_dict(),
        max_capacity=current_app.config["MAX_CAPACITY"],
        max_chars=current_app.config["MAX_MESSAGE_CHARS"],
        logout_form=LogoutForm(),
    )
