"""Long unbroken words never widen a page (issue 6, D16): a 64-character display name on a
390 px phone, and a long unbroken handover note and message in the console, in Chromium.
Also: a bidi override in a name given at sign-up is gone by the time anybody sees it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_browser_flow import PHONE, chatter_send, go_on_duty, sign_in
from tests.peers import staff_cookie

pytestmark = pytest.mark.timeout(180)
LONG_NAME = "B" + "e" * 62 + "n"  # 64 characters, no break opportunity
NOTE = "n" * 500
CONSOLE = {"width": 1024, "height": 800}


def scroll_width(page) -> int:
    return page.evaluate("Math.max(document.documentElement.scrollWidth,"
                         " document.body.scrollWidth)")


def test_long_names_and_notes_wrap(browser, live, live_staff, peers):
    url = live.urls[0]
    live_staff("anna", name="Anna")
    live_staff("ben", name="\u202e" + LONG_NAME + "\u2066")  # stripped when stored
    anna = peers(url, "/staff", cookie=staff_cookie(url, "anna"))
    assert anna.call("duty", {"on": True, "capacity": 1})["ok"]

    chat_ctx, ben_ctx = browser.new_context(viewport=PHONE), browser.new_context(viewport=CONSOLE)
    chatter, ben = chat_ctx.new_page(), ben_ctx.new_page()
    chatter.goto(url + "/")
    chatter.get_by_role("button", name="Start chat").click()
    expect(chatter.locator("#status-main")).to_have_text("You are talking with Anna.")
    chat_id = anna.wait_for("chat_assigned")["chat_id"]
    chatter_send(chatter, "w" * 1500)

    sign_in(ben, url, "ben")
    go_on_duty(ben)
    assert anna.call("transfer", {"chat_id": chat_id, "to": ben_id(anna), "note": NOTE})["ok"]
    panel = ben.locator(".chat-panel:visible")
    expect(panel.locator(".handover-text")).to_have_text(NOTE)
    expect(panel.locator(".msg-chatter .msg-text")).to_have_text(["w" * 1500])
    expect(chatter.locator("#status-main")).to_have_text(f"You are talking with {LONG_NAME}.")
    panel.get_by_label("Your message").fill("x" * 800)
    panel.get_by_label("Your message").press("Enter")
    expect(chatter.locator(".msg-therapist .msg-text")).to_have_text(["x" * 800])
    expect(chatter.locator(".msg-therapist .msg-meta")).to_contain_text([LONG_NAME])
    expect(ben.locator("#me-name")).to_have_text(LONG_NAME)

    assert scroll_width(chatter) <= PHONE["width"]
    assert scroll_width(ben) <= CONSOLE["width"]
    chat_ctx.close()
    ben_ctx.close()


def ben_id(anna) -> int:
    colleagues = anna.call("colleagues", {})["colleagues"]
    return next(c["id"] for c in colleagues if c["name"] == LONG_NAME)
