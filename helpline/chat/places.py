"""Places in the line are rented, not bought once: a bot that solved one proof of work and
then only answers pings loses its place; the chatter's page pays the rent unnoticed.

A waiting chat proves again (`keep_place`: a fresh solved challenge at the price of the
moment, chat/proofofwork.py) at least every PLACE_LEASE_SECONDS; the page does it every
PLACE_RENEW_SECONDS in its Web Worker. A place not proved again in time is given back: the
chat ends (`ended` by `system`, reason `place_lapsed`), not counted as a missed contact.

The chat's hash keeps `proved_at` (its last proof; the start counts as the first),
`proofs` (proofs since the start) and `typed` (the chatter wrote or typed while waiting):
the signs of a person a supervisor's "clear places with no sign of a person" looks at.
Per-minute counters of refused starts and reclaimed places, kept an hour, are the line's
abuse state on the supervisors' overview. Nothing here names or traces anyone.
"""

from __future__ import annotations

from flask import current_app
from redis import Redis

from .. import timers
from ..queue import keys, line
from ..realtime import live
from ..realtime.protocol import ProtocolError
from . import store

COUNTER_MINUTES = 60  # how long the abuse counters are kept
KINDS = ("refused_capacity", "refused_proof", "reclaimed", "cleared")
# A place this young is spared by "clear places with no sign of a person": its page has
# had no time yet to prove again (the first renewal follows the start within seconds).
SPARE_SECONDS = 30


def taken(chat_id: str, now: float) -> None:
    """A new place: its lease runs from the start's proof."""
    timers.later(current_app.config["PLACE_LEASE_SECONDS"], "lapse_unproven_place", chat_id, now)


# Marks on a waiting chat's hash, never on a hash that is gone (no key without a TTL).
PROVED = """
if redis.call('HGET', KEYS[1], 'state') ~= 'waiting' then return 0 end
redis.call('HSET', KEYS[1], 'proved_at', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'proofs', 1)
return 1
"""
TYPED = """
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'typed', 1) end
return 1
"""


def proved_again(r: Redis, chat_id: str, now: float) -> None:
    """The holder proved again (the caller redeemed the solution): the lease starts over."""
    if not r.register_script(PROVED)(keys=[keys.chat(chat_id)], args=[repr(now)]):
        raise ProtocolError("not_waiting")
    timers.later(current_app.config["PLACE_LEASE_SECONDS"], "lapse_unproven_place", chat_id, now)


def typed(r: Redis, chat_id: str) -> None:
    """The chatter wrote or typed: a sign of a person (kept on the chat until it ends)."""
    r.register_script(TYPED)(keys=[keys.chat(chat_id)])


def last_proof(chat: dict) -> float:
    return float(chat.get("proved_at") or chat.get("created_at") or 0)


def lapsed(r: Redis, chat_id: str, since: float) -> bool:
    """The lease that began at `since` is over and the holder has not proved again since
    (then a later lease runs): the place is to be given back (jobs.lapse_unproven_place).
    Asked early, it plans itself again for the rest of the lease."""
    chat = store.get_chat(r, chat_id)
    if chat.get("state") != "waiting" or last_proof(chat) > since:
        return False
    rest = since + current_app.config["PLACE_LEASE_SECONDS"] - live.now()
    if rest > 0:
        timers.later(rest, "lapse_unproven_place", chat_id, since)
        return False
    return True


def without_sign_of_a_person(r: Redis, now: float) -> list[str]:
    """Waiting chats whose holder neither typed nor proved again since the start (older
    than SPARE_SECONDS): what "clear places with no sign of a person" ends."""
    ids = line.waiting(r)
    with r.pipeline(transaction=False) as pipe:
        for chat_id in ids:
            pipe.hmget(keys.chat(chat_id), "created_at", "proofs", "typed")
        rows = pipe.execute()
    return [chat_id for chat_id, (created, proofs, wrote) in zip(ids, rows, strict=True)
            if created and now - float(created) >= SPARE_SECONDS
            and not int(proofs or 0) and not wrote]


def _minute(now: float) -> int:
    return int(now // 60)


def count(r: Redis, kind: str, n: int = 1) -> None:
    """`n` more of `kind` this minute (KINDS)."""
    key = keys.abuse_count(kind, _minute(live.now()))
    with r.pipeline() as pipe:
        pipe.incrby(key, n)
        pipe.expire(key, COUNTER_MINUTES * 60 + 60)
        pipe.execute()


def recent(r: Redis, kind: str, minutes: int) -> int:
    """How many of `kind` in the last `minutes` minutes (this one included)."""
    now = _minute(live.now())
    found = r.mget([keys.abuse_count(kind, m) for m in range(now - minutes + 1, now + 1)])
    return sum(int(v) for v in found if v)
