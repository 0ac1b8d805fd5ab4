"""Expected wait for a place in the line, from recent chat lengths and the staff on duty."""

from __future__ import annotations

import math
from statistics import mean

from redis import Redis

from . import assignment, keys

RECENT_CHATS = 20


def expected_wait_minutes(
    position: int, free_slots: int, total_capacity: int, recent_durations: list[float],
    default_minutes: int,
) -> int | None:
    """Minutes until the chatter at `position` is likely served; None if nobody is on duty.

    With C parallel slots and chats lasting D minutes on average, a slot frees up every
    D / C minutes; the chatter waits for the slots ahead of them beyond the ones free now.
    """
    if total_capacity <= 0:
        return None
    ahead = position - free_slots
    if ahead <= 0:
        return 0
    minutes = mean(recent_durations) / 60 if recent_durations else default_minutes
    return max(1, math.ceil(ahead * minutes / total_capacity))


def record_duration(r: Redis, seconds: float) -> None:
    """Remember how long a finished chat lasted (only the last few are kept)."""
    with r.pipeline() as pipe:
        pipe.lpush(keys.DURATIONS, round(seconds))
        pipe.ltrim(keys.DURATIONS, 0, RECENT_CHATS - 1)
        pipe.execute()


def capacity_now(r: Redis) -> tuple[int, int, list[float]]:
    """(free slots, total capacity, recent durations): the inputs for every estimate.

    A paused therapist takes no chats, so their places do not count; a cool-down is
    short and ends by itself, so those places do."""
    staff = [p for p in assignment.on_duty(r) if not p.paused]
    total = sum(p.capacity for p in staff)
    free = sum(max(0, p.capacity - p.load) for p in staff)
    durations = [float(d) for d in r.lrange(keys.DURATIONS, 0, -1)]
    return free, total, durations
