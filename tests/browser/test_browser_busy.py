"""The chatter's page and an overloaded server (issue 21, goal g): a `start` answered
`server_busy` is said, waited for and asked again with the same proof; a page that holds a
chat says so in its reconnect's handshake, which overload does not refuse.

The live servers of the tests never refuse on their own (their lag check is off on a
loaded test box), so the browser's WebSocket goes through Playwright's route, which
answers the page's first `start` as an overloaded server does and relays everything else.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.timeout(120)

START = re.compile(r'^42/chat,(\d+)\["start"')
BUSY = {"ok": False, "code": "server_busy", "event": "start", "retry_after": 1,
        "message": "The chat is very busy right now; try again in a few seconds."}


def test_a_busy_server_is_asked_again_after_the_wait_it_gave(browser, live):
    starts: list[str] = []

    def route(ws):
        server = ws.connect_to_server()

        def from_page(message):
            found = START.match(message) if isinstance(message, str) else None
            if found:
                starts.append(message)
                if len(starts) == 1:  # the first start: refused, as when the loop lags
                    ws.send(f"43/chat,{found[1]}[{json.dumps(BUSY)}]")
                    return
            server.send(message)

        ws.on_message(from_page)

    page = browser.new_context(locale="fr-BE").new_page()
    page.route_web_socket(re.compile(r"/socket\.io/"), route)
    page.goto(live.urls[0] + "/?lang=fr")
    page.get_by_role("button", name="Commencer le chat").click()
    expect(page.locator("#start-status")).to_contain_text("Le chat est très chargé")
    expect(page.locator("#status-main")).to_have_text(re.compile("file"), timeout=15_000)
    assert len(starts) == 2
    first, second = (json.loads(s[s.index("["):])[1]["pow"] for s in starts)
    assert first == second  # the refused proof was not spent: the same one is sent again
    expect(page.locator("#start-status")).to_have_text("")


def test_a_page_that_holds_a_chat_says_so_when_it_reconnects(browser, live):
    """An overloaded server keeps newcomers out but lets a chat come back: the page's
    reconnect handshake carries `resume=1`, its first one does not."""
    sockets = []

    def route(ws):
        sockets.append(ws)
        ws.connect_to_server()

    page = browser.new_context().new_page()
    page.route_web_socket(re.compile(r"/socket\.io/"), route)
    page.goto(live.urls[0] + "/?lang=en")
    page.get_by_role("button", name="Start chat").click()
    expect(page.locator("#status-main")).to_have_text(re.compile("line"))
    sockets[0].close()  # the connection drops: the page reconnects and resumes
    expect(page.locator("#conn-notice")).to_be_visible()
    expect(page.locator("#conn-notice")).to_be_hidden(timeout=15_000)
    expect(page.locator("#status-main")).to_have_text(re.compile("line"))
    assert "resume=1" not in sockets[0].url and "resume=1" in sockets[-1].url
