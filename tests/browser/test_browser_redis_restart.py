"""What a chatter and a therapist see in a real browser when Redis restarts under them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from helpline import create_app
from helpline.admin import accounts
from helpline.extensions import db
from helpline.server.redis_server import start_embedded_redis, stop_embedded_redis
from tests.browser.test_browser_flow import go_on_duty, sign_in
from tests.conftest import PASSWORD, LiveServers

pytestmark = pytest.mark.timeout(180)


def test_after_a_redis_restart_the_chatter_starts_again_and_staff_sign_in_again(
        browser, tmp_path):
    directory = str(tmp_path / "redis")
    proc, url = start_embedded_redis(directory)
    database = f"sqlite:///{tmp_path / 'restart.sqlite'}"
    app = create_app("testing", overrides={"REDIS_URL": url, "SQLALCHEMY_DATABASE_URI": database})
    with app.app_context():
        db.create_all()
        accounts.create_staff(db.session, "anna", "Anna", "therapist", PASSWORD)
    servers = LiveServers(url, database, tmp_path, count=1,
                          env={"HEARTBEAT_SECONDS": "1", "PROCESS_TTL_SECONDS": "3"})
    context = browser.new_context()
    try:
        base = servers.urls[0]
        staff, chatter = context.new_page(), context.new_page()
        sign_in(staff, base, "anna")
        go_on_duty(staff)
        chatter.goto(base + "/")
        chatter.get_by_role("button", name="Start chat").click()
        expect(chatter.locator("#status-main")).to_have_text("You are talking with Anna.")
        # `assigned` can arrive before the start's answer: wait for the answer (the page
        # keeps the chat's token), or Redis stops under a start still being handled.
        chatter.wait_for_function("sessionStorage.getItem('helpline.chat') !== null")

        stop_embedded_redis(proc)
        proc = start_embedded_redis(directory)[0]

        expect(chatter.locator("#start-error")).to_have_text("Your previous chat has ended.",
                                                             timeout=60_000)
        expect(chatter.get_by_role("button", name="Start chat")).to_be_visible()
        # Staff sessions lived in Redis too: the console says so, and signing in again
        # brings it back off duty with no chats.
        expect(staff.locator("#conn-state")).to_contain_text("You are signed out.",
                                                             timeout=60_000)
        sign_in(staff, base, "anna")
        expect(staff.locator("#duty-state")).to_contain_text("You are off duty")
        expect(staff.locator("#conn-state")).to_have_text("Connected.")
        expect(staff.locator(".chat-panel")).to_have_count(0)
        go_on_duty(staff)  # and the helpline works again
        chatter.get_by_role("button", name="Start chat").click()
        expect(chatter.locator("#status-main")).to_have_text("You are talking with Anna.")
    finally:
        context.close()
        servers.stop()
        stop_embedded_redis(proc)
