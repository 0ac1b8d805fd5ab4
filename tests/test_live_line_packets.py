"""Protocol 2 across two server processes: pages that work out their own place from
`line_moved` packets end up showing their real place and wait, whatever the line went
through (joins, leaves, therapists coming on duty, a move to the front, a hand-back)."""

from __future__ import annotations

import random

import redis as redis_lib

from helpline.queue import broadcast, estimate
from tests.conftest import eventually
from tests.line_page import LinePage
from tests.peers import in_parallel, staff_cookie
from tests.test_live_positions import _settle

THERAPISTS = ("anna", "ben", "carla", "dirk")


class Chatter:
    """A python-socketio client on protocol 2 that keeps its place as the chat page does."""

    def __init__(self, peer, protocol: int = 2):
        self.peer = peer
        self.protocol = protocol
        self.page = LinePage()
        self.read = 0  # events of peer.received already applied
        self.ack: dict = {}
        self.took_ack = False

    def start(self) -> None:
        self.ack = self.peer.call("start", {"protocol": self.protocol})
        assert self.ack["ok"], self.ack

    @property
    def chat_id(self) -> str:
        return self.ack["chat_id"]

    def catch_up(self) -> None:
        """Apply the events received since the last call, in order; then the start ack (a
        place older than what the events brought is not taken: places.js's takePlace)."""
        with self.peer.lock:
            new = self.peer.received[self.read:]
            self.read += len(new)
        for name, data in new:
            self.page.event(name, data)
        if not self.took_ack and self.ack.get("state") == "waiting":
            self.took_ack = True
            self.page.take(self.ack.get("line_version"), self.ack)
        while self.page.gap:  # a packet was missed: ask, as the page does
            self.page.answer(self.peer.call("where", {}))

    def shown(self):
        """What the page shows: a protocol-1 page the last `position` event it got."""
        if self.protocol == 1:
            got = self.peer.got("position")
            return got[-1] if got else self.ack
        return self.page.info



def test_every_page_computes_its_real_place_and_wait_across_two_servers(
        live, live_staff, peers):
    r = redis_lib.Redis.from_url(live.env["REDIS_URL"], decode_responses=True)
    rnd = random.Random(2021)
    urls = live.urls
    for name in THERAPISTS:
        live_staff(name)
    live_staff("sue", role="supervisor")
    consoles = {name: peers(urls[i % 2], "/staff", cookie=staff_cookie(urls[i % 2], name))
                for i, name in enumerate(THERAPISTS)}
    supervisor = peers(urls[1], "/staff", cookie=staff_cookie(urls[1], "sue"))
    chatters: list[Chatter] = []

    def join(count: int) -> None:
        made = [Chatter(peers(urls[(len(chatters) + i) % 2], "/chat"),
                        protocol=1 if (len(chatters) + i) % 7 == 3 else 2)
                for i in range(count)]
        chatters.extend(made)
        in_parallel([(c.start,) for c in made])

    def waiting() -> list[Chatter]:
        ids = r.zrange("hl:line", 0, -1)
        return sorted((c for c in chatters if c.chat_id in ids), key=lambda c: ids.index(c.chat_id))

    def leave() -> None:
        rnd.choice(waiting()).peer.call("end", {})

    off_duty = list(THERAPISTS)

    def on_duty() -> None:
        name = off_duty.pop(0)
        assert consoles[name].call("duty", {"on": True, "capacity": rnd.choice((1, 2))})["ok"]

    def triage() -> None:
        answer = supervisor.call("triage", {"chat_id": rnd.choice(waiting()[1:]).chat_id})
        assert answer["ok"] or answer["code"] == "not_waiting", answer  # (it left meanwhile)

    def hand_back() -> None:
        for name in THERAPISTS:
            for chat in consoles[name].got("chat_assigned"):
                if consoles[name].call("transfer", {"chat_id": chat["chat_id"],
                                                    "to": "line"}).get("ok"):
                    return
        raise AssertionError("no therapist held a chat to hand back")

    def wrong() -> list[tuple[int, object, object]]:
        """(chatter, what it shows, what the server says) for each waiting one shown another."""
        inputs = estimate.Inputs.of(*estimate.capacity_now(r), 30)  # DEFAULT_CHAT_MINUTES
        found = []
        for place, chatter in enumerate(waiting(), 1):
            chatter.catch_up()
            shown = chatter.shown() or {}
            real = broadcast.place_info(place, inputs, True)  # CHAT_ALWAYS_OPEN
            if {k: shown.get(k) for k in real} != real:
                found.append((chatters.index(chatter), shown, real))
        return found

    def all_right(what: str) -> None:
        """A deadline for the packets of a busy machine, not a timing assertion."""
        eventually(lambda: not wrong(), timeout=60, what=f"every page right after {what}")

    join(20)
    all_right("the joins")
    # One change at a time, each shown right before the next ...
    for change in (leave, on_duty, lambda: join(2), triage, hand_back, leave, on_duty):
        change()
        all_right(getattr(change, "__name__", "a change"))
    # ... then several at once on both servers.
    in_parallel([(leave,), (join, 3), (triage,), (on_duty,), (leave,)])
    in_parallel([(hand_back,), (join, 2), (leave,), (triage,)])
    assert len(waiting()) > 10
    all_right("changes at once")
    _settle([c.peer for c in chatters])  # nothing later may undo that
    assert wrong() == []
    # The places came from packets: a page that waited from the first joins to the end got
    # one per change, and pages of protocol 2 got their own `position` only on joining and
    # when handed back (twice).
    twos = [c for c in chatters if c.protocol == 2]
    stayed = [c for c in twos[:15] if c in waiting() and not c.peer.got("assigned")]
    assert stayed and all(c.page.applied >= 5 for c in stayed)
    assert sum(len(c.peer.got("position")) for c in twos) <= len(twos) + 2
    assert any(c.protocol == 1 for c in waiting())
    # A chat a therapist took left the line's room, on whichever server held its socket:
    # after `assigned`, at most the packet of a broadcast already under way reaches it.
    taken = [c for c in twos if c.peer.got("assigned") and c not in waiting()]
    assert taken
    for chatter in taken:
        names = [name for name, _ in chatter.peer.received]
        last = len(names) - 1 - names[::-1].index("assigned")
        assert names[last:].count("line_moved") <= 1, (chatters.index(chatter), names)
