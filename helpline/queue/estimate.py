"""Expected wait for a place in the line, from recent chat lengths and the staff on duty."""

from __future__ import annotations

import math

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
    minutes = _mean(recent_durations) / 60 if recent_durations else default_minutes
    return max(1, math.ceil(ahead * minutes / total_capacity))


def expected_wait_range(
    position: int, free_slots: int, total_capacity: int, recent_durations: list[float],
    default_minutes: int,
) -> list[int] | None:
    """[low, high] minutes for the chatter at `position`; None if nobody is on duty.

    A single figure promises too much: the chat ahead may have just begun or be ending.
    A slot frees up every D / C minutes on average, but the next one may free up at once,
    so the low end counts the slots ahead minus one (at least a minute) and the high end
    all of them. With no history, D is only the configured default: the high end is
    widened by half, so a first chatter is not promised a wait nobody measured.
    """
    if total_capacity <= 0:
        return None
    ahead = position - free_slots
    if ahead <= 0:
        return [0, 0]
    chat_minutes = _mean(recent_durations) / 60 if recent_durations else default_minutes
    per_slot = chat_minutes / total_capacity
    high = ahead * per_slot * (1 if recent_durations else 1.5)
    low = max(1, math.floor((ahead - 1) * per_slot))
    return [low, max(low + 1, _round_up(high))]


def _mean(values: list[float]) -> float:
    """statistics.mean works in exact fractions (11 us for 50 values); a line broadcast
    asks twice per waiting chatter, so 5,000 waiting cost 0.1 s of it alone."""
    return math.fsum(values) / len(values)


def _round_up(minutes: float) -> int:
    """Whole minutes up to 10, then to the next 5: a range is not more exact than that."""
    return math.ceil(minutes) if minutes <= 10 else 5 * math.ceil(minutes / 5)


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
