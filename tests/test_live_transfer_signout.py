"""Transfer and immediate sign-out across two live server processes sharing one Redis."""

from __future__ import annotations

import re
import threading
import time

import pytest
import redis as redis_lib
import requests

from tests.conftest import PASSWORD
from tests.peers import Peer, sign_in

NOTE = "Handover: talked about his urges; he is safe tonight. Suggest self-help module 3."


def page_token(http: requests.Session, url: str) -> str:
    return re.search(r'name="csrf_token"[^>]* value="([^"]+)"', http.get(url).text).group(1)


def wait_until(check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def line_of(live) -> list[str]:
    r = redis_lib.Redis.from_url(live.env["REDIS_URL"], decode_responses=True)
    try:
        return r.zrange("hl:line", 0, -1)
    finally:
        r.close()


@pytest.mark.parametrize("chatter_server", [0, 1])
def test_transfer_from_server_1_to_server_2(live, live_staff, peers, chatter_server):
    server_1, server_2 = live.urls
    live_staff("anna", name="Anna")
    live_staff("ben", name="Ben")
    anna = peers(server_1, "/staff", cookie=sign_in(server_1, "anna")[1])
    ben = peers(server_2, "/staff", cookie=sign_in(server_2, "ben")[1])
    anna.wait_for("state")
    ben.wait_for("state")
    assert anna.call("duty", {"on": True, "capacity": 1})["ok"]

    chatter = peers(live.urls[chatter_server], "/chat")
    chat_id = chatter.call("start", {})["chat_id"]
    anna.wait_for("chat_assigned", lambda d: d["chat_id"] == chat_id)
    first = chatter.call("message", {"text": "I don't know who else to ask."})["id"]
    reply = anna.call("message", {"chat_id": chat_id, "text": "You did well to write."})["id"]
    chatter.wait_for("message", lambda d: d["id"] == reply)

    assert ben.call("duty", {"on": True, "capacity": 1})["ok"]
    colleagues = anna.call("colleagues")["colleagues"]
    assert [(c["name"], c["free"]) for c in colleagues] == [("Ben", 1)]
    ack = anna.call("transfer", {"chat_id": chat_id, "to": colleagues[0]["id"], "note": NOTE})
    assert ack == {"ok": True, "to": "Ben"}

    got = ben.wait_for("chat_assigned", lambda d: d["chat_id"] == chat_id)
    assert [m["id"] for m in got["messages"]] == [first, reply]
    assert got["handover_note"] == {"text": NOTE, "from": "Anna"}
    assert anna.wait_for("chat_transferred")["chat_id"] == chat_id
    assert chatter.wait_for("transferred") == {"therapist": "Ben"}

    # The conversation continues between the chatter and Ben.
    again = ben.call("message", {"chat_id": chat_id, "text": "Hello, I'm Ben."})["id"]
    chatter.wait_for("message", lambda d: d["id"] == again)
    answer = chatter.call("message", {"text": "Hi Ben."})["id"]
    ben.wait_for("message", lambda d: d["id"] == answer)
    assert anna.call("message", {"chat_id": chat_id, "text": "x"})["code"] == "not_your_chat"
    assert not [m for m in anna.got("message") if m["id"] == answer]
    assert NOTE not in repr(chatter.received)
    assert anna.call("state")["load"] == 0 and ben.call("state")["load"] == 1


def test_two_servers_never_overfill_a_colleague(live, live_staff, peers):
    """Anna (server 1) and Carl (server 2) hand a chat to Ben's only free slot at once."""
    server_1, server_2 = live.urls
    for name in ("anna", "carl", "ben"):
        live_staff(name)
    anna = peers(server_1, "/staff", cookie=sign_in(server_1, "anna")[1])
    carl = peers(server_2, "/staff", cookie=sign_in(server_2, "carl")[1])
    ben = peers(server_1, "/staff", cookie=sign_in(server_1, "ben")[1])
    chats = {}
    for who, url in ((anna, server_1), (carl, server_2)):
        assert who.call("duty", {"on": True, "capacity": 1})["ok"]
        chatter = peers(url, "/chat")
        chats[who] = chatter.call("start", {})["chat_id"]
        who.wait_for("chat_assigned", lambda d, c=chats[who]: d["chat_id"] == c)
    assert ben.call("duty", {"on": True, "capacity": 1})["ok"]
    ben_id = anna.call("colleagues")["colleagues"][0]["id"]
    barrier = threading.Barrier(2)
    results = {}

    def hand(who):
        barrier.wait()
        results[who] = who.call("transfer", {"chat_id": chats[who], "to": ben_id})

    threads = [threading.Thread(target=hand, args=(w,)) for w in (anna, carl)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcomes = sorted(r.get("code", "ok") for r in results.values())
    assert outcomes == ["no_capacity", "ok"]
    assert ben.call("state")["load"] == 1


def test_deactivation_on_server_1_disconnects_a_console_on_server_2(live, live_staff, peers):
    server_1, server_2 = live.urls
    live_staff("sam", role="supervisor", name="Sam")
    live_staff("anna", name="Anna")
    sam_http, _ = sign_in(server_1, "sam")
    anna = peers(server_2, "/staff", cookie=sign_in(server_2, "anna")[1])
    anna.wait_for("state")
    assert anna.call("duty", {"on": True, "capacity": 1})["ok"]
    chatter = peers(server_1, "/chat")
    chat_id = chatter.call("start", {})["chat_id"]
    anna.wait_for("chat_assigned", lambda d: d["chat_id"] == chat_id)
    behind = peers(server_2, "/chat").call("start", {})["chat_id"]
    assert line_of(live) == [behind]

    accounts_page = sam_http.get(server_1 + "/staff/accounts").text
    anna_id = re.search(r'/staff/accounts/(\d+)/deactivate', accounts_page).group(1)
    token = page_token(sam_http, server_1 + "/staff/accounts")
    response = sam_http.post(f"{server_1}/staff/accounts/{anna_id}/deactivate",
                             data={"csrf_token": token}, allow_redirects=False)
    assert response.status_code == 302, response.text[:300]

    assert anna.wait_for("signed_out") == {"reason": "deactivated"}
    assert wait_until(lambda: not anna.sio.connected), "the console was not disconnected"
    assert chatter.wait_for("transferred") == {"therapist": None}
    assert chatter.wait_for("position")["position"] == 1
    assert line_of(live) == [chat_id, behind]  # at the front, before the one who waited

    # The deactivated console cannot come back.
    with pytest.raises(Exception):  # noqa: B017 (socketio raises ConnectionError subclasses)
        Peer(server_2, "/staff", cookie=anna_cookie_after(server_2))


def anna_cookie_after(url: str) -> str:
    """Signing in again is refused for a deactivated account: an empty cookie results."""
    http = requests.Session()
    page = http.get(url + "/staff/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = http.post(url + "/staff/login", allow_redirects=False,
                         data={"username": "anna", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 401
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def test_logout_on_server_1_disconnects_consoles_on_both_servers(live, live_staff, peers):
    server_1, server_2 = live.urls
    live_staff("anna", name="Anna")
    live_staff("ben", name="Ben")
    anna_http, cookie = sign_in(server_1, "anna")
    far = peers(server_2, "/staff", cookie=cookie)
    near = peers(server_1, "/staff", cookie=cookie)
    far.wait_for("state")
    near.wait_for("state")
    assert far.call("duty", {"on": True, "capacity": 1})["ok"]
    chatter = peers(server_2, "/chat")
    chat_id = chatter.call("start", {})["chat_id"]
    far.wait_for("chat_assigned", lambda d: d["chat_id"] == chat_id)
    ben = peers(server_1, "/staff", cookie=sign_in(server_1, "ben")[1])
    assert ben.call("duty", {"on": True, "capacity": 1})["ok"]

    token = page_token(anna_http, server_1 + "/staff/")
    response = anna_http.post(server_1 + "/staff/logout", data={"csrf_token": token},
                              allow_redirects=False)
    assert response.status_code == 302
    for console in (far, near):
        assert console.wait_for("signed_out") == {"reason": "logged_out"}
        assert wait_until(lambda c=console: not c.sio.connected)
    # Ben had room: the chat goes straight to him; the chatter hears both steps.
    got = ben.wait_for("chat_assigned", lambda d: d["chat_id"] == chat_id)
    assert got["handover_note"] == {"text": "", "from": "Anna"}  # who it came from, no note
    assert chatter.wait_for("transferred") == {"therapist": None}
    chatter.wait_for("assigned", lambda d: d == {"therapist": "Ben"})
    told = [name for name, _ in chatter.received if name in ("assigned", "transferred")]
    assert told == ["assigned", "transferred", "assigned"]  # Anna, back to the line, Ben
    # The old cookie is dead too (signed out everywhere).
    assert requests.get(server_2 + "/staff/", headers={"Cookie": cookie},
                        allow_redirects=False).status_code == 302
