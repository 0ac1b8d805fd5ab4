"""Staff accounts: creation, password checks, roles, resets, deactivation (CLI and UI).

Changing the role, resetting the password or deactivating bumps the session version, so
every session of the account ends; `admin/signout.py` closes its live sockets too.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..protocol import clean_name
from ..records.models import ROLES, Staff

_hasher = PasswordHasher()
MIN_PASSWORD = 10
# Verifying against this keeps a wrong username as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AccountError(ValueError):
    """A request about an account that cannot be met, with a message for the operator."""


def generate_password() -> str:
    """A one-time password for a new account: 16 URL-safe characters."""
    return secrets.token_urlsafe(12)


def create_staff(
    session: Session, username: str, display_name: str, role: str, password: str
) -> Staff:
    """Create an account; the display name is what chatters see (first name or pseudonym)."""
    username = username.strip().lower()
    if not username or len(username) > 64:
        raise AccountError("The username must be 1 to 64 characters.")
    if clean_name(username) != username:  # e.g. a lone surrogate from a CLI argument
        raise AccountError("The username may not contain control or bidi characters.")
    if role not in ROLES:
        raise AccountError(f"The role must be one of: {', '.join(ROLES)}.")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"The password must be at least {MIN_PASSWORD} characters.")
    if session.scalar(select(Staff).where(Staff.username == username)):
        raise AccountError(f"The username {username!r} is taken.")
    staff = Staff(username=username, display_name=clean_name(display_name)[:64] or username,
                  role=role, password_hash=_hasher.hash(password))
    session.add(staff)
    session.commit()
    return staff


def authenticate(session: Session, username: str, password: str) -> Staff | None:
    """The active account these credentials belong to, or None (same cost either way)."""
    staff = session.scalar(select(Staff).where(Staff.username == username.strip().lower()))
    try:
        _hasher.verify(staff.password_hash if staff else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if staff is None or not staff.active:
        return None
    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = _hasher.hash(password)
        session.commit()
    return staff


def deactivate(session: Session, username: str) -> Staff:
    """Block an account and end its sessions (the session version changes)."""
    staff = session.scalar(select(Staff).where(Staff.username == username.strip().lower()))
    if staff is None:
        raise AccountError(f"There is no account {username!r}.")
    staff.active = False
    staff.session_version += 1
    session.commit()
    return staff


def list_staff(session: Session) -> list[Staff]:
    return list(session.scalars(select(Staff).order_by(Staff.username)))


def get_staff(session: Session, staff_id: int) -> Staff:
    """The account with this id, or AccountError."""
    staff = session.get(Staff, staff_id) if isinstance(staff_id, int) else None
    if staff is None:
        raise AccountError("There is no such account.")
    return staff


def end_sessions(session: Session, staff_id: int) -> Staff:
    """Sign the account out everywhere: every session cookie issued so far stops working."""
    staff = get_staff(session, staff_id)
    staff.session_version += 1
    session.commit()
    return staff


def set_role(session: Session, staff_id: int, role: str, actor_id: int | None = None) -> Staff:
    """Change the role; the person is signed out (their next sign-in carries the new role).

    A supervisor cannot change their own role: that keeps at least one supervisor, and
    nobody locks themselves out of staff management by mistake.
    """
    if role not in ROLES:
        raise AccountError(f"The role must be one of: {', '.join(ROLES)}.")
    staff = get_staff(session, staff_id)
    if actor_id is not None and staff.id == actor_id and role != staff.role:
        raise AccountError("You cannot change your own role. Ask another supervisor.")
    if staff.role == role:
        return staff
    staff.role = role
    staff.session_version += 1
    session.commit()
    return staff


def reset_password(session: Session, staff_id: int) -> tuple[Staff, str]:
    """Give the account a new one-time password and end its sessions; returns both."""
    staff = get_staff(session, staff_id)
    password = generate_password()
    staff.password_hash = _hasher.hash(password)
    staff.session_version += 1
    session.commit()
    return staff, password


def deactivate_account(session: Session, staff_id: int, actor_id: int | None = None) -> Staff:
    """Block an account by id and end its sessions; nobody can deactivate themselves."""
    staff = get_staff(session, staff_id)
    if actor_id is not None and staff.id == actor_id:
        raise AccountError("You cannot deactivate your own account. Ask another supervisor.")
    staff.active = False
    staff.session_version += 1
    session.commit()
    return staff


def reactivate(session: Session, staff_id: int) -> Staff:
    """Let a deactivated account sign in again (with its password; reset it if unknown)."""
    staff = get_staff(session, staff_id)
    staff.active = True
    session.commit()
    return staff


def load_session_user(session: Session, user_id: str) -> Staff | None:
    """Flask-Login's loader: the id carries a session version, so old cookies stop working."""
    staff_id, _, version = user_id.partition(":")
    if not staff_id.isdigit() or not version.isdigit():
        return None
    staff = session.get(Staff, int(staff_id))
    if staff is None or not staff.active or staff.session_version != int(version):
        return None
    return staff
