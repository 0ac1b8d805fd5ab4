"""What every staff page shares: the blueprint of the sign-in pages, the sign-out form,
the role check, and the step after a correct password or code. views.py (sign-in,
console/views.py) and self_views.py (own password, second factor) both build on it, so neither
imports the other."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import wraps

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from flask_wtf import FlaskForm

from ..realtime import live
from . import devices, signin, throttle

bp = Blueprint("admin", __name__, url_prefix="/staff")


class LogoutForm(FlaskForm):
    """Empty form: signing out is a POST with a CSRF token."""


class _SignOutField:
    """`logout_form` in every template, built only when a staff page renders its token:
    a CSRF token writes the session, and the chatter's pages must set no cookie."""

    def hidden_tag(self):
        return LogoutForm().hidden_tag()


@bp.app_context_processor
def _sign_out_form() -> dict:
    return {"logout_form": _SignOutField()}


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


def safe_next(target: str | None) -> str:
    """Only redirect within the staff area after sign-in (no open redirect); a control
    character (a CR/LF would make the Location header fail: a 500) means the console."""
    if target and target.startswith("/staff/") and not target.startswith("//") and \
            target.isprintable():
        return target
    return url_for("admin.console")


def advance_signin(staff):
    """Go to the next sign-in step, or sign in: the browser is remembered for the account
    (auth/devices.py), its own and the two-factor step's failure counts are forgotten, and
    the person is told of failed attempts since last time. The username's count (other
    browsers) is forgotten only by a sign-in that passed it: a sign-in from a remembered
    browser does not give a guesser a fresh allowance."""
    step = signin.next_step(staff)
    if step:
        return redirect(url_for(step, next=request.args.get("next")))
    username, device = signin.finish()
    r, now = live.redis(), live.now()
    counts = [throttle.code_key(username),
              throttle.device_key(device) if device else throttle.name_key(username)]
    codes, passwords = throttle.clear(r, *counts)
    others = throttle.failures(r, throttle.name_key(username)) if device else None
    login_user(staff)
    _tell(passwords, others, codes)
    response = redirect(safe_next(request.args.get("next")))
    devices.remember(response, username, now)
    return response


def _when(*counts) -> str:
    first = min((c.first for c in counts if c and c.count and c.first), default=time.time())
    return format_datetime(datetime.fromtimestamp(first, UTC))


def _tell(passwords, others, codes) -> None:
    """Flash the failed attempts since the last sign-in (nothing if there were none)."""
    wrong = passwords.count + (others.count if others else 0)
    if wrong:
        flash(_("%(n)s failed sign-in attempt(s) since %(when)s. If that was not you, tell a "
                "supervisor.", n=wrong, when=_when(passwords, others)))
    if codes.count:
        flash(_("%(n)s wrong two-factor code(s) were entered after your right password since "
                "%(when)s. If that was not you, someone knows your password: change it now "
                "and tell a supervisor.", n=codes.count, when=_when(codes)))
