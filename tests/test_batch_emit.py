"""One publish for many emits, and a process never decodes its own publishes
(helpline/compat/socketio_manager.py)."""

from __future__ import annotations

import json
import threading
import time
import uuid

import pytest
import redis
from socketio.manager import Manager

from helpline.compat.socketio_manager import BatchingRedisManager
from helpline.server.redis_client import channel_for


def _manager(redis_url: str, channel: str) -> BatchingRedisManager:
    manager = BatchingRedisManager(redis_url, channel=channel)
    manager._redis_connect()
    return manager


def _subscribers(redis_url: str, channel: str) -> int:
    return dict(redis.Redis.from_url(redis_url).pubsub_numsub(channel)).get(
        channel.encode(), 0)


def test_a_process_reads_others_publishes_and_skips_its_own(redis_url):
    channel = f"test-batch-{uuid.uuid4().hex}"  # apart from any live server's channel
    here, there = _manager(redis_url, channel), _manager(redis_url, channel)
    heard: list[dict] = []

    def listen():
        for raw in here._listen():
            heard.append(json.loads(raw))
            if len(heard) == 2:
                return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while _subscribers(redis_url, channel) < 1 and time.monotonic() < deadline:
        time.sleep(0.01)

    emit = {"method": "emit", "event": "e", "data": [1], "binary": False, "namespace": "/",
            "room": "r", "skip_sid": None, "callback": None}
    here._publish({**emit, "data": ["own"], "host_id": here.host_id})
    there._publish({**emit, "data": ["first"], "host_id": there.host_id})
    # a callback's host_id names the process it is for: it must still arrive
    there._publish({"method": "callback", "host_id": here.host_id, "sid": "s",
                    "namespace": "/", "id": 1, "args": []})
    thread.join(5)
    assert [m.get("data", m["method"]) for m in heard] == [["first"], "callback"]


def test_a_batch_emit_needs_a_room(redis_url):
    manager = _manager(redis_url, f"test-batch-{uuid.uuid4().hex}")
    with pytest.raises(ValueError):  # no room would reach everyone in the namespace
        manager.emit_many([("message", "/chat", "", {"text": "x"})])


def test_a_long_batch_lets_other_work_run_between_parts(redis_url, monkeypatch):
    """Thousands of positions must not hold chat messages up until the last is sent."""
    manager = _manager(redis_url, f"test-batch-{uuid.uuid4().hex}")
    sent: list[str] = []
    turns: list[int] = []  # how many were sent when the other greenlets got a turn

    class Server:  # the one part of the socket.io server a delivery uses
        def sleep(self, seconds):
            turns.append(len(sent))

    manager.server = Server()
    monkeypatch.setattr(Manager, "emit",
                        lambda self, event, data, namespace, room: sent.append(room))
    manager._deliver([("position", "/chat", f"chat:{i}", {"position": i})
                      for i in range(450)])
    assert sent == [f"chat:{i}" for i in range(450)]  # all of them, in order
    assert turns == [200, 400]


def test_each_redis_database_is_its_own_helpline_on_the_message_queue():
    """Pub/sub ignores the database number: two helplines on one Redis server must not hear
    each other (rooms such as `console` have the same name in both)."""
    assert channel_for("redis://127.0.0.1:6379/1") != channel_for("redis://127.0.0.1:6379/2")
    assert channel_for("redis://127.0.0.1:6379") == channel_for("redis://127.0.0.1:6379/0")
    assert channel_for("unix:///run/redis.sock?db=3") == channel_for("redis://other:6379/3")
