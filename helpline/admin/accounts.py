"""Staff accounts: creation, password checks, roles, resets, deactivation (CLI and UI).

Changing the role, resetting the password or the second factor, or deactivating bumps
the session version, so every session of the account ends; `auth/signout.py` closes
its live sockets too. A generated password (first run, creation, reset) is one-time:
`must_change_password` keeps the account out until the person has set their own, and
after ONE_TIME_PASSWORD_HOURS it no longer works at all.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth import passwords, twofactor
from ..realtime import live
from ..realtime.protocol import clean_name
from ..records.models import ROLES, Staff
from ..settings import setting


class AccountError(ValueError):
    """A request about an account that cannot be met, with a message for the operator."""


def generate_password() -> str:
    """A one-time password for a new account: 20 URL-safe characters (120 bits)."""
    return secrets.token_urlsafe(15)


def check_password(password: str, role: str, username: str = "") -> None:
    """The password policy (passwords.check_policy) as an AccountError."""
    try:
        passwords.check_policy(password, role, username)
    except passwords.PasswordRejected as exc:
        raise AccountError(str(exc)) from None


def create_staff(
    session: Session, username: str, display_name: str, role: str, password: str,
    must_change: bool = False,
) -> Staff:
    """Create an account; the display name is what chatters see (first name or pseudonym).

    `must_change` marks the password one-time (generated or handed over by someone else).
    """
    username = username.strip().lower()
    if not username or len(username) > 64:
        raise AccountError("The username must be 1 to 64 characters.")
    if clean_name(username) != username:  # e.g. a lone surrogate from a CLI argument
        raise AccountError("The username may not contain control or bidi characters.")
    if role not in ROLES:
        raise AccountError(f"The role must be one of: {', '.join(ROLES)}.")
    check_password(password, role, username)
    if session.scalar(select(Staff).where(Staff.username == username)):
        raise AccountError(f"The username {username!r} is taken.")
    staff = Staff(username=username, display_name=clean_name(display_name)[:64] or username,
                  role=role, password_hash=passwords.hash_password(password),
                  must_change_password=must_change,
                  one_time_password_at=_one_time_now() if must_change else None)
    session.add(staff)
    session.commit()
    return staff


def authenticate(session: Session, username: str, password: str,
                 priority: bool = False) -> Staff | None:
    """The active account these credentials belong to, or None (same cost either way).

    The row is read first and the transaction ended before the check: no database
    connection is held while the check waits for a hashing thread (passwords.Busy when
    that queue is full; `priority` for a browser that signed in before). Input longer
    than the policy's maximum is refused after the same dummy verification, so the hash
    input stays bounded and the answer's timing tells nothing.
    """
    staff = find(session, username)
    stored = staff.password_hash if staff is not None else None
    session.rollback()
    too_long = len(password) > setting("PASSWORD_MAX_LENGTH")
    checked = password[:setting("PASSWORD_MAX_LENGTH")]
    known = stored is not None and not too_long
    good = passwords.verify(stored if known else passwords.dummy_hash(), checked, priority)
    if not good or not known or not staff.active:
        return None
    if passwords.needs_rehash(stored):
        session.rollback()  # nor while the new hash is made
        fresh = passwords.hash_password(password)
        staff.password_hash = fresh
        session.commit()
    return staff


def one_time_expired(staff: Staff, now: float) -> bool:
    """A one-time password not replaced within ONE_TIME_PASSWORD_HOURS of being issued
    (ASVS 6.4.1): it no longer opens the account; a supervisor issues a new one."""
    issued = staff.one_time_password_at
    if not staff.must_change_password or issued is None:
        return False
    age = now - issued.replace(tzinfo=UTC).timestamp()
    return age > int(setting("ONE_TIME_PASSWORD_HOURS")) * 3600


def _one_time_now() -> datetime:
    """When a one-time password is issued: the app's clock, as stored (naive UTC)."""
    return datetime.fromtimestamp(live.now(), UTC).replace(tzinfo=None)


def change_password(session: Session, staff: Staff, new: str, current: str | None = None) -> None:
    """Set the person's own password (the policy applies; `current` is checked if given).

    Other sessions of the account end (the version changes); the caller signs this one
    in again.
    """
    if current is not None and not passwords.verify(staff.password_hash, current):
        raise AccountError(_current_wrong())
    check_password(new, staff.role, staff.username)
    if passwords.verify(staff.password_hash, new):
        raise AccountError(_same_password())
    staff.password_hash = passwords.hash_password(new)
    staff.must_change_password = False
    staff.one_time_password_at = None
    staff.session_version += 1
    session.commit()


def _current_wrong() -> str:
    return _("The current password is wrong.")


def _same_password() -> str:
    return _("Choose a password different from the one you have now.")


def deactivate(session: Session, username: str) -> Staff:
    """Block an account by username (the CLI) and end its sessions."""
    staff = find(session, username)
    if staff is None:
        raise AccountError(f"There is no account {username!r}.")
    return _block(session, staff)


def _block(session: Session, staff: Staff) -> Staff:
    """Inactive, and every session ends (the session version changes)."""
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
    staff.password_hash = passwords.hash_password(password)
    staff.must_change_password = True
    staff.one_time_password_at = _one_time_now()
    staff.session_version += 1
    session.commit()
    return staff, password


def reset_second_factor(session: Session, staff_id: int) -> Staff:
    """Forget the account's second factor and end its sessions; it enrols again."""
    staff = get_staff(session, staff_id)
    twofactor.remove(session, staff)
    staff.session_version += 1
    session.commit()
    return staff


def deactivate_account(session: Session, staff_id: int, actor_id: int | None = None) -> Staff:
    """Block an account by id and end its sessions; nobody can deactivate themselves."""
    staff = get_staff(session, staff_id)
    if actor_id is not None and staff.id == actor_id:
        raise AccountError("You cannot deactivate your own account. Ask another supervisor.")
    return _block(session, staff)


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
    if staff.must_change_password:  # a one-time password never opens a session
        return None
    return staff


def find(session: Session, username: str) -> Staff | None:
    """The account with this username (any case, surrounding spaces ignored), if any."""
    return session.scalar(select(Staff).where(Staff.username == username.strip().lower()))


def set_display_name(session: Session, staff_id: int, name: str) -> Staff:
    """Change the name chatters see: one line, no control or bidi character, 1-64 long."""
    staff = get_staff(session, staff_id)
    clean = clean_name(name or "")
    if not clean or len(clean) > 64:
        raise AccountError(_("The name chatters see must be 1 to 64 characters."))
    staff.display_name = clean
    session.commit()
    return staff
