"""The therapist console of issue 10 in a real browser: tabs that tell, opt-in desktop
notifications, pause, cool-down, the no-conversation path, errors at the fields, and
axe's WCAG 2.2 AA checks in every state reached (no chats, a chat open, the transfer
dialog, the summary form with its errors)."""

from __future__ import annotations

import re

import pytest
import redis as redis_lib
from playwright.sync_api import Page, expect

from helpline import create_app
from helpline.admin import accounts
from helpline.extensions import db
from helpline.records.models import Summary
from tests.a11y import assert_accessible
from tests.browser.test_browser_flow import (
    DESKTOP,
    PHONE,
    Requests,
    chatter_send,
    go_on_duty,
    sign_in,
)
from tests.conftest import PASSWORD, LiveServers, other_db

pytestmark = pytest.mark.timeout(240)
COOLDOWN_DB = 11
CHAT_1 = re.compile(r"^Chat 1, 26–35, chatting \d\d:\d\d$")
CHAT_1_NEW = re.compile(r"^Chat 1, 26–35, chatting \d\d:\d\d, 1 new$")

# Records every Notification the console creates, and lets the test say "the console is
# hidden" (document.hidden, hasFocus) the way a background tab would be.
SPY = """
window.__notes = [];
window.__hidden = false;
(function () {
  var Real = window.Notification;
  function Spy(title, options) {
    window.__notes.push({ title: title, body: (options || {}).body });
  }
  Spy.prototype.close = function () {};
  Object.defineProperty(Spy, 'permission',
    { get: function () { return Real ? Real.permission : 'denied'; } });
  Spy.requestPermission = function () { return Real.requestPermission(); };
  window.Notification = Spy;
  Object.defineProperty(Document.prototype, 'hidden',
    { configurable: true, get: function () { return window.__hidden; } });
  Document.prototype.hasFocus = function () { return !window.__hidden; };
}());
"""


def set_hidden(page: Page, hidden: bool) -> None:
    page.evaluate(
        "h => { window.__hidden = h; document.dispatchEvent(new Event('visibilitychange')); }",
        hidden)


def start_chatter(browser, url: str, age: str | None = None):
    ctx = browser.new_context(viewport=PHONE)
    page = ctx.new_page()
    page.route("https://www.wikipedia.org/**", lambda route: route.fulfill(body="neutral"))
    page.goto(url + "/")
    if age:
        page.get_by_role("group", name="Your age").get_by_label(age).check()
    page.get_by_role("button", name="Start chat").click()
    return ctx, page


def console(browser, base: str, username: str, notifications: bool = False) -> Page:
    ctx = browser.new_context(viewport=DESKTOP)
    if notifications:
        ctx.grant_permissions(["notifications"], origin=base)
    ctx.add_init_script(SPY)
    page = ctx.new_page()
    sign_in(page, base, username)
    return page


def tab(page: Page, n: int):
    return page.get_by_role("tab", name=re.compile(f"^Chat {n}\\b"))


