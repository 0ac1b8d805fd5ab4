"""In a real browser: the closed screen, counting a tab once, and the supervisor pages
(no CSP violation, the heatmap shows the new missed chatter). One live server with the
gate switched on, its own Redis database and SQLite file."""

from __future__ import annotations

from datetime import datetime, time

import pytest
import redis as redis_lib
from sqlalchemy import func, select

from helpline import create_app
from helpline.availability import defaults
from helpline.availability.models import MissedContact, OpeningSlot
from helpline.availability.schedule import zone
from helpline.extensions import db
from helpline.settings import ROOT
from tests.browser.test_browser_flow import sign_in
from tests.conftest import LiveServers, add_staff, other_db

TZ = zone("Europe/Brussels")
# Closed, the start button says what a click shows (issue 19); the click still counts.
CLOSED_START = "See the opening hours and other ways to reach us"
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def gated_server(tmp_path_factory, redis_url):
    """A live server that keeps opening hours: chat open only two days from now."""
    tmp = tmp_path_factory.mktemp("gated")
    database = f"sqlite:///{tmp / 'gated.sqlite'}"
    url = other_db(redis_url, 3)
    r = redis_lib.Redis.from_url(url)
    names = list(r.scan_iter("hl:*"))
    if names:
        r.delete(*names)
    app = create_app("testing", overrides={"REDIS_URL": url, "SQLALCHEMY_DATABASE_URI": database})
    weekday = (datetime.now(TZ).weekday() + 2) % 7
    with app.app_context():
        db.create_all()
        defaults.seed_if_empty(db.session, ROOT / "config" / "hours.toml")
        db.session.execute(OpeningSlot.__table__.delete().where(OpeningSlot.channel == "chat"))
        db.session.add(OpeningSlot(channel="chat", weekday=weekday, starts=time(10),
                                   ends=time(11)))
        db.session.commit()
        add_staff("sup", "supervisor", "Sup", None)  # enrolled in two-factor sign-in
    servers = LiveServers(url, database, tmp, count=1, env={"CHAT_ALWAYS_OPEN": "0"})
    servers.app = app
    servers.weekday = weekday
    yield servers
    servers.stop()


def missed_count(server) -> int:
    with server.app.app_context():
        return db.session.scalar(select(func.count()).select_from(MissedContact))


def watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_closed_screen_counts_the_tab_once(browser, gated_server):
    from playwright.sync_api import expect

    base = gated_server.urls[0]
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors = watch_errors(page)
    page.goto(base + "/")
    page.get_by_role("button", name=CLOSED_START).click()
    screen = page.locator("#screen-unavailable")
    expect(screen).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("The chat is closed")
    reason = page.locator("#unavailable-reason")
    expect(reason).to_contain_text("The chat is closed; it opens next on")
    expect(reason).to_contain_text(DAY_NAMES[gated_server.weekday])
    expect(reason).to_contain_text("10:00")
    expect(page.locator("#unavailable-hours")).to_contain_text("Chat hours:")
    phone = screen.locator("a[href^='tel:']")
    expect(phone).to_have_count(1)
    expect(screen.locator("#unavailable-channels")).to_contain_text("Tuesday 15:00–19:00")
    expect(screen.locator("a[href^='mailto:']")).to_have_count(1)
    expect(screen.get_by_role("link", name="Self-help modules")).to_be_visible()
    expect(page.get_by_role("button", name=CLOSED_START)).to_be_hidden()
    assert page.evaluate("sessionStorage.getItem('helpline.counted')") == "1"
    assert missed_count(gated_server) == 1

    # the same tab tries again after a reload: refused again, not counted again
    page.reload()
    page.get_by_role("button", name=CLOSED_START).click()
    expect(screen).to_be_visible()
    assert missed_count(gated_server) == 1
    assert errors == []

    # another tab is another chatter
    other = context.new_page()
    other.goto(base + "/")
    other.get_by_role("button", name=CLOSED_START).click()
    expect(other.locator("#screen-unavailable")).to_be_visible()
    assert missed_count(gated_server) == 2
    context.close()


def test_supervisor_pages_in_the_browser(browser, gated_server):
    from playwright.sync_api import expect

    base = gated_server.urls[0]
    chatter = browser.new_context().new_page()
    chatter.goto(base + "/")
    before = missed_count(gated_server)
    chatter.get_by_role("button", name=CLOSED_START).click()
    expect(chatter.locator("#screen-unavailable")).to_be_visible()
    assert missed_count(gated_server) == before + 1

    page = browser.new_context(viewport={"width": 1400, "height": 950}).new_page()
    errors = watch_errors(page)
    sign_in(page, base, "sup")
    page.goto(base + "/staff/missed")
    now = datetime.now(TZ)
    cell = page.locator(f'g.cell[data-weekday="{now.weekday()}"][data-hour="{now.hour}"]')
    assert int(cell.get_attribute("data-count")) == before + 1
    expect(page.locator("#answer")).to_contain_text("Extra opening hours would catch most")
    box = page.locator("svg.heatmap").bounding_box()
    assert box and box["width"] > 300  # drawn at a real size by our stylesheet
    page.get_by_role("link", name="Opening hours").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Opening hours")
    assert errors == []  # no CSP violation on either page
    page.get_by_label("Channel").first.select_option("chat")
    page.locator("#slot-weekday").select_option(str(now.weekday()))
    page.locator("#slot-starts").fill("08:00")
    page.locator("#slot-ends").fill("07:00")
    page.get_by_role("button", name="Add session").click()
    expect(page.locator("#slot-ends-error")).to_contain_text("The end must be after the start")
    expect(page.locator("#slot-ends")).to_have_attribute("aria-invalid", "true")
    assert all("400" in e for e in errors)  # the refused form answers 400, nothing else


def test_closed_screen_in_dutch_then_french(browser, gated_server):
    """Opening hours with Babel's weekday names; the switch on this screen keeps the count."""
    from babel import Locale
    from playwright.sync_api import expect

    from tests.browser.test_browser_languages import assert_no_english
    from tests.i18n.english import english_strings

    base = gated_server.urls[0]
    page = browser.new_context(viewport={"width": 390, "height": 844}, locale="nl-BE").new_page()
    errors = watch_errors(page)
    page.goto(base + "/")
    before = missed_count(gated_server)
    page.get_by_role("button", name="Bekijk de openingsuren en andere manieren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("De chat is gesloten")
    reason = page.locator("#unavailable-reason")
    expect(reason).to_contain_text("De chat is gesloten; hij gaat weer open op")
    expect(reason).to_contain_text(Locale.parse("nl").days["format"]["wide"][gated_server.weekday])
    expect(reason).to_contain_text("10:00")
    expect(page.locator("#unavailable-hours")).to_contain_text("Chaturen:")
    expect(page.locator("#unavailable-channels")).to_contain_text("dinsdag 15:00–19:00")
    expect(page.locator("#unavailable-channels")).to_contain_text("Elke dag, 24 uur op 24")
    assert_no_english(page)
    assert missed_count(gated_server) == before + 1

    page.get_by_role("link", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_role("button", name="Voir les horaires et les autres moyens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Le chat est fermé")
    expect(page.locator("#unavailable-reason")).to_contain_text(
        Locale.parse("fr").days["format"]["wide"][gated_server.weekday])
    expect(page.locator("#unavailable-channels")).to_contain_text("mardi 15:00–19:00")
    assert_no_english(page, english_strings("fr"))
    assert missed_count(gated_server) == before + 1  # the same tab is not counted again
    assert errors == []
