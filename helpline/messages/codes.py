"""The writer's code: 80 random bits as 16 Crockford base32 characters, ABCD-EFGH-JKMN-PQRS.

Why this shape: Crockford's alphabet (digits and letters without I, L, O, U) has no two
characters that are easily confused, reads aloud and types on a phone keyboard; 16
characters carry 80 bits, out of reach of guessing online and offline; four groups of
four are easy to copy by hand. Input is forgiving: spaces, dashes and case are ignored,
I and L read as 1, O as 0.

Only a verifier is stored: HMAC-SHA256(SECRET_KEY, "message:" + code), as follow-up
codes are (records/followup.py; the prefix keeps the two kinds apart). A slow hash would
add nothing: with 80 random bits nobody can try enough codes even holding the key, and
it would make every wrong guess cost the server. Without SECRET_KEY a stolen database
cannot even test a guess.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
LENGTH = 16  # 16 x 5 bits = 80 bits
GROUP = 4
BITS = LENGTH * 5
_IGNORED = re.compile(r"[\s\-]")
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_DOMAIN = "message:"
UNKNOWN_DIGEST = "0" * 64  # compared against when no row matched, to take the same path


def new_code() -> str:
    """A fresh code from the system's CSPRNG, in four groups of four."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i:i + GROUP] for i in range(0, LENGTH, GROUP))


def normalise(code: object) -> str | None:
    """What the writer typed as the canonical 16 characters, or None when it cannot be one."""
    if not isinstance(code, str) or len(code) > 64:
        return None
    plain = _IGNORED.sub("", code).upper().translate(_READ_AS)
    if len(plain) != LENGTH or any(ch not in ALPHABET for ch in plain):
        return None
    return plain


def display(code: object) -> str:
    """What was typed in the shape the writer was given (ABCD-EFGH-JKMN-PQRS), for the
    pages' forms; '' when it cannot be a code."""
    plain = normalise(code)
    if plain is None:
        return ""
    return "-".join(plain[i:i + GROUP] for i in range(0, LENGTH, GROUP))


def verifier(secret: str, code: object) -> str:
    """The stored form of a code; a malformed input gets a digest too (the same work)."""
    plain = normalise(code)
    return hmac.new(secret.encode(), (_DOMAIN + (plain or "-")).encode(),
                    hashlib.sha256).hexdigest()


def same(stored: str | None, digest: str) -> bool:
    """Constant-time comparison; no stored digest compares against a dummy, and fails."""
    return hmac.compare_digest((stored or UNKNOWN_DIGEST).encode(), digest.encode()) and (
        stored is not None)
