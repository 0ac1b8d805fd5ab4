"""The chat page on protocol 2 in a real browser: after someone ahead leaves, it shows its
new place and wait, worked out from the one `line_moved` packet every page got; a packet
that changes nothing for it leaves its status (a live region) untouched."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser_flow import PHONE
from tests.peers import staff_cookie

pytestmark = pytest.mark.timeout(180)


def waiting_page(browser, url: str) -> tuple[Page, list[str]]:
    """A chatter's page that started and waits; and the Socket.IO frames it receives."""
    page = browser.new_context(viewport=PHONE).new_page()
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda data: frames.append(data)))
    page.goto(url + "/")
    page.get_by_role("button", name="Start chat").click()
    return page, frames


def line_moved_frames(frames: list[str], since: int) -> list[str]:
    return [f for f in frames[since:] if isinstance(f, str)
            and f.startswith('42/chat,["line_moved",')]


def until(page: Page, check, timeout: float = 30.0) -> None:
    """Wait for a condition on what Playwright delivers (frames come while it is called)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the deadline"
        page.wait_for_timeout(50)


COUNT_CHANGES = """() => {
  window.statusChanges = 0;
  new MutationObserver(() => { window.statusChanges += 1; }).observe(
    document.getElementById('chat-status'), {subtree: true, childList: true, characterData: true});
}"""


def test_the_page_shows_its_new_place_after_someone_ahead_leaves(browser, live, live_staff,
                                                                 peers):
    first_url, second_url = live.urls
    live_staff("anna", name="Anna")
    console = peers(second_url, "/staff", cookie=staff_cookie(second_url, "anna"))
    assert console.call("duty", {"on": True, "capacity": 1})["ok"]
    assert peers(first_url, "/chat").call("start", {"protocol": 2})["state"] == "active"
    ahead = peers(second_url, "/chat")
    assert ahead.call("start", {"protocol": 2})["position"] == 1

    second, frames = waiting_page(browser, first_url)
    expect(second.locator("#status-main")).to_have_text("You are number 2 in line.")
    expect(second.locator("#status-detail")).to_contain_text("between 30 and 90 minutes")
    third, _ = waiting_page(browser, second_url)  # on the other server
    expect(third.locator("#status-main")).to_have_text("You are number 3 in line.")
    expect(second.locator("#status-main")).to_have_text("You are number 2 in line.")

    seen = len(frames)
    assert ahead.call("end", {})["ok"]
    expect(second.locator("#status-main")).to_have_text("You are next in line.")
    expect(second.locator("#status-detail")).to_contain_text("between 1 and 45 minutes")
    expect(third.locator("#status-main")).to_have_text("You are number 2 in line.")
    expect(third.locator("#status-detail")).to_contain_text("between 30 and 90 minutes")
    since = [f for f in frames[seen:] if isinstance(f, str) and f.startswith("42/chat,")]
    assert line_moved_frames(frames, seen), since
    assert not any(f.startswith('42/chat,["position",') for f in since), since

    # Someone behind both leaves (the one after them moves up): a packet comes, and
    # nothing changes on the first page.
    behind = [peers(first_url, "/chat") for _ in range(2)]
    assert [p.call("start", {"protocol": 2})["position"] for p in behind] == [3, 4]
    behind[1].wait_for("position")  # both in the line as sent: one leaving moves the other
    expect(second.locator("#status-main")).to_have_text("You are next in line.")
    second.evaluate(COUNT_CHANGES)
    seen = len(frames)
    assert behind[0].call("end", {})["ok"]
    until(second, lambda: line_moved_frames(frames, seen))
    assert second.evaluate("window.statusChanges") == 0
    expect(second.locator("#status-main")).to_have_text("You are next in line.")
