"""Every Redis client of the platform, built from REDIS_URL in this one place.

REDIS_URL is a plain Redis URL (`redis://`, `rediss://`, `unix://`) or, for failover
through Redis Sentinel, a Sentinel URL in python-socketio's form:

    redis+sentinel://[:password@]host1:26379,host2:26379,host3:26379/<db>/<service>

One setting serves all three users: the live state, RQ, and the Socket.IO message queue
(python-socketio's RedisManager parses the URL itself). The same parser is used here
(python-socketio's own), so both always agree on the sentinels, the database, the
service and the password. The password is the Redis servers' (`requirepass`); the
sentinels are asked without one (docs/operations.md, "Redis failover (Sentinel)").
"""

from __future__ import annotations

from dataclasses import dataclass

import redis
from redis.connection import parse_url
from redis.sentinel import Sentinel, SentinelConnectionPool
from socketio.redis_manager import parse_redis_sentinel_url

SENTINEL_SCHEME = "redis+sentinel"
SENTINEL_FORM = "redis+sentinel://[:password@]host1:port1,host2:port2,.../<db>/<service>"
POOL_SIZE = 200  # per client and process: a burst of handlers waits for one (POOL_WAIT)
POOL_WAIT_SECONDS = 10
# Timeouts are redis-py's (8.1): 5 s to connect and for an answer, for the sentinels and
# the primary alike (a pub/sub read waits on). So a primary whose host vanished, which
# answers nothing and resets nothing, is left after 5 s, not when TCP gives up.


@dataclass(frozen=True)
class SentinelTarget:
    """What a Sentinel URL names: where to ask, for which primary, and how to log in."""

    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int
    credentials: dict


def is_sentinel(url: str) -> bool:
    return url.split("://", 1)[0].lower() == SENTINEL_SCHEME


def sentinel_target(url: str) -> SentinelTarget:
    """Parse a Sentinel URL as python-socketio does; refuse what it would misread."""
    try:
        sentinels, service, options = parse_redis_sentinel_url(url)
    except ValueError:  # a port that is no number, no port at all, a db that is no number
        raise ValueError(f"REDIS_URL: a Sentinel URL has the form {SENTINEL_FORM}") from None
    if not service:  # python-socketio would ask for its channel's name instead
        raise ValueError(f"REDIS_URL names no Sentinel service: {SENTINEL_FORM}")
    db = options.pop("db", 0)
    return SentinelTarget(tuple(sentinels), service, db, options)


class SentinelBlockingConnectionPool(SentinelConnectionPool, redis.BlockingConnectionPool):
    """The primary's address from the sentinels, and a full pool makes callers wait.

    redis-py 8.1 has a blocking pool and a Sentinel pool but not both in one. The Sentinel
    pool only finds the address (at each new connection) and drops connections to a
    former primary (`owns_connection`, `disconnect`); the blocking pool only hands out
    and takes back connections through those same public methods, so they combine."""


def client(url: str, *, decode_responses: bool = False) -> redis.Redis:
    """A client whose pool makes a burst of handlers wait for a connection, not fail.

    With a Sentinel URL it talks to the current primary: each new connection asks the
    sentinels where it is, and a command that fails on a former primary (ConnectionError,
    ReadOnlyError once it came back as a replica) drops that connection, so the next one
    reaches the new primary."""
    pool_options = {"max_connections": POOL_SIZE, "timeout": POOL_WAIT_SECONDS,
                    "decode_responses": decode_responses}
    if not is_sentinel(url):
        return redis.Redis(connection_pool=redis.BlockingConnectionPool.from_url(
            url, **pool_options))
    target = sentinel_target(url)
    return Sentinel(list(target.sentinels)).master_for(
        target.service, connection_pool_class=SentinelBlockingConnectionPool,
        db=target.db, **target.credentials, **pool_options)


def manager_options(url: str) -> dict:
    """`redis_options` for python-socketio's RedisManager on this URL (which it parses).

    A full pool makes python-socketio drop and rebuild its Redis client, which cuts the
    pub/sub listener of the whole process for a moment: allow plenty."""
    if is_sentinel(url):
        sentinel_target(url)  # a URL python-socketio would misread fails here, at start
    return {"max_connections": 4 * POOL_SIZE}


def database(url: str) -> int:
    """The Redis database number the URL names (0 when it names none)."""
    if is_sentinel(url):
        return sentinel_target(url).db
    return int(parse_url(url).get("db") or 0)


def channel_for(url: str) -> str:
    """The pub/sub channel of the helpline whose live state is in this Redis database.

    Redis pub/sub ignores the database number, so helplines that share one Redis server in
    different databases would otherwise hear each other's emits, and deliver them to rooms
    with the same name (every console's `console` room, `staff:1`...). Every process of a
    helpline reads the same REDIS_URL, so they all get the same channel."""
    return f"helpline:socketio:{database(url)}"


def server_id(r: redis.Redis) -> str:
    """The id of the Redis server this client reaches now: another one after a restart or
    a failover (a restarted or promoted server has a new `run_id`)."""
    return r.info("server")["run_id"]
