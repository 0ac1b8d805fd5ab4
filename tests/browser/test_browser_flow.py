"""End to end in a real browser: a chatter and a therapist on two live server processes.

The chatter and the therapist use different server processes, so every message, typing
signal and line update crosses the Redis message queue. Debian's Chromium is driven by
Playwright; set HELPLINE_SHOTS=/some/dir to keep a screenshot of every screen.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from helpline.extensions import db
from helpline.records.models import Summary
from tests import totp
from tests.conftest import PASSWORD

EXIT_URL = "https://www.wikipedia.org/"
SHOTS = os.environ.get("HELPLINE_SHOTS")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 950}

pytestmark = pytest.mark.timeout(180)


def shot(page: Page, name: str) -> None:
    """Keep a screenshot while developing (HELPLINE_SHOTS); never part of the assertions."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


class Requests:
    """Every URL a page asked for (no other host may be contacted) and every console error
    (a Content-Security-Policy violation shows up there)."""

    def __init__(self, page: Page):
        self.urls: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.urls.append(request.url))
        page.on("websocket", lambda ws: self.urls.append(ws.url))
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def hosts(self, ignore: tuple[str, ...] = ()) -> set[str]:
        return {urlsplit(u).netloc for u in self.urls if not u.startswith(ignore)}


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/staff/login")
    shot(page, "01-login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(base) + r"/staff/(login/code.*)?$"))
    if "/staff/login/code" in page.url:  # a supervisor: the code from the app
        shot(page, "01b-second-step")
        page.get_by_label("Code from your app, or a recovery code").fill(
            totp.next_code(username))
        page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base + "/staff/")
    expect(page.locator("#conn-state")).to_have_text("Connected.")


def go_on_duty(page: Page) -> None:
    page.get_by_role("switch", name="On duty").check()
    expect(page.locator("#duty-state")).to_contain_text("You are on duty")


def transcript(page: Page, scope: str = "") -> list[str]:
    return page.locator(f"{scope} .transcript .msg-text").all_text_contents()


def message_ids(page: Page, scope: str = "") -> list[str]:
    return page.locator(f"{scope} .transcript .msg").evaluate_all(
        "nodes => nodes.map(n => n.dataset.id)")


def id_key(message_id: str) -> tuple[int, int]:
    ms, seq = message_id.split("-")
    return int(ms), int(seq)


def chatter_send(page: Page, text: str) -> None:
    page.get_by_label("Your message").fill(text)
    page.get_by_label("Your message").press("Enter")


def stored_chat(page: Page):
    return page.evaluate("JSON.parse(sessionStorage.getItem('helpline.chat'))")


