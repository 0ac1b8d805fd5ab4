"""A live chat's lifecycle and messages in Redis: create, resume, message, end, forget.

Nothing here identifies a chatter: a chat is a random id, its resume token is kept only
as a hash, and every key expires. Multi-key changes are Lua scripts, so they are atomic
across server processes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass

from redis import Redis
from redis.exceptions import ResponseError

from ..queue import keys
from ..realtime.protocol import ProtocolError

CREATE = """
redis.call('HSET', KEYS[1], 'state', 'waiting', 'created_at', ARGV[2], 'token_hash', ARGV[3],
           'age_band', ARGV[4], 'gender', ARGV[5], 'lang', ARGV[6])
if ARGV[8] == '1' then redis.call('HSET', KEYS[1], 'counted', '1') end
redis.call('HSET', KEYS[1], 'protocol', ARGV[9])
if ARGV[9] == '1' then redis.call('SADD', KEYS[6], ARGV[7]) end
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[7], 'EX', ARGV[1])
redis.call('ZADD', KEYS[3], redis.call('INCR', KEYS[4]), ARGV[7])
-- the chat's name for all staff ("Chat 12"): the day's count, kept for two days
local number = redis.call('INCR', KEYS[5])
redis.call('EXPIRE', KEYS[5], 172800)
redis.call('HSET', KEYS[1], 'number', number)
return 1
"""

# Returns {previous state, staff id, assigned_at} or an error when there is nothing to end.
END = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return redis.error_reply('unknown_chat') end
if state == 'ended' then return redis.error_reply('chat_ended') end
if ARGV[5] == '1' and state ~= 'waiting' then return redis.error_reply('not_waiting') end
redis.call('ZREM', KEYS[2], ARGV[4])
redis.call('SREM', KEYS[3], ARGV[4])
redis.call('HSET', KEYS[1], 'state', 'ended', 'ended_at', ARGV[3], 'ended_by', ARGV[1],
           'end_reason', ARGV[2])
return {state, redis.call('HGET', KEYS[1], 'staff') or '',
        redis.call('HGET', KEYS[1], 'assigned_at') or ''}
"""

MAX_STREAM = 5000


@dataclass(frozen=True)
class Message:
    """One chat message as both sides see it."""

    id: str
    sender: str  # chatter | therapist
    text: str
    ts: float
    name: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Ended:
    """What ending a chat changed: the state it left and who held it."""

    previous_state: str
    staff_id: str
    assigned_at: float | None


class ChatError(Exception):
    """A lifecycle step that does not apply to the chat's current state."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def hash_token(token: str) -> str:
    """Resume tokens are stored only as a hash, so Redis alone cannot resume a chat."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_chat_id() -> str:
    """A random chat id: it names the chat's keys and rooms, and identifies nobody."""
    return secrets.token_urlsafe(16)


def create_chat(
    r: Redis, age_band: str | None, gender: str | None, lang: str, now: float, ttl: int,
    *, chat_id: str | None = None, counted: bool = False, day: str = "", protocol: int = 1,
) -> tuple[str, str]:
    """Open a chat at the back of the line; returns (chat id, resume token).

    Pass a `chat_id` from `new_chat_id` to join its room before the chat can be assigned.
    `counted`: the tab is already in the missed-contact ledger. `day` (the helpline's
    date, YYYY-MM-DD) numbers the chat within its day, so every console calls it the same.
    `protocol`: what the page speaks (docs/protocol.md, "Protocol versions"); a chat on
    protocol 1 is in `keys.LINE_V1` until it ends, so the line broadcast finds those few.
    """
    chat_id = chat_id or new_chat_id()
    token = secrets.token_urlsafe(32)
    token_hash = hash_token(token)
    r.register_script(CREATE)(
        keys=[keys.chat(chat_id), keys.token(token_hash), keys.LINE, keys.LINE_SEQ,
              keys.chat_numbers(day or "any"), keys.LINE_V1],
        args=[ttl, now, token_hash, age_band or "", gender or "", lang, chat_id,
              "1" if counted else "0", protocol],
    )
    return chat_id, token


