"""SIGTERM stops a server process gracefully (issue 16): no new connections, every client
told to reconnect, in-flight events finished, gone within GRACEFUL_STOP_SECONDS; a
chatter resumes on the other process with nothing lost (a rolling restart)."""

from __future__ import annotations

import signal

import pytest
import redis as redis_lib

from helpline import create_app
from helpline.admin import accounts
from helpline.extensions import db
from tests.conftest import PASSWORD, LiveServers, eventually, other_db
from tests.peers import staff_cookie

pytestmark = [pytest.mark.timeout(180), pytest.mark.once]  # once: see tests/conftest.py


def test_sigterm_sends_clients_to_the_other_process_and_exits(tmp_path, redis_url, peers):
    url = other_db(redis_url, 12)
    redis_lib.Redis.from_url(url).flushdb()
    database = f"sqlite:///{tmp_path / 'stop.sqlite'}"
    app = create_app("testing", overrides={"REDIS_URL": url, "SQLALCHEMY_DATABASE_URI": database})
    with app.app_context():
        db.create_all()
        accounts.create_staff(db.session, "anna", "Anna", "therapist", PASSWORD)
    servers = LiveServers(url, database, tmp_path, count=2, env={"GRACEFUL_STOP_SECONDS": "5"})
    try:
        leaving, staying = servers.urls
        anna = peers(staying, "/staff", cookie=staff_cookie(staying, "anna"))
        assert anna.call("duty", {"on": True})["ok"]
        chatter = peers(leaving, "/chat")
        started = chatter.call("start", {})
        chatter.wait_for("assigned")
        assert chatter.call("message", {"text": "before the restart"})["ok"]

        proc = servers.procs[0]
        proc.send_signal(signal.SIGTERM)
        eventually(lambda: not chatter.sio.connected, timeout=10, what="the chatter told to go")
        assert proc.wait(timeout=15) == 0  # gone within the bound, cleanly
        assert "stopping: 1 connection(s) told to reconnect elsewhere" in servers.log.read_text()

        back = peers(staying, "/chat")  # what nginx does: the next upstream
        resumed = back.call("resume", {"token": started["token"]})
        assert resumed["ok"] and resumed["state"] == "active"
        assert [m["text"] for m in resumed["messages"]] == ["before the restart"]
        assert back.call("message", {"text": "after it"})["ok"]
        anna.wait_for("message", lambda d: d.get("text") == "after it")
    finally:
        servers.stop()
        redis_lib.Redis.from_url(url).flushdb()
