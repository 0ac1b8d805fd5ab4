"""Live-state unit tests: a real Redis client on its own logical database (DB 3)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import redis

LIVE_STATE_DB = 3


def other_db(url: str, number: int) -> str:
    """The same Redis server, another logical database.

    A copy of tests/conftest.py's helper, except that it keeps the `//` of a unix URL:
    urlunsplit() turns `unix:///path` into `unix:/path`, which redis-py refuses.
    """
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "db"] + [("db", str(number))]
        return f"unix://{parts.path}?{urlencode(query)}"
    return parts._replace(path=f"/{number}").geturl()


@pytest.fixture
def lr_url(redis_url):
    """URL of the live-state test database (same server, DB 3)."""
    return other_db(redis_url, LIVE_STATE_DB)


@pytest.fixture
def lr(lr_url):
    """A decode_responses client on DB 3, empty before and after each test."""
    client = redis.Redis.from_url(lr_url, decode_responses=True)
    assert client.connection_pool.connection_kwargs.get("db") == LIVE_STATE_DB
    client.flushdb()
    yield client
    client.flushdb()
    client.close()
