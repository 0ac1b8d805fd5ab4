"""Duty, capacity and the atomic hand-out of waiting chatters (helpline.queue.assignment)."""

from __future__ import annotations

import time

import pytest

from helpline.chat import store
from helpline.queue import assignment, keys, line

TTL = 3600


def join(r, n: int = 1, now: float = 1.0) -> list[str]:
    """n chatters join the line, in this order."""
    return [store.create_chat(r, None, None, "en", now + i, TTL)[0] for i in range(n)]


def held(r, staff_id) -> set[str]:
    return assignment.held_chats(r, staff_id)


# --- on and off duty -------------------------------------------------------------------


def test_nobody_on_duty_assigns_nothing(lr):
    chats = join(lr, 3)
    assert assignment.assign_waiting(lr, 10.0) == []
    assert line.waiting(lr) == chats
    assert all(store.get_chat(lr, c)["state"] == "waiting" for c in chats)


def test_empty_line_assigns_nothing(lr):
    assignment.go_on_duty(lr, "1", "Anna", 3, 1.0)
    assert assignment.assign_waiting(lr, 2.0) == []
    assert held(lr, "1") == set()


def test_on_duty_therapist_gets_the_waiting_chat(lr):
    assignment.go_on_duty(lr, "1", "Anna", 1, 5.0)
    (chat,) = join(lr)
    assert assignment.assign_waiting(lr, 7.5) == [(chat, "1")]
    assert line.waiting(lr) == []
    assert held(lr, "1") == {chat}
    state = store.get_chat(lr, chat)
    assert state["state"] == "active"
    assert state["staff"] == "1"
    assert state["staff_name"] == "Anna"
    assert float(state["assigned_at"]) == 7.5
    assert assignment.presence(lr, "1").idle_since == 7.5


def test_off_duty_therapist_gets_nothing(lr):
    assignment.go_on_duty(lr, "1", "Anna", 3, 1.0)
    assignment.go_off_duty(lr, "1")
    chats = join(lr, 2)
    assert assignment.assign_waiting(lr, 2.0) == []
    assert line.waiting(lr) == chats


@pytest.mark.parametrize("capacity", [1, 2, 3, 4, 5])
def test_capacity_is_the_most_chats_held_at_once(lr, capacity):
    assignment.go_on_duty(lr, "1", "Anna", capacity, 1.0)
    chats = join(lr, 7)
    got = assignment.assign_waiting(lr, 2.0)
    assert got == [(c, "1") for c in chats[:capacity]]
    assert held(lr, "1") == set(chats[:capacity])
    assert line.waiting(lr) == chats[capacity:]
    assert assignment.presence(lr, "1").load == capacity
    # Calling again changes nothing: no room left.
    assert assignment.assign_waiting(lr, 3.0) == []
    assert assignment.presence(lr, "1").load == capacity


def test_oldest_waiting_is_served_first(lr):
    chats = join(lr, 4)
    assignment.go_on_duty(lr, "1", "Anna", 1, 1.0)
    assert assignment.assign_waiting(lr, 2.0) == [(chats[0], "1")]
    assignment.release(lr, "1", chats[0])
    assert assignment.assign_waiting(lr, 3.0) == [(chats[1], "1")]
    assert line.waiting(lr) == chats[2:]


def test_one_call_serves_in_line_order_across_therapists(lr):
    for sid in ("1", "2", "3"):
        assignment.go_on_duty(lr, sid, f"T{sid}", 1, 1.0)
    chats = join(lr, 5)
    got = assignment.assign_waiting(lr, 2.0)
    assert [c for c, _ in got] == chats[:3]
    assert sorted(s for _, s in got) == ["1", "2", "3"]
    assert line.waiting(lr) == chats[3:]


def test_most_free_capacity_goes_first(lr):
    assignment.go_on_duty(lr, "1", "Anna", 1, 1.0)  # idle longest, but least room
    assignment.go_on_duty(lr, "2", "Bert", 3, 2.0)
    (chat,) = join(lr)
    assert assignment.assign_waiting(lr, 3.0) == [(chat, "2")]


def test_free_capacity_counts_held_chats(lr):
    assignment.go_on_duty(lr, "1", "Anna", 3, 1.0)
    assignment.go_on_duty(lr, "2", "Bert", 2, 2.0)
    first = join(lr, 2)
    # Anna first (3 free vs 2); then 2 free each, and Bert has been idle longer than Anna,
    # whose idle time restarted with that assignment.
    assert assignment.assign_waiting(lr, 3.0) == [(first[0], "1"), (first[1], "2")]
    # Now Anna has 2 free, Bert 1 free: Anna.
    (third,) = join(lr, 1, now=10.0)
    assert assignment.assign_waiting(lr, 11.0) == [(third, "1")]