def chat_for_token(r: Redis, token: object) -> str | None:
    """The chat a resume token belongs to, if it still exists."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100 or not token.isascii():
        return None
    return r.get(keys.token(hash_token(token)))


def get_chat(r: Redis, chat_id: str) -> dict[str, str]:
    """The chat's state hash; empty when the chat does not exist (anymore)."""
    return r.hgetall(keys.chat(chat_id))


def held_chat(r: Redis, chat_id: str, staff_id: str | int, states: tuple[str, ...] = ("active",),
              not_now: ProtocolError | None = None) -> dict[str, str]:
    """The chat this staff member holds, in one of `states`; else the ProtocolError a
    client gets (`not_now`, or chat_ended, when the chat is in another state)."""
    chat = get_chat(r, chat_id)
    if not chat:
        raise ProtocolError("unknown_chat")
    if chat.get("staff") != str(staff_id):
        raise ProtocolError("not_your_chat")
    if chat.get("state") not in states:
        raise not_now or ProtocolError("chat_ended")
    return chat


# One round trip per message: check the chat, its byte budget and the sender's rate,
# append, count, expire. Returns {message id, staff id} or an error code. A message costs
# its text and name bytes plus MESSAGE_OVERHEAD (what a stream entry takes besides them).
POST = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return redis.error_reply('unknown_chat') end
if ARGV[11] ~= '' then
  if redis.call('HGET', KEYS[1], 'staff') ~= ARGV[11] then
    return redis.error_reply('not_your_chat')
  end
  if state ~= 'active' then return redis.error_reply('chat_ended') end
end
if state == 'ended' then return redis.error_reply('chat_ended') end
local cost = #ARGV[2] + #ARGV[4] + tonumber(ARGV[8])
local side = 'bytes:' .. ARGV[1]
if tonumber(redis.call('HGET', KEYS[1], side) or '0') + cost > tonumber(ARGV[9]) then
  return redis.error_reply('chat_full')
end
local waiting = state == 'waiting'
if waiting and tonumber(redis.call('HGET', KEYS[1], 'bytes:waiting') or '0') + cost
    > tonumber(ARGV[10]) then
  return redis.error_reply('waiting_limit')
end
local limit = tonumber(ARGV[6])
if limit > 0 then
  local sent = redis.call('INCR', KEYS[3])
  if sent == 1 then redis.call('EXPIRE', KEYS[3], 10) end
  if sent > limit then return redis.error_reply('rate_limited') end
end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], '*',
                      's', ARGV[1], 't', ARGV[2], 'ts', ARGV[3], 'n', ARGV[4])
