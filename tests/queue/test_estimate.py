"""Expected wait and its inputs (helpline.queue.estimate)."""

from __future__ import annotations

import pytest

from helpline.chat import store
from helpline.queue import assignment, estimate, keys


def minutes(position, free, capacity, durations, default):
    """estimate.wait_minutes from the raw inputs (free places, capacity, durations in s)."""
    return estimate.wait_minutes(position, estimate.Inputs.of(free, capacity, durations,
                                                              default))


def span(position, free, capacity, durations, default):
    """estimate.wait_range from the raw inputs."""
    return estimate.wait_range(position, estimate.Inputs.of(free, capacity, durations, default))

# --- expected_wait_minutes (pure) -------------------------------------------------------


@pytest.mark.parametrize("position", [1, 2, 10])
def test_none_when_nobody_is_on_duty(position):
    assert minutes(position, 0, 0, [600.0], 10) is None
    assert minutes(position, 0, 0, [], 10) is None


@pytest.mark.parametrize(("position", "free"), [(1, 1), (1, 3), (2, 2), (3, 5)])
def test_zero_when_a_slot_is_free_for_that_position(position, free):
    assert minutes(position, free, 5, [600.0], 10) == 0


def test_first_beyond_the_free_slots_waits():
    # 2 free slots: places 1 and 2 are served now, place 3 waits for one slot (D / C).
    assert minutes(2, 2, 4, [], 12) == 0
    assert minutes(3, 2, 4, [], 12) == 3


@pytest.mark.parametrize(("position", "capacity", "expected"), [
    (1, 1, 10), (2, 1, 20), (3, 1, 30), (1, 2, 5), (3, 2, 15), (4, 4, 10), (7, 3, 24),
])
def test_default_minutes_without_history(position, capacity, expected):
    # ceil(position * 10 / capacity)
    assert minutes(position, 0, capacity, [], 10) == expected


def test_mean_of_recent_durations_replaces_the_default():
    durations = [300.0, 900.0, 600.0]  # mean 600 s = 10 minutes
    assert minutes(1, 0, 1, durations, 99) == 10
    assert minutes(3, 0, 2, durations, 99) == 15
    assert minutes(2, 0, 1, [90.0], 99) == 3  # 1.5 min each, ceil


def test_scales_inversely_with_capacity():
    waits = [minutes(6, 0, c, [1200.0], 10) for c in (1, 2, 3, 4, 6)]
    assert waits == [120, 60, 40, 30, 20]


def test_free_slots_shorten_the_wait():
    assert minutes(5, 0, 2, [], 10) == 25
    assert minutes(5, 1, 2, [], 10) == 20
    assert minutes(5, 4, 2, [], 10) == 5


def test_at_least_one_minute_when_not_served_now():
    assert minutes(1, 0, 5, [6.0], 10) == 1
    assert minutes(1, 0, 5, [0.0], 10) == 1


def test_rounds_up():
    assert minutes(1, 0, 3, [], 10) == 4  # 3.33 -> 4


# --- record_duration / capacity_now (Redis) ---------------------------------------------


def test_record_duration_keeps_the_last_twenty_newest_first(lr):
    for seconds in range(1, 26):
        estimate.record_duration(lr, float(seconds))
    stored = lr.lrange(keys.DURATIONS, 0, -1)
    assert stored == [str(s) for s in range(25, 5, -1)]
    assert len(stored) == estimate.RECENT_CHATS == 20


def test_record_duration_rounds_to_whole_seconds(lr):
    estimate.record_duration(lr, 12.6)
    estimate.record_duration(lr, 7.2)
    assert lr.lrange(keys.DURATIONS, 0, -1) == ["7", "13"]


def test_capacity_now_with_nobody_on_duty(lr):
    assert estimate.capacity_now(lr) == (0, 0, [])


def test_capacity_now_counts_on_duty_staff_and_their_load(lr):
    assignment.go_on_duty(lr, "1", "Anna", 3, 1.0)
    assignment.go_on_duty(lr, "2", "Bert", 2, 2.0)
    assignment.go_on_duty(lr, "3", "Carl", 5, 3.0)
    assignment.go_off_duty(lr, "3")
    store.create_chat(lr, None, None, "en", 4.0, 3600)
    assert assignment.assign_waiting(lr, 5.0)[0][1] == "1"
    estimate.record_duration(lr, 600)
    estimate.record_duration(lr, 300)
    assert estimate.capacity_now(lr) == (4, 5, [300.0, 600.0])


def test_capacity_now_never_counts_negative_free_slots(lr):
    assignment.go_on_duty(lr, "1", "Anna", 3, 1.0)
    assignment.go_on_duty(lr, "2", "Bert", 2, 2.0)
    for i in range(4):
        store.create_chat(lr, None, None, "en", 3.0 + i, 3600)
    got = assignment.assign_waiting(lr, 10.0)
    assert [s for _, s in got] == ["1", "2", "1", "1"]  # Anna 3 of 3, Bert 1 of 2
    assignment.set_capacity(lr, "1", 1)  # below Anna's load of 3
    assert estimate.capacity_now(lr) == (1, 3, [])


def test_estimate_from_live_state(lr):
    assignment.go_on_duty(lr, "1", "Anna", 2, 1.0)
    for i in range(5):
        store.create_chat(lr, None, None, "en", 2.0 + i, 3600)
    assignment.assign_waiting(lr, 10.0)
    estimate.record_duration(lr, 1200)  # 20 minutes a chat
    free, total, durations = estimate.capacity_now(lr)
    assert (free, total) == (0, 2)
    # Both slots busy; with 20-minute chats one of the 2 slots frees up every 10 minutes.
    assert [minutes(p, free, total, durations, 15)
            for p in (1, 2, 3)] == [10, 20, 30]


def test_capacity_now_leaves_out_paused_therapists(lr):
    assignment.go_on_duty(lr, "1", "Anna", 3, 1.0)
    assignment.go_on_duty(lr, "2", "Bert", 2, 2.0)
    assignment.set_paused(lr, "2", True)
    assert estimate.capacity_now(lr) == (3, 3, [])


# --- expected_wait_range (pure) ---------------------------------------------------------


def test_range_none_when_nobody_is_on_duty():
    assert span(1, 0, 0, [], 30) is None


def test_range_zero_when_a_slot_is_free():
    assert span(2, 2, 4, [], 30) == [0, 0]


def test_range_without_history_is_honest_about_the_next_place():
    # The issue's case: one therapist, one chat that just began, no history. Not "about
    # 30 minutes" but from a minute (the chat may end at once) to the default widened by half.
    assert span(1, 0, 1, [], 30) == [1, 45]
    assert minutes(1, 0, 1, [], 30) == 30  # the old field is kept


def test_range_with_history_spans_the_slots_ahead():
    durations = [1200.0]  # 20 minutes; 2 slots: one frees every 10 minutes
    assert span(3, 0, 2, durations, 99) == [20, 30]
    assert span(1, 0, 2, durations, 99) == [1, 10]


@pytest.mark.parametrize("position", range(1, 30))
@pytest.mark.parametrize("capacity", [1, 2, 3, 7])
def test_range_is_ordered_and_contains_the_single_figure(position, capacity):
    for durations in ([], [600.0, 1500.0]):
        low, high = span(position, 0, capacity, durations, 30)
        single = minutes(position, 0, capacity, durations, 30)
        assert 1 <= low < high and low <= single <= high
