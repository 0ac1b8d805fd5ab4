"""The steps of a staff sign-in, kept in the session until the last one is passed.

password -> second factor (if enrolled) -> own password (if the current one is
one-time) -> two-factor enrolment (if the role requires it) -> signed in. Until the
last step nobody is signed in (Flask-Login's `current_user` stays anonymous), so no
page or socket can be reached half-way. The pending state is the account id, its
session version (a reset or deactivation in between ends it), the time it started (it
lasts SIGNIN_STEP_SECONDS) and the device id of a browser that signed in before (its
failure count is cleared at the end: auth/devices.py).
"""

from __future__ import annotations

from flask import session
from sqlalchemy.orm import Session

from ..realtime import live
from ..records.models import Staff
from . import twofactor

KEY = "signin"
SIGNIN_STEP_SECONDS = 10 * 60


def begin(staff: Staff, device: str | None) -> None:
    session[KEY] = {"id": staff.id, "v": staff.session_version, "at": live.now(),
                    "mfa": False, "user": staff.username, "device": device}


def pending(db_session: Session) -> Staff | None:
    """The account half-way through signing in, or None (expired, changed, none)."""
    state = session.get(KEY)
    if not isinstance(state, dict) or live.now() - state.get("at", 0) > SIGNIN_STEP_SECONDS:
        return None
    staff = db_session.get(Staff, state.get("id"))
    if staff is None or not staff.active or staff.session_version != state.get("v"):
        return None
    return staff


def second_factor_done() -> None:
    state = dict(session[KEY])
    state["mfa"] = True
    session[KEY] = state


def version_changed(staff: Staff) -> None:
    """The person changed their password in between: keep the pending state valid."""
    state = dict(session[KEY])
    state["v"] = staff.session_version
    session[KEY] = state


def next_step(staff: Staff) -> str | None:
    """The endpoint of the step still to take, or None when the sign-in is complete."""
    state = session.get(KEY) or {}
    if staff.totp_secret and not state.get("mfa"):
        return "admin.second_step"
    if staff.must_change_password:
        return "admin.change_password"
    if twofactor.required(staff.role) and not staff.totp_secret:
        return "admin.two_factor_setup"
    return None


def finish() -> tuple[str, str | None]:
    """End the pending state; returns the username and the device id it came with."""
    state = session.pop(KEY, None) or {}
    return state.get("user", ""), state.get("device")
