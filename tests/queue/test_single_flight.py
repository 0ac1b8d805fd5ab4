"""One broadcast at a time across processes, never a stale one last (realtime/single_flight)."""

from __future__ import annotations

import threading
import time

import pytest

from helpline.queue import keys
from helpline.realtime import live, single_flight


def test_a_trigger_during_a_broadcast_makes_the_holder_run_again(lr):
    seen: list[str] = []
    inner_rounds: list[int] = []

    def broadcast():
        seen.append(lr.get("state"))
        if len(seen) == 1:  # a change lands while this round is still sending
            lr.set("state", "new")
            inner_rounds.append(single_flight.run(lr, "line", lambda: seen.append("inner")))

    lr.set("state", "old")
    assert single_flight.run(lr, "line", broadcast) == 2
    assert inner_rounds == [0]  # the second trigger left the work to the holder
    assert seen == ["old", "new"]  # the last round sent the newest picture
    assert lr.get(keys.broadcast_lock("line")) is None


def test_concurrent_triggers_never_overlap_and_the_last_round_is_the_newest(lr):
    active, overlaps, sent = [0], [], []
    guard = threading.Lock()

    def broadcast():
        with guard:
            active[0] += 1
            overlaps.append(active[0])
        state = lr.get("state")
        time.sleep(0.005)  # reading, then sending: the window where a stale one could win
        sent.append(state)
        with guard:
            active[0] -= 1

    def change(i: int):
        lr.set("state", str(i))
        single_flight.run(lr, "line", broadcast)

    threads = [threading.Thread(target=change, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max(overlaps) == 1
    assert sent[-1] == lr.get("state")
    assert lr.get(keys.broadcast_lock("line")) is None


def test_a_failed_broadcast_frees_the_lock_for_the_next_trigger(lr):
    def broken():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        single_flight.run(lr, "line", broken)
    assert lr.get(keys.broadcast_lock("line")) is None
    assert single_flight.run(lr, "line", lambda: None) == 1


def test_the_lock_expires_so_a_dead_holder_cannot_stop_broadcasts(lr):
    ttls: list[int] = []
    single_flight.run(lr, "line", lambda: ttls.append(lr.pttl(keys.broadcast_lock("line"))))
    assert 0 < ttls[0] <= single_flight.LOCK_MS

    lr.set(keys.broadcast_lock("line"), "a-dead-process", px=50)
    assert single_flight.run(lr, "line", lambda: None) == 0  # held: left to the holder
    time.sleep(0.1)
    assert single_flight.run(lr, "line", lambda: None) == 1


def test_triggers_a_dead_holder_left_unsent_are_sent_at_the_next_heartbeat(app, ctx, r):
    """A process killed while broadcasting holds the lock until it lapses; the triggers that
    came meanwhile were counted but not sent. Nothing else may trigger again (a crash test
    saw consoles keep a stale line), so each server's heartbeat sends what is behind."""
    sent: list[int] = []
    coalesced = live.Coalesced("healing", lambda client: sent.append(1), "LINE_BROADCAST_DELAY")
    try:
        with ctx():
            coalesced()
            assert sent == [1] and not single_flight.behind(r, "healing")
            r.set(keys.broadcast_lock("healing"), "a-killed-process", px=60_000)
            coalesced()  # a change while the dead holder "broadcasts": left to it
            assert sent == [1]
            assert not single_flight.behind(r, "healing")  # held: maybe still sending
            live.heal_broadcasts()
            assert sent == [1]
            r.delete(keys.broadcast_lock("healing"))  # the lock lapses
            assert single_flight.behind(r, "healing")
            live.heal_broadcasts()
            assert sent == [1, 1]
            live.heal_broadcasts()  # nothing behind any more
            assert sent == [1, 1]
    finally:
        live.COALESCED.remove(coalesced)
