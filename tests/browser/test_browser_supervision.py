"""In a real browser: a supervisor watches the line fill on the live overview, moves a
chatter to the front, monitors a chat, whispers to the therapist (who sees it, the chatter
never does), sees a risk alert, and joins the chat openly.

The supervisor's page is on one server process, the therapist and the chatters on the
other, so every update crosses the Redis message queue.
"""

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


def start_chatter(browser, url, age=None):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(url + "/")
    if age:
        page.get_by_role("group", name="Your age").get_by_label(age).check()
    page.get_by_role("button", name="Start chat").click()
    expect(page.locator("#screen-chat")).to_be_visible()
    return context, page


def test_supervisor_watches_the_line_monitors_and_whispers(browser, live, live_staff):
    supervisor_url, other_url = live.urls
    live_staff("sara", role="supervisor", name="Sara")
    live_staff("anna", name="Anna")

    sup_ctx = browser.new_context(viewport=DESKTOP)
    sup = sup_ctx.new_page()
    sup_requests = Requests(sup)
    sign_in(sup, supervisor_url, "sara")
    sup.get_by_role("link", name="Live overview").click()
    expect(sup).to_have_url(supervisor_url + "/staff/overview")
    expect(sup.get_by_role("heading", level=1)).to_have_text("Live overview")
    expect(sup.locator("#conn-state")).to_have_text("Connected.")
    expect(sup.locator("#line-empty")).to_be_visible()

    # The line fills: four chatters on the other server, nobody on duty yet. Staff are
    # sent the first LINE_VIEW_LIMIT (3 on the live servers) places and the total.
    chatters = [start_chatter(browser, other_url, age)
                for age in ("18–25", "26–35", None, None)]
    rows = sup.locator("#line-body tr")
    expect(rows).to_have_count(3)
    expect(sup.locator("#line-count")).to_have_text("4")
    expect(sup.locator("#line-more")).to_have_text("and 1 more waiting")
    expect(rows.nth(0)).to_contain_text("18–25")
    expect(rows.nth(2)).to_contain_text("not given")
    expect(rows.nth(0).locator(".clock")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    shot(sup, "20-overview-line")

    # Triage: the third chatter goes to the front; their page says so.
    rows.nth(2).get_by_role("button", name="Move to front").click()
    expect(sup.locator("#ov-notice")).to_have_text("Moved to the front of the line.")
    expect(rows.nth(0)).to_contain_text("not given")
    third = chatters[2][1]
    expect(third.locator("#status-main")).to_have_text("You are next in line.")

    # A therapist on the other server goes on duty: the front chatter is taken.
    staff_ctx = browser.new_context(viewport=DESKTOP)
    staff = staff_ctx.new_page()
    staff_requests = Requests(staff)
    sign_in(staff, other_url, "anna")
    go_on_duty(staff)
    expect(third.locator("#status-main")).to_have_text("You are talking with Anna.")
    expect(rows).to_have_count(3)
    expect(sup.locator("#line-count")).to_have_text("3")
    expect(sup.locator("#line-more")).to_be_hidden()
    chat_rows = sup.locator("#chats-body tr")
    expect(chat_rows).to_have_count(1)
    expect(chat_rows.first).to_contain_text("Anna")
    expect(sup.locator("#staff-body tr")).to_contain_text(["Anna"])
    expect(sup.locator("#today-answered")).to_have_text("1")

    # Monitoring: the history, then live messages; the chatter is not told.
    chatter_send(third, "I do not know where to start.")
    chat_rows.first.get_by_role("button", name="Monitor").click()
    panel = sup.locator("#monitor-panel")
    expect(panel).to_be_visible()
    expect(panel.locator(".transcript .msg-text")).to_have_text(["I do not know where to start."])
    staff_panel = staff.locator(".chat-panel:visible")
    staff_panel.get_by_label("Your message").fill("Take your time.")
    staff_panel.get_by_label("Your message").press("Enter")
    expect(panel.locator(".transcript .msg-text")).to_have_text(
        ["I do not know where to start.", "Take your time."])
    expect(chat_rows.first.locator(".clock").nth(1)).to_have_text(re.compile(r"^\d\d:\d\d$"))

    # Whisper: the therapist sees it in the chat's panel, marked private; the chatter never.
    panel.get_by_label("Private note to the therapist").fill("Ask what brought them today.")
    panel.get_by_role("button", name="Send private note").click()
    note = staff_panel.locator(".private-notes .whisper")
    expect(note).to_contain_text("Ask what brought them today.")
    expect(note).to_contain_text("Private note from Sara")
    expect(panel.locator(".private-notes .whisper")).to_contain_text("Ask what brought them today.")
    shot(staff, "21-console-whisper")
    shot(sup, "22-overview-monitoring")

    # Risk flag: the therapist raises it, the supervisor gets the banner at once.
    staff_panel.get_by_role("button", name="Potential risk").click()
    expect(staff_panel.locator(".risk-toggle")).to_have_attribute("aria-pressed", "true")
    expect(sup.locator("#risk-banner")).to_be_visible()
    expect(sup.locator("#risk-text")).to_contain_text("flagged by Anna")
    expect(chat_rows.first).to_contain_text("Potential risk")
    sup.get_by_role("button", name="Dismiss").click()
    expect(sup.locator("#risk-banner")).to_be_hidden()

    # Joining openly: the chatter is told, and the colleague's message reaches both sides.
    panel.get_by_role("button", name="Join the chat openly").click()
    panel.get_by_role("button", name="Yes, join the chat").click()
    expect(third.locator("#colleague-notice")).to_contain_text("Sara")
    expect(staff_panel.locator(".private-notes .joined")).to_contain_text("Sara joined")
    colleague_box = panel.get_by_label("Your message in the chat (the chatter sees it)")
    colleague_box.fill("I am Sara, I work with Anna.")
    colleague_box.press("Enter")
    expect(third.locator(".msg-colleague .msg-text")).to_have_text(["I am Sara, I work with Anna."])
    expect(third.locator(".msg-colleague .msg-meta")).to_contain_text("Sara (colleague)")
    expect(staff_panel.locator(".msg-colleague .msg-text")).to_have_text(
        ["I am Sara, I work with Anna."])
    shot(third, "23-chatter-colleague")

    # The chatter's page never showed the whisper or the monitoring.
    assert "Ask what brought them today." not in third.content()
    assert "Monitor" not in third.locator("body").inner_text()

    # The summary starts at "potential risk" because the flag is raised.
    staff_panel.get_by_role("button", name="End chat").click()
    staff_panel.get_by_role("button", name="Yes, end the chat").click()
    expect(staff_panel.locator("form.summary-form").get_by_label(
        "Potential risk situation, protocol consulted")).to_be_checked()
    expect(panel.locator("#monitor-state")).to_have_text("The chat has ended.")

    # The audit trail lists what the supervisor did (after a reload), never the text.
    sup.reload()
    audit_table = sup.locator("#audit-table")
    for action in ("Moved to the front", "Monitored", "Private note", "Joined openly",
                   "Raised the risk flag"):
        expect(audit_table).to_contain_text(action)
    expect(audit_table).not_to_contain_text("Ask what brought them")

    assert sup_requests.errors == []
    assert staff_requests.errors == []
    for context, _ in chatters:
        context.close()
    sup_ctx.close()
    staff_ctx.close()


def test_heatmap_counts_a_chatter_who_leaves_the_line(browser, live, live_staff):
    """The issue's last step: the missed-chat heatmap changes after a chatter leaves."""
    supervisor_url, other_url = live.urls
    live_staff("sara", role="supervisor", name="Sara")
    sup = browser.new_context(viewport=DESKTOP).new_page()
    sign_in(sup, supervisor_url, "sara")
    sup.goto(supervisor_url + "/staff/missed")
    cell = sup.locator("svg.heatmap g.cell")
    before = sum(int(c.get_attribute("data-count")) for c in cell.all())

    _, chatter = start_chatter(browser, other_url)
    chatter.get_by_role("button", name="Leave the line").click()
    chatter.get_by_role("button", name="Yes, leave").click()
    expect(chatter.locator("#screen-closed")).to_be_visible()

    sup.reload()
    after = sum(int(c.get_attribute("data-count")) for c in cell.all())
    assert after == before + 1
    expect(sup.locator("body")).to_contain_text("Left the line unanswered")
