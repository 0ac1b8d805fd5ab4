"""Handing an active chat to a colleague or back to the front of the line, atomically.

Both moves are Lua scripts, like assignment: the holder check, the target's capacity
check and the move of the chat id between the `staff:<id>:chats` sets happen in one
step, so two server processes transferring (or assigning) at once can never push a
therapist over capacity or leave a chat held by two people.

The private handover note never enters the chat's message stream. To a colleague it
travels only in the `chat_assigned` event; back to the line it waits on the chat hash
(`handover_note`, `handover_from`) until the next therapist takes the chat
(`take_handover`), and is deleted then.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis import Redis
from redis.exceptions import ResponseError

from . import keys

# Both moves start here: KEYS[1] is the chat hash, ARGV[2] the id of who hands it over;
# only the holder of a live chat may move it.
HOLDER_CHECK = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return redis.error_reply('unknown_chat') end
if redis.call('HGET', KEYS[1], 'staff') ~= ARGV[2] then
  return redis.error_reply('not_your_chat')
end
if state ~= 'active' then return redis.error_reply('chat_ended') end
"""

# KEYS: chat hash, holder's chats, target's chats, target's presence hash, duty set
# ARGV: chat id, holder id, target id, now. Returns the target's display name.
TO_STAFF = HOLDER_CHECK + """
if redis.call('SISMEMBER', KEYS[5], ARGV[3]) == 0 then return redis.error_reply('no_capacity') end
-- a paused colleague, or one cooling down after a summary, takes no new chat (assignment.py)
if redis.call('HGET', KEYS[4], 'paused') == '1' then return redis.error_reply('no_capacity') end
if tonumber(redis.call('HGET', KEYS[4], 'cooldown_until') or '0') > tonumber(ARGV[4]) then
  return redis.error_reply('no_capacity')
end
local cap = tonumber(redis.call('HGET', KEYS[4], 'capacity') or '1')
if cap - redis.call('SCARD', KEYS[3]) <= 0 then return redis.error_reply('no_capacity') end
local name = redis.call('HGET', KEYS[4], 'name') or ''
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[1], 'staff', ARGV[3], 'staff_name', name)
redis.call('HDEL', KEYS[1], 'handover_note', 'handover_from', 'not_staff')
redis.call('HSET', KEYS[4], 'idle_since', ARGV[4])
return name
"""

# KEYS: chat hash, holder's chats, line, line counter, positions sent
# ARGV: chat id, holder id, note, holder's name, staff id to avoid ('' = none)
# The chat keeps its messages and its first assignment time; it is marked `counted` so
# that leaving the line now is not recorded as a missed (never answered) contact.
TO_LINE = HOLDER_CHECK + """
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], 'staff', 'staff_name')
redis.call('HSET', KEYS[1], 'state', 'waiting', 'counted', '1')
redis.call('HDEL', KEYS[1], 'handover_note', 'handover_from')
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'handover_note', ARGV[3]) end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'handover_from', ARGV[4]) end
if ARGV[5] ~= '' then
  redis.call('HSET', KEYS[1], 'not_staff', ARGV[5])
else
  redis.call('HDEL', KEYS[1], 'not_staff')
end
local head = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
local score
if #head == 0 then score = redis.call('INCR', KEYS[4]) else score = tonumber(head[2]) - 1 end
redis.call('ZADD', KEYS[3], score, ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
return 1
"""

CODES = ("unknown_chat", "not_your_chat", "chat_ended", "no_capacity")


class TransferError(Exception):
    """The transfer cannot happen; `code` is a protocol error code."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Colleague:
    """An on-duty colleague as the transfer menu shows them."""

    id: int
    name: str
    free: int

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "free": self.free}


def _run(script: str, r: Redis, keys_: list[str], args: list) -> object:
    try:
        return r.register_script(script)(keys=keys_, args=args)
    except ResponseError as exc:
        code = str(exc)
        if code in CODES:
            raise TransferError(code) from None
        raise


def to_staff(r: Redis, chat_id: str, from_id: str, to_id: str, now: float) -> str:
    """Move an active chat from its holder to an on-duty colleague with a free slot.

    Returns the colleague's display name. Raises TransferError: `unknown_chat`,
    `not_your_chat`, `chat_ended`, or `no_capacity` (not on duty or no free slot).
    """
    if str(from_id) == str(to_id):
        raise TransferError("bad_payload")  # a chat cannot be handed to its own holder
    return _run(TO_STAFF, r, [keys.chat(chat_id), keys.staff_chats(from_id),
                              keys.staff_chats(to_id), keys.staff(to_id), keys.DUTY],
                [chat_id, str(from_id), str(to_id), now])


def to_line(r: Redis, chat_id: str, from_id: str, note: str = "", from_name: str = "",
            avoid: bool = True) -> None:
    """Put an active chat back at the front of the line (state waiting), freeing the slot.

    `avoid`: assignment will not hand the chat straight back to the same therapist.
    """
    _run(TO_LINE, r, [keys.chat(chat_id), keys.staff_chats(from_id), keys.LINE,
                      keys.LINE_SEQ, keys.POSITIONS_SENT],
         [chat_id, str(from_id), note, from_name, str(from_id) if avoid else ""])


def told_back(r: Redis, chat_id: str) -> None:
    """The chatter was told their chat is back in the line: the next line broadcast tells
    them their place (after `transferred`, which makes the page forget the one it held)."""
    r.sadd(keys.LINE_BACK, chat_id)


def take_handover(r: Redis, chat_id: str) -> dict | None:
    """Who handed the chat back and their note ("" when none), removed as it is taken."""
    with r.pipeline(transaction=True) as pipe:
        pipe.hmget(keys.chat(chat_id), "handover_note", "handover_from")
        pipe.hdel(keys.chat(chat_id), "handover_note", "handover_from")
        (note, sender), _ = pipe.execute()
    if not note and not sender:
        return None
    return {"text": note or "", "from": sender or ""}


def colleagues(r: Redis, me: str, now: float) -> list[Colleague]:
    """Everyone on duty except `me`, with their free slots (0 when full, paused or cooling
    down: they take no new chat), most free first."""
    ids = sorted((sid for sid in r.smembers(keys.DUTY) if sid != str(me) and sid.isdigit()),
                 key=int)
    with r.pipeline() as pipe:
        for sid in ids:
            pipe.hmget(keys.staff(sid), "name", "capacity", "paused", "cooldown_until")
            pipe.scard(keys.staff_chats(sid))
        rows = pipe.execute()
    out = []
    for i, sid in enumerate(ids):
        (name, capacity, paused, until), load = rows[2 * i], rows[2 * i + 1]
        resting = paused == "1" or float(until or 0) > now
        free = 0 if resting else max(0, int(capacity or 1) - load)
        out.append(Colleague(int(sid), name or "", free))
    return sorted(out, key=lambda c: (-c.free, c.name.lower(), c.id))