def test_tie_on_free_capacity_goes_to_who_was_idle_longest(lr):
    assignment.go_on_duty(lr, "1", "Anna", 2, 100.0)
    assignment.go_on_duty(lr, "2", "Bert", 2, 50.0)  # idle since earlier
    assignment.go_on_duty(lr, "3", "Carl", 2, 75.0)
    chats = join(lr, 3)
    got = assignment.assign_waiting(lr, 200.0)
    assert got == [(chats[0], "2"), (chats[1], "3"), (chats[2], "1")]


def test_tie_break_uses_last_assignment_time(lr):
    assignment.go_on_duty(lr, "1", "Anna", 1, 10.0)
    assignment.go_on_duty(lr, "2", "Bert", 1, 20.0)
    a, b = join(lr, 2)
    assert assignment.assign_waiting(lr, 30.0) == [(a, "1"), (b, "2")]
    assignment.release(lr, "2", b)
    assignment.assign_waiting(lr, 40.0)  # nothing waiting; idle_since untouched
    assignment.release(lr, "1", a)
    # Anna was assigned at 30 and Bert at 30 too: equal idle time, lowest id wins...
    (c,) = join(lr, 1, now=50.0)
    assert assignment.assign_waiting(lr, 60.0) == [(c, "1")]
    # ...and now Bert (idle since 30) has waited longer than Anna (since 60).
    assignment.release(lr, "1", c)
    (d,) = join(lr, 1, now=70.0)
    assert assignment.assign_waiting(lr, 80.0) == [(d, "2")]


def test_first_time_on_duty_idle_time_counts_from_now(lr):
    assignment.go_on_duty(lr, "1", "Anna", 1, 123.25)
    assert assignment.presence(lr, "1").idle_since == 123.25


def test_going_on_duty_again_while_on_duty_keeps_idle_time(lr):
    assignment.go_on_duty(lr, "1", "Anna", 1, 10.0)
    assignment.go_on_duty(lr, "1", "Anna", 3, 99.0)  # e.g. only a capacity change
    p = assignment.presence(lr, "1")
    assert (p.capacity, p.idle_since) == (3, 10.0)


def test_coming_back_on_duty_counts_idle_time_from_the_return(lr):
    assignment.go_on_duty(lr, "1", "Anna", 1, 10.0)
    assignment.go_off_duty(lr, "1")
    assignment.go_on_duty(lr, "2", "Bert", 1, 100.0)
    assignment.go_on_duty(lr, "1", "Anna", 1, 1000.0)  # back from a long break
    (chat,) = join(lr, 1, now=1001.0)
    # Bert has been waiting for a chat since 100, Anna only since 1000.
    assert assignment.assign_waiting(lr, 1002.0) == [(chat, "2")]


# --- going off duty, lowering capacity, releasing --------------------------------------


def test_going_off_duty_keeps_held_chats_but_stops_new_ones(lr):
    assignment.go_on_duty(lr, "1", "Anna", 3, 1.0)
    chats = join(lr, 2)
    assignment.assign_waiting(lr, 2.0)
    assignment.go_off_duty(lr, "1")
    assert held(lr, "1") == set(chats)
    assert all(store.get_chat(lr, c)["state"] == "active" for c in chats)
    (later,) = join(lr, 1, now=5.0)
    assert assignment.assign_waiting(lr, 6.0) == []
    assert line.waiting(lr) == [later]
    p = assignment.presence(lr, "1")
    assert (p.on_duty, p.load, p.capacity) == (False, 2, 3)
    # Back on duty: room for one more.
    assignment.go_on_duty(lr, "1", "Anna", 3, 7.0)
    assert assignment.assign_waiting(lr, 8.0) == [(later, "1")]


def test_off_duty_colleague_is_skipped_for_on_duty_one(lr):
    assignment.go_on_duty(lr, "1", "Anna", 5, 1.0)
    assignment.go_on_duty(lr, "2", "Bert", 1, 2.0)
    assignment.go_off_duty(lr, "1")
    chats = join(lr, 2)
    assert assignment.assign_waiting(lr, 3.0) == [(chats[0], "2")]
    assert line.waiting(lr) == chats[1:]


def test_lowering_capacity_below_load_keeps_chats_and_stops_new_ones(lr):
    assignment.go_on_duty(lr, "1", "Anna", 3, 1.0)
    chats = join(lr, 3)
    assignment.assign_waiting(lr, 2.0)
    assignment.set_capacity(lr, "1", 1)
    assert held(lr, "1") == set(chats)
    (later,) = join(lr, 1, now=5.0)
    assert assignment.assign_waiting(lr, 6.0) == []
    p = assignment.presence(lr, "1")
    assert (p.capacity, p.load) == (1, 3)
    assignment.release(lr, "1", chats[0])
    assert assignment.assign_waiting(lr, 7.0) == []  # load 2 > capacity 1
    assignment.release(lr, "1", chats[1])
    assert assignment.assign_waiting(lr, 8.0) == []  # load 1 == capacity 1
    assignment.release(lr, "1", chats[2])
    assert assignment.assign_waiting(lr, 9.0) == [(later, "1")]
    assert assignment.presence(lr, "1").load == 1