def test_chat_from_intake_to_filed_summary(browser, live, live_staff):
    """Intake, chat both ways with typing, reload mid-chat, end, summary with scrub step."""
    chat_url, staff_url = live.urls[0], live.urls[1]
    live_staff("anna", name="Anna")

    staff_ctx = browser.new_context(viewport=DESKTOP)
    staff = staff_ctx.new_page()
    staff_requests = Requests(staff)
    sign_in(staff, staff_url, "anna")
    shot(staff, "02-console-off-duty")
    go_on_duty(staff)
    expect(staff.locator("#load")).to_have_text("0 / 1")

    chat_ctx = browser.new_context(viewport=PHONE)
    chatter = chat_ctx.new_page()
    chatter_requests = Requests(chatter)
    response = chatter.goto(chat_url + "/")
    assert "set-cookie" not in response.headers
    expect(chatter.get_by_role("heading", level=1)).to_have_text(
        "Chat anonymously with a therapist")
    expect(chatter.locator("#screen-intro")).to_contain_text("no transcript")
    shot(chatter, "03-chatter-intro")

    # Intake: an age band is chosen, gender is skipped (the default "prefer not to say").
    chatter.get_by_role("group", name="Your age").get_by_label("26–35").check()
    chatter.get_by_role("button", name="Start chat").click()
    expect(chatter.locator("#status-main")).to_have_text("You are talking with Anna.")
    expect(chatter.get_by_role("heading", level=1)).to_have_text("Chat with Anna")

    # The console gets the chat with its intake answers, and nothing else.
    panel = staff.locator(".chat-panel:visible")
    expect(staff.get_by_role("tab", name=re.compile("Chat 1"))).to_be_visible()
    expect(panel.locator("[data-ref=age]")).to_have_text("26–35")
    expect(panel.locator("[data-ref=gender]")).to_have_text("not given")
    expect(staff.locator("#load")).to_have_text("1 / 1")
    expect(panel.locator(".chatter-conn")).to_have_text("Chatter connected")

    # Messages both ways, each with the other side's typing indicator.
    chatter.get_by_label("Your message").press_sequentially("I am worr", delay=30)
    expect(panel.locator(".typing")).to_have_text("The chatter is typing…")
    chatter.get_by_label("Your message").fill("I am worried about my thoughts.")
    chatter.get_by_label("Your message").press("Enter")
    expect(panel.locator(".typing")).to_have_text("")
    expect(panel.locator(".msg-chatter .msg-text")).to_have_text(
        ["I am worried about my thoughts."])

    reply = panel.get_by_label("Your message")
    reply.press_sequentially("Thank you", delay=30)
    expect(chatter.locator("#typing")).to_have_text("Anna is typing…")
    reply.press_sequentially(" for writing to us.", delay=5)
    reply.press("Enter")
    expect(chatter.locator("#typing")).to_have_text("")
    expect(chatter.locator(".msg-therapist .msg-text")).to_have_text(
        ["Thank you for writing to us."])
    expect(chatter.locator(".msg-therapist .msg-meta")).to_contain_text(["Anna"])

    box = chatter.get_by_label("Your message")
    box.press_sequentially("Can I tell you")
    box.press("Shift+Enter")  # a new line, not a send
    box.press_sequentially("something in two lines?")
    box.press("Enter")
    expect(panel.locator(".msg-chatter .msg-text")).to_have_count(2)
    reply.fill("Of course.")
    reply.press("Enter")
    before_reload = [
        "I am worried about my thoughts.", "Thank you for writing to us.",
        "Can I tell you\nsomething in two lines?", "Of course.",
    ]
    expect(chatter.locator(".transcript .msg-text")).to_have_text(before_reload)
    expect(panel.locator(".transcript .msg-text")).to_have_text(before_reload)
    shot(chatter, "04-chatter-chatting")

    # The tab keeps only what it needs, in sessionStorage; no cookie, no localStorage.
    stored = stored_chat(chatter)
    assert set(stored) == {"token", "lastId", "messages"}
    assert [m["text"] for m in stored["messages"]] == before_reload
    assert stored["lastId"] == stored["messages"][-1]["id"]
    assert chatter.evaluate("localStorage.length") == 0
    assert chat_ctx.cookies() == []

    # Reload mid-chat: the same chat, every message exactly once, in order.
    chatter.reload()
    expect(chatter.locator("#status-main")).to_have_text("You are talking with Anna.")
    expect(chatter.locator(".transcript .msg-text")).to_have_text(before_reload)
    ids = message_ids(chatter)
    assert len(ids) == len(set(ids)) == 4
    assert ids == sorted(ids, key=id_key)
    expect(panel.locator(".chatter-conn")).to_have_text("Chatter connected")

    # ...and the chat goes on.
    chatter_send(chatter, "After the reload.")
    expect(panel.locator(".transcript .msg-text").last).to_have_text("After the reload.")
    reply.fill("Still here.")
    reply.press("Enter")
    everything = [*before_reload, "After the reload.", "Still here."]
    expect(chatter.locator(".transcript .msg-text")).to_have_text(everything)
    expect(panel.locator(".transcript .msg-text")).to_have_text(everything)
    assert message_ids(chatter) == message_ids(staff, ".chat-panel:visible")
    shot(staff, "05-console-chatting")

    # A message over the limit is refused in the page, with a visible reason.
    chatter.get_by_label("Your message").fill("x" * 2001)
    expect(chatter.locator("#char-count")).to_have_text("2001 / 2000")
    expect(chatter.locator("#chat-error")).to_contain_text("1 characters too long")
    chatter.get_by_label("Your message").press("Enter")
    expect(panel.locator(".transcript .msg")).to_have_count(6)
    chatter.get_by_label("Your message").fill("")
    expect(chatter.locator("#chat-error")).to_be_hidden()

    # The therapist ends the chat: the chatter sees the closing screen, the tab forgets.
    panel.get_by_role("button", name="End chat").click()
    panel.get_by_role("button", name="Yes, end the chat").click()
    expect(chatter.locator("#closed-heading")).to_be_visible()
    expect(chatter.locator("#closed-reason")).to_have_text("The therapist has ended the chat.")
    expect(chatter.locator("#screen-closed")).to_contain_text("0800 200 50")
    expect(chatter.get_by_role("button", name="Start a new chat")).to_be_visible()
    assert chatter.evaluate("sessionStorage.length") == 0
    shot(chatter, "06-chatter-closed")

    # A console reload loses nothing: the ended chat comes back from `state` with its form.
    staff.reload()
    expect(staff.locator("#conn-state")).to_have_text("Connected.")
    expect(panel.locator(".transcript .msg-text")).to_have_text(everything)

    # The summary form: intake prefilled, times read-only, checked in the page first.
    form = panel.locator("form.summary-form")
    expect(form).to_be_visible()
    expect(panel.locator(".ended-note")).to_have_text("You ended the chat.")
    expect(staff.get_by_role("tab", name=re.compile("summary due"))).to_be_visible()
    expect(form.get_by_label("Age band")).to_have_value("26_35")
    expect(form.get_by_label("Gender")).to_have_value("unknown")
    expect(form.locator("[data-ref=duration]")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    form.get_by_role("button", name="File summary").click()
    expect(form.locator(".field-errors")).to_contain_text("Choose the target group.")
    expect(form.locator(".field-errors")).to_contain_text("Assess the risk.")

    form.get_by_label("Target group").select_option("self")
    form.get_by_label("Subcategory").select_option("sexual_feelings_minors")
    form.get_by_label("Listening").check()
    expect(form.get_by_label("Referred to")).to_be_hidden()
    form.get_by_label("Referral to specialised help").check()
    form.get_by_label("Referred to").select_option("cgg")
    form.get_by_label("Region").select_option("antwerp")
    form.get_by_label("May contact again").check()
    form.get_by_label("No indication of a risk situation").check()
    note = "Wants the self-help link sent to jan.peeters@example.com; open to therapy."
    form.get_by_label("Note").fill(note)
    expect(form.locator(".field-errors")).to_be_hidden()
    shot(staff, "07-console-summary")

    # What the server refuses is shown by field label (a tampered option, to get past the page).
    risk = form.get_by_label("No indication of a risk situation")
    risk.evaluate("input => { input.value = 'bogus'; }")
    form.get_by_role("button", name="File summary").click()
    expect(form.locator(".field-errors")).to_have_text("Risk assessment: Not a known option.")
    risk.evaluate("input => { input.value = 'no_indication'; }")
    form.get_by_role("button", name="File summary").click()

    # The scrubber took the address out: shown, then confirmed.
    scrub = form.locator(".scrub-confirm")
    expect(scrub).to_be_visible()
    expect(scrub.locator("ul")).to_contain_text("jan.peeters@example.com")
    cleaned = form.get_by_label("Note").input_value()
    assert "jan.peeters@example.com" not in cleaned and "open to therapy" in cleaned
    expect(scrub.locator(".scrub-note")).to_have_text(cleaned)
    expect(form.get_by_role("button", name="File summary")).to_be_hidden()
    shot(staff, "08-console-scrub-confirm")
    form.get_by_role("button", name="Confirm and file").click()

    # Filed: the chat leaves the console and its slot is free again.
    expect(staff.locator(".chat-panel")).to_have_count(0)
    expect(staff.locator("#console-notice")).to_contain_text("summary filed")
    expect(staff.locator("#load")).to_have_text("0 / 1")
    with live.app.app_context():
        rows = db.session.execute(db.select(Summary)).scalars().all()
        assert len(rows) == 1
        row = rows[0]
        assert row.status == "filed"
        assert row.note == cleaned
        assert "@" not in row.note
        assert (row.target_group, row.subcategory) == ("self", "sexual_feelings_minors")
        assert row.help_given == ["listening", "referral"]
        assert (row.referral_target, row.referral_region) == ("cgg", "antwerp")
        assert (row.follow_up, row.risk) == ("may_contact_again", "no_indication")
        assert (row.age_band, row.gender) == ("26_35", "unknown")
        assert row.duration_seconds is not None and row.wait_seconds is not None

    # The closing screen offers a new chat: back at the intake, with nothing kept.
    chatter.get_by_role("button", name="Start a new chat").click()
    expect(chatter.locator("#screen-intro")).to_be_visible()
    assert chat_ctx.cookies() == []

    # Our own host only, on both sides, and no script error or policy violation.
    assert chatter_requests.hosts() == {urlsplit(chat_url).netloc}
    assert staff_requests.hosts() == {urlsplit(staff_url).netloc}
    assert chatter_requests.errors == []
    assert staff_requests.errors == []
    staff_ctx.close()
    chat_ctx.close()


def test_quick_exit_from_the_waiting_line(browser, live, live_staff):
    """Shift three times: the page goes, the tab forgets, the line no longer holds the chat."""
    chat_url, staff_url = live.urls[0], live.urls[1]
    live_staff("bert", name="Bert")

    staff_ctx = browser.new_context(viewport=DESKTOP)
    staff = staff_ctx.new_page()
    sign_in(staff, staff_url, "bert")  # off duty: the chatter has to wait
    expect(staff.locator("#line-empty")).to_be_visible()

    chat_ctx = browser.new_context(viewport=PHONE)
    chatter = chat_ctx.new_page()
    chatter_requests = Requests(chatter)
    chatter.route("https://www.wikipedia.org/**", lambda route: route.fulfill(body="neutral"))
    response = chatter.goto(chat_url + "/")
    assert "set-cookie" not in response.headers
    chatter.get_by_role("button", name="Start chat").click()  # both questions skipped

    expect(chatter.get_by_role("heading", level=1)).to_have_text("Waiting for a therapist")
    expect(chatter.locator("#status-main")).to_have_text("You are next in line.")
    expect(chatter.locator("#status-detail")).to_contain_text("No one is available")
    expect(chatter.locator("#no-staff")).to_contain_text("0800 200 50")
    chatter_send(chatter, "A first message while waiting.")
    expect(chatter.locator(".transcript .msg-text")).to_have_text(
        ["A first message while waiting."])
    expect(staff.locator("#line-list li")).to_have_count(1)
    expect(staff.locator("#line-list li")).to_contain_text("Age and gender not given")
    expect(staff.locator("#line-list .line-time")).to_have_text(re.compile(r"waiting \d\d:\d\d"))
    assert stored_chat(chatter)["token"]
    shot(chatter, "09-chatter-waiting")
    shot(staff, "10-console-line")

    # Shift, Shift, Shift: straight to the neutral page, replacing this one in history.
    chatter.locator("body").click()
    for _ in range(3):
        chatter.keyboard.press("Shift")
    chatter.wait_for_url(EXIT_URL)
    expect(chatter.locator("body")).to_have_text("neutral")

    # The chatter is gone from the line the therapist sees.
    expect(staff.locator("#line-list li")).to_have_count(0)
    expect(staff.locator("#line-empty")).to_be_visible()

    # Back does not return to the chat, and the tab kept nothing for our site.
    chatter.go_back()
    assert not chatter.url.startswith(chat_url)
    chatter.goto(chat_url + "/")
    assert chatter.evaluate("sessionStorage.length") == 0
    expect(chatter.locator("#screen-intro")).to_be_visible()
    assert chat_ctx.cookies() == []
    assert chatter_requests.hosts(ignore=(EXIT_URL,)) == {urlsplit(chat_url).netloc}
    assert chatter_requests.errors == []

    # Signing out is a POST with the CSRF token; the console is then closed.
    staff.get_by_role("button", name="Sign out").click()
    expect(staff).to_have_url(re.compile(re.escape(staff_url) + "/staff/login"))
    staff.goto(staff_url + "/staff/")
    expect(staff.get_by_role("heading", level=1)).to_have_text("Staff sign-in")
    staff_ctx.close()
    chat_ctx.close()


def test_sign_in_error_quick_exit_button_and_error_page(browser, live, live_staff):
    """A wrong password is told plainly; the Quick exit button works with the mouse; an
    unknown page is a plain error page."""
    live_staff("carla")
    staff_ctx = browser.new_context(viewport=DESKTOP)
    staff = staff_ctx.new_page()
    staff.goto(live.urls[1] + "/staff/login")
    staff.get_by_label("Username").fill("carla")
    staff.get_by_label("Password").fill("not the password")
    with staff.expect_response(lambda r: r.request.method == "POST") as answer:
        staff.get_by_role("button", name="Sign in").click()
    assert answer.value.status == 401
    expect(staff.get_by_role("alert")).to_have_text("Unknown username or wrong password.")
    expect(staff.get_by_label("Username")).to_have_attribute("aria-invalid", "true")
    shot(staff, "12-login-error")
    staff_ctx.close()

    chat_ctx = browser.new_context(viewport=PHONE)
    page = chat_ctx.new_page()
    page.route("https://www.wikipedia.org/**", lambda route: route.fulfill(body="neutral"))
    response = page.goto(live.urls[0] + "/no-such-page")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_role("link", name="Go to the home page")).to_be_visible()
    shot(page, "11-error-404")
    page.get_by_role("link", name="Go to the home page").click()
    page.get_by_role("link", name="Quick exit").click()
    page.wait_for_url(EXIT_URL)
    chat_ctx.close()
