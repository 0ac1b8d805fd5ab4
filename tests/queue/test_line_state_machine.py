"""Stateful property test: the real line, assignment and chat lifecycle against a model.

Hypothesis drives random sequences of joins, leaves, duty changes, capacity changes,
assignments, ends, filings and socket drops through the real functions and a real Redis,
and after every step compares Redis with a small Python model of who waits and who holds
what.
"""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from helpline.chat import store
from helpline.queue import assignment, keys, line

THERAPISTS = ("1", "2", "3")
CHAT_TTL = 3600
LINGER = 300
capacities = st.integers(min_value=1, max_value=5)
therapists = st.sampled_from(THERAPISTS)


class LineMachine(RuleBasedStateMachine):
    def __init__(self, r):
        super().__init__()
        self.r = r
        r.flushdb()
        self.clock = 1000.0
        # chats
        self.order: list[str] = []  # waiting chat ids, first served first
        self.state: dict[str, str] = {}  # waiting | active | ended | left | forgotten
        self.staff_of: dict[str, str] = {}  # held chat -> therapist
        self.assigned_at: dict[str, float] = {}
        self.sid: dict[str, str] = {}  # chat -> socket that speaks for it ('' after a drop)
        self.sockets = 0
        # therapists
        self.on_duty = dict.fromkeys(THERAPISTS, False)
        self.capacity: dict[str, int | None] = dict.fromkeys(THERAPISTS)  # None: never set
        self.idle: dict[str, float | None] = dict.fromkeys(THERAPISTS)
        self.held: dict[str, set[str]] = {t: set() for t in THERAPISTS}
        self.may_exceed = dict.fromkeys(THERAPISTS, False)  # capacity lowered below load

    # --- helpers -----------------------------------------------------------------------

    def tick(self) -> float:
        self.clock += 1.5
        return self.clock

    def new_sid(self) -> str:
        self.sockets += 1
        return f"sid-{self.sockets}"

    def cap(self, t: str) -> int:
        return self.capacity[t] or 1

    def in_state(self, *states: str) -> list[str]:
        return [c for c, s in self.state.items() if s in states]

    def capacity_changed(self, t: str) -> None:
        self.may_exceed[t] = len(self.held[t]) > self.cap(t)

    # --- rules -------------------------------------------------------------------------

    @initialize(shift=st.lists(st.none() | capacities, min_size=3, max_size=3),
                joiners=st.integers(min_value=0, max_value=6))
    def open_the_line(self, shift, joiners):
        """Start from a line with some chatters and some therapists on duty."""
        for t, capacity in zip(THERAPISTS, shift, strict=True):
            if capacity is not None:
                self._duty_on(t, capacity)
        self._join(joiners)

    # The app assigns after every change to the line or the duty roster (line_moved);
    # here an assignment follows a change only when Hypothesis says so, and `assign` is
    # also a rule of its own, so changes can pile up between assignments.

    @rule(n=st.integers(min_value=1, max_value=3), then_assign=st.booleans())
    def join(self, n, then_assign):
        self._join(n)
        if then_assign:
            self._assign()

    def _join(self, n):
        for _ in range(n):
            cid, token = store.create_chat(self.r, "26_35", None, "en", self.tick(), CHAT_TTL)
            assert store.chat_for_token(self.r, token) == cid
            sid = self.new_sid()
            store.set_connection(self.r, cid, sid)
            self.order.append(cid)
            self.state[cid] = "waiting"
            self.sid[cid] = sid

    @precondition(lambda self: self.order)
    @rule(data=st.data())
    def leave(self, data):
        cid = data.draw(st.sampled_from(self.order), label="leaving")
        ended = store.end_chat(self.r, cid, "chatter", "left_line", self.tick())
        assert ended == store.Ended("waiting", "", None)
        store.forget_chat(self.r, cid, linger=LINGER)  # as lifecycle.end does
        self.order.remove(cid)
        self.state[cid] = "left"

    @precondition(lambda self: len(self.order) > 1)
    @rule(data=st.data())
    def triage(self, data):
        cid = data.draw(st.sampled_from(self.order), label="triaged")
        assert line.move_to_front(self.r, cid) is True
        self.order.remove(cid)
        self.order.insert(0, cid)

    @rule(t=therapists, capacity=capacities, then_assign=st.booleans())
    def duty_on(self, t, capacity, then_assign):
        self._duty_on(t, capacity)
        if then_assign:
            self._assign()

    def _duty_on(self, t, capacity):
        now = self.tick()
        assignment.go_on_duty(self.r, t, f"Therapist {t}", capacity, now)
        if not self.on_duty[t]:  # back from off duty: idle time counts from now
            self.idle[t] = now
        self.on_duty[t] = True
        self.capacity[t] = capacity
        self.capacity_changed(t)

    @rule(t=therapists)
    def duty_off(self, t):
        assignment.go_off_duty(self.r, t)
        self.on_duty[t] = False

    @rule(t=therapists, capacity=capacities, then_assign=st.booleans())
    def set_capacity(self, t, capacity, then_assign):
        assignment.set_capacity(self.r, t, capacity)
        self.capacity[t] = capacity
        self.capacity_changed(t)
        if then_assign:
            self._assign()

    def expected_assignments(self, now: float) -> list[tuple[str, str]]:
        """The model's hand-out: oldest first, most free room, then idle longest, then id."""
        load = {t: len(self.held[t]) for t in THERAPISTS}
        idle = {t: self.idle[t] or 0.0 for t in THERAPISTS}
        out = []
        for cid in self.order:
            free = {t: self.cap(t) - load[t] for t in sorted(THERAPISTS) if self.on_duty[t]}
            candidates = [t for t, f in free.items() if f > 0]
            if not candidates:
                break
            best = min(candidates, key=lambda t: (-free[t], idle[t], t))
            out.append((cid, best))
            load[best] += 1
            idle[best] = now
        return out

    @rule()
    def assign(self):
        self._assign()

    def _assign(self):
        now = self.tick()
        before = {t: len(assignment.held_chats(self.r, t)) for t in THERAPISTS}
        got = assignment.assign_waiting(self.r, now)
        # Capacity: nobody is pushed above their capacity by an assignment.
        for t in THERAPISTS:
            after = len(assignment.held_chats(self.r, t))
            if not self.on_duty[t] or before[t] >= self.cap(t):
                assert after == before[t], f"therapist {t} got chats without room"
            else:
                assert after <= self.cap(t), f"therapist {t} over capacity"
        assert got == self.expected_assignments(now)
        for cid, t in got:
            self.order.remove(cid)
            self.state[cid] = "active"
            self.staff_of[cid] = t
            self.assigned_at[cid] = now
            self.held[t].add(cid)
            self.idle[t] = now

    @precondition(lambda self: self.in_state("active"))
    @rule(data=st.data(), by=st.sampled_from(["chatter", "therapist", "system"]),
          file_now=st.booleans())
    def end_active(self, data, by, file_now):
        cid = data.draw(st.sampled_from(self.in_state("active")), label="ending")
        ended = store.end_chat(self.r, cid, by, "done", self.tick())
        assert ended == store.Ended("active", self.staff_of[cid], self.assigned_at[cid])
        self.state[cid] = "ended"
        if file_now:
            self._file(cid)

    @precondition(lambda self: self.in_state("ended", "left", "forgotten"))
    @rule(data=st.data())
    def end_again(self, data):
        cid = data.draw(st.sampled_from(self.in_state("ended", "left", "forgotten")))
        code = "unknown_chat" if self.state[cid] == "forgotten" else "chat_ended"
        with pytest.raises(store.ChatError) as err:
            store.end_chat(self.r, cid, "chatter", "again", self.tick())
        assert err.value.code == code

    @precondition(lambda self: self.in_state("ended"))
    @rule(data=st.data(), then_assign=st.booleans())
    def file_summary(self, data, then_assign):
        self._file(data.draw(st.sampled_from(self.in_state("ended")), label="filed"))
        if then_assign:
            self._assign()

    def _file(self, cid):
        """The summary is filed: the transcript goes and the therapist's slot frees up."""
        t = self.staff_of.pop(cid)
        store.forget_chat(self.r, cid)
        assignment.release(self.r, t, cid)
        self.held[t].discard(cid)
        self.state[cid] = "forgotten"
        self.capacity_changed(t)

    @precondition(lambda self: self.in_state("waiting", "active", "ended", "left"))
    @rule(data=st.data(), current=st.booleans())
    def disconnect(self, data, current):
        cid = data.draw(st.sampled_from(self.in_state("waiting", "active", "ended", "left")))
        sid = self.sid[cid] if current and self.sid[cid] else "sid-stale"
        now = self.tick()
        expected = sid == self.sid[cid] and self.state[cid] in ("waiting", "active")
        assert store.mark_disconnected(self.r, cid, sid, now) is expected
        if expected:
            self.sid[cid] = ""
        assert store.still_disconnected_since(self.r, cid, now) is expected

    @precondition(lambda self: self.in_state("waiting", "active"))
    @rule(data=st.data())
    def reconnect(self, data):
        cid = data.draw(st.sampled_from(self.in_state("waiting", "active")))
        sid = self.new_sid()
        store.set_connection(self.r, cid, sid)
        self.sid[cid] = sid

    # --- invariants --------------------------------------------------------------------

    @invariant()
    def line_order_kept(self):
        assert line.waiting(self.r) == self.order
        assert line.length(self.r) == len(self.order)
        for i, cid in enumerate(self.order, start=1):
            assert line.position(self.r, cid) == i

    @invariant()
    def nobody_assigned_twice(self):
        sets = {t: assignment.held_chats(self.r, t) for t in THERAPISTS}
        counts = Counter(c for s in sets.values() for c in s)
        twice = [c for c, n in counts.items() if n > 1]
        assert not twice, f"held by more than one therapist: {twice}"
        both = set(counts) & set(line.waiting(self.r))
        assert not both, f"both waiting and held: {both}"
        assert sets == self.held

    @invariant()
    def nobody_over_capacity(self):
        for t in THERAPISTS:
            p = assignment.presence(self.r, t)
            assert p.on_duty is self.on_duty[t]
            assert p.capacity == self.cap(t)
            assert p.load == len(self.held[t])
            if not self.may_exceed[t]:
                assert p.load <= p.capacity, f"therapist {t}: {p.load} > {p.capacity}"

    @invariant()
    def nobody_lost(self):
        chats = list(self.state)
        with self.r.pipeline(transaction=False) as pipe:
            for cid in chats:
                pipe.hgetall(keys.chat(cid))
                pipe.ttl(keys.chat(cid))
            replies = pipe.execute()
        for cid, chat, ttl in zip(chats, replies[::2], replies[1::2], strict=True):
            expected = self.state[cid]
            if expected == "forgotten":
                assert chat == {}, f"{cid} should be gone"
                continue
            assert chat.get("state") == ("ended" if expected == "left" else expected), cid
            assert chat.get("sid") == self.sid[cid]
            if expected == "left":
                assert 0 < ttl <= LINGER
                assert "staff" not in chat
            else:
                assert 0 < ttl <= CHAT_TTL
            if expected in ("active", "ended"):
                assert chat["staff"] == self.staff_of[cid]
                assert cid in self.held[self.staff_of[cid]]
            if expected == "waiting":
                assert cid in self.order


# A passing run takes seconds; a failing one spends up to Hypothesis's shrink limit (about
# five minutes) finding the shortest sequence, so allow that instead of pyproject's 120 s.
@pytest.mark.timeout(600)
def test_line_state_machine(lr):
    run_state_machine_as_test(
        lambda: LineMachine(lr),
        settings=settings(max_examples=60, stateful_step_count=40, deadline=None,
                          database=None, report_multiple_bugs=False,
                          suppress_health_check=[HealthCheck.too_slow]),
    )