def test_tabs_notifications_no_conversation_and_axe(browser, live, live_staff):
    chat_url, staff_url = live.urls[0], live.urls[1]
    live_staff("anna", name="Anna")
    staff = console(browser, staff_url, "anna", notifications=True)
    errors = Requests(staff)
    assert_accessible(staff, "with no chats (off duty)")
    staff.get_by_label("Capacity").select_option("2")
    go_on_duty(staff)

    # Notifications are asked for only when turned on; the choice stays on this device.
    switch = staff.get_by_role("switch", name="Desktop notifications")
    expect(switch).not_to_be_checked()
    switch.check()
    expect(switch).to_be_checked()
    assert staff.evaluate("localStorage.getItem('helpline.console.notifications')") == "on"
    assert_accessible(staff, "on duty, no chats")

    # A new chat while the console is hidden: a notification naming the chat, no text.
    set_hidden(staff, True)
    a_ctx, chatter_a = start_chatter(browser, chat_url, "26–35")
    expect(tab(staff, 1)).to_be_visible()
    expect(tab(staff, 1)).to_have_accessible_name(CHAT_1)
    expect(tab(staff, 1).locator(".tab-meta")).to_contain_text("26–35, chatting")
    assert staff.evaluate("window.__notes") == [{"title": "New chat", "body": "Chat 1"}]

    # The chatter writes while the console is hidden: one new, and a notification.
    chatter_send(chatter_a, "Are you there?")
    expect(tab(staff, 1)).to_have_accessible_name(re.compile(r"^Chat 1, .*, 1 new$"))
    expect(tab(staff, 1).locator(".badge")).to_have_text("1 new")
    notes = staff.evaluate("window.__notes")
    assert notes[-1] == {"title": "New message", "body": "Chat 1"}
    assert "Are you there?" not in str(notes)

    # Back in view: the open chat is read, no notification any more.
    set_hidden(staff, False)
    expect(tab(staff, 1)).to_have_accessible_name(CHAT_1)
    expect(tab(staff, 1).locator(".badge")).to_be_hidden()

    # A second chat: no "new" for a chat that brought no message.
    b_ctx, chatter_b = start_chatter(browser, chat_url)
    expect(tab(staff, 2)).to_have_accessible_name(re.compile(r"^Chat 2, chatting \d\d:\d\d$"))
    tab(staff, 2).click()
    chatter_send(chatter_a, "Hello?")
    expect(tab(staff, 1)).to_have_accessible_name(CHAT_1_NEW)
    count = len(staff.evaluate("window.__notes"))
    panel = staff.locator(".chat-panel:visible")
    assert_accessible(staff, "with a chat open")
    assert len(staff.evaluate("window.__notes")) == count  # in view: sound and title only

    # The transfer dialog.
    panel.get_by_role("button", name="Transfer…").click()
    expect(panel.get_by_label("To")).to_be_focused()
    assert_accessible(staff, "with the transfer dialog open")
    panel.get_by_role("button", name="Cancel").click()

    # Chatter B leaves at once by the quick exit: the form offers "no conversation".
    chatter_b.locator("#quick-exit").click()
    form = panel.locator("form.summary-form")
    expect(form).to_be_visible()
    expect(form.locator("[data-ref=endReason]")).to_have_text("The chatter used the quick exit.")
    expect(form.get_by_role("button", name="Register: no conversation")).to_be_visible()

    # Errors at the fields: aria-invalid and aria-describedby name the message there.
    form.get_by_role("button", name="File summary").click()
    group = form.get_by_label("Target group")
    expect(group).to_have_attribute("aria-invalid", "true")
    expect(group).to_be_focused()
    error_id = group.evaluate("el => el.getAttribute('aria-describedby')")
    expect(staff.locator(f"#{error_id}")).to_have_text("Choose the target group.")
    expect(group).to_have_accessible_description("Choose the target group.")
    listening = form.get_by_label("Listening")
    expect(listening).to_have_attribute("aria-invalid", "true")
    expect(listening).to_have_accessible_description("Tick at least one kind of help given.")
    expect(form.locator(".field-errors")).to_contain_text("Target group: Choose the target group.")
    assert_accessible(staff, "with the summary form and its errors")
    group.select_option("self")
    expect(group).not_to_have_attribute("aria-invalid", "true")
    expect(form.locator(".field-error:visible")).not_to_contain_text(["Choose the target group."])

    form.get_by_role("button", name="Register: no conversation").click()
    expect(staff.locator("#console-notice")).to_contain_text(
        "Chat 2: registered as a chat without a conversation")
    expect(tab(staff, 2)).to_have_count(0)
    with live.app.app_context():
        rows = db.session.execute(db.select(Summary)).scalars().all()
        assert [(r.status, r.target_group) for r in rows] == [("no_conversation", None)]

    # A chat the chatter wrote in gets no such button.
    panel = staff.locator(".chat-panel:visible")
    panel.get_by_role("button", name="End chat").click()
    panel.get_by_role("button", name="Yes, end the chat").click()
    form = panel.locator("form.summary-form")
    expect(form.locator("[data-ref=endReason]")).to_have_text("You ended the chat.")
    expect(form.get_by_role("button", name="Register: no conversation")).to_be_hidden()
    assert_accessible(staff, "with the summary form of a conversation")
    assert errors.errors == []
    for ctx in (a_ctx, b_ctx, staff.context):
        ctx.close()


