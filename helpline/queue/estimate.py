"""Expected wait for a place in the line, from recent chat lengths and the staff on duty."""

from __future__ import annotations

import math
from dataclasses import dataclass

from redis import Redis

from . import assignment, keys

RECENT_CHATS = 20


@dataclass(frozen=True)
class Inputs:
    """What every estimate of one moment is computed from, the same for each place: the
    free places now (F), the capacity on duty (C), the mean chat length in minutes (D)
    and whether D was measured (`history`) or is only the configured default.

    Protocol 2 sends these once per line change instead of each page's figures, and the
    page computes its own with the same formulas (static/js/chat/places.js); D travels
    as the float computed here, so both sides do the same arithmetic on the same doubles.
    """

    free: int
    capacity: int
    mean_minutes: float
    history: bool

    @classmethod
    def of(cls, free_slots: int, total_capacity: int, recent_durations: list[float],
           default_minutes: int) -> Inputs:
        mean = _mean(recent_durations) / 60 if recent_durations else float(default_minutes)
        return cls(free_slots, total_capacity, mean, bool(recent_durations))


def wait_minutes(position: int, inputs: Inputs) -> int | None:
    """Minutes until the chatter at `position` is likely served; None if nobody is on duty.

    With C parallel slots and chats lasting D minutes on average, a slot frees up every
    D / C minutes; the chatter waits for the slots ahead of them beyond the ones free now.
    """
    if inputs.capacity <= 0:
        return None
    ahead = position - inputs.free
    if ahead <= 0:
        return 0
    return max(1, math.ceil(ahead * inputs.mean_minutes / inputs.capacity))


def wait_range(position: int, inputs: Inputs) -> list[int] | None:
    """[low, high] minutes for the chatter at `position`; None if nobody is on duty.

    A single figure promises too much: the chat ahead may have just begun or be ending.
    A slot frees up every D / C minutes on average, but the next one may free up at once,
    so the low end counts the slots ahead minus one (at least a minute) and the high end
    all of them. With no history, D is only the configured default: the high end is
    widened by half, so a first chatter is not promised a wait nobody measured.
    """
    if inputs.capacity <= 0:
        return None
    ahead = position - inputs.free
    if ahead <= 0:
        return [0, 0]
    per_slot = inputs.mean_minutes / inputs.capacity
    high = ahead * per_slot * (1 if inputs.history else 1.5)
    low = max(1, math.floor((ahead - 1) * per_slot))
    return [low, max(low + 1, _round_up(high))]


def _mean(values: list[float]) -> float:
    """math.fsum, not statistics.mean, which works in exact fractions (11 us for 50
    values)."""
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


def inputs_now(r: Redis, default_minutes: int) -> Inputs:
    """The estimate's inputs as the live state gives them now."""
    return Inputs.of(*capacity_now(r), default_minutes)
