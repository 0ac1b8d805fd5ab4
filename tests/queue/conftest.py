"""Live-state unit tests: a real Redis client on its own logical database (DB 3)."""

from __future__ import annotations

import pytest
import redis

from tests.conftest import other_db

LIVE_STATE_DB = 3


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