def test_raising_capacity_makes_room_at_once(lr):
    assignment.go_on_duty(lr, "1", "Anna", 1, 1.0)
    chats = join(lr, 3)
    assignment.assign_waiting(lr, 2.0)
    assignment.set_capacity(lr, "1", 3)
    assert assignment.assign_waiting(lr, 3.0) == [(chats[1], "1"), (chats[2], "1")]


def test_release_frees_a_slot(lr):
    assignment.go_on_duty(lr, "1", "Anna", 1, 1.0)
    a, b = join(lr, 2)
    assignment.assign_waiting(lr, 2.0)
    assert assignment.assign_waiting(lr, 3.0) == []
    assignment.release(lr, "1", a)
    assert held(lr, "1") == set()
    assert assignment.assign_waiting(lr, 4.0) == [(b, "1")]
    assert held(lr, "1") == {b}


def test_release_of_a_chat_not_held_changes_nothing(lr):
    assignment.go_on_duty(lr, "1", "Anna", 2, 1.0)
    (a,) = join(lr)
    assignment.assign_waiting(lr, 2.0)
    assignment.release(lr, "1", "not-a-chat")
    assignment.release(lr, "2", a)
    assert held(lr, "1") == {a}


def test_ended_chat_still_counts_until_released(lr):
    assignment.go_on_duty(lr, "1", "Anna", 1, 1.0)
    a, b = join(lr, 2)
    assignment.assign_waiting(lr, 2.0)
    store.end_chat(lr, a, "therapist", "done", 3.0)
    assert assignment.assign_waiting(lr, 4.0) == []  # awaiting the summary
    store.forget_chat(lr, a)
    assignment.release(lr, "1", a)
    assert assignment.assign_waiting(lr, 5.0) == [(b, "1")]


# --- chats that stopped waiting --------------------------------------------------------


def test_chats_no_longer_waiting_are_skipped_and_removed_from_line(lr):
    assignment.go_on_duty(lr, "1", "Anna", 1, 1.0)
    gone, ended, active, waiting = join(lr, 4)
    store.forget_chat(lr, gone)  # hash deleted, id left in the line
    lr.hset(keys.chat(ended), "state", "ended")  # state changed behind the line's back
    lr.hset(keys.chat(active), "state", "active")
    assert line.waiting(lr) == [gone, ended, active, waiting]
    assert assignment.assign_waiting(lr, 2.0) == [(waiting, "1")]
    assert line.waiting(lr) == []
    assert held(lr, "1") == {waiting}
    assert not lr.exists(keys.chat(gone))  # skipping does not recreate the chat
    assert store.get_chat(lr, ended)["state"] == "ended"
    assert "staff" not in store.get_chat(lr, ended)


def test_stale_head_is_removed_even_with_nobody_free(lr):
    gone, waiting = join(lr, 2)
    store.forget_chat(lr, gone)
    assert assignment.assign_waiting(lr, 2.0) == []
    assert line.waiting(lr) == [waiting]


def test_expired_chat_in_line_is_skipped(lr):
    assignment.go_on_duty(lr, "1", "Anna", 1, 1.0)
    short = store.create_chat(lr, None, None, "en", 1.0, 1)[0]
    (later,) = join(lr)
    lr.pexpire(keys.chat(short), 1)
    deadline = time.monotonic() + 2
    while lr.exists(keys.chat(short)) and time.monotonic() < deadline:
        time.sleep(0.005)
    assert assignment.assign_waiting(lr, 2.0) == [(later, "1")]
    assert line.waiting(lr) == []


# --- presence ---------------------------------------------------------------------------


def test_presence_defaults_when_never_on_duty(lr):
    assert assignment.presence(lr, 42) == assignment.Presence(
        staff_id="42", name="", on_duty=False, capacity=1, load=0, idle_since=0.0)


def test_presence_reports_duty_capacity_load_and_idle_time(lr):
    assignment.go_on_duty(lr, 7, "Anna", 4, 12.5)
    chats = join(lr, 2)
    assignment.assign_waiting(lr, 20.0)
    assert assignment.presence(lr, 7) == assignment.Presence(
        staff_id="7", name="Anna", on_duty=True, capacity=4, load=2, idle_since=20.0)
    assert assignment.held_chats(lr, 7) == set(chats)
    assignment.go_off_duty(lr, 7)
    assert assignment.presence(lr, "7").on_duty is False
    assert assignment.presence(lr, "7").load == 2


