"""In a real browser, across two live servers: transferring a chat with a private handover
note, handing it back to the line, and a supervisor deactivating a therapist whose
console then closes at once while the chatter is told."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_browser_flow import (
    DESKTOP,
    PHONE,
    Requests,
    chatter_send,
    go_on_duty,
    shot,
    sign_in,
)

pytestmark = pytest.mark.timeout(180)
NOTE = "Talked about his thoughts; calmer now. Suggest self-help module 3."


def test_transfer_back_to_line_and_deactivation(browser, live, live_staff):
    server_1, server_2 = live.urls
    live_staff("anna", name="Anna")
    live_staff("ben", name="Ben")
    live_staff("sam", role="supervisor", name="Sam")

    contexts = []

    def page(viewport):
        ctx = browser.new_context(viewport=viewport)
        contexts.append(ctx)
        return ctx.new_page()

    anna, ben, chatter = page(DESKTOP), page(DESKTOP), page(PHONE)
    errors = [Requests(p) for p in (anna, ben, chatter)]
    sign_in(anna, server_1, "anna")
    sign_in(ben, server_2, "ben")
    go_on_duty(anna)

    chatter.goto(server_2 + "/")
    chatter.get_by_role("button", name="Start chat").click()
    expect(chatter.locator("#status-main")).to_have_text("You are talking with Anna.")
    chatter_send(chatter, "I need to talk to someone.")
    a_panel = anna.locator(".chat-panel:visible")
    expect(a_panel.locator(".msg-text")).to_have_text(["I need to talk to someone."])
    a_panel.get_by_label("Your message").fill("I'm listening.")
    a_panel.get_by_label("Your message").press("Enter")
    expect(chatter.locator(".msg-therapist .msg-text")).to_have_text(["I'm listening."])

    # Anna hands the chat to Ben with a note only Ben sees.
    go_on_duty(ben)
    a_panel.get_by_role("button", name="Transfer…").click()
    to = a_panel.get_by_label("To")
    expect(to.locator("option")).to_have_text(["Ben (1 free)", "Back to the line (first in line)"])
    expect(to).to_have_value(re.compile(r"^\d+$"))
    a_panel.get_by_label("Handover note").fill(NOTE)
    shot(anna, "20-console-transfer")
    a_panel.get_by_role("button", name="Transfer", exact=True).click()
    expect(anna.locator("#console-notice")).to_have_text("Chat 1 was transferred to Ben.")
    expect(anna.locator(".chat-panel")).to_have_count(0)

    b_panel = ben.locator(".chat-panel:visible")
    expect(b_panel.locator(".handover-from")).to_have_text("Handed over by Anna")
    expect(b_panel.locator(".handover-text")).to_have_text(NOTE)
    expect(b_panel.locator(".msg-text")).to_have_text(
        ["I need to talk to someone.", "I'm listening."])
    expect(chatter.locator("#handover-notice")).to_contain_text("handed over to a colleague")
    expect(chatter.locator("#status-main")).to_have_text("You are talking with Ben.")
    # The news once: the status names Ben, the notice says a handover happened.
    assert chatter.locator("#screen-chat").inner_text().count("talking with Ben") == 1
    shot(ben, "21-console-handover")
    shot(chatter, "22-chatter-transferred")

    b_panel.get_by_label("Your message").fill("Hello, I'm Ben.")
    b_panel.get_by_label("Your message").press("Enter")
    expect(chatter.locator(".msg-therapist .msg-text")).to_have_text(
        ["I'm listening.", "Hello, I'm Ben."])
    chatter_send(chatter, "Hi Ben.")
    expect(b_panel.locator(".msg-chatter .msg-text")).to_have_text(
        ["I need to talk to someone.", "Hi Ben."])

    # Ben hands it back to the line: Anna has room and takes it (without the note now).
    b_panel.get_by_role("button", name="Transfer…").click()
    b_panel.get_by_label("To").select_option("line")
    b_panel.get_by_role("button", name="Transfer", exact=True).click()
    expect(ben.locator("#console-notice")).to_have_text(
        "Chat 1 went back to the front of the line.")
    a_panel = anna.locator(".chat-panel:visible")
    expect(a_panel.locator(".handover-from")).to_have_text("Handed over by Ben, without a note.")
    expect(a_panel.locator(".msg-text")).to_have_count(4)
    expect(chatter.locator("#handover-notice")).to_contain_text("handed over to a colleague")
    expect(chatter.locator("#status-main")).to_have_text("You are talking with Anna.")
    assert NOTE not in chatter.content()

    # A supervisor deactivates Anna from the accounts page on server 2: her console on
    # server 1 closes at once, the chat goes back to the line and the chatter is told
    # (Ben went off duty, so the chat waits first in line).
    ben.get_by_role("switch", name="On duty").uncheck()
    expect(ben.locator("#duty-state")).to_contain_text("You are off duty")
    sam = page(DESKTOP)
    errors.append(Requests(sam))
    sign_in(sam, server_2, "sam")
    sam.get_by_role("link", name="Staff accounts").click()
    expect(sam.get_by_role("heading", level=1)).to_have_text("Staff accounts")
    row = sam.get_by_role("row").filter(has_text="anna")
    row.get_by_role("button", name="Deactivate").click()
    expect(sam.locator(".ok-line")).to_contain_text("anna was deactivated")
    shot(sam, "23-accounts")

    expect(anna.locator("#console-error")).to_have_text(
        "Your account was deactivated. Your running chats went back to the line.")
    expect(anna.locator("#conn-state")).to_contain_text("You are signed out.")
    expect(anna.locator(".chat-panel")).to_have_count(0)
    expect(chatter.locator("#handover-notice")).to_contain_text("A colleague will continue")
    expect(chatter.locator("#status-main")).to_have_text("You are next in line.")
    chatter_send(chatter, "Still here.")  # the chat goes on while waiting
    expect(chatter.locator(".msg-chatter .msg-text").last).to_have_text("Still here.")
    shot(chatter, "24-chatter-back-in-line")
    for e in errors:
        assert e.errors == [], e.errors
    for ctx in contexts:
        ctx.close()
