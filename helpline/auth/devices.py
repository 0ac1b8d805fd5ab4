"""Browsers that signed in before (OWASP's device cookies): someone who knows only a
username cannot keep its owner out.

Nothing but the password tells a guesser from the owner on a browser the owner never
used, so there both share one count (auth/throttle.py). After a complete sign-in the
browser gets a signed cookie naming the account (by the HMAC digest the throttle uses,
never the name), a random device id and when it was issued; one cookie holds up to
MAX_ACCOUNTS accounts (a shared office computer). An attempt for a username this browser
holds a valid entry for (signed by us, younger than LOGIN_DEVICE_DAYS) is counted on that
device id instead, and is checked whatever the username's own count or the global
ceiling says, with priority in the hashing queue. After LOGIN_DEVICE_FAILURES consecutive
failures an entry is ignored (a stolen cookie buys few guesses). The cookie opens nothing
by itself and carries no address or user agent: only what the browser holds.
"""

from __future__ import annotations

import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from ..settings import setting
from .throttle import digest

COOKIE = "hl_device"
MAX_ACCOUNTS = 5


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="signin-device")


def _entries() -> list[list]:
    """[digest, device id, issued] per account, newest first; [] for no or a bad cookie."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return []
    try:
        entries = _serializer().loads(raw)
    except BadSignature:
        return []
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, list) and len(e) == 3
            and isinstance(e[0], str) and isinstance(e[1], str)
            and isinstance(e[2], int | float)][:MAX_ACCOUNTS]


def device_for(username: str, now: float) -> str | None:
    """This browser's device id for the account, if it signed in to it before."""
    wanted, longest = digest(username), int(setting("LOGIN_DEVICE_DAYS")) * 86400
    for account, device, issued in _entries():
        if account == wanted and 0 <= now - issued < longest:
            return device
    return None


def remember(response, username: str, now: float) -> None:
    """After a complete sign-in: a new device id for this account in this browser's cookie."""
    mine = digest(username)
    entries = [[mine, secrets.token_urlsafe(16), int(now)]]
    entries += [e for e in _entries() if e[0] != mine][:MAX_ACCOUNTS - 1]
    response.set_cookie(COOKIE, _serializer().dumps(entries),
                        max_age=int(setting("LOGIN_DEVICE_DAYS")) * 86400,
                        path="/staff/login", secure=current_app.config["SESSION_COOKIE_SECURE"],
                        httponly=True, samesite="Strict")
