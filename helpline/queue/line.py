"""The waiting line: a sorted set ordered by arrival, with triage to the front."""

from __future__ import annotations

from redis import Redis

from . import keys


def waiting(r: Redis) -> list[str]:
    """Chat ids in the line, first to be served first."""
    return r.zrange(keys.LINE, 0, -1)


def position(r: Redis, chat_id: str) -> int | None:
    """1-based place in the line, or None when the chat is not waiting."""
    rank = r.zrank(keys.LINE, chat_id)
    return None if rank is None else rank + 1


def length(r: Redis) -> int:
    """How many chatters are waiting."""
    return r.zcard(keys.LINE)


MOVE_TO_FRONT = """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local head = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
redis.call('ZADD', KEYS[1], tonumber(head[2]) - 1, ARGV[1])
return 1
"""


def move_to_front(r: Redis, chat_id: str) -> bool:
    """Put a waiting chat before everyone else (supervisor triage); False if not waiting."""
    return bool(r.register_script(MOVE_TO_FRONT)(keys=[keys.LINE], args=[chat_id]))
