"""Faults on a running platform: a server process killed mid-chat, a silent client.

Short settings (heartbeat, TTL, grace periods) come in through the environment, so the
cleanup happens within seconds; the waits below are deadlines, not timing assertions.
"""

from __future__ import annotations

import json

import pytest
import redis as redis_lib
import requests
import websocket
from sqlalchemy import select

from helpline import create_app
from helpline.admin import accounts
from helpline.availability.models import MissedContact
from helpline.extensions import db
from helpline.queue import keys
from tests.conftest import PASSWORD, LiveServers, eventually, other_db, with_solution
from tests.peers import staff_cookie

pytestmark = [pytest.mark.timeout(240), pytest.mark.once]  # once: see tests/conftest.py

CRASH_DB = 5
SHORT = {"HEARTBEAT_SECONDS": "1", "PROCESS_TTL_SECONDS": "3", "RESUME_GRACE_SECONDS": "6",
         "STAFF_GRACE_SECONDS": "3", "WAITING_GRACE_SECONDS": "3", "PING_INTERVAL_SECONDS": "1",
         "PING_TIMEOUT_SECONDS": "1"}




@pytest.fixture
def servers(tmp_path, redis_url):
    """Two server processes and a worker with short fault settings, on their own Redis db."""
    url = other_db(redis_url, CRASH_DB)
    r = redis_lib.Redis.from_url(url, decode_responses=True)
    r.flushdb()
    database = f"sqlite:///{tmp_path / 'crash.sqlite'}"
    app = create_app("testing", overrides={"REDIS_URL": url, "SQLALCHEMY_DATABASE_URI": database})
    with app.app_context():
        db.create_all()
        live_ids = {name: str(accounts.create_staff(
            db.session, name, name.title(), "therapist", PASSWORD).id) for name in ("anna", "ben")}
    live = LiveServers(url, database, tmp_path, count=2, env=SHORT)
    live.app, live.r, live.ids = app, r, live_ids
    yield live
    live.stop()
    r.flushdb()


def test_a_killed_server_process_leaves_no_ghosts(servers, peers):
    server_a, server_b = servers.urls
    r = servers.r
    ben = peers(server_b, "/staff", cookie=staff_cookie(server_b, "ben"))
    assert ben.call("duty", {"on": True, "capacity": 2})["ok"]
    gone = peers(server_a, "/chat").call("start", {})  # will never come back
    back = peers(server_a, "/chat").call("start", {})  # will resume on server B
    ben.wait_for("chat_assigned", lambda d: d["chat_id"] == back["chat_id"])
    anna = peers(server_a, "/staff", cookie=staff_cookie(server_a, "anna"))
    assert anna.call("duty", {"on": True, "capacity": 1})["ok"]
    annas = peers(server_b, "/chat").call("start", {})
    anna.wait_for("chat_assigned", lambda d: d["chat_id"] == annas["chat_id"])
    waiting = peers(server_a, "/chat").call("start", {})  # everyone is full: it waits
    assert waiting["state"] == "waiting"

    servers.procs[0].kill()  # SIGKILL: no disconnect handler runs on server A
    servers.procs[0].wait()

    again = peers(server_b, "/chat")
    resumed = again.call("resume", {"token": back["token"]})
    assert resumed["ok"] and resumed["state"] == "active"
    sent = again.call("message", {"text": "still here"})
    ben.wait_for("message", lambda d: d["id"] == sent["id"])

    ben.wait_for("chat_ended", lambda d: d == {"chat_id": gone["chat_id"], "by": "system",
                                              "reason": "connection_lost"}, timeout=60)
    eventually(lambda: r.hget(keys.chat(waiting["chat_id"]), "state") in (None, "ended"),
               what="the waiting chatter leaving the line")
    assert r.zscore(keys.LINE, waiting["chat_id"]) is None
    eventually(lambda: not r.sismember(keys.DUTY, servers.ids["anna"]),
               what="Anna going off duty")
    assert r.sismember(keys.DUTY, servers.ids["ben"])
    assert r.hget(keys.chat(back["chat_id"]), "state") == "active"
    # Anna's chatter, alive on server B, is not left waiting for nobody: at the end of the
    # staff grace the chat goes back to the front of the line (Ben is full: his ended chat
    # holds its slot until the summary), shown to consoles as handed back.
    line = ben.wait_for("line", lambda d: [w["chat_id"] for w in d["waiting"]] == [
        annas["chat_id"]], timeout=60)
    assert line["waiting"][0]["handed_back"] is True
    assert r.hget(keys.chat(annas["chat_id"]), "state") == "waiting"

    def missed() -> list[str]:  # the worker writes the row just after ending the chat
        with servers.app.app_context():
            reasons = db.session.scalars(select(MissedContact.reason)).all()
            db.session.remove()
            return reasons

    eventually(lambda: missed() == ["dropped_waiting"], what="the dropped chatter counted")
    assert len(r.smembers(keys.PROCESSES)) == 1  # server A is forgotten


def test_a_client_that_stops_answering_pings_is_dropped_and_its_grace_starts(servers, peers):
    server = servers.urls[1]
    ben = peers(server, "/staff", cookie=staff_cookie(server, "ben"))
    assert ben.call("duty", {"on": True, "capacity": 1})["ok"]
    ws = websocket.create_connection(
        server.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket", timeout=10)
    assert ws.recv().startswith("0")  # the Engine.IO open packet
    ws.send("40/chat,")
    assert ws.recv().startswith("40/chat,")
    start = with_solution({}, lambda: requests.get(server + "/challenge", timeout=10).json())
    ws.send('42/chat,1' + json.dumps(["start", start]))
    while True:
        frame = ws.recv()
        if frame.startswith("43/chat,1"):
            chat_id = json.loads(frame[len("43/chat,1"):])[0]["chat_id"]
            break
    # From now on the client reads nothing and answers no ping; the TCP connection stays.
    ben.wait_for("chatter_connection", lambda d: d == {"chat_id": chat_id, "connected": False},
                 timeout=30)
    assert servers.r.hget(keys.chat(chat_id), "disconnected_at")
    ws.close()
