"""The console warns before an idle session ends, "Stay signed in" counts as activity on
the server, and a session that ended meanwhile signs the console out saying why.

The live server warns from the first second (SESSION_WARN_SECONDS = SESSION_IDLE_SECONDS),
and time passes by moving the stored timestamp back, never by waiting."""

from __future__ import annotations

import time

import pytest
import redis as redis_lib
from playwright.sync_api import expect

from helpline import create_app
from helpline.admin import accounts
from helpline.extensions import db
from helpline.queue import keys
from tests.browser.test_browser_flow import Requests, sign_in
from tests.conftest import PASSWORD, LiveServers, other_db

pytestmark = pytest.mark.timeout(180)
IDLE = 3600


@pytest.fixture(scope="module")
def warned_server(tmp_path_factory, redis_url):
    tmp = tmp_path_factory.mktemp("session")
    url = other_db(redis_url, 6)
    r = redis_lib.Redis.from_url(url, decode_responses=True)
    names = list(r.scan_iter("hl:*"))
    if names:
        r.delete(*names)
    database = f"sqlite:///{tmp / 'session.sqlite'}"
    app = create_app("testing", overrides={"REDIS_URL": url, "SQLALCHEMY_DATABASE_URI": database})
    with app.app_context():
        db.create_all()
        accounts.create_staff(db.session, "anna", "Anna", "therapist", PASSWORD)
    servers = LiveServers(url, database, tmp, count=1, env={
        "SESSION_IDLE_SECONDS": str(IDLE), "SESSION_WARN_SECONDS": str(IDLE)})
    servers.r = r
    yield servers
    servers.stop()


def seen(r) -> tuple[str, float]:
    (key,) = [k for k in r.scan_iter(keys.session("*")) if not k.endswith(":sockets")]
    return key, float(r.hget(key, "seen"))


def test_idle_warning_stay_signed_in_and_the_end(browser, warned_server):
    base, r = warned_server.urls[0], warned_server.r
    page = browser.new_page()
    requests = Requests(page)
    sign_in(page, base, "anna")  # the real form: Origin null, Sec-Fetch-Site same-origin
    notice = page.locator("#session-notice")
    expect(notice.get_by_role("alert")).to_contain_text("you will be signed out at")
    stay = notice.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_visible()

    key, before = seen(r)
    r.hset(key, "seen", before - 600)
    stay.click()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and seen(r)[1] <= before - 600:
        time.sleep(0.05)
    assert seen(r)[1] > before - 600  # the server counted the click as activity

    r.hset(key, "seen", time.time() - IDLE - 1)  # the session has now been idle too long
    stay.click()
    expect(page.locator("#console-error")).to_contain_text("without activity")
    expect(page.locator("#conn-state")).to_contain_text("Sign in again")
    assert all(u.startswith(("http://127.0.0.1", "ws://127.0.0.1")) for u in requests.urls)
    assert not [u for u in requests.urls if "transport=polling" in u]
    page.close()
