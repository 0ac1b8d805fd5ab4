"""The chatter's page in a real browser (issue 10): attention without exposure, open or
closed before the questions, an honest wait, a phone, no JavaScript, and WCAG 2.2 AA
(axe-core) on every screen: intro, waiting, chat, closing with the card, closed, nobody on
duty."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
import redis as redis_lib
from playwright.sync_api import Page, expect

from helpline import create_app
from helpline.availability import defaults
from helpline.availability.models import OpeningException, OpeningSlot
from helpline.availability.schedule import zone
from helpline.extensions import db
from helpline.settings import ROOT
from tests.a11y import assert_accessible
from tests.browser.test_browser_flow import DESKTOP, PHONE, Requests, go_on_duty, sign_in
from tests.conftest import LiveServers, other_db

TZ = zone("Europe/Brussels")
pytestmark = pytest.mark.timeout(240)

HIDE = """() => {
  Object.defineProperty(document, 'hidden', {value: true, configurable: true});
  Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
  document.dispatchEvent(new Event('visibilitychange'));
}"""
SHOW = """() => {
  Object.defineProperty(document, 'hidden', {value: false, configurable: true});
  Object.defineProperty(document, 'visibilityState', {value: 'visible', configurable: true});
  document.dispatchEvent(new Event('visibilitychange'));
}"""


def start(page: Page) -> None:
    page.get_by_role("button", name="Start chat").click()


def in_first_screen(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 844


def test_attention_wait_range_and_every_screen_accessible(browser, live, live_staff):
    """Open intro (phone: Start on the first screen), waiting with a range, the title and
    the opt-in sound while hidden, the chat, the closing screen; axe on each."""
    chat_url, staff_url = live.urls[0], live.urls[1]
    live_staff("anna", name="Anna")
    staff = browser.new_context(viewport=DESKTOP).new_page()
    sign_in(staff, staff_url, "anna")

    context = browser.new_context(viewport=PHONE)
    first = context.new_page()
    requests = Requests(first)
    first.goto(chat_url + "/")
    # Open at any hour, nobody on duty: said before the click (issue 19).
    expect(first.locator("#intro-open")).to_have_text("No therapist is on duty right now.")
    assert in_first_screen(first, "#intro-open")
    assert in_first_screen(first, "#start-button"), first.locator("#start-button").bounding_box()
    assert_accessible(first, "on the intro")

    # Waiting with nobody on duty; the chatter turns the sound on (off by default).
    start(first)
    expect(first.locator("#status-main")).to_have_text("You are next in line.")
    toggle = first.get_by_label("Play a soft sound when the therapist joins or writes",
                                exact=False)
    expect(toggle).not_to_be_checked()
    expect(first.locator("#next-steps")).to_contain_text("You may leave at any time")
    assert_accessible(first, "while waiting, nobody on duty")
    toggle.check()
    assert first.evaluate("sessionStorage.getItem('helpline.sound')") == "1"
    assert first.evaluate("localStorage.length") == 0 and context.cookies() == []

    # Hidden tab: the therapist takes the chat -> the title tells; seen again -> restored.
    title = first.title()
    first.evaluate(HIDE)
    go_on_duty(staff)
    expect(first).to_have_title("A therapist has joined")
    assert toggle.get_attribute("data-alerts") == "1"
    first.evaluate(SHOW)
    expect(first).to_have_title(title)

    # A second chatter waits behind the running chat: a range, not "about 30 minutes".
    second = browser.new_context(viewport=PHONE).new_page()
    second.goto(chat_url + "/")
    start(second)
    expect(second.locator("#status-main")).to_have_text("You are next in line.")
    expect(second.locator("#status-detail")).to_contain_text(
        "Expected wait: between 1 and 45 minutes.")
    expect(second.locator("#next-steps")).to_be_visible()
    expect(second.get_by_label("Play a soft sound", exact=False)).not_to_be_checked()
    assert_accessible(second, "while waiting behind a chat")

    # Hidden again: the therapist writes -> "New message", and the sound (turned on).
    panel = staff.locator(".chat-panel:visible")
    first.evaluate(HIDE)
    panel.get_by_label("Your message").fill("Hello, I am Anna.")
    panel.get_by_label("Your message").press("Enter")
    expect(first).to_have_title("New message")
    expect(toggle).to_have_attribute("data-alerts", "2")
    first.evaluate(SHOW)
    expect(first).to_have_title(title)
    first.get_by_label("Your message").fill("Hello.")
    first.get_by_label("Your message").press("Enter")
    expect(first.locator("#transcript .msg")).to_have_count(2)
    expect(first.get_by_role("log")).to_have_attribute("tabindex", "0")
    assert_accessible(first, "in the chat, with messages")

    # The closing screen with the feedback card.
    first.get_by_role("button", name="End chat").click()
    first.get_by_role("button", name="Yes, end the chat").click()
    expect(first.locator("#screen-closed")).to_be_visible()
    expect(first.locator("#feedback-form")).to_be_visible()
    assert_accessible(first, "on the closing screen")
    assert first.evaluate("localStorage.length") == 0 and context.cookies() == []
    assert requests.errors == []


def test_touch_keyboard_enter_is_a_new_line_and_send_stays_visible(browser, live, live_staff):
    chat_url, staff_url = live.urls[0], live.urls[1]
    live_staff("anna", name="Anna")
    staff = browser.new_context(viewport=DESKTOP).new_page()
    sign_in(staff, staff_url, "anna")
    go_on_duty(staff)
    phone = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True).new_page()
    phone.goto(chat_url + "/")
    assert in_first_screen(phone, "#start-button")
    phone.get_by_role("button", name="Start chat").tap()
    expect(phone.locator("#status-main")).to_have_text("You are talking with Anna.")
    box = phone.get_by_label("Your message")
    # `assigned` may come before the start's answer, which shows the chat screen: keys
    # typed before that reach no box
    expect(box).to_be_visible()
    expect(box).to_have_attribute("enterkeyhint", "enter")
    expect(phone.locator("#compose-help")).to_have_text(
        "Enter starts a new line; the Send button sends.")
    for n in range(12):  # a long draft: the page scrolls, Send stays on the screen
        box.press_sequentially(f"line {n}")
        box.press("Enter")
    assert box.input_value().count("\n") == 12  # no line was sent
    expect(phone.locator("#transcript .msg")).to_have_count(0)
    assert in_first_screen(phone, "#send-button")
    phone.get_by_role("button", name="Send").tap()
    expect(phone.locator("#transcript .msg")).to_have_count(1)


def test_without_javascript_a_notice_and_no_answers_in_the_url(browser, live):
    page = browser.new_context(viewport=PHONE, java_script_enabled=False).new_page()
    page.goto(live.urls[0] + "/")
    expect(page.locator(".no-script-notice")).to_be_visible()
    expect(page.locator(".no-script-notice")).to_contain_text("This chat needs JavaScript")
    form = page.locator("#start-form")
    assert form.get_attribute("method") == "post"
    assert form.get_attribute("action") == "/no-script"
    page.get_by_role("group", name="Your age").get_by_label("26–35").check()
    expect(page.get_by_role("button", name="Start chat")).to_be_disabled()
    assert "?" not in page.url


@pytest.fixture(scope="module")
def hours_server(tmp_path_factory, redis_url):
    """A live server keeping opening hours (the tests set them), nobody on duty."""
    tmp = tmp_path_factory.mktemp("hours")
    database = f"sqlite:///{tmp / 'hours.sqlite'}"
    url = other_db(redis_url, 9)
    r = redis_lib.Redis.from_url(url)
    names = list(r.scan_iter("hl:*"))
    if names:
        r.delete(*names)
    app = create_app("testing", overrides={"REDIS_URL": url, "SQLALCHEMY_DATABASE_URI": database})
    with app.app_context():
        db.create_all()
        defaults.seed_if_empty(db.session, ROOT / "config" / "hours.toml")
    servers = LiveServers(url, database, tmp, count=1, env={"CHAT_ALWAYS_OPEN": "0"})
    servers.app = app
    yield servers
    servers.stop()


def chat_hours(server, slot_day: int | None, extra_until: time | None) -> None:
    """Only one weekly chat slot (10:00-11:00 on `slot_day`), and an extra session today."""
    today = datetime.now(TZ).date()
    with server.app.app_context():
        db.session.execute(OpeningSlot.__table__.delete().where(OpeningSlot.channel == "chat"))
        db.session.execute(OpeningException.__table__.delete())
        if slot_day is not None:
            db.session.add(OpeningSlot(channel="chat", weekday=slot_day, starts=time(10),
                                       ends=time(11)))
        if extra_until is not None:
            db.session.add(OpeningException(channel="chat", day=today, kind="extra",
                                            starts=time(0), ends=extra_until))
        db.session.commit()


def test_closed_intro_and_screen(browser, hours_server):
    in_two_days = datetime.now(TZ) + timedelta(days=2)
    chat_hours(hours_server, in_two_days.weekday(), None)
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(hours_server.urls[0] + "/")
    intro = page.locator("#intro-open")
    expect(intro).to_have_text(f"The chat is closed; it opens {in_two_days:%A} at 10:00.")
    assert in_first_screen(page, "#start-button")
    assert_accessible(page, "on the closed intro")
    page.get_by_role("button", name="See the opening hours and other ways to reach us").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The chat is closed")
    assert_accessible(page, "on the closed screen")


def test_nobody_on_duty_shows_todays_remaining_hours(browser, hours_server):
    now = datetime.now(TZ)
    if now.time() >= time(23, 40):  # (the live server's own clock runs)
        pytest.skip("the extra session of this test ends at 23:59, new chats stop 15 min before")
    # An extra session today (the weekly hours are elsewhere in the week).
    chat_hours(hours_server, (now.weekday() + 3) % 7, time(23, 59))
    page = browser.new_context(viewport=PHONE, locale="en-GB").new_page()
    page.goto(hours_server.urls[0] + "/")
    expect(page.locator("#intro-open")).to_have_text("No therapist is on duty right now.")
    start(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("No one is available in the chat")
    expect(page.locator("#unavailable-hours")).to_have_text("Today the chat is open until 23:59.")
    assert_accessible(page, "on the nobody-on-duty screen")


@pytest.mark.parametrize("lang", ["nl", "fr", "en"])
def test_start_is_on_the_first_phone_screen_in_every_language(browser, live, lang):
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(live.urls[0] + f"/?lang={lang}")
    expect(page.locator("#start-button")).to_be_enabled()
    box = page.locator("#start-button").bounding_box()
    assert in_first_screen(page, "#start-button"), (lang, box)
    assert in_first_screen(page, "#quick-exit")
