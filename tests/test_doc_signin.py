"""docs/protocol.md, *Staff sign-in*, followed by a client that is not a browser (issue 19,
item 19): a supervisor with a one-time password changes it and enrols an authenticator,
then signs in again with the code step; the session's cookie and its end as documented.
Plain `requests` against a live server, reading only what the doc says to read."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pyotp
import requests

from helpline.admin import accounts
from helpline.extensions import db
from helpline.settings import ROOT

NEW_PASSWORD = "copper lantern drifts over quiet harbour"


def token(page: requests.Response) -> str:
    return re.search(r'<input[^>]*id="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)


def post(http: requests.Session, url: str, path: str, **fields) -> requests.Response:
    """GET the step's form, POST it with its token; redirects are the client's to follow."""
    form = http.get(url + path, allow_redirects=False)
    assert form.status_code == 200, (path, form.status_code)
    return http.post(url + path, data={"csrf_token": token(form), **fields},
                     allow_redirects=False)


def path(response: requests.Response) -> str:
    """The Location's path and query (the server may answer with a full URL)."""
    parts = urlsplit(response.headers["Location"])
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_a_supervisor_signs_in_as_the_doc_says(live):
    url = live.urls[0]
    one_time = accounts.generate_password()
    with live.app.app_context():
        accounts.create_staff(db.session, "sam", "Sam", "supervisor", one_time, must_change=True)
    http = requests.Session()

    # 1. the password: 302 to the first step due, `next` carried along
    signed = post(http, url, "/staff/login?next=/staff/reports/", username="sam",
                  password=one_time)
    assert signed.status_code == 302
    assert path(signed) == "/staff/password?next=/staff/reports/"
    # a step before its turn sends the client back to the start
    early = http.get(url + "/staff/two-factor", allow_redirects=False)
    assert early.status_code == 302 and path(early) == "/staff/login"

    # 2. own password (no `current` for a one-time one): 302 to the enrolment
    short = post(http, url, "/staff/password", new="short", repeat="short")
    assert short.status_code == 400
    changed = post(http, url, "/staff/password", new=NEW_PASSWORD, repeat=NEW_PASSWORD)
    assert changed.status_code == 302 and path(changed).startswith("/staff/two-factor")

    # 3. enrolment: the secret in <code id="totp-secret">, the recovery codes, continue
    page = http.get(url + "/staff/two-factor")
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page.text).group(1)
    assert http.get(url + "/staff/two-factor").text.count(secret)  # the same secret again
    wrong = http.post(url + "/staff/two-factor", allow_redirects=False,
                      data={"csrf_token": token(page), "code": "000000"})
    assert wrong.status_code == 400
    enrolled = http.post(url + "/staff/two-factor", allow_redirects=False,
                         data={"csrf_token": token(page), "code": pyotp.TOTP(secret).now()})
    assert enrolled.status_code == 200
    codes = re.findall(r"<li><code>([^<]+)</code></li>",
                       enrolled.text.split('class="recovery-codes"')[1].split("</ul>")[0])
    assert codes
    done = http.post(url + "/staff/login/continue", allow_redirects=False,
                     data={"csrf_token": token(enrolled)})
    assert done.status_code == 302 and path(done) == "/staff/"
    cookie = [c for c in done.raw.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookie and "expires" not in cookie[0].lower() and "max-age" not in cookie[0].lower()
    assert "hl_device" in http.cookies
    assert http.get(url + "/staff/", allow_redirects=False).status_code == 200

    # sign out; next time the code step (a recovery code works once)
    out = http.post(url + "/staff/logout", data={"csrf_token": token(http.get(url + "/staff/"))},
                    allow_redirects=False)
    assert out.status_code == 302
    # the ended session: a staff page sends the client to sign in, with `next`
    gone = http.get(url + "/staff/reports/", allow_redirects=False)
    assert gone.status_code == 302 and path(gone).startswith("/staff/login?next=")
    again = post(http, url, "/staff/login", username="sam", password=NEW_PASSWORD)
    assert again.status_code == 302 and path(again).startswith("/staff/login/code")
    assert post(http, url, "/staff/login/code", code="000000").status_code == 401
    coded = post(http, url, "/staff/login/code", code=codes[0])
    assert coded.status_code == 302 and path(coded) == "/staff/"


def test_the_doc_names_the_session_limits_the_server_reads():
    """The limits in *Staff sign-in* are settings the server has, not a stale name."""
    from helpline.settings import Config

    text = (ROOT / "docs" / "protocol.md").read_text()
    section = text.split("### Staff sign-in")[1].split("\n## ")[0]
    assert "PERMANENT_SESSION_LIFETIME" not in text
    for name in ("SESSION_IDLE_SECONDS", "SESSION_LIFETIME_SECONDS", "ONE_TIME_PASSWORD_HOURS",
                 "TOTP_REQUIRED_ROLES", "PASSWORD_MIN_LENGTH_SUPERVISOR"):
        assert f"`{name}`" in section and hasattr(Config, name), name
    assert f"`SESSION_IDLE_SECONDS` (default {Config.SESSION_IDLE_SECONDS // 60} min)" in section
    assert f"(default {Config.SESSION_LIFETIME_SECONDS // 3600} h)" in section
