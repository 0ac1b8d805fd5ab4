"""Timers wait in Redis until their job has run: taken once, due again when the taker died,
retried after a failure, run by a server process when no worker takes them (issue 16).
The clock is passed in; nothing sleeps."""

from __future__ import annotations

import time

from helpline import jobs, timers
from helpline.chat import store
from helpline.queue import keys
from helpline.realtime import live
from tests.conftest import run_jobs

T0 = 1_800_000_000.0


def test_a_timer_waits_until_due_and_is_taken_once(ctx, r):
    with ctx():
        member = timers.later(30, "cooldown_over", "7", "x", now=T0)
        assert timers.due(r, T0 + 29) == []
        assert timers.due(r, T0 + 30) == [member]
        assert timers.take(r, member, T0 + 30)
        assert not timers.take(r, member, T0 + 31)  # held: no second runner
        assert timers.due(r, T0 + 31) == []
        # Its runner died: the lease runs out and the timer is due again.
        assert timers.due(r, T0 + 30 + timers.lease_seconds()) == [member]
        timers.done(r, member)
        assert timers.planned(r) == []


def test_a_fixed_id_is_planned_once(ctx, r):
    with ctx():
        first = timers.at(T0, "retention", "2027-01-01", timer_id="retention:2027-01-01")
        again = timers.at(T0 + 99, "retention", "2027-01-01", timer_id="retention:2027-01-01")
    assert first == again
    [planned] = timers.planned(r)
    assert (planned.timer_id, planned.name, planned.args, planned.due) == (
        "retention:2027-01-01", "retention", ["2027-01-01"], T0)


def test_a_failing_job_is_retried_with_a_growing_pause_then_dropped(ctx, r):
    with ctx():
        member = timers.later(0, "cooldown_over", "7", "x", now=T0)
        pauses = []
        for _ in range(1, timers.MAX_TRIES):
            assert timers.failed(r, member, T0)
            pauses.append(r.zscore(keys.TIMERS, member) - T0)
        assert pauses == sorted(pauses) and pauses[0] == 2
        assert not timers.failed(r, member, T0)  # the last try: dropped, and forgotten
    assert timers.planned(r) == [] and not r.exists(keys.TIMER_TRIES)


def test_lag_is_how_late_the_oldest_due_timer_is(ctx, r):
    with ctx():
        assert timers.lag(r, T0) == 0
        timers.later(0, "cooldown_over", "7", "x", now=T0)
        timers.later(0, "cooldown_over", "8", "x", now=T0 + 5)
    assert timers.lag(r, T0 - 1) == 0
    assert timers.lag(r, T0 + 12) == 12


def test_a_timer_payload_names_a_job_and_holds_only_ids_and_times(ctx, r):
    with ctx():
        member = timers.later(0, "end_if_still_gone", "c1", T0, False, now=T0)
    timer_id, name, args = timers.decode(member)
    assert name in jobs.JOBS and args == ["c1", T0, False] and len(timer_id) == 16


def _dropped_chat(r) -> tuple[str, float]:
    chat_id, _ = store.create_chat(r, None, None, "en", live.now(), 3600)
    store.set_connection(r, chat_id, "s1")
    since = live.now()
    store.mark_disconnected(r, chat_id, "s1", since)
    return chat_id, since


def test_a_server_runs_the_timers_no_worker_took(app, ctx, r):
    grace = app.config["TIMER_TAKEOVER_SECONDS"]
    with ctx():
        chat_id, since = _dropped_chat(r)
        now = time.time()
        timers.later(0, "end_if_still_gone", chat_id, since, now=now)
        assert jobs.take_over(r, now + grace - 1) == 0  # the worker still has time
        assert store.get_chat(r, chat_id)["state"] == "waiting"
        assert jobs.take_over(r, now + grace + 1) == 1  # nobody took it: this process
    assert store.get_chat(r, chat_id)["end_reason"] == "connection_lost"
    assert timers.planned(r) == []


def test_a_timer_taken_over_that_fails_stays_planned(app, ctx, r):
    with ctx():
        member = timers.later(0, "no_such_job", now=T0)
        assert jobs.take_over(r, T0 + 3600) == 1
    assert [t.member for t in timers.planned(r)] == [member]
    assert r.hget(keys.TIMER_TRIES, timers.decode(member)[0]) == "1"


def test_the_pump_queues_due_timers_marks_the_worker_and_plans_retention(app, ctx, r):
    pump = jobs.Pump(app, "w1")
    with ctx():
        chat_id, since = _dropped_chat(r)
        now = time.time()
        timers.later(0, "end_if_still_gone", chat_id, since, now=now)
        timers.later(60, "cooldown_over", "7", "x", now=now)
        assert pump.round(r, now) == 1
        assert len(timers.queue()) == 1
    assert r.zscore(keys.WORKERS, "w1") == now
    assert sorted(t.name for t in timers.planned(r)) == [
        "cooldown_over", "end_if_still_gone", "retention"]  # the queued one stays until run
    run_jobs(app, include_scheduled=False)
    assert store.get_chat(r, chat_id)["end_reason"] == "connection_lost"
    assert sorted(t.name for t in timers.planned(r)) == ["cooldown_over", "retention"]


def test_a_timer_taken_but_not_queued_is_handed_back(ctx, r):
    with ctx():
        member = timers.later(0, "cooldown_over", "7", "x", now=T0)
        other = timers.later(0, "cooldown_over", "8", "x", now=T0)
        assert timers.take(r, member, T0) and timers.take(r, other, T0)
        stranded = [(member, T0 + timers.lease_seconds()), (other, T0 + 1)]  # not ours
        timers.release(r, stranded, T0 + 2)
    assert stranded == []
    assert timers.due(r, T0 + 2) == [member]  # due again at once, not after the lease