redis.call('HINCRBY', KEYS[1], side, cost)
if waiting then redis.call('HINCRBY', KEYS[1], 'bytes:waiting', cost) end
redis.call('EXPIRE', KEYS[2], ARGV[5])
return {id, redis.call('HGET', KEYS[1], 'staff') or ''}
"""
MESSAGE_OVERHEAD = 64
REFUSALS = ("unknown_chat", "chat_ended", "rate_limited", "chat_full", "waiting_limit",
            "not_your_chat")


@dataclass(frozen=True)
class Budget:
    """Bytes one side of a chat may store, and bytes stored while the chat is waiting."""

    per_side: int = 128 * 1024
    waiting: int = 8 * 1024


def post_message(
    r: Redis, chat_id: str, sender: str, text: str, now: float, ttl: int, name: str = "",
    rate_limit: int = 0, budget: Budget = Budget(), holder: str = "",
) -> tuple[Message, str]:
    """Append a message to a live chat; returns it and the id of the staff holding the chat.

    Its stream id orders it and lets a reconnecting client catch up. `rate_limit` caps
    one sender's messages per 10 s in this chat (0: no cap); `budget` bounds the bytes a
    chat holds in Redis (`chat_full`, `waiting_limit`). With `holder` (a staff id), the
    chat must be active and held by them (`not_your_chat`, `chat_ended`): the check and
    the append are one round trip. Raises ChatError.
    """
    try:
        msg_id, staff_id = r.register_script(POST)(
            keys=[keys.chat(chat_id), keys.messages(chat_id), keys.rate(chat_id, sender)],
            args=[sender, text, repr(now), name, ttl, rate_limit, MAX_STREAM,
                  MESSAGE_OVERHEAD, budget.per_side, budget.waiting, holder],
        )
    except ResponseError as exc:
        if str(exc) in REFUSALS:
            raise ChatError(str(exc)) from None
        raise
    return Message(id=msg_id, sender=sender, text=text, ts=now, name=name), staff_id


def add_message(
    r: Redis, chat_id: str, sender: str, text: str, now: float, ttl: int, name: str = ""
) -> Message:
    """Append a message with no rate cap (see post_message)."""
    return post_message(r, chat_id, sender, text, now, ttl, name)[0]


def messages_after(r: Redis, chat_id: str, after: str | None = None) -> list[Message]:
    """Every message after the id a client last saw (all of them when it saw none)."""
    start = f"({after}" if after else "-"
    return [
        Message(id=mid, sender=f["s"], text=f["t"], ts=float(f["ts"]), name=f.get("n", ""))
        for mid, f in r.xrange(keys.messages(chat_id), min=start)
    ]


def end_chat(r: Redis, chat_id: str, by: str, reason: str, now: float,
             only_waiting: bool = False) -> Ended:
    """Mark a chat ended (and out of the line); raises ChatError if it already ended, or
    with `only_waiting` if a therapist took it meanwhile."""
    try:
        state, staff_id, assigned_at = r.register_script(END)(
            keys=[keys.chat(chat_id), keys.LINE, keys.LINE_V1],
            args=[by, reason, now, chat_id, "1" if only_waiting else "0"]
        )
    except Exception as exc:  # redis.ResponseError carries our code
        code = str(exc)
        if code in ("unknown_chat", "chat_ended", "not_waiting"):
            raise ChatError(code) from None
        raise
    return Ended(state, staff_id, float(assigned_at) if assigned_at else None)


def refuse_token(r: Redis, chat_id: str) -> None:
    """The chat's resume token stops working now (a supervisor removed the chat)."""
    token_hash = r.hget(keys.chat(chat_id), "token_hash")
    if token_hash:
        r.delete(keys.token(token_hash))


def forget_chat(r: Redis, chat_id: str, linger: int = 0) -> None:
    """Delete a chat's messages and state (after linger seconds, so a reload sees 'ended')."""
    token_hash = r.hget(keys.chat(chat_id), "token_hash")
    with r.pipeline() as pipe:
        pipe.delete(keys.messages(chat_id))
        names = [keys.chat(chat_id)] + ([keys.token(token_hash)] if token_hash else [])
        for name in names:
            if linger:
                pipe.expire(name, linger)
            else:
                pipe.delete(name)
        pipe.execute()


CONNECT = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 0 end
redis.call('HSET', KEYS[1], 'sid', ARGV[1], 'disconnected_at', '', 'protocol', ARGV[3])
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'lang', ARGV[2]) end
if ARGV[3] == '1' and state ~= 'ended' then
  redis.call('SADD', KEYS[2], ARGV[4])
else
  redis.call('SREM', KEYS[2], ARGV[4])
end
return 1
"""


def set_connection(r: Redis, chat_id: str, sid: str, lang: str | None = None,
                   protocol: int = 1) -> bool:
    """Record which socket now speaks for the chatter (a reload replaces it); False if gone.

    `lang`: the chatter switched language (it comes back with the resume), so the chat's
    language follows; the chat's only language record, gone with the chat. `protocol`:
    what this socket speaks (a reloaded page may speak another than the one before)."""
    return bool(r.register_script(CONNECT)(keys=[keys.chat(chat_id), keys.LINE_V1],
                                           args=[sid, lang or "", protocol, chat_id]))


DISCONNECT = """
if redis.call('HGET', KEYS[1], 'sid') ~= ARGV[1] then return 0 end
if redis.call('HGET', KEYS[1], 'state') == 'ended' then return 0 end
redis.call('HSET', KEYS[1], 'sid', '', 'disconnected_at', ARGV[2])
return 1
"""


def mark_disconnected(r: Redis, chat_id: str, sid: str, now: float) -> bool:
    """Note the chatter's socket dropped, unless another socket already took over."""
    return bool(r.register_script(DISCONNECT)(keys=[keys.chat(chat_id)], args=[sid, now]))


