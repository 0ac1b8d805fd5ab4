"""In a real browser: the monitor panel names which of a therapist's chats it shows and
keeps to the newest message (a "new messages" marker when scrolled up); axe-core finds no
WCAG 2.2 AA violation on any supervisor page or sign-in page, in each state."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from helpline.admin import accounts
from helpline.extensions import db
from tests.a11y import assert_accessible
from tests.browser.test_browser_flow import DESKTOP, PASSWORD, PHONE, Requests, sign_in
from tests.browser.test_browser_supervision import start_chatter

pytestmark = pytest.mark.timeout(300)

AT_BOTTOM = "(el) => el.scrollHeight - (el.scrollTop + el.clientHeight) <= 24"


def test_monitor_names_the_chat_and_keeps_to_the_newest_message(browser, live, live_staff):
    sup_url, other_url = live.urls
    live_staff("sara", role="supervisor", name="Sara")
    live_staff("anna", name="Anna")
    staff = browser.new_context(viewport=DESKTOP).new_page()
    sign_in(staff, other_url, "anna")
    staff.get_by_label("Capacity").select_option("2")
    staff.get_by_role("switch", name="On duty").check()
    first = start_chatter(browser, other_url)[1]
    second = start_chatter(browser, other_url)[1]
    expect(second.locator("#status-main")).to_contain_text("Anna")
    expect(first.locator("#status-main")).to_contain_text("Anna")

    third = start_chatter(browser, other_url)[1]  # Anna is full: this one waits in line
    expect(third.locator("#screen-chat")).to_be_visible()
    sup = browser.new_context(viewport={"width": 1200, "height": 500}).new_page()
    errors = Requests(sup)
    sign_in(sup, sup_url, "sara")
    sup.goto(sup_url + "/staff/overview")
    chat_rows = sup.locator("#chats-body tr")
    expect(chat_rows).to_have_count(2)
    expect(sup.locator("#line-body tr")).to_have_count(1)
    assert_accessible(sup, "on the overview with the line and chats")
    chat_rows.nth(1).get_by_role("button", name="Monitor").click()
    panel = sup.locator("#monitor-panel")
    expect(sup.locator("#monitor-title")).to_have_text(
        re.compile(r"^Anna: chat 2 of 2, since \d\d:\d\d$"))
    assert_accessible(sup, "with the monitor panel open")

    # Anna writes in the second chat until the transcript scrolls; it follows.
    tab = staff.get_by_role("tab", name=re.compile("Chat 2"))
    tab.click()
    reply = staff.locator(".chat-panel:visible").get_by_label("Your message")
    transcript = panel.locator("#monitor-transcript")

    def write(text: str, count: int) -> None:  # one at a time: the socket's rate limit
        reply.fill(text)
        reply.press("Enter")
        expect(transcript.locator(".msg-text")).to_have_count(count)

    for n in range(8):
        write(f"Line {n} of a long answer.", n + 1)
    assert transcript.evaluate("(el) => el.scrollHeight > el.clientHeight")
    expect(transcript).to_have_js_property("scrollTop", transcript.evaluate(
        "(el) => el.scrollHeight - el.clientHeight"))
    marker = panel.locator("#monitor-new")
    expect(marker).to_be_hidden()

    # Scrolled up to read: the list stays put, the marker counts what came in.
    transcript.evaluate("(el) => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); }")
    for n in range(2):
        write(f"More {n}.", 9 + n)
    expect(marker).to_have_text("2 new messages below")
    assert transcript.evaluate("(el) => el.scrollTop") == 0
    assert_accessible(sup, "with the new-messages marker")
    marker.click()
    expect(marker).to_be_hidden()
    assert transcript.evaluate(AT_BOTTOM)
    expect(transcript).to_be_focused()

    assert not errors.errors, errors.errors


def one_time_account(live, username: str) -> None:
    with live.app.app_context():
        staff = accounts.find(db.session, username)
        staff.must_change_password = True
        db.session.commit()


def test_every_supervisor_and_sign_in_page_passes_axe(browser, live, live_staff):
    url = live.urls[0]
    live_staff("sara", role="supervisor", name="Sara")
    live_staff("tom", name="Tom")
    page = browser.new_context(viewport=DESKTOP).new_page()

    page.goto(url + "/staff/overview")  # redirected, with the sign-in notice
    expect(page.locator(".ok-line")).to_have_text("Sign in to open that page.")
    assert_accessible(page, "on the sign-in page with its notice")
    page.get_by_label("Username").fill("sara")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page, "on the sign-in page with an error")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/staff/login/code"))
    assert_accessible(page, "on the second step")
    page.get_by_label("Code from your app, or a recovery code").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page, "on the second step with an error")
    page.goto(url + "/staff/login")
    sign_in(page, url, "sara")
    # no stale notice on the first page after signing in
    expect(page.locator("body")).not_to_contain_text("Sign in to open that page")

    for path, what in [("/staff/overview", "overview"), ("/staff/hours", "opening hours"),
                       ("/staff/missed", "missed chats"), ("/staff/accounts", "accounts"),
                       ("/staff/reports/", "reports"), ("/staff/registrations/", "registrations"),
                       ("/staff/registrations/new", "new registration"),
                       ("/staff/canned", "ready texts"), ("/staff/account", "own account"),
                       ("/staff/no-such-page", "a staff 404 page")]:
        page.goto(url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page, f"on {what}")
    expect(page.get_by_role("link", name="Go to your console")).to_be_visible()

    # A therapist's 403 page, and the first-time password page.
    other = browser.new_context(viewport=PHONE).new_page()
    sign_in(other, url, "tom")
    response = other.goto(url + "/staff/overview")
    assert response.status == 403
    expect(other.get_by_role("link", name="Go to your console")).to_have_attribute(
        "href", "/staff/")
    assert_accessible(other, "on a therapist's 403 page")
    one_time_account(live, "tom")
    fresh = browser.new_context(viewport=PHONE).new_page()
    fresh.goto(url + "/staff/login")
    fresh.get_by_label("Username").fill("tom")
    fresh.get_by_label("Password").fill(PASSWORD)
    fresh.get_by_role("button", name="Sign in").click()
    expect(fresh).to_have_url(re.compile(r"/staff/password"))
    assert_accessible(fresh, "on the change-password page")
