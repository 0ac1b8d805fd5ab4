"""Every waiting chatter ends up shown their real place, whatever the processes race."""

from __future__ import annotations

import time

import pytest
import redis as redis_lib

from helpline.admin import accounts
from helpline.extensions import db
from tests.conftest import PASSWORD, LiveServers, eventually, other_db
from tests.peers import in_parallel, staff_cookie


def _settle(chatters, quiet: float = 1.5, limit: float = 20.0) -> None:
    """Wait until no chatter has received anything for `quiet` seconds."""
    deadline = time.monotonic() + limit
    last = None
    while time.monotonic() < deadline:
        count = sum(len(c.received) for c in chatters)
        if count == last:
            return
        last = count
        time.sleep(quiet)


@pytest.fixture
def long_line(live, redis_url, tmp_path):
    """Two servers like `live`, but with no limit on the line's length."""
    url = other_db(redis_url, 7)
    redis_lib.Redis.from_url(url).flushdb()
    servers = LiveServers(url, live.env["DATABASE_URL"], tmp_path, count=2,
                          env={"MAX_LINE_LENGTH": "0"})
    yield servers
    servers.stop()
    redis_lib.Redis.from_url(url).flushdb()


def test_last_position_is_the_real_place_after_races_on_two_servers(live, long_line, peers):
    r = redis_lib.Redis.from_url(long_line.env["REDIS_URL"], decode_responses=True)
    names = ("anna", "ben", "carla", "dirk")
    with live.app.app_context():
        for name in names:
            accounts.create_staff(db.session, name, name.title(), "therapist", PASSWORD)
    live = long_line
    consoles = [peers(live.urls[i % 2], "/staff", cookie=staff_cookie(live.urls[i % 2], n))
                for i, n in enumerate(names)]
    chatters = [peers(live.urls[i % 2], "/chat") for i in range(60)]
    started = {}

    def start(i, chatter):
        started[i] = chatter.call("start", {})

    in_parallel([(start, i, c) for i, c in enumerate(chatters)])
    assert all(ack["ok"] for ack in started.values())
    # Duty changes on both servers at once, while chatters leave the line on both.
    in_parallel([(c.call, "duty", {"on": True, "capacity": 2}) for c in consoles]
                 + [(chatters[i].call, "end", {}) for i in range(10, 60, 9)])
    in_parallel([(c.call, "duty", {"on": True, "capacity": 3}) for c in consoles]
                 + [(chatters[i].call, "end", {}) for i in range(11, 60, 7)])

    def wrong() -> list[tuple[int, int | None, int]]:
        """(chatter, last place shown, real place) of each waiting chatter shown another."""
        places = {chat_id: n for n, chat_id in enumerate(r.zrange("hl:line", 0, -1), 1)}
        found = []
        for i, chatter in enumerate(chatters):
            real = places.get(started[i]["chat_id"])
            shown = ([p["position"] for p in chatter.got("position")] or [None])[-1]
            if real is not None and shown != real:
                found.append((i, shown, real))
        return found

    # On a busy machine the last updates may take a while: wait for them (a deadline) ...
    eventually(lambda: not wrong(), timeout=60, what="every waiting chatter shown the real place")
    _settle(chatters)  # ... then nothing later (a stale place sent last) may undo that
    assert len(r.zrange("hl:line", 0, -1)) > 10
    assert wrong() == []
