"""Supervisor pages: staff accounts (create, reset password, role, deactivate, reactivate).

Every change that could leave a person with powers they should no longer have (new
password, other role, deactivation) ends all their sessions and closes their consoles
at once on every server process (`signout.sign_out_everywhere`): their active chats go
to the front of the line and the chatters are told. A one-time password is shown once,
in the response to the request that made it; it is never put in the session or a flash
message (those travel in the cookie) and pages are sent with `Cache-Control: no-store`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from .. import audit
from ..auth import signout, throttle
from ..auth.access import roles_required
from ..extensions import db
from ..realtime import live
from ..records.models import Staff
from . import accounts
from .forms import ROLE_NAMES, ActionForm, CreateForm, NameForm, RoleForm

bp = Blueprint("accounts", __name__, url_prefix="/staff/accounts")

def _page(create_form: CreateForm | None = None, shown: dict | None = None,
          error: str | None = None, status: int = 200):
    staff = accounts.list_staff(db.session)
    role_forms = {s.id: RoleForm(prefix=f"r{s.id}", role=s.role) for s in staff}
    name_forms = {s.id: NameForm(prefix=f"n{s.id}", display_name=s.display_name) for s in staff}
    r, now = live.redis(), live.now()
    failed = {s.id: throttle.failures(r, throttle.name_key(s.username)) for s in staff}
    codes = {s.id: throttle.failures(r, throttle.code_key(s.username)) for s in staff}
    since = {i: format_datetime(datetime.fromtimestamp(f.first or now, UTC), "short")
             for i, f in failed.items()}
    expired = {s.id: accounts.one_time_expired(s, now) for s in staff}
    return render_template(
        "admin/accounts.html", staff=staff, role_forms=role_forms, name_forms=name_forms,
        failed=failed, codes=codes, now=now, expired=expired,
        since=since,
        create_form=create_form or CreateForm(), action_form=ActionForm(), shown=shown,
        error=error, role_names=ROLE_NAMES,
    ), status


def _sign_out(staff_id: int, reason: str) -> int:
    """Close the person's consoles everywhere; returns how many chats went to the line."""
    return len(signout.sign_out_everywhere(live.redis(), staff_id, reason))


def _audit(action: str, target_id: int) -> None:
    audit.record(db.session, current_user.id, action, None, target_id)


def _moved_text(moved: int) -> str:
    if not moved:
        return ""
    return " " + _("%(n)s active chat(s) went back to the front of the line.", n=moved)


@bp.route("", methods=["GET"])
@roles_required("supervisor")
def index():
    return _page()


@bp.route("", methods=["POST"])
@roles_required("supervisor")
def create():
    form = CreateForm()
    if not form.validate_on_submit():
        return _page(create_form=form, status=400)
    password = accounts.generate_password()
    try:
        staff = accounts.create_staff(db.session, form.username.data,
                                      form.display_name.data or form.username.data.strip(),
                                      form.role.data, password, must_change=True)
    except accounts.AccountError as exc:
        db.session.rollback()
        form.username.errors = [*form.username.errors, str(exc)]
        return _page(create_form=form, status=400)
    _audit("staff_create", staff.id)
    current_app.logger.info("staff account created")
    return _page(shown={"username": staff.username, "password": password, "created": True})


FORM_EXPIRED = _l("The form expired; try again.")


class _Refused(Exception):
    """An account change that did not happen; the page is shown again, saying why."""

    def __init__(self, error: str, status: int):
        super().__init__(error)
        self.error, self.status = error, status


@bp.errorhandler(_Refused)
def _refused_page(refused: _Refused):
    return _page(error=refused.error, status=refused.status)


def _changed(staff_id: int, change, form: FlaskForm | None = None, invalid=FORM_EXPIRED):
    """What `change()` returns, once the posted form is valid (the action forms carry only
    the CSRF token); else _Refused: 404 for an unknown account, 400 otherwise."""
    if not (form or ActionForm()).validate_on_submit():
        raise _Refused(str(invalid), 400)
    try:
        return change()
    except accounts.AccountError as exc:
        status = 404 if db.session.get(Staff, staff_id) is None else 400
        raise _Refused(str(exc), status) from None


