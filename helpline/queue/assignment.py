"""Duty, capacity and the atomic hand-out of waiting chatters to therapists.

Assignment runs as one Lua script, so any number of server processes may call it at
the same time: Redis runs scripts one at a time, which means a chatter is handed out
once and no therapist goes past their capacity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from redis import Redis

from . import keys

ASSIGN = """
local line, duty, prefix, now = KEYS[1], KEYS[2], ARGV[1], ARGV[2]
local out = {}
-- Free room of an on-duty therapist, 0 while paused or cooling down after a summary.
local function room(skey)
  if redis.call('HGET', skey, 'paused') == '1' then return 0 end
  if tonumber(redis.call('HGET', skey, 'cooldown_until') or '0') > tonumber(now) then return 0 end
  local cap = tonumber(redis.call('HGET', skey, 'capacity') or '1')
  return cap - redis.call('SCARD', skey .. ':chats')
end
-- Chats at the head that only the therapist who handed them back (not_staff) could take
-- now are stepped over, so that therapist's free slot serves the next chatter instead.
local skip = 0
while true do
  local head = redis.call('ZRANGE', line, skip, skip)
  if #head == 0 then break end
  local cid = head[1]
  local ckey = prefix .. 'chat:' .. cid
  if redis.call('HGET', ckey, 'state') ~= 'waiting' then
    redis.call('ZREM', line, cid)
  else
    local avoid = redis.call('HGET', ckey, 'not_staff') or ''
    local best, bestfree, bestidle, avoided = nil, 0, 0, false
    local staff = redis.call('SMEMBERS', duty)
    table.sort(staff)
    for _, sid in ipairs(staff) do
      local skey = prefix .. 'staff:' .. sid
      local free = room(skey)
      local idle = tonumber(redis.call('HGET', skey, 'idle_since') or '0')
      if free > 0 and sid == avoid then
        avoided = true
      elseif free > 0 and (free > bestfree or (free == bestfree and idle < bestidle)) then
        best, bestfree, bestidle = sid, free, idle
      end
    end
    -- a follow-up chatter (records/followup.py) goes first to their own therapist
    local prefer = redis.call('HGET', ckey, 'prefer_staff')
    if prefer and prefer ~= avoid and redis.call('SISMEMBER', duty, prefer) == 1 then
      if room(prefix .. 'staff:' .. prefer) > 0 then best = prefer end
    end
    if best then
      local skey = prefix .. 'staff:' .. best
      redis.call('ZREM', line, cid)
      redis.call('HSET', ckey, 'state', 'active', 'staff', best,
                 'staff_name', redis.call('HGET', skey, 'name') or '')
      -- a chat handed back to the line keeps its first assignment time (wait, duration)
      redis.call('HSETNX', ckey, 'assigned_at', now)
      redis.call('HDEL', ckey, 'not_staff')
      redis.call('SADD', skey .. ':chats', cid)
      redis.call('HSET', skey, 'idle_since', now)
      table.insert(out, cid)
      table.insert(out, best)
    elseif avoided then
      skip = skip + 1
    else
      break
    end
  end
end
return out
"""


@dataclass(frozen=True)
class Presence:
    """What the live state knows of one staff member."""

    staff_id: str
    name: str
    on_duty: bool
    capacity: int
    load: int
    idle_since: float
    paused: bool = False
    cooldown_until: float = 0.0

    def cooldown_left(self, now: float) -> int:
        """Whole seconds of cool-down left (0: none), as the console counts them down."""
        return max(0, math.ceil(self.cooldown_until - now))


def assign_waiting(r: Redis, now: float) -> list[tuple[str, str]]:
    """Hand waiting chatters, oldest first, to the on-duty therapist with most free room."""
    flat = r.register_script(ASSIGN)(keys=[keys.LINE, keys.DUTY], args=[keys.PREFIX, now])
    return list(zip(flat[::2], flat[1::2], strict=True))


GO_ON_DUTY = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[2], 'idle_since', ARGV[4])
end
redis.call('HSET', KEYS[2], 'name', ARGV[2], 'capacity', ARGV[3])
return 1
"""


def go_on_duty(r: Redis, staff_id: str, name: str, capacity: int, now: float) -> None:
    """Start taking chats; coming back from off duty, idle time counts from now."""
    r.register_script(GO_ON_DUTY)(keys=[keys.DUTY, keys.staff(staff_id)],
                                  args=[staff_id, name, capacity, now])


