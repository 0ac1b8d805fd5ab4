"""The chatter page solves the proof of work in the background with the real in-browser
solver (static/js/pow-worker.js); a Start pressed before it is done shows "Preparing"
and starts once it is; while it waits, the page proves again to keep its place
(static/js/chat/keep-place.js). The challenge is held back by the test (a Playwright
route), so nothing depends on timing."""

from __future__ import annotations

import pytest
import redis
from playwright.sync_api import expect

from tests.conftest import eventually

pytestmark = pytest.mark.timeout(120)


def test_start_pressed_before_the_challenge_is_solved_shows_preparing(browser, live):
    base = live.urls[0]
    held = []
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.route("**/challenge", lambda route: held.append(route))
        page.goto(base + "/")
        page.get_by_role("button", name="Start chat").click()
        status = page.get_by_role("status").filter(has_text="Preparing your chat")
        expect(status).to_be_visible()
        assert held, "the page asked for no challenge"
        held[0].continue_()
        expect(page.get_by_role("heading", level=1)).to_have_text("Waiting for a therapist")
        expect(status).to_be_hidden()
    finally:
        context.close()


def test_a_solution_is_ready_before_start_and_the_waiting_page_proves_again(browser, live):
    base = live.urls[0]
    asked = []
    r = redis.Redis.from_url(live.env["REDIS_URL"], decode_responses=True)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.on("request", lambda request: asked.append(request.url)
                if request.url.endswith("/challenge") else None)
        with page.expect_request("**/challenge"):
            page.goto(base + "/")
        assert len(asked) == 1  # fetched on page load, solved while the intro is read
        with page.expect_request("**/challenge"):  # the next one: to keep the place
            page.get_by_role("button", name="Start chat").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Waiting for a therapist")
        expect(page.get_by_text("Preparing your chat")).to_have_count(0)
        chat_id = r.zrange("hl:line", 0, -1)[0]
        eventually(lambda: r.hget(f"hl:chat:{chat_id}", "proofs") == "1", timeout=30,
                   what="the waiting page proving again")
        assert len(asked) == 2 and all(url.startswith(base) for url in asked)
    finally:
        context.close()
