"""The waiting line: order, place, triage to the front (helpline.queue.line)."""

from __future__ import annotations

from helpline.chat import store
from helpline.queue import assignment, line

TTL = 3600


def join(r, n: int = 1) -> list[str]:
    return [store.create_chat(r, None, None, "en", float(i), TTL)[0] for i in range(n)]


def test_empty_line(lr):
    assert line.waiting(lr) == []
    assert line.length(lr) == 0
    assert line.position(lr, "nobody") is None


def test_joiners_wait_in_arrival_order(lr):
    chats = join(lr, 5)
    assert line.waiting(lr) == chats
    assert line.length(lr) == 5
    assert [line.position(lr, c) for c in chats] == [1, 2, 3, 4, 5]


def test_position_is_none_when_not_waiting(lr):
    a, b = join(lr, 2)
    store.end_chat(lr, a, "chatter", "left_line", 5.0)
    assert line.position(lr, a) is None
    assert line.position(lr, b) == 1
    assert line.position(lr, "unknown") is None


def test_leaving_moves_everyone_behind_up(lr):
    chats = join(lr, 4)
    store.end_chat(lr, chats[1], "chatter", "left_line", 5.0)
    assert line.waiting(lr) == [chats[0], chats[2], chats[3]]
    assert [line.position(lr, c) for c in (chats[0], chats[2], chats[3])] == [1, 2, 3]
    assert line.length(lr) == 3


def test_assignment_takes_chats_out_of_the_line(lr):
    chats = join(lr, 3)
    assignment.go_on_duty(lr, "1", "Anna", 2, 1.0)
    assignment.assign_waiting(lr, 2.0)
    assert line.waiting(lr) == [chats[2]]
    assert line.position(lr, chats[0]) is None
    assert line.position(lr, chats[2]) == 1
    assert line.length(lr) == 1


def test_move_to_front(lr):
    chats = join(lr, 4)
    assert line.move_to_front(lr, chats[2]) is True
    assert line.waiting(lr) == [chats[2], chats[0], chats[1], chats[3]]
    assert line.position(lr, chats[2]) == 1
    assert line.position(lr, chats[0]) == 2
    assert line.length(lr) == 4


def test_later_triage_goes_before_earlier_triage(lr):
    chats = join(lr, 4)
    line.move_to_front(lr, chats[3])
    line.move_to_front(lr, chats[1])
    assert line.waiting(lr) == [chats[1], chats[3], chats[0], chats[2]]


def test_move_to_front_of_the_head_keeps_it_first(lr):
    chats = join(lr, 3)
    assert line.move_to_front(lr, chats[0]) is True
    assert line.waiting(lr) == chats


def test_move_to_front_of_chat_not_waiting_is_refused(lr):
    a, b = join(lr, 2)
    store.end_chat(lr, b, "chatter", "left_line", 5.0)
    assert line.move_to_front(lr, b) is False
    assert line.move_to_front(lr, "unknown") is False
    assert line.waiting(lr) == [a]
    assert line.length(lr) == 1


def test_newcomers_join_behind_a_triaged_chat(lr):
    chats = join(lr, 2)
    line.move_to_front(lr, chats[1])
    (late,) = join(lr, 1)
    assert line.waiting(lr) == [chats[1], chats[0], late]


def test_triaged_chat_is_served_first(lr):
    chats = join(lr, 3)
    line.move_to_front(lr, chats[2])
    assignment.go_on_duty(lr, "1", "Anna", 1, 1.0)
    assert assignment.assign_waiting(lr, 2.0) == [(chats[2], "1")]
    assert line.waiting(lr) == chats[:2]


def test_move_to_front_of_only_chat(lr):
    (only,) = join(lr)
    assert line.move_to_front(lr, only) is True
    assert line.waiting(lr) == [only]
    assert line.position(lr, only) == 1
