"""Real clients (python-socketio) against two live server processes sharing one Redis."""

from __future__ import annotations

import threading
import time

import pytest
import redis
import requests
import websocket

from helpline.server.redis_client import channel_for
from tests.peers import staff_cookie


def anna_on_duty(url: str, live_staff, peers):
    """Anna's console on `url`, on duty with room for two chats."""
    live_staff("anna", name="Anna")
    therapist = peers(url, "/staff", cookie=staff_cookie(url, "anna"))
    therapist.wait_for("state")
    assert therapist.call("duty", {"on": True, "capacity": 2})["ok"]
    return therapist


def test_full_chat_across_two_servers_with_a_reload(live, live_staff, peers):
    server_a, server_b = live.urls
    therapist = anna_on_duty(server_a, live_staff, peers)

    chatter = peers(server_b, "/chat")
    started = chatter.call("start", {"age_band": "36_45", "gender": "woman"})
    assert started["ok"]
    chat_id = started["chat_id"]
    assert chatter.wait_for("assigned")["therapist"] == "Anna"
    therapist.wait_for("chat_assigned", lambda d: d["chat_id"] == chat_id)

    first = chatter.call("message", {"text": "Hello, I need to talk."})["id"]
    therapist.wait_for("message", lambda d: d["id"] == first)
    reply = therapist.call("message", {"chat_id": chat_id, "text": "I'm listening."})["id"]
    chatter.wait_for("message", lambda d: d["id"] == reply)

    chatter.close()  # a reload: the tab keeps its token and the last id it saw
    therapist.wait_for("chatter_connection", lambda d: d["connected"] is False)
    missed = therapist.call("message", {"chat_id": chat_id, "text": "Are you still there?"})["id"]
    reloaded = peers(server_a, "/chat")
    resumed = reloaded.call("resume", {"token": started["token"], "last_id": reply})
    assert resumed["state"] == "active"
    assert [m["id"] for m in resumed["messages"]] == [missed]
    therapist.wait_for("chatter_connection", lambda d: d["connected"] is True)

    again = reloaded.call("message", {"text": "Yes, sorry."})["id"]
    therapist.wait_for("message", lambda d: d["id"] == again)
    assert therapist.call("end", {"chat_id": chat_id})["ok"]
    assert reloaded.wait_for("ended")["by"] == "therapist"
    ids = [m["id"] for m in therapist.got("message")]
    assert ids == [first, reply, missed, again]


def test_two_servers_never_assign_one_chatter_twice(live, live_staff, peers):
    server_a, server_b = live.urls
    live_staff("anna")
    live_staff("ben")
    anna = peers(server_a, "/staff", cookie=staff_cookie(server_a, "anna"))
    ben = peers(server_b, "/staff", cookie=staff_cookie(server_b, "ben"))
    chatters = [peers(live.urls[i % 2], "/chat") for i in range(12)]
    threads = [threading.Thread(target=c.call, args=("start", {})) for c in chatters]
    for t in threads:
        t.start()
    assert anna.call("duty", {"on": True, "capacity": 5})["ok"]
    assert ben.call("duty", {"on": True, "capacity": 5})["ok"]
    for t in threads:
        t.join()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(anna.got("chat_assigned")) + len(
            ben.got("chat_assigned")) < 10:
        time.sleep(0.05)
    got_anna = [c["chat_id"] for c in anna.got("chat_assigned")]
    got_ben = [c["chat_id"] for c in ben.got("chat_assigned")]
    assert len(got_anna) == 5 and len(got_ben) == 5
    assert not set(got_anna) & set(got_ben)
    assert len(anna.call("state")["waiting"]) == 2


def test_foreign_origin_is_refused(live):
    """Cross-site WebSocket hijacking: a page on another host cannot open our socket."""
    ws_url = live.urls[0].replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    with pytest.raises(websocket.WebSocketBadStatusException):
        websocket.create_connection(ws_url, origin="https://evil.example", timeout=5)
    websocket.create_connection(ws_url, timeout=5).close()


def test_websocket_compression_is_never_agreed(live):
    """permessage-deflate mixes both sides' text in one context (a length side channel) and
    costs a zlib state per socket: an offer of it gets a plain WebSocket."""
    url = live.urls[0]
    ws = websocket.create_connection(
        url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket",
        origin=url, timeout=5,
        header=["Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"])
    try:
        headers = {k.lower(): v for k, v in ws.getheaders().items()}
        assert ws.getstatus() == 101
        assert "sec-websocket-extensions" not in headers
        assert ws.recv().startswith("0{")  # the Engine.IO open packet, uncompressed
    finally:
        ws.close()


def test_oversized_packet_closes_only_that_socket(live, live_staff, peers):
    live_staff("anna")
    therapist = peers(live.urls[0], "/staff", cookie=staff_cookie(live.urls[0], "anna"))
    therapist.call("duty", {"on": True, "capacity": 2})
    good = peers(live.urls[1], "/chat")
    good_id = good.call("start", {})["chat_id"]
    bad = peers(live.urls[1], "/chat")
    bad.call("start", {})
    bad.sio.emit("message", {"text": "x" * 200_000}, namespace="/chat")
    deadline = time.monotonic() + 10
    while bad.sio.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not bad.sio.connected
    sent = good.call("message", {"text": "still here"})
    assert sent["ok"]
    therapist.wait_for("message", lambda d: d["chat_id"] == good_id and d["id"] == sent["id"])


def test_pages_and_health(live):
    response = requests.get(live.urls[0] + "/")
    assert response.ok and not response.cookies
    assert requests.get(live.urls[1] + "/healthz").json() == {"ok": True}
    assert requests.get(live.urls[0] + "/no-such-page").status_code == 404


def test_every_chatter_started_at_once_hears_of_their_assignment(live, live_staff, peers):
    """The room is joined before the chat exists, so a concurrent assignment is never lost."""
    for i in range(6):
        url = live.urls[i % 2]
        peers(url, "/staff", cookie=staff_cookie(url, live_staff(f"t{i}"))).call(
            "duty", {"on": True, "capacity": 5})
    chatters = [peers(live.urls[i % 2], "/chat") for i in range(30)]
    threads = [threading.Thread(target=c.call, args=("start", {})) for c in chatters]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for chatter in chatters:
        chatter.wait_for("assigned")


def test_a_message_reaches_both_sides_in_one_publish(live, live_staff, peers):
    """Both sides of a chat, and the other server process, get a message from one publish."""
    server_a, server_b = live.urls
    therapist = anna_on_duty(server_a, live_staff, peers)
    chatter = peers(server_b, "/chat")
    chat_id = chatter.call("start", {})["chat_id"]
    therapist.wait_for("chat_assigned", lambda d: d["chat_id"] == chat_id)

    listener = redis.Redis.from_url(live.env["REDIS_URL"]).pubsub()
    listener.subscribe(channel_for(live.env["REDIS_URL"]))
    listener.get_message(timeout=1)  # the subscription's own confirmation
    text = "one publish " + "x" * 20
    sent = chatter.call("message", {"text": text})["id"]
    therapist.wait_for("message", lambda d: d["id"] == sent)
    reply = therapist.call("message", {"chat_id": chat_id, "text": text})["id"]
    chatter.wait_for("message", lambda d: d["id"] == reply)
    time.sleep(0.2)
    carrying = []
    while (message := listener.get_message(timeout=0.2)) is not None:
        if text.encode() in message["data"]:
            carrying.append(message["data"])
    listener.close()
    assert len(carrying) == 2  # one per message, not one per side
    assert [m["id"] for m in chatter.got("message")] == [sent, reply]  # the echo, once each
