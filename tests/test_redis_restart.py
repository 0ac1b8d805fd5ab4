"""Redis restarting under a running platform: what is lost, and that everything recovers.

Redis keeps nothing on disk, so a restart empties the live state (the line, live chats,
who is on duty). The server process and the worker survive it: /healthz says 503 while
Redis is down, the process notices its heartbeat vanished and closes every connection so
clients reconnect to the fresh state, and a new chat (assignment, messages through the
Socket.IO message queue, a timed job in the worker) works again.
"""

from __future__ import annotations

import pytest
import requests

from helpline import create_app
from helpline.admin import accounts
from helpline.extensions import db
from helpline.server.redis_server import start_embedded_redis, stop_embedded_redis
from tests.conftest import PASSWORD, LiveServers, eventually
from tests.peers import staff_cookie

pytestmark = [pytest.mark.timeout(240), pytest.mark.once]  # once: see tests/conftest.py

SHORT = {"HEARTBEAT_SECONDS": "1", "PROCESS_TTL_SECONDS": "3", "RESUME_GRACE_SECONDS": "3",
         "STAFF_GRACE_SECONDS": "3"}




def health(url: str) -> int | None:
    try:
        return requests.get(url + "/healthz", timeout=5).status_code
    except requests.RequestException:
        return None


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own, on a unix socket in a temporary directory."""
    directory = tmp_path / "redis"
    holder = {"proc": start_embedded_redis(str(directory))[0], "dir": str(directory)}
    holder["url"] = f"unix://{directory / 'redis.sock'}"
    yield holder
    stop_embedded_redis(holder["proc"])


def test_the_platform_recovers_from_a_redis_restart(own_redis, tmp_path, peers):
    database = f"sqlite:///{tmp_path / 'restart.sqlite'}"
    app = create_app("testing", overrides={"REDIS_URL": own_redis["url"],
                                           "SQLALCHEMY_DATABASE_URI": database})
    with app.app_context():
        db.create_all()
        accounts.create_staff(db.session, "anna", "Anna", "therapist", PASSWORD)
    servers = LiveServers(own_redis["url"], database, tmp_path, count=1, env=SHORT)
    try:
        url = servers.urls[0]
        anna = peers(url, "/staff", cookie=staff_cookie(url, "anna"))
        assert anna.call("duty", {"on": True, "capacity": 2})["ok"]
        before = peers(url, "/chat").call("start", {})
        anna.wait_for("chat_assigned", lambda d: d["chat_id"] == before["chat_id"])

        stop_embedded_redis(own_redis["proc"])
        eventually(lambda: health(url) == 503, what="/healthz reporting Redis down")
        assert requests.get(url + "/healthz", timeout=5).json() == {"ok": False,
                                                                    "redis": "down"}
        own_redis["proc"] = start_embedded_redis(own_redis["dir"])[0]
        eventually(lambda: health(url) == 200, what="/healthz recovering")
        # The process noticed the live state was gone and closed every connection.
        eventually(lambda: not anna.sio.connected, what="the old console being closed")

        anna = peers(url, "/staff", cookie=staff_cookie(url, "anna"))
        state = anna.wait_for("state")
        assert state["on_duty"] is False and state["chats"] == []  # what was lost
        lost = peers(url, "/chat")
        assert lost.call("resume", {"token": before["token"]})["code"] == "unknown_token"
        assert anna.call("duty", {"on": True, "capacity": 2})["ok"]
        chatter = peers(url, "/chat")
        after = chatter.call("start", {})
        assert chatter.wait_for("assigned")["therapist"] == "Anna"
        sent = chatter.call("message", {"text": "hello again"})
        anna.wait_for("message", lambda d: d["id"] == sent["id"])
        chatter.close()  # the worker's grace job still runs after the restart
        anna.wait_for("chat_ended", lambda d: d == {"chat_id": after["chat_id"], "by": "system",
                                                   "reason": "connection_lost"}, timeout=60)
    finally:
        servers.stop()
