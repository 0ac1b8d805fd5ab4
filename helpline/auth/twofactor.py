"""Two-factor sign-in: TOTP (RFC 6238, pyotp) and single-use recovery codes.

The secret is created at enrolment, offered as a QR code we render ourselves (segno,
inline SVG: no third-party host) and as text, and kept only once the person has typed a
valid code. A code is accepted within one 30-second step either side and never twice:
the last accepted step is stored and only later steps count. Recovery codes (10, about
60 bits each) are shown once and stored as SHA-256 digests; each works once. The
secret is stored encrypted (totp_keys.py): if the keys cannot decrypt it, TOTP codes
are refused with an error in the log, and recovery codes still work.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets

import pyotp
import segno
from flask_babel import gettext
from sqlalchemy.orm import Session

from ..records.models import Staff
from ..settings import setting
from . import totp_keys

RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i

log = logging.getLogger("helpline.auth")


def new_secret() -> str:
    return pyotp.random_base32()


def required(role: str) -> bool:
    return role in setting("TOTP_REQUIRED_ROLES")


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username,
                                               issuer_name=setting("TOTP_ISSUER"))


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (no script, no style, no external link)."""
    title = gettext("QR code for your authenticator app")  # read out by screen readers
    return segno.make(uri, error="m").svg_inline(scale=5, title=title)


def _clean(code: str) -> str:
    return "".join(str(code or "").split()).replace("-", "").lower()


def matching_step(secret: str, code: str, after: int | None, now: float) -> int | None:
    """The time step whose code this is (one step of drift either side), if later than
    `after`; None for a wrong, stale or reused code."""
    code = _clean(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now // totp.interval)
    for step in (current - 1, current, current + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten codes like 'k7mq-x3vd-9tpa' (12 characters from 31: about 59 bits)."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    return codes


def _digest(code: str) -> str:
    return hashlib.sha256(_clean(code).encode()).hexdigest()


def enable(session: Session, staff: Staff, secret: str, code: str, now: float) -> list[str] | None:
    """Keep the secret if the code matches; returns the new recovery codes, or None."""
    step = matching_step(secret, code, None, now)
    if step is None:
        return None
    codes = new_recovery_codes()
    staff.totp_secret, staff.totp_last_step = totp_keys.encrypt(secret), step
    staff.recovery_codes = " ".join(_digest(c) for c in codes)
    session.commit()
    return codes


def check(session: Session, staff: Staff, code: str, now: float) -> str | None:
    """'totp' or 'recovery' if the code is good (and now spent), else None."""
    if not staff.totp_secret:
        return None
    try:
        secret = totp_keys.decrypt(staff.totp_secret)
    except totp_keys.CannotDecrypt:
        log.error("a two-factor secret cannot be decrypted with TOTP_ENCRYPTION_KEYS "
                  "(a key missing from the list?): its codes are refused")
        secret = None
    step = None if secret is None else matching_step(secret, code, staff.totp_last_step, now)
    if step is not None:
        staff.totp_last_step = step
        session.commit()
        return "totp"
    wanted = _digest(code)
    left = (staff.recovery_codes or "").split()
    match = next((d for d in left if hmac.compare_digest(d, wanted)), None)
    if match is None:
        return None
    left.remove(match)
    staff.recovery_codes = " ".join(left)
    session.commit()
    return "recovery"


def recovery_left(staff: Staff) -> int:
    return len((staff.recovery_codes or "").split())


def renew_recovery_codes(session: Session, staff: Staff) -> list[str]:
    codes = new_recovery_codes()
    staff.recovery_codes = " ".join(_digest(c) for c in codes)
    session.commit()
    return codes


def remove(session: Session, staff: Staff) -> None:
    """Forget the second factor (the person enrols again if their role requires it)."""
    staff.totp_secret = staff.totp_last_step = staff.recovery_codes = None
    session.commit()