def test_pause_stops_new_chats_without_going_off_duty(browser, live, live_staff):
    chat_url, staff_url = live.urls[0], live.urls[1]
    live_staff("bert", name="Bert")
    staff = console(browser, staff_url, "bert")
    go_on_duty(staff)
    pause = staff.get_by_role("switch", name="Pause new chats")
    pause.click()
    expect(pause).to_be_checked()
    expect(staff.locator("#duty-state")).to_contain_text("paused")
    expect(staff.get_by_role("switch", name="On duty")).to_be_checked()
    ctx, _ = start_chatter(browser, chat_url)
    expect(staff.locator("#line-list li")).to_have_count(1)  # waiting, not handed to Bert
    expect(staff.locator(".chat-tab")).to_have_count(0)
    assert_accessible(staff, "paused with someone waiting")
    staff.reload()  # the pause is the server's: it survives a reload
    expect(staff.locator("#conn-state")).to_have_text("Connected.")  # its state has arrived
    pause = staff.get_by_role("switch", name="Pause new chats")
    expect(pause).to_be_checked()
    pause.click()  # the switch follows the server's answer, not the click itself
    expect(pause).not_to_be_checked()
    expect(staff.locator(".chat-tab")).to_have_count(1)
    expect(staff.locator("#duty-state")).to_contain_text("You are on duty")
    ctx.close()
    staff.context.close()


@pytest.fixture(scope="module")
def cooling_server(tmp_path_factory, redis_url):
    tmp = tmp_path_factory.mktemp("cooldown")
    url = other_db(redis_url, COOLDOWN_DB)
    r = redis_lib.Redis.from_url(url)
    names = list(r.scan_iter("hl:*"))
    if names:
        r.delete(*names)
    database = f"sqlite:///{tmp / 'cooldown.sqlite'}"
    app = create_app("testing", overrides={"REDIS_URL": url, "SQLALCHEMY_DATABASE_URI": database})
    with app.app_context():
        db.create_all()
        accounts.create_staff(db.session, "carla", "Carla", "therapist", PASSWORD)
    # A note is filed in the page: the scrubber loads at start, not within the page's wait.
    servers = LiveServers(url, database, tmp, count=1,
                          env={"COOLDOWN_SECONDS": "600", "SCRUBBER_PRELOAD": "1"})
    yield servers
    servers.stop()


def file_summary(form) -> None:
    form.get_by_label("Target group").select_option("self")
    form.get_by_label("Subcategory").select_option("sexual_feelings_minors")
    form.get_by_label("Listening").check()
    form.get_by_label("May contact again").check()
    form.get_by_label("No indication of a risk situation").check()
    form.get_by_role("button", name="File summary").click()


def test_cooldown_counts_down_and_can_be_skipped(browser, cooling_server):
    base = cooling_server.urls[0]
    staff = console(browser, base, "carla")
    go_on_duty(staff)
    ctx, chatter = start_chatter(browser, base)
    chatter_send(chatter, "Hello")
    panel = staff.locator(".chat-panel:visible")
    expect(panel.locator(".msg-chatter")).to_have_count(1)
    panel.get_by_role("button", name="End chat").click()
    panel.get_by_role("button", name="Yes, end the chat").click()
    file_summary(panel.locator("form.summary-form"))
    expect(staff.locator("#console-notice")).to_contain_text("summary filed")

    countdown = staff.locator("#cooldown-text")
    expect(countdown).to_have_text(re.compile(r"your next chat can come in (10:00|09:[0-5]\d)\.$"))
    first = countdown.text_content()
    expect(countdown).not_to_have_text(first)  # it counts down
    expect(staff.locator("#duty-state")).to_contain_text("cool-down")
    assert_accessible(staff, "during a cool-down")

    ctx2, _ = start_chatter(browser, base)
    expect(staff.locator("#line-list li")).to_have_count(1)  # waits: Carla is cooling down
    expect(staff.locator(".chat-tab")).to_have_count(0)
    staff.get_by_role("button", name="Skip the cool-down").click()
    expect(staff.locator("#cooldown")).to_be_hidden()
    expect(staff.locator(".chat-tab")).to_have_count(1)
    for c in (ctx, ctx2, staff.context):
        c.close()