def still_disconnected_since(r: Redis, chat_id: str, since: float) -> bool:
    """True when the chatter has not come back since the drop at `since`."""
    chat = get_chat(r, chat_id)
    return bool(chat) and chat.get("state") != "ended" and chat.get("disconnected_at") == str(since)


# ---------- supervision: colleagues who joined openly, the risk flag, last activity ----------

COLLEAGUE_FIELD = "joined:"  # chat hash field joined:<staff id> = display name

# Change a field of a chat that has not ended: a chat that is gone must not come back as
# a stub. ARGV: field, value, then optional field/value pairs set only when it changed.
SET_IF_LIVE = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return -1 end
if state == 'ended' then return -2 end
local old = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if old == ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1
"""


def _set_if_live(r: Redis, chat_id: str, field: str, value: str, *also: str | float) -> bool:
    """Set a field of a chat that has not ended; True when the value changed."""
    result = r.register_script(SET_IF_LIVE)(keys=[keys.chat(chat_id)],
                                            args=[field, value, *also])
    if result == -1:
        raise ChatError("unknown_chat")
    if result == -2:
        raise ChatError("chat_ended")
    return result == 1


def colleagues(chat: dict[str, str]) -> list[dict]:
    """Supervisors who joined the chat openly: [{staff_id, name}], in id order."""
    found = [(k[len(COLLEAGUE_FIELD):], v) for k, v in chat.items()
             if k.startswith(COLLEAGUE_FIELD)]
    return [{"staff_id": sid, "name": name}
            for sid, name in sorted(found, key=lambda x: (len(x[0]), x[0]))]


def add_colleague(r: Redis, chat_id: str, staff_id: str | int, name: str) -> bool:
    """Note that a supervisor joined the chat openly; True the first time."""
    return _set_if_live(r, chat_id, f"{COLLEAGUE_FIELD}{staff_id}", name or "-")


def set_risk(r: Redis, chat_id: str, on: bool, now: float) -> bool:
    """Raise or lower the chat's potential-risk flag; True when it changed."""
    return _set_if_live(r, chat_id, "risk", "1" if on else "", "risk_at", now if on else "")


def last_message_at(r: Redis, chat_id: str) -> float | None:
    """When the chat's last message was written (from its stream id), or None."""
    last = r.xrevrange(keys.messages(chat_id), count=1)
    if not last:
        return None
    msg_id, fields = last[0]
    return float(fields.get("ts") or int(msg_id.split("-")[0]) / 1000)


def follow_up_view(chat: dict) -> dict | None:
    """A returning chatter's chat, as staff see it: the day of the registration it follows
    up, and the therapist agreed then when somebody else holds the chat (else None)."""
    if chat.get("follow_up_kept") != "1":
        return None
    prefer = chat.get("prefer_staff") or None
    elsewhere = prefer is not None and chat.get("staff") != prefer
    return {"of": chat.get("follow_up_of") or None,
            "agreed_with": (chat.get("prefer_name") or None) if elsewhere else None}


def chat_view(r: Redis, chat_id: str, chat: dict | None = None) -> dict:
    """What the console shows of a held chat: intake answers, times, state, messages."""
    chat = chat if chat is not None else get_chat(r, chat_id)
    fields = ("state", "age_band", "gender", "lang", "created_at", "assigned_at", "ended_at",
              "ended_by", "end_reason")
    view = {k: chat.get(k) or None for k in fields}
    for moment in ("created_at", "assigned_at", "ended_at"):
        view[moment] = float(view[moment]) if view[moment] else None
    view["chat_id"] = chat_id
    view["follow_up"] = follow_up_view(chat)
    view["number"] = int(chat["number"]) if chat.get("number", "").isdigit() else None
    view["chatter_connected"] = bool(chat.get("sid"))
    view["risk"] = bool(chat.get("risk"))  # the therapist's "potential risk" flag
    view["colleagues"] = colleagues(chat)  # supervisors who joined openly
    view["messages"] = [m.as_dict() for m in messages_after(r, chat_id)]
    return view
