"""The line as last sent to protocol-2 pages, and each step to the next (queue/snapshot.py)."""

from __future__ import annotations

from helpline.queue import keys, snapshot
from helpline.queue.estimate import Inputs

BUSY = Inputs(free=0, capacity=2, mean_minutes=1234 / 60 / 7, history=True)  # not a round number
FREE = Inputs(free=1, capacity=2, mean_minutes=30.0, history=False)


def test_a_change_of_places_makes_a_packet_for_the_next_version():
    old = snapshot.Snapshot(4, ("a", "b", "c"), BUSY, True)
    step = snapshot.following(old, ["a", "c"], BUSY, True)
    assert step.new == snapshot.Snapshot(5, ("a", "c"), BUSY, True)
    assert step.packet == {"version": 5, "previous": 4, "moves": [[3, -1]], "free": 0,
                           "capacity": 2, "mean_minutes": BUSY.mean_minutes, "history": True,
                           "staff_on_duty": True, "open": True}


def test_a_change_of_inputs_alone_makes_a_packet_without_moves():
    old = snapshot.Snapshot(4, ("a", "b"), BUSY, True)
    assert snapshot.following(old, ["a", "b"], FREE, True).packet["moves"] == []
    closing = snapshot.following(old, ["a", "b"], BUSY, False).packet
    assert (closing["version"], closing["open"]) == (5, False)


def test_joins_at_the_end_keep_the_version_and_make_no_packet():
    old = snapshot.Snapshot(4, ("a", "b"), BUSY, True)
    step = snapshot.following(old, ["a", "b", "c"], BUSY, True)
    assert step.new == snapshot.Snapshot(4, ("a", "b", "c"), BUSY, True)
    assert step.packet is None and step.joined() == ["c"]


def test_nothing_changed_is_the_same_snapshot():
    old = snapshot.Snapshot(4, ("a", "b"), BUSY, True)
    step = snapshot.following(old, ["a", "b"], BUSY, True)
    assert step.new == old and step.packet is None and step.joined() == []


def test_the_first_step_is_version_one_with_everyone_joined():
    step = snapshot.following(snapshot.Snapshot(), ["a", "b"], FREE, True)
    assert (step.new.version, step.packet["previous"], step.joined()) == (1, 0, ["a", "b"])


def test_a_place_is_counted_from_one():
    snap = snapshot.Snapshot(1, ("a", "b"), FREE, True)
    assert (snap.place("a"), snap.place("b"), snap.place("z")) == (1, 2, None)


def test_what_is_written_is_read_back_exactly(lr):
    step = snapshot.advance(lr, lambda: (["a", "b"], BUSY, False))
    assert snapshot.read(lr) == step.new == snapshot.Snapshot(1, ("a", "b"), BUSY, False)
    assert set(lr.hkeys(keys.LINE_SNAPSHOT)) == {"version", "ids", "params"}


def test_before_any_broadcast_there_is_version_zero_and_nobody(lr):
    assert snapshot.read(lr) == snapshot.Snapshot()


def test_a_round_that_lost_the_race_reads_again_and_takes_the_next_version(lr):
    """Two rounds overlap (single_flight's lock lapsed): the other writes version 1 between
    this round's read and its write. This one must not write version 1 as well."""
    lines = iter([["a", "b", "c"], ["c"]])
    other: list[snapshot.Step] = []

    def read_line():
        line = next(lines)
        if not other:  # the other round runs to the end inside this one's read
            other.append(snapshot.advance(lr, lambda: (["a", "c"], BUSY, True)))
        return line, BUSY, True

    mine = snapshot.advance(lr, read_line)
    assert other[0].new.version == 1 and other[0].new.ids == ("a", "c")
    assert mine.old == other[0].new  # read again after losing: from what the other sent
    assert (mine.new.version, mine.packet["previous"], mine.moves) == (2, 1, [[2, -1]])
    assert snapshot.read(lr) == mine.new
