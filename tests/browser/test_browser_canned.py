"""In a real browser: a supervisor keeps the ready texts (canned responses) and tries the
picker on /staff/canned; a therapist inserts one in a real chat with "/" and the keyboard,
edits it and sends it (the picker itself never sends). axe checks every state."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.a11y import assert_accessible
from tests.browser.test_browser_flow import DESKTOP, PHONE, Requests, go_on_duty, sign_in

pytestmark = pytest.mark.timeout(240)

CAW = "Het CAW helpt gratis.\nZoek het CAW in je buurt op www.caw.be."


def add_text(page, title: str, text: str, tags: str, language: str = "Nederlands") -> None:
    form = page.locator("#canned-form")
    form.get_by_label("Language").select_option(label=language)
    form.get_by_label("Title").fill(title)
    form.get_by_label("Text", exact=True).fill(text)
    form.get_by_label("Tags").fill(tags)
    form.get_by_role("button", name="Add").click()
    expect(page.locator(".ok-line")).to_contain_text(title)


def test_supervisor_keeps_ready_texts_and_tries_the_picker(browser, live, live_staff):
    url = live.urls[0]
    live_staff("sara", role="supervisor", name="Sara")
    page = browser.new_context(viewport=DESKTOP).new_page()
    requests = Requests(page)
    sign_in(page, url, "sara")
    page.get_by_role("link", name="Live overview").click()
    page.get_by_role("link", name="Ready texts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ready texts")
    assert_accessible(page, "on an empty ready-text page")

    # A bad form: errors at the fields, axe-clean too.
    page.locator("#canned-form").get_by_role("button", name="Add").click()
    expect(page.locator(".field-error")).to_have_count(2)
    assert_accessible(page, "on the ready-text form with errors")
    requests.errors.clear()  # the browser logs that page's 400 status

    add_text(page, "Doorverwijzing CAW", CAW, "verwijzing caw")
    add_text(page, "Afsluiten", "Bedankt voor je vertrouwen.", "slot")
    rows = page.locator("#canned-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Afsluiten")  # by title
    assert_accessible(page, "on the ready-text list")

    # Edit one, then delete the other.
    rows.nth(1).get_by_role("link", name="Edit").click()
    # The edit page is there (axe must not run on a page still navigating away).
    expect(page.get_by_role("button", name="Save changes")).to_be_visible()
    assert_accessible(page, "on the edit page")
    page.get_by_label("Title").fill("Doorverwijzing CAW (regio)")
    page.get_by_role("button", name="Save changes").click()
    expect(rows.nth(1)).to_contain_text("Doorverwijzing CAW (regio)")
    rows.nth(0).get_by_role("button", name="Delete").click()
    expect(rows).to_have_count(1)

    # "Try it": "/" in the empty box opens the list; typing filters; Enter inserts.
    box = page.get_by_label("Message", exact=True)
    expect(page.get_by_role("button", name="Ready texts")).to_be_visible()  # module ran
    box.focus()
    box.press("/")
    search = page.get_by_role("combobox", name="Search ready texts")
    expect(search).to_be_focused()
    expect(page.get_by_role("listbox").get_by_role("option")).to_have_count(1)
    assert_accessible(page, "with the picker open")
    search.fill("zzz")
    expect(page.locator(".canned-status")).to_have_text("No ready text matches.")
    search.fill("caw")
    expect(search).to_have_attribute("aria-activedescendant", "canned-1-opt-0")
    search.press("Enter")
    expect(box).to_have_value(CAW)
    expect(box).to_be_focused()
    expect(search).to_be_hidden()
    # "/" typed in a box that holds text is just a slash.
    box.press("End")
    box.press("/")
    expect(box).to_have_value(CAW + "/")
    expect(search).to_be_hidden()
    assert not requests.errors, requests.errors


def test_therapist_inserts_edits_and_sends_a_ready_text(browser, live, live_staff):
    chat_url, staff_url = live.urls
    live_staff("sara", role="supervisor", name="Sara")
    live_staff("anna", name="Anna")
    sup = browser.new_context(viewport=DESKTOP).new_page()
    sign_in(sup, staff_url, "sara")
    sup.goto(staff_url + "/staff/canned")
    add_text(sup, "Afsluiten", "Bedankt voor je vertrouwen.", "slot")
    add_text(sup, "Doorverwijzing CAW", CAW, "verwijzing caw")
    add_text(sup, "Closing", "Thank you for your trust.", "closing", language="English")

    staff = browser.new_context(viewport=DESKTOP).new_page()
    errors = Requests(staff)
    sign_in(staff, staff_url, "anna")
    go_on_duty(staff)
    chatter = browser.new_context(viewport=PHONE).new_page()
    chatter.goto(chat_url + "/?lang=nl")  # a Dutch chatter: the console offers Dutch texts
    chatter.get_by_role("button", name="Chat beginnen").click()
    expect(chatter.locator("#status-main")).to_contain_text("Anna")
    panel = staff.locator(".chat-panel:visible")
    reply = panel.get_by_label("Your message")
    expect(reply).to_be_visible()

    # The console attaches the picker to every message box, in the chatter's language.
    panel.get_by_role("button", name="Ready texts").click()
    search = panel.get_by_role("combobox", name="Search ready texts")
    expect(search).to_be_focused()
    expect(panel.get_by_role("option")).to_have_text(
        ["Afsluiten" + "Bedankt voor je vertrouwen.", "Doorverwijzing CAW" + CAW.replace(
            "\n", "\n")])  # Dutch only: the English one is not listed
    search.press("ArrowDown")
    expect(search).to_have_attribute("aria-activedescendant", "canned-1-opt-1")
    search.press("Escape")
    expect(reply).to_be_focused()
    expect(reply).to_have_value("")

    reply.press("/")
    search.fill("slot")
    search.press("Enter")
    expect(reply).to_have_value("Bedankt voor je vertrouwen.")
    # Inserted, not sent: the chatter has nothing from the therapist yet.
    expect(chatter.locator(".msg-therapist")).to_have_count(0)
    reply.press("End")
    reply.press_sequentially(" Tot ziens.")
    reply.press("Enter")
    expect(chatter.locator(".msg-therapist .msg-text")).to_have_text(
        ["Bedankt voor je vertrouwen. Tot ziens."])
    assert not errors.errors, errors.errors