def test_on_duty_lists_only_on_duty_staff_sorted_by_id(lr):
    assert assignment.on_duty(lr) == []
    assignment.go_on_duty(lr, "3", "Carl", 2, 1.0)
    assignment.go_on_duty(lr, "1", "Anna", 1, 2.0)
    assignment.go_on_duty(lr, "2", "Bert", 5, 3.0)
    assignment.go_off_duty(lr, "2")
    got = assignment.on_duty(lr)
    assert [p.staff_id for p in got] == ["1", "3"]
    assert [(p.name, p.capacity, p.on_duty) for p in got] == [("Anna", 1, True),
                                                              ("Carl", 2, True)]


def test_assign_uses_default_capacity_one_without_a_staff_hash(lr):
    lr.sadd(keys.DUTY, "9")  # on duty, but no presence hash (as presence() assumes)
    chats = join(lr, 2)
    assert assignment.assign_waiting(lr, 1.0) == [(chats[0], "9")]
    assert store.get_chat(lr, chats[0])["staff_name"] == ""


def test_on_duty_reads_every_presence_in_one_pipeline(lr):
    for i, name in enumerate(("Anna", "Ben", "Carla"), 1):
        assignment.go_on_duty(lr, str(i), name, i, float(i))
    lr.sadd(keys.staff_chats("2"), "c1", "c2")
    assignment.go_off_duty(lr, "3")
    staff = assignment.on_duty(lr)
    assert [(p.staff_id, p.name, p.capacity, p.load, p.on_duty) for p in staff] == [
        ("1", "Anna", 1, 0, True), ("2", "Ben", 2, 2, True)]
    assert assignment.presences(lr, ["3", "9"])[0].on_duty is False
    assert assignment.presences(lr, ["3", "9"])[1].capacity == 1  # never on duty: defaults


# --- pause and cool-down (wellbeing) ---------------------------------------------------


def test_paused_therapist_is_skipped_until_resumed(lr):
    assignment.go_on_duty(lr, "1", "Anna", 2, 1.0)
    assignment.set_paused(lr, "1", True)
    (chat,) = join(lr)
    assert assignment.assign_waiting(lr, 5.0) == []
    assert assignment.presence(lr, "1").on_duty  # paused is still on duty
    assignment.set_paused(lr, "1", False)
    assert assignment.assign_waiting(lr, 6.0) == [(chat, "1")]


def test_paused_therapist_is_skipped_for_a_colleague(lr):
    assignment.go_on_duty(lr, "1", "Anna", 3, 1.0)
    assignment.go_on_duty(lr, "2", "Ben", 1, 2.0)
    assignment.set_paused(lr, "1", True)
    chats = join(lr, 2)
    assert assignment.assign_waiting(lr, 5.0) == [(chats[0], "2")]


def test_cooldown_blocks_until_it_ends_or_is_skipped(lr):
    assignment.go_on_duty(lr, "1", "Anna", 1, 1.0)
    assignment.start_cooldown(lr, "1", 100.0)
    chats = join(lr, 2)
    assert assignment.assign_waiting(lr, 99.5) == []
    assert assignment.presence(lr, "1").cooldown_left(99.5) == 1
    assert assignment.assign_waiting(lr, 100.5) == [(chats[0], "1")]
    assignment.release(lr, "1", chats[0])
    assignment.start_cooldown(lr, "1", 300.0)
    assert assignment.assign_waiting(lr, 200.0) == []
    assignment.end_cooldown(lr, "1")
    assert assignment.assign_waiting(lr, 201.0) == [(chats[1], "1")]


def test_follow_up_preference_respects_a_pause(lr):
    assignment.go_on_duty(lr, "1", "Anna", 1, 1.0)
    assignment.go_on_duty(lr, "2", "Ben", 1, 0.5)
    (chat,) = join(lr)
    lr.hset(keys.chat(chat), "prefer_staff", "1")
    assignment.set_paused(lr, "1", True)
    assert assignment.assign_waiting(lr, 5.0) == [(chat, "2")]


def test_off_duty_ends_pause_and_cooldown(lr):
    assignment.go_on_duty(lr, "1", "Anna", 1, 1.0)
    assignment.set_paused(lr, "1", True)
    assignment.start_cooldown(lr, "1", 100.0)
    assignment.go_off_duty(lr, "1")
    p = assignment.presence(lr, "1")
    assert not p.paused and p.cooldown_until == 0


def test_the_job_ends_only_the_cooldown_it_was_made_for(lr):
    first = assignment.start_cooldown(lr, "1", 100.0)
    newer = assignment.start_cooldown(lr, "1", 200.0)
    assert not assignment.cooldown_over(lr, "1", first)
    assert assignment.presence(lr, "1").cooldown_until == 200.0
    assert assignment.cooldown_over(lr, "1", newer)
    assert assignment.presence(lr, "1").cooldown_until == 0
