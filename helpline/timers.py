"""Timers: work due at a time, kept in Redis until it has run, run by whoever is alive.

A timer is a member of the sorted set `hl:timers` (score: when it is due) naming a job of
`helpline/jobs.py` by name, with plain JSON arguments (a chat id, a staff id, a time),
never message text or identities. The worker's pump moves due timers into the RQ queue
within PUMP_SECONDS; when no worker has done so TAKEOVER_SECONDS after a timer was due,
any server process runs it itself (server/heartbeat.py). A timer leaves the set only
once its job has run, so a killed worker, a dead scheduler, a Redis restart that keeps
its data or a worker down for minutes delays a timer, never loses it. Whoever takes one
holds it for TIMER_LEASE_SECONDS: if it dies meanwhile, or its queued job is lost (a Redis
restart between the pop and the run), the timer is due again. Jobs are
idempotent (each checks the live state first), so a timer run twice changes nothing more.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.serializers import JSONSerializer

from .queue import keys
from .realtime import live

QUEUE_NAME = "helpline"
PUMP_SECONDS = 1.0  # how often the worker moves due timers into the queue
MAX_TRIES = 5  # a job failing this often is dropped (logged with its type, counted)
# A queued job expires this long after it was queued (a worker that was down meanwhile:
# its timer is due again after the lease, so nothing is lost with it).
TTL_MARGIN_SECONDS = 600
# A failed job (its timer: a job name, a chat or staff id, the error's type) is kept this
# long for an operator.
FAILURE_TTL_SECONDS = 600
JOB_TIMEOUT_SECONDS = 30

# Take a due timer: only if it is still due (not taken, not run since), for the lease.
_TAKE = """
local due = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not due or tonumber(due) > tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
"""


# Hand a taken timer back: only if its score is still the lease we gave it.
_RELEASE = """
local held = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not held or tonumber(held) ~= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
"""


def _redis() -> Redis:
    return current_app.extensions["helpline_redis"]


def lease_seconds() -> int:
    """How long a taken timer is held: due again this long after, unless it has run."""
    return current_app.config["TIMER_LEASE_SECONDS"]


def later(delay: timedelta | float, name: str, *args, timer_id: str | None = None,
          now: float | None = None) -> str:
    """Plan job `name` of helpline/jobs.py with `args` after `delay`. With `timer_id` the
    timer is planned once: planning it again (a restart, a second worker) changes nothing."""
    seconds = delay.total_seconds() if isinstance(delay, timedelta) else delay
    member = encode(timer_id or secrets.token_hex(8), name, args)
    when = (live.now() if now is None else now) + seconds
    _redis().zadd(keys.TIMERS, {member: when}, nx=True)
    return member


def at(when: float, name: str, *args, timer_id: str) -> str:
    """Plan job `name` at the epoch time `when`, once for `timer_id`."""
    return later(0, name, *args, timer_id=timer_id, now=when)


def encode(timer_id: str, name: str, args) -> str:
    return json.dumps([timer_id, name, list(args)], separators=(",", ":"))


def decode(member: str) -> tuple[str, str, list]:
    timer_id, name, args = json.loads(member)
    return timer_id, name, args


def due(r: Redis, until: float, limit: int = 100) -> list[str]:
    """The timers due by `until`, oldest first."""
    return r.zrangebyscore(keys.TIMERS, "-inf", until, start=0, num=limit)


def take(r: Redis, member: str, now: float, until: float | None = None) -> bool:
    """Hold a timer due by `until` (default now) for the lease; False if someone else did."""
    return bool(r.register_script(_TAKE)(
        keys=[keys.TIMERS],
        args=[member, now if until is None else until, repr(now + lease_seconds())]))


def done(r: Redis, member: str) -> None:
    """The job ran: the timer is gone."""
    timer_id = decode(member)[0]
    with r.pipeline() as pipe:
        pipe.zrem(keys.TIMERS, member)
        pipe.hdel(keys.TIMER_TRIES, timer_id)
        pipe.execute()


def failed(r: Redis, member: str, now: float) -> bool:
    """The job failed: due again after a growing pause, or dropped after MAX_TRIES (False)."""
    timer_id = decode(member)[0]
    tries = r.hincrby(keys.TIMER_TRIES, timer_id, 1)
    if tries >= MAX_TRIES:
        done(r, member)
        return False
    r.zadd(keys.TIMERS, {member: now + min(lease_seconds(), 2 ** tries)}, xx=True)
    return True


@dataclass(frozen=True)
class Planned:
    member: str
    timer_id: str
    name: str
    args: list
    due: float


def planned(r: Redis) -> list[Planned]:
    """Every timer waiting (or taken and not yet run), soonest first."""
    return [Planned(member, *decode(member), due)
            for member, due in r.zrange(keys.TIMERS, 0, -1, withscores=True)]


def lag(r: Redis, now: float) -> float:
    """How late the oldest due timer is (0 when none is due): the health of timed work."""
    oldest = r.zrange(keys.TIMERS, 0, 0, withscores=True)
    return max(0.0, now - oldest[0][1]) if oldest else 0.0


def queue() -> Queue:
    """The helpline's job queue on this app's Redis."""
    return Queue(QUEUE_NAME, connection=current_app.extensions["helpline_rq_redis"],
                 serializer=JSONSerializer)


def pump(r: Redis, now: float, until: float | None = None,
         stranded: list | None = None) -> int:
    """Move the timers due by `until` (default now) into the RQ queue; how many moved.

    A timer taken but not queued (Redis went away in between) is added to `stranded`, so
    the caller can hand it back (`release`) instead of waiting out its lease."""
    moved, jobs = 0, queue()
    for member in due(r, now if until is None else until):
        if take(r, member, now, until):
            try:
                jobs.enqueue("helpline.jobs.run_timer", member,
                                job_timeout=JOB_TIMEOUT_SECONDS, result_ttl=0,
                                failure_ttl=FAILURE_TTL_SECONDS, ttl=TTL_MARGIN_SECONDS)
            except RedisError:
                if stranded is not None:
                    stranded.append((member, now + lease_seconds()))
                raise
            moved += 1
    return moved


def release(r: Redis, stranded: list, now: float) -> None:
    """Make timers due again that we took but could not queue, if still held by us."""
    script = r.register_script(_RELEASE)
    while stranded:
        member, lease = stranded[0]
        script(keys=[keys.TIMERS], args=[member, repr(lease), now])
        stranded.pop(0)


# ---------- what each part plans ----------

def schedule_grace_check(chat_id: str, since: float, waiting: bool = False) -> None:
    """End the chat if the chatter has not come back when the grace period is over.

    A chatter still waiting keeps the place only WAITING_GRACE_SECONDS (so closed bot
    sockets free the line fast); a chat with a therapist keeps RESUME_GRACE_SECONDS.
    """
    grace = "WAITING_GRACE_SECONDS" if waiting else "RESUME_GRACE_SECONDS"
    later(current_app.config[grace], "end_if_still_gone", chat_id, since, waiting)


def schedule_summary_deadline(chat_id: str, staff_id: str) -> None:
    """Make sure the transcript is deleted even if the summary is never filed."""
    later(current_app.config["SUMMARY_DEADLINE_SECONDS"], "summary_deadline", chat_id,
          staff_id)


def schedule_staff_check(staff_id: str) -> None:
    """Take a therapist off duty if no console of theirs reopens within the grace period."""
    later(current_app.config["STAFF_GRACE_SECONDS"], "off_duty_if_console_closed", staff_id)
