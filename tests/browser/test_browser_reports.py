"""In a real browser: a phone contact registered on its page, a chat summary with a
follow-up code, the chatter returning with the code (and the feedback card), then the
reports page finds all of it."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from helpline.extensions import db
from helpline.records.models import Registration
from helpline.reports.feedback import FeedbackCount
from tests.browser.test_browser_flow import DESKTOP, PHONE, Requests, go_on_duty, sign_in

pytestmark = pytest.mark.timeout(240)


def fill_summary(form, follow_up: str) -> None:
    form.get_by_label("Target group").select_option("self")
    form.get_by_label("Subcategory").select_option("csam_downloader")
    form.get_by_label("Listening").check()
    form.get_by_label(follow_up).check()
    form.get_by_label("No indication of a risk situation").check()


def test_phone_contact_follow_up_and_report(browser, live, live_staff):
    url = live.urls[0]
    live_staff("sara", role="supervisor", name="Sara")
    staff_ctx = browser.new_context(viewport=DESKTOP)
    staff = staff_ctx.new_page()
    staff_requests = Requests(staff)
    sign_in(staff, url, "sara")

    # A phone call, registered on its page: date and time default to now.
    staff.goto(url + "/staff/registrations/new")
    today = datetime.now(ZoneInfo("Europe/Brussels")).date().isoformat()
    expect(staff.get_by_label("Date")).to_have_value(today)
    staff.get_by_label("Duration (minutes)").fill("20")
    staff.get_by_label("Target group").select_option("close_one")
    staff.get_by_label("Subcategory").select_option("adult_concerned_offender")
    staff.get_by_label("Advice").check()
    staff.get_by_label("No follow-up").check()
    staff.get_by_label("No indication of a risk situation").check()
    staff.get_by_label("Said the contact was helpful").check()
    staff.get_by_role("button", name="Register").click()
    expect(staff.locator(".ok-line")).to_contain_text("saved")
    expect(staff.locator("#registrations-table")).to_contain_text("Phone")

    # A chat: the therapist issues a follow-up code while filing; the chatter sees it.
    staff.goto(url + "/staff/")
    expect(staff.locator("#conn-state")).to_have_text("Connected.")
    go_on_duty(staff)
    chat_ctx = browser.new_context(viewport=PHONE)
    chatter = chat_ctx.new_page()
    chatter_requests = Requests(chatter)
    chatter.goto(url + "/")
    chatter.get_by_role("button", name="Start chat").click()
    expect(chatter.locator("#status-main")).to_have_text("You are talking with Sara.")
    panel = staff.locator(".chat-panel:visible")
    panel.get_by_role("button", name="End chat").click()
    panel.get_by_role("button", name="Yes, end the chat").click()
    expect(chatter.locator("#closed-heading")).to_be_visible()
    form = panel.locator("form.summary-form")
    form.get_by_role("button", name="Issue a follow-up code").click()
    issued = form.locator("[data-ref=followUpCode]")
    expect(issued).to_contain_text("Follow-up code")
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", issued.inner_text()).group(0)
    expect(chatter.locator("#follow-up-code-text")).to_have_text(code)
    expect(form.get_by_label("Follow-up appointment made")).to_be_checked()
    fill_summary(form, "Follow-up appointment made")
    form.get_by_role("button", name="File summary").click()
    expect(staff.locator("#console-notice")).to_contain_text("Chat 1: summary filed")

    # The chatter's own word, then back with the code: first in line, to Sara.
    chatter.get_by_role("group", name="Did this chat help you?").get_by_label("A bit").check()
    chatter.get_by_role("button", name="Send my answers").click()
    expect(chatter.locator("#feedback-status")).to_have_text("Thank you for your answers.")
    chatter.get_by_role("button", name="Start a new chat").click()
    chatter.get_by_text("I have a follow-up code").click()
    chatter.get_by_label("Follow-up code").fill("WRNG-CODE")
    chatter.get_by_role("button", name="Start chat").click()
    expect(chatter.locator("#start-error")).to_contain_text("does not work")
    chatter.get_by_label("Follow-up code").fill(code.lower())
    chatter.get_by_role("button", name="Start chat").click()
    expect(chatter.locator("#status-main")).to_have_text("You are talking with Sara.")
    panel = staff.locator(".chat-panel:visible")
    panel.get_by_role("button", name="End chat").click()
    panel.get_by_role("button", name="Yes, end the chat").click()
    form = panel.locator("form.summary-form")
    fill_summary(form, "No follow-up")
    form.get_by_role("button", name="File summary").click()
    expect(panel).to_have_count(0)  # filed: the chat leaves the console (the notice of the
    # first summary may still be showing, so it proves nothing about this one)

    with live.app.app_context():
        rows = db.session.scalars(select(Registration).order_by(Registration.id)).all()
        answers = [(f.question, f.answer, f.count) for f in db.session.scalars(
            select(FeedbackCount))]
    assert [r.channel for r in rows] == ["phone", "chat", "chat"]
    assert rows[1].series_id and rows[1].series_id == rows[2].series_id
    assert [r.follow_up_kept for r in rows] == [False, False, True]
    assert answers == [("helped", "a_bit", 1)]

    # The report of this year has all of it.
    staff.goto(url + "/staff/reports/")
    channels = staff.locator("table[data-table=channels]")
    expect(channels.locator("tbody tr")).to_have_text([
        re.compile(r"^Chat\s*2\s*66\.7$"), re.compile(r"^Phone\s*1\s*33\.3$"),
        re.compile(r"^E-mail\s*0\s*0\.0$"), re.compile(r"^Anonymous message\s*0\s*0\.0$")])
    follow = staff.locator("table[data-table=follow_up]")
    expect(follow).to_contain_text(re.compile(r"Follow-up appointments made\s*1"))
    expect(follow).to_contain_text(re.compile(r"Follow-up appointments kept\s*1\s*100\.0"))
    expect(staff.locator("table[data-table=chatter_feedback]")).to_contain_text(
        re.compile(r"A bit\s*1\s*100\.0"))
    expect(staff.get_by_role("img", name="Contacts per month and channel")).to_be_visible()
    assert staff_requests.hosts() == chatter_requests.hosts() == {url.split("//")[1]}
    assert not staff_requests.errors and not chatter_requests.errors
