"""In a real browser: a supervisor sees the line guard on the live overview (the price of
a place, places with no sign of a person) and clears the bots' places; a chatter whose
page proves again keeps its place. The bots are python-socketio clients on the other
server process; their places are made older than the spared 30 seconds in Redis (live
servers keep the wall clock, and a test does not wait for it)."""

from __future__ import annotations

import pytest
import redis
from playwright.sync_api import expect

from helpline.chat import places
from tests.browser.test_browser_flow import DESKTOP, sign_in
from tests.browser.test_browser_supervision import start_chatter
from tests.conftest import eventually

pytestmark = pytest.mark.timeout(180)


def test_supervisor_clears_the_places_bots_hold(browser, live, live_staff, peers):
    supervisor_url, other_url = live.urls
    live_staff("sara", role="supervisor", name="Sara")
    r = redis.Redis.from_url(live.env["REDIS_URL"], decode_responses=True)
    person_ctx, _ = start_chatter(browser, other_url)
    person_id = r.zrange("hl:line", 0, -1)[0]
    eventually(lambda: r.hget(f"hl:chat:{person_id}", "proofs") == "1", timeout=30,
               what="the chatter's page proving again")
    bots = [peers(other_url, "/chat") for _ in range(2)]
    bot_ids = [bot.call("start", {})["chat_id"] for bot in bots]
    for chat_id in [person_id, *bot_ids]:  # all older than the spared 30 seconds
        created = float(r.hget(f"hl:chat:{chat_id}", "created_at"))
        r.hset(f"hl:chat:{chat_id}", "created_at", created - places.SPARE_SECONDS - 1)

    sup_ctx = browser.new_context(viewport=DESKTOP)
    try:
        sup = sup_ctx.new_page()
        sign_in(sup, supervisor_url, "sara")
        sup.goto(supervisor_url + "/staff/overview")
        expect(sup.get_by_role("heading", name="Line guard")).to_be_visible()
        expect(sup.locator("#line-body tr")).to_have_count(3)
        expect(sup.locator("#guard-unproven")).to_have_text("2")
        sup.once("dialog", lambda dialog: dialog.accept())
        sup.get_by_role("button", name="Clear places with no sign of a person").click()
        expect(sup.locator("#ov-notice")).to_have_text("2 places removed from the line.")
        expect(sup.locator("#line-body tr")).to_have_count(1)
        expect(sup.locator("#guard-given")).to_have_text("0 not kept, 2 cleared")
        expect(sup.get_by_role("button", name="Clear places with no sign of a person")
               ).to_be_disabled()
        assert r.zrange("hl:line", 0, -1) == [person_id]
        for bot in bots:
            bot.wait_for("ended", lambda d: d == {"by": "supervisor", "reason": "removed"})
    finally:
        sup_ctx.close()
        person_ctx.close()
