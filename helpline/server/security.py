"""Deployment safety: response headers on every response, the proxy we trust, allowed
origins, a strong secret key, and files only the owner can read.

The headers are added by a WSGI middleware around the whole application (Flask and the
Socket.IO endpoint), because `/socket.io/` responses never pass Flask's after_request.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from pathlib import Path

from werkzeug.middleware.proxy_fix import ProxyFix
from zxcvbn import zxcvbn

CSP = ("default-src 'self'; connect-src 'self'; img-src 'self' data:; "
       "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")
# Powerful browser features no page of ours uses: denied to us and to anything we embed.
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "ambient-light-sensor", "battery", "bluetooth", "camera",
    "display-capture", "geolocation", "gyroscope", "hid", "idle-detection", "magnetometer",
    "microphone", "midi", "payment", "screen-wake-lock",
    "serial", "usb", "xr-spatial-tracking"))
BASE_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", PERMISSIONS_POLICY),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
)
MIN_SECRET_CHARS = 32
MIN_SECRET_DISTINCT = 10
MIN_SECRET_BITS = 100
# zxcvbn's estimate of the guesses a key needs (log2), and how much of it dictionary words
# may make up: secrets.token_urlsafe(32) measures 135 bits or more and words cover at most
# a fifth of it; a sentence of words or a name with a year is refused.
MIN_SECRET_GUESS_BITS = 128
MAX_SECRET_WORD_SHARE = 0.25
GENERATE_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"


class SecurityHeaders:
    """WSGI middleware: the security headers on every response, pages and sockets alike.

    A header the application set itself is kept; nothing of a chat is left in a cache
    (`no-store` everywhere except /static/).

    WebSocket compression (permessage-deflate) is never agreed: the offer is removed
    before the handshake. One compression context per socket mixes what a chatter and a
    therapist write, which lets frame sizes leak content (the CRIME/BREACH family), and it
    costs each socket a zlib state (about 100 KB resident) and each frame a deflate; chat
    messages are too short to gain from it.
    """

    def __init__(self, app, hsts_seconds: int = 0):
        self.app = app
        self.headers = list(BASE_HEADERS)
        if hsts_seconds > 0:
            self.headers.append(("Strict-Transport-Security",
                                 f"max-age={hsts_seconds}; includeSubDomains"))

    def __call__(self, environ, start_response):
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        cacheable = environ.get("PATH_INFO", "").startswith("/static/")

        def start(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            extra = [(n, v) for n, v in self.headers if n.lower() not in present]
            if not cacheable:
                headers = [(n, v) for n, v in headers if n.lower() != "cache-control"]
                extra.append(("Cache-Control", "no-store"))
            return start_response(status, headers + extra, exc_info)

        return self.app(environ, start)


def wrap_wsgi(app) -> None:
    """Around the whole app (Socket.IO included): the proxy we trust, then the headers.

    ProxyFix trusts X-Forwarded-Proto and X-Forwarded-Host from PROXY_HOPS proxies, and
    never X-Forwarded-For: the application never learns a client's address.
    """
    hops = app.config["PROXY_HOPS"]
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=0, x_proto=hops, x_host=hops,
                                x_port=0, x_prefix=0)
    app.wsgi_app = SecurityHeaders(app.wsgi_app, app.config["HSTS_SECONDS"])


def configured_origins(value: str) -> list[str]:
    """ALLOWED_ORIGINS as a list of lower-case origins without a trailing slash."""
    return [o.strip().rstrip("/").lower() for o in re.split(r"[\s,]+", value) if o.strip()]


def allowed_origins(environ: dict, configured: list[str]) -> list[str]:
    """The configured origins, or else the request's own scheme and Host (after ProxyFix)."""
    if configured:
        return configured
    host = environ.get("HTTP_HOST", "")
    return [f"{environ.get('wsgi.url_scheme', 'http')}://{host}".lower()] if host else []


def socket_origin_check(configured: list[str]):
    """The callable python-engineio asks for each socket's Origin header."""

    def allowed(origin, environ) -> bool:
        return bool(origin) and origin.rstrip("/").lower() in allowed_origins(
            environ, configured)

    return allowed


def foreign_post(environ: dict, configured: list[str]) -> bool:
    """A state-changing request from another site, by its Origin or by Fetch Metadata.

    A real Origin decides. With `Referrer-Policy: no-referrer`, browsers send
    `Origin: null` on our own form POSTs, so `null` says nothing: then `Sec-Fetch-Site`
    (sent whatever the policy is) must say same-origin. Clients that send neither (not
    a browser) are left to the CSRF token.
    """
    origin = environ.get("HTTP_ORIGIN")
    if origin and origin != "null":
        return origin.rstrip("/").lower() not in allowed_origins(environ, configured)
    site = environ.get("HTTP_SEC_FETCH_SITE")
    return bool(site) and site not in ("same-origin", "none")


def secret_key_problem(key: str) -> str | None:
    """Why this SECRET_KEY is too weak for production, or None.

    It must be random characters, not something a person made up: length, distinct
    characters, an entropy estimate (Shannon entropy of the key's own character
    frequencies times its length), repetition (distinct three-character runs), and
    zxcvbn's guess estimate with the share of dictionary words in it. 39 x 'a', a repeated
    word, '0123456789' x 4 or 'MyHelplineSecretKeyForProduction2026' is refused;
    `secrets.token_urlsafe(32)` or 64 hex digits pass.
    """
    how = f"(generate one: {GENERATE_SECRET})"
    if len(key) < MIN_SECRET_CHARS:
        return f"must be at least {MIN_SECRET_CHARS} random characters {how}"
    counts = Counter(key)
    if len(counts) < MIN_SECRET_DISTINCT:
        return f"must use at least {MIN_SECRET_DISTINCT} different characters {how}"
    per_char = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    trigrams = {key[i:i + 3] for i in range(len(key) - 2)}
    if per_char * len(key) < MIN_SECRET_BITS or len(trigrams) < 0.8 * (len(key) - 2):
        return f"looks too regular to be random {how}"
    estimate = zxcvbn(key, max_length=len(key))
    words = sum(len(m["token"]) for m in estimate["sequence"]
                if m["pattern"] == "dictionary" and len(m["token"]) >= 4)
    if math.log2(estimate["guesses"]) < MIN_SECRET_GUESS_BITS or \
            words > MAX_SECRET_WORD_SHARE * len(key):
        return f"looks like words or a pattern a person chose, not random characters {how}"
    return None


def private_dir(path: Path) -> None:
    """Create a folder only the owner can enter (the instance folder)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)


def read_or_create_secret(path: Path, make) -> str:
    """The key in `path`, created 0600 from the first byte (O_EXCL: never two writers)."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(make())
    return path.read_text().strip()


def prepare_sqlite(uri: str, instance: Path) -> None:
    """Create the SQLite file 0600 before SQLAlchemy opens it, in a 0700 folder when it is
    the instance folder or one we make; SQLite gives its journal files the file's mode."""
    if not uri.startswith("sqlite:///") or uri == "sqlite:///:memory:":
        return
    path = Path(uri[len("sqlite:///"):])
    if not path.parent.exists() or path.parent.resolve() == instance.resolve():
        private_dir(path.parent)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # the mode applies if new
    if path.stat().st_uid == os.getuid():
        path.chmod(0o600)  # an older, world-readable file is tightened too