def go_off_duty(r: Redis, staff_id: str) -> None:
    """Stop new assignments; chats already held stay with the therapist. A pause or a
    cool-down ends with the shift, so the next one starts open."""
    with r.pipeline() as pipe:
        pipe.srem(keys.DUTY, staff_id)
        pipe.hdel(keys.staff(staff_id), "paused", "cooldown_until")
        pipe.execute()


def set_paused(r: Redis, staff_id: str, paused: bool) -> None:
    """Stop (or resume) new assignments while staying on duty; held chats stay."""
    if paused:
        r.hset(keys.staff(staff_id), "paused", "1")
    else:
        r.hdel(keys.staff(staff_id), "paused")


def start_cooldown(r: Redis, staff_id: str, until: float) -> str:
    """No new assignment before `until` (a breather after filing a summary); returns the
    stored value, which the job at its end names to end exactly this cool-down."""
    stored = repr(float(until))
    r.hset(keys.staff(staff_id), "cooldown_until", stored)
    return stored


def end_cooldown(r: Redis, staff_id: str) -> None:
    """The therapist skipped the rest of the cool-down."""
    r.hdel(keys.staff(staff_id), "cooldown_until")


END_COOLDOWN_IF = """
if redis.call('HGET', KEYS[1], 'cooldown_until') == ARGV[1] then
  return redis.call('HDEL', KEYS[1], 'cooldown_until')
end
return 0
"""


def cooldown_over(r: Redis, staff_id: str, until: str) -> bool:
    """End the cool-down that was set to `until` (its job is due), unless it was skipped
    or replaced by a newer one meanwhile; True when it was still running."""
    return bool(r.register_script(END_COOLDOWN_IF)(keys=[keys.staff(staff_id)], args=[until]))


def set_capacity(r: Redis, staff_id: str, capacity: int) -> None:
    """Change how many chats a therapist takes at once (lowering it keeps current chats)."""
    r.hset(keys.staff(staff_id), "capacity", capacity)


def release(r: Redis, staff_id: str, chat_id: str) -> None:
    """Free a therapist's slot once the chat is over and its summary dealt with."""
    r.srem(keys.staff_chats(staff_id), chat_id)


def console_opened(r: Redis, staff_id: str, sid: str) -> None:
    """Remember an open console socket of this staff member."""
    r.sadd(keys.staff_sockets(staff_id), sid)


def console_closed(r: Redis, staff_id: str, sid: str) -> bool:
    """Forget a console socket; True when none is left open."""
    with r.pipeline() as pipe:
        pipe.srem(keys.staff_sockets(staff_id), sid)
        pipe.scard(keys.staff_sockets(staff_id))
        _, left = pipe.execute()
    return left == 0


def console_open(r: Redis, staff_id: str) -> bool:
    """Whether any console socket of this staff member is open."""
    return r.scard(keys.staff_sockets(staff_id)) > 0


def held_chats(r: Redis, staff_id: str) -> set[str]:
    """Chat ids a therapist holds, active or awaiting a summary."""
    return r.smembers(keys.staff_chats(staff_id))


def presence(r: Redis, staff_id: str) -> Presence:
    """Live presence of one staff member (defaults when never on duty)."""
    return presences(r, [staff_id])[0]


def presences(r: Redis, staff_ids: list[str]) -> list[Presence]:
    """Live presence of several staff members in one round trip, however many."""
    with r.pipeline(transaction=False) as pipe:
        for staff_id in staff_ids:
            pipe.hgetall(keys.staff(staff_id))
            pipe.sismember(keys.DUTY, staff_id)
            pipe.scard(keys.staff_chats(staff_id))
        replies = pipe.execute()
    return [
        Presence(
            staff_id=str(staff_id),
            name=info.get("name", ""),
            on_duty=bool(on),
            capacity=int(info.get("capacity", 1)),
            load=load,
            idle_since=float(info.get("idle_since", 0)),
            paused=info.get("paused") == "1",
            cooldown_until=float(info.get("cooldown_until", 0)),
        )
        for staff_id, info, on, load in zip(
            staff_ids, replies[::3], replies[1::3], replies[2::3], strict=True)
    ]


def on_duty(r: Redis) -> list[Presence]:
    """Everyone on duty, for the expected wait and the overview (two round trips)."""
    return presences(r, sorted(r.smembers(keys.DUTY)))
