"""Breakpoints between two versions of the line, and a page applying them (queue/moves.py)."""

from __future__ import annotations

import random

import pytest

from helpline.queue import moves

LINE = [f"c{i}" for i in range(1, 11)]  # ten chats waiting, c1 first


def places(order: list[str]) -> dict[str, int]:
    return {chat_id: place for place, chat_id in enumerate(order, 1)}


def each_survivor_lands(old: list[str], new: list[str]) -> bool:
    """Every chat in both orders computes its new place from its old one and the packet."""
    found = moves.breakpoints(old, new)
    after = places(new)
    return all(moves.moved(found, place) == after[chat_id]
               for chat_id, place in places(old).items() if chat_id in after)


def test_nothing_changed_gives_no_breakpoint():
    assert moves.breakpoints(LINE, LINE) == []


def test_a_leave_moves_everyone_behind_up_one():
    new = LINE[:3] + LINE[4:]  # c4 leaves
    assert moves.breakpoints(LINE, new) == [[5, -1]]
    assert [moves.moved([[5, -1]], p) for p in (1, 3, 5, 10)] == [1, 3, 4, 9]


def test_the_last_one_leaving_moves_nobody():
    assert moves.breakpoints(LINE, LINE[:-1]) == []


def test_several_assignments_at_once_move_the_rest_by_their_number():
    assert moves.breakpoints(LINE, LINE[3:]) == [[4, -3]]


def test_a_triage_move_to_first_takes_three_breakpoints():
    new = [LINE[6]] + LINE[:6] + LINE[7:]  # c7 to the front
    assert moves.breakpoints(LINE, new) == [[1, 1], [7, -6], [8, 0]]
    assert each_survivor_lands(LINE, new)


def test_a_hand_back_to_first_moves_everyone_down_one():
    assert moves.breakpoints(LINE, ["back"] + LINE) == [[1, 1]]


def test_joins_at_the_end_move_nobody():
    assert moves.breakpoints(LINE, LINE + ["n1", "n2"]) == []


def test_a_mix_of_a_leave_a_hand_back_and_joins():
    new = ["back"] + LINE[:1] + LINE[2:] + ["n1"]  # c2 left, a chat handed back, one joined
    assert moves.breakpoints(LINE, new) == [[1, 1], [3, 0]]  # c1 down one, c3.. stay put
    assert each_survivor_lands(LINE, new)


def test_a_page_before_every_breakpoint_stays():
    assert moves.moved([[4, -1]], 3) == 3
    assert moves.moved([], 7) == 7


@pytest.mark.parametrize("seed", range(300))
def test_any_change_lands_every_survivor_on_its_new_place(seed):
    """Random leaves, assignments from the front, moves and hand-backs to the front, joins."""
    rnd = random.Random(seed)
    old = [f"c{i}" for i in range(rnd.randint(0, 40))]
    new = [c for c in old if rnd.random() > 0.2][rnd.randint(0, 3):]  # leaves, then assignments
    for chat_id in rnd.sample(new, min(len(new), rnd.randint(0, 2))):  # triage to first
        new.remove(chat_id)
        new.insert(0, chat_id)
    new = [f"back{i}" for i in range(rnd.randint(0, 2))] + new + [f"n{i}" for i in range(3)]
    assert each_survivor_lands(old, new)
    assert len(moves.breakpoints(old, new)) <= len(old)