def _done(staff: Staff, action: str, told: str, sign_out: str | None = None):
    """Audit the change, close the person's consoles where it calls for it, say so."""
    _audit(action, staff.id)
    moved = _moved_text(_sign_out(staff.id, sign_out)) if sign_out else ""
    flash(told + moved)
    return redirect(url_for("accounts.index"))


@bp.route("/<int:staff_id>/password", methods=["POST"])
@roles_required("supervisor")
def reset_password(staff_id: int):
    staff, password = _changed(staff_id, lambda: accounts.reset_password(db.session, staff_id))
    _audit("staff_password_reset", staff.id)
    # Resetting one's own password signs oneself out too: the new password is on this page.
    moved = _sign_out(staff.id, "password_reset")
    return _page(shown={"username": staff.username, "password": password, "created": False,
                        "moved": _moved_text(moved)})


@bp.route("/<int:staff_id>/two-factor", methods=["POST"])
@roles_required("supervisor")
def reset_two_factor(staff_id: int):
    """Forget a person's second factor (a lost phone): they are signed out and enrol again."""
    staff = _changed(staff_id, lambda: accounts.reset_second_factor(db.session, staff_id))
    return _done(staff, "staff_2fa_reset", _(
        "Two-factor sign-in of %(user)s was reset; they set it up again at their next "
        "sign-in.", user=staff.username), sign_out="two_factor_reset")


@bp.route("/<int:staff_id>/unlock", methods=["POST"])
@roles_required("supervisor")
def unlock(staff_id: int):
    """Forget the account's failed passwords (from new browsers) and wrong codes: a lock
    or a wait ends. The person's own password and code are still needed."""
    staff = _changed(staff_id, lambda: accounts.get_staff(db.session, staff_id))
    throttle.clear(live.redis(), throttle.name_key(staff.username),
                   throttle.code_key(staff.username))
    return _done(staff, "staff_signin_unlocked", _(
        "The failed sign-ins of %(user)s were cleared: they can sign in again.",
        user=staff.username))


@bp.route("/<int:staff_id>/role", methods=["POST"])
@roles_required("supervisor")
def set_role(staff_id: int):
    form = RoleForm(prefix=f"r{staff_id}")
    before, staff = _changed(staff_id, lambda: (
        accounts.get_staff(db.session, staff_id).role,
        accounts.set_role(db.session, staff_id, form.role.data, actor_id=current_user.id),
    ), form, _l("Choose a role."))
    if staff.role == before:
        return redirect(url_for("accounts.index"))
    return _done(staff, "staff_role", _(
        "%(user)s is now %(role)s and was signed out everywhere.", user=staff.username,
        role=str(ROLE_NAMES[staff.role]).lower()), sign_out="role_changed")


@bp.route("/<int:staff_id>/deactivate", methods=["POST"])
@roles_required("supervisor")
def deactivate(staff_id: int):
    staff = _changed(staff_id, lambda: accounts.deactivate_account(
        db.session, staff_id, actor_id=current_user.id))
    return _done(staff, "staff_deactivate", _(
        "%(user)s was deactivated and signed out everywhere.", user=staff.username),
        sign_out="deactivated")


@bp.route("/<int:staff_id>/reactivate", methods=["POST"])
@roles_required("supervisor")
def reactivate(staff_id: int):
    staff = _changed(staff_id, lambda: accounts.reactivate(db.session, staff_id))
    return _done(staff, "staff_reactivate", _(
        "%(user)s can sign in again. Reset the password if it is not known.",
        user=staff.username))


@bp.route("/<int:staff_id>/name", methods=["POST"])
@roles_required("supervisor")
def set_name(staff_id: int):
    """Change the name chatters see; it applies from the person's next time on duty."""
    form = NameForm(prefix=f"n{staff_id}")
    staff = _changed(staff_id, lambda: accounts.set_display_name(
        db.session, staff_id, form.display_name.data), form,
        _l("Give a name of 1 to 64 characters."))
    return _done(staff, "staff_display_name", _(
        "Chatters now see %(user)s as %(name)s.", user=staff.username, name=staff.display_name))
