"""The chatter's rough edges of issue 19 in a real browser: the draft across a reload,
what the intro says before Start, follow-up days in the page's language, and the phone's
sticky message box that must never cover the "other ways to reach us" card."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from babel.dates import format_date
from playwright.sync_api import Page, expect

from tests.a11y import assert_accessible
from tests.browser.test_browser_flow import PHONE
from tests.peers import Peer, staff_cookie

pytestmark = pytest.mark.timeout(240)


def box(page: Page, selector: str) -> dict:
    found = page.locator(selector).bounding_box()
    assert found, selector
    return found


def overlap(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


COVERED = """(sel) => {
  // Each link of the card, scrolled into view as focus would: is its centre the link?
  return Array.from(document.querySelectorAll(sel + ' a')).filter((a) => {
    a.focus();
    const r = a.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return !(hit && (hit === a || a.contains(hit)));
  }).map((a) => a.textContent);
}"""


def test_the_phone_message_box_never_covers_the_other_channels(browser, live):
    """390x844, waiting with nobody on duty: the card of other channels is shown and no
    scroll position the page takes (first view, focus on each link, the bottom) puts the
    sticky message box over it."""
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(live.urls[0] + "/")
    page.get_by_role("button", name="Start chat").click()
    card = page.locator("#no-staff")
    expect(card).to_be_visible()
    expect(card.get_by_role("heading")).to_have_text("Other ways to reach us")
    for where in ("top", "card", "bottom"):
        if where == "card":
            card.scroll_into_view_if_needed()
        elif where == "bottom":
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        assert not overlap(box(page, "#no-staff"), box(page, "#compose")), where
    assert page.evaluate(COVERED, "#no-staff") == []


def test_a_reload_keeps_the_draft_and_follow_up_days_are_in_the_chatters_language(
        browser, live, live_staff):
    """Mid-chat, a reload keeps the half-typed message (sessionStorage only: no cookie, no
    localStorage); sent or ended, it is gone. The follow-up code's days read "6 december
    2026" in Dutch and again in French after a switch, never 2026-12-06."""
    url = live.urls[0]
    live_staff("anna", name="Anna")
    staff = Peer(url, "/staff", cookie=staff_cookie(url, "anna"))
    try:
        assert staff.call("duty", {"on": True, "capacity": 1})["ok"]
        context = browser.new_context(viewport=PHONE, locale="nl-BE")
        page = context.new_page()
        page.goto(url + "/?lang=nl")
        page.get_by_role("button", name="Chat beginnen").click()
        expect(page.locator("#status-main")).to_have_text("Je praat met Anna.")
        chat_id = staff.wait_for("chat_assigned")["chat_id"]

        box = page.get_by_label("Je bericht")
        box.fill("Ik weet niet goed hoe ik moet beginnen")
        page.reload()
        box = page.get_by_label("Je bericht")
        expect(page.locator("#status-main")).to_have_text("Je praat met Anna.")
        expect(box).to_have_value("Ik weet niet goed hoe ik moet beginnen")
        expect(page.locator("#char-count")).to_have_text("38 / 2000")
        assert page.evaluate("localStorage.length") == 0 and context.cookies() == []

        box.press("Enter")  # sent: nothing kept, a reload finds an empty box
        expect(page.locator(".transcript .msg-text")).to_have_text(
            ["Ik weet niet goed hoe ik moet beginnen"])
        assert page.evaluate("sessionStorage.getItem('helpline.draft')") is None
        page.reload()
        expect(page.locator(".transcript .msg-text")).to_have_count(1)
        expect(page.get_by_label("Je bericht")).to_have_value("")

        first = date.today() + timedelta(days=30)
        issued = staff.call("follow_up_code", {"chat_id": chat_id, "date": first.isoformat(),
                                               "window_days": 3})
        assert issued["ok"], issued
        days = [date.fromisoformat(issued[k]) for k in ("from", "until")]
        page.get_by_label("Je bericht").fill("Nog één ding")
        assert page.evaluate("sessionStorage.getItem('helpline.draft')") == "Nog één ding"
        assert staff.call("end", {"chat_id": chat_id})["ok"]
        expect(page.locator("#screen-closed")).to_be_visible()
        assert page.evaluate("sessionStorage.getItem('helpline.draft')") is None  # ended
        when = page.locator("#follow-up-when")
        dutch = [format_date(d, "d MMMM y", locale="nl") for d in days]
        expect(when).to_have_text(f"Vul de code op deze pagina in tussen {dutch[0]} en {dutch[1]}.")
        assert issued["from"] not in when.inner_text()

        page.get_by_role("link", name="Français").click()
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        french = [format_date(d, "d MMMM y", locale="fr") for d in days]
        expect(when).to_have_text(
            f"Saisissez-le sur cette page entre le {french[0]} et le {french[1]}.")
        context.close()
    finally:
        staff.close()


def test_the_intro_says_nobody_is_on_duty_before_start(browser, live):
    """CHAT_ALWAYS_OPEN with nobody on duty: not "open now", but that a start means waiting
    for someone to come on duty, and the other ways to reach us, before the click."""
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(live.urls[0] + "/")
    intro = page.locator("#intro-open")
    expect(intro).to_have_text("No therapist is on duty right now.")
    expect(page.locator("#start-button")).to_have_text("Start chat and wait")
    channels = page.locator("#intro-channels")
    expect(channels).to_be_visible()
    expect(channels.locator("a[href^='tel:']")).to_have_count(1)
    box_start = box(page, "#start-button")
    assert box_start["y"] + box_start["height"] <= PHONE["height"], box_start
    assert_accessible(page, "on the intro with nobody on duty")


def test_a_closed_intro_asks_again_when_the_chat_opens(browser, live):
    """The page rendered closed asks the server again (a reload) once the opening is due
    by the server's count ("opens_in"), so its words and its button never outlive the
    closing (here the page is told the opening is due now)."""
    page = browser.new_context(viewport=PHONE).new_page()
    url = live.urls[0] + "/?lang=en"  # route.fetch() sends no Accept-Language

    def soon(route):
        body = re.sub(r'"opens_in": ?null', '"opens_in": 0', route.fetch().text())
        route.fulfill(body=body, headers={"content-type": "text/html; charset=utf-8"})

    page.route(url, soon)
    page.goto(url)
    page.evaluate("window.sameDocument = true")
    page.wait_for_function("window.sameDocument === undefined")  # reloaded
