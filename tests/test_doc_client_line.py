"""A protocol-2 client of the waiting line written from docs/protocol.md only ("Protocol
versions", `start`, `where`, `position`, `line_moved`, `keep_place`): each page keeps its own
place from the `line_moved` packets and computes its waits from the packet's inputs, and
after every change of the line what it shows must be what the server answers to `where`.
If this needs anything the doc does not say, the doc is incomplete.

Like tests/test_doc_client.py it uses plain `socketio.Client` and `requests`, nothing of
the project's own clients (tests/peers.py, static/js/chat/places.js).
"""

from __future__ import annotations

import math
import threading
import time

import engineio
import socketio

from tests.test_doc_client import DocClient, solved_challenge, staff_session

SETTLE_SECONDS = 20.0  # a deadline for a busy machine, not a timing assertion
SUMMARY = {"target_group": "self", "subcategory": "sexual_feelings_minors",
           "help_given": ["listening"], "follow_up": "may_contact_again",
           "risk": "no_indication"}


class InOrderEngineIO(engineio.Client):
    """python-socketio's Client runs the handler of every Engine.IO message on a thread of
    its own, so events and acks may be handled out of the order they came in. A page
    handles them in order: here each is handled on the reading thread as it arrives (the
    handlers only queue it, so nothing there waits)."""

    def _trigger_event(self, event, *args, **kwargs):
        if event == "message":
            kwargs["run_async"] = False
        return super()._trigger_event(event, *args, **kwargs)


class InOrderClient(socketio.Client):
    def _engineio_client_class(self):
        return InOrderEngineIO


def waits(place: int, free: int, capacity: int, mean: float, history: bool):
    """*Protocol versions*, the packet: `expected_wait_minutes` and `expected_wait_range`
    from the place and the packet's inputs, in the doc's order of operations."""
    if capacity <= 0:
        return None, None
    ahead = place - free
    if ahead <= 0:
        return 0, [0, 0]
    minutes = max(1, math.ceil(ahead * mean / capacity))
    step = mean / capacity
    low = max(1, math.floor((ahead - 1) * step))
    high = ahead * step * (1 if history else 1.5)
    high = max(low + 1, math.ceil(high) if high <= 10 else 5 * math.ceil(high / 5))
    return minutes, [low, high]


def shown(answer: dict) -> tuple:
    """What a page shows of an ack, a `position` event or a `where` answer."""
    return (answer["expected_wait_minutes"], answer["expected_wait_range"],
            answer["staff_on_duty"], answer["open"])


class LinePage:
    """A chatter's page on protocol 2. Everything the socket gets goes into `inbox` in the
    order it came; `pump()` handles it by the doc's rules (in the test's thread)."""

    def __init__(self, url: str | None, name: str):
        """`url` None: a page with no socket, fed by the test (`_put`)."""
        self.url, self.name = url, name
        self.inbox: list[tuple[str, str, object]] = []
        self.sent: list[str] = []  # the events the page sent itself
        self.lock = threading.Lock()
        self.sio = InOrderClient(reconnection=False)
        self.sio.on("*", lambda event, data=None: self._put("event", event, data),
                    namespace="/chat")
        if url:
            self.sio.connect(url, namespaces=["/chat"], transports=["websocket"],
                             wait_timeout=10)
        self.waiting = False  # the chat is in the line
        self.version: int | None = None  # the line version the place held is in
        self.place: int | None = None
        self.view: tuple | None = None  # the waits and flags shown (see `shown`)
        self.kept: list[dict] = []  # packets to apply once a version is held
        self.asking = False  # a `where` is on its way
        self.drop_next = False  # the test makes the page miss its next packet
        self.gaps = 0  # packets that showed a missed one
        self.last_packet: dict | None = None  # the last one applied
        self.history: list = []  # what happened, for a failure's message
        PAGES.append(self)

    def _put(self, kind: str, name: str, data) -> None:
        with self.lock:
            self.inbox.append((kind, name, data))

    def ask(self, event: str, data: dict) -> None:
        self.sent.append(event)
        if self.url:
            self.sio.emit(event, data, namespace="/chat",
                          callback=lambda answer=None: self._put("ack", event, answer))

    def start(self) -> None:
        self.forget()
        self.waiting = True  # its own `position` and packets may come before the ack
        self.ask("start", {"pow": solved_challenge(self.url), "protocol": 2, "lang": "en"})

    def prove(self) -> None:
        self.ask("keep_place", {"pow": solved_challenge(self.url)})

    def forget(self) -> None:
        self.version, self.place, self.view, self.kept = None, None, None, []

    def pump(self) -> bool:
        with self.lock:
            items, self.inbox = self.inbox, []
        for kind, name, data in items:
            self.history.append((kind, name, data))
            getattr(self, f"on_{kind}_{name}", lambda data: None)(data)
        return not self.inbox

    def settled(self) -> bool:
        """Holds a place (with a version or, just joined, without), nothing in flight."""
        return self.pump() and self.waiting and not self.asking and self.place is not None

    # -- acks
    def on_ack_start(self, answer: dict) -> None:
        assert answer["ok"], answer
        if answer["state"] == "waiting":
            self.take(answer, answer["line_version"])
        else:  # `assigned` may have come first
            self.waiting = False
            self.forget()

    def on_ack_where(self, answer: dict) -> None:
        self.asking = False
        if answer["ok"]:  # in place of what is held, whatever its version
            self.version, self.place, self.view = (answer["line_version"], answer["position"],
                                                   shown(answer))
            self.catch_up()

    def on_ack_keep_place(self, answer: dict) -> None:
        assert answer["ok"], answer
        sent = answer.get("line_version")
        if sent is not None and (self.version is None or sent > self.version):
            self.where()

    # -- events
    def on_event_position(self, data: dict) -> None:
        if self.waiting:
            self.take(data, data["version"])

    def on_event_line_moved(self, packet: dict) -> None:
        if self.drop_next:
            self.drop_next = False
            self.history.append(("dropped on purpose", packet["version"]))
            return
        self.on_packet(packet)

    def on_event_assigned(self, data: dict) -> None:
        self.waiting = False
        self.forget()

    def on_event_transferred(self, data: dict) -> None:
        self.waiting = data["therapist"] is None
        self.forget()

    def on_event_ended(self, data: dict) -> None:
        self.waiting = False
        self.forget()

    # -- the rules
    def take(self, answer: dict, version: int | None) -> None:
        """A place with a version when none is held or it is at least as new; one without
        a version only while none is held."""
        if version is None and self.version is not None:
            return
        if version is not None and self.version is not None and version < self.version:
            return
        self.version, self.place, self.view = version, answer["position"], shown(answer)
        self.catch_up()

    def catch_up(self) -> None:
        kept, self.kept = self.kept, []
        for packet in kept:
            self.on_packet(packet)

    def on_packet(self, packet: dict) -> None:
        if not self.waiting:
            return  # assigned or ended: a packet still on its way
        if self.version is None or self.asking:
            self.kept.append(packet)
        elif packet["previous"] == self.version:
            self.apply(packet)
        elif packet["previous"] > self.version:
            self.gaps += 1
            self.kept.append(packet)
            self.where()

    def apply(self, packet: dict) -> None:
        shift = 0
        for start, by in packet["moves"]:
            if start <= self.place:
                shift = by
        self.place += shift
        minutes, span = waits(self.place, packet["free"], packet["capacity"],
                              packet["mean_minutes"], packet["history"])
        self.view = (minutes, span, packet["staff_on_duty"], packet["open"])
        self.version, self.last_packet = packet["version"], packet

    def where(self) -> None:
        self.asking = True
        self.ask("where", {})


PAGES: list[LinePage] = []  # every page of the running test, for a failure's message


def until(check, what: str, timeout: float = SETTLE_SECONDS, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s\n" + "\n".join(
                f"{p.name}: {p.history[-8:]}" for p in PAGES))
        time.sleep(every)


def agree(pages: list[LinePage], line: list[str]) -> int:
    """Every waiting page holds the place `line` gives it, and shows what `where` answers
    for the same version. Returns that version."""
    until(lambda: all(p.settled() for p in pages), "pages settled")
    by_name = {p.name: p for p in pages}
    assert sorted(p.name for p in pages) == sorted(line)
    todo = list(line)

    def check() -> bool:
        for name in list(todo):
            page = by_name[name]
            answer = page.sio.call("where", {}, namespace="/chat", timeout=10)
            assert answer["ok"], answer
            if not page.settled() or answer["line_version"] != page.version:
                continue  # a packet on its way: ask again
            assert (page.place, page.view) == (answer["position"], shown(answer)), \
                (name, page.place, page.view, answer, page.history[-6:])
            assert page.place == line.index(name) + 1, (name, page.place, line, page.history[-6:])
            minutes, span = page.view[:2]
            assert minutes is None or span[0] <= minutes <= span[1]
            todo.remove(name)
        return not todo

    until(check, f"pages agree with where on {line}", every=0.5)  # `where` is rate-limited
    versions = {p.version for p in pages}
    assert len(versions) == 1, versions
    return versions.pop()


def newer(pages: list[LinePage], than: int | None) -> None:
    """Every page holds a version past `than`: the change was described."""
    until(lambda: all(p.settled() and p.version is not None and
                      (than is None or p.version > than) for p in pages), "a new version")


def test_a_line_kept_from_the_packets(live, live_staff):
    PAGES.clear()
    urls = live.urls
    live_staff("bob", name="Bob")
    live_staff("anna", name="Anna")
    bob = DocClient(urls[0], "/staff", staff_session(urls[0], "bob"))
    assert bob.send("duty", {"on": True, "capacity": 1})["on_duty"] is True
    busy = LinePage(urls[1], "busy")  # Bob's one place is taken: the others wait
    busy.start()
    until(lambda: busy.pump() and any(n == "assigned" for _, n, _ in busy.history), "Bob's chat")

    names = ["c1", "c2", "c3", "c4", "c5"]
    pages = {name: LinePage(urls[i % 2], name) for i, name in enumerate(names)}
    for name in names:  # one after the other: the line is in this order
        pages[name].start()
        until(lambda name=name: pages[name].settled(), f"{name} in the line")
    line = list(names)
    waiting = lambda: [pages[n] for n in line]  # noqa: E731
    newer(waiting(), None)  # each joined without a version: its own `position` brings one
    version = agree(waiting(), line)
    assert pages["c5"].view[:2] == waits(5, 0, 1, 30, False)  # no history: the default 30

    # The front chatter leaves.
    assert pages["c1"].sio.call("end", {}, namespace="/chat", timeout=10) == {"ok": True}
    line.remove("c1")
    newer(waiting(), version)
    version = agree(waiting(), line)

    # Anna comes on duty with one place: the front chatter is hers.
    anna = DocClient(urls[0], "/staff", staff_session(urls[0], "anna"))
    assert anna.send("duty", {"on": True, "capacity": 1})["on_duty"] is True
    first = anna.first("chat_assigned")["chat_id"]
    until(lambda: pages["c2"].pump() and not pages["c2"].waiting, "c2 assigned")
    line.remove("c2")
    newer(waiting(), version)
    version = agree(waiting(), line)

    # She hands it back to the line: it goes first, and her free place goes to the next
    # (not straight back to her). Nobody else moved: no packet, c2 has its `position`.
    assert anna.send("transfer", {"chat_id": first, "to": "line"})["ok"]
    second = anna.first("chat_assigned", lambda d: d["chat_id"] != first)["chat_id"]
    until(lambda: pages["c3"].pump() and not pages["c3"].waiting, "c3 assigned")
    line = ["c2"] + [n for n in line if n != "c3"]
    version = agree(waiting(), line)

    # She pauses (fewer places on duty: new inputs), then hands c3 back: nobody takes it,
    # it goes first and everyone moves down one. c4 misses that packet.
    assert anna.send("pause", {"paused": True})["paused"] is True
    newer(waiting(), version)
    version = agree(waiting(), line)
    pages["c4"].drop_next = True
    assert anna.send("transfer", {"chat_id": second, "to": "line"})["ok"]
    until(lambda: pages["c3"].settled() and pages["c3"].version is not None, "c3 back first")
    line = ["c3"] + line
    newer([pages[n] for n in line if n != "c4"], version)
    until(lambda: pages["c4"].pump() and not pages["c4"].drop_next, "c4 missed a packet")

    # A chatter leaves from the middle. c4 learns from this packet that it missed one;
    # c5 misses this one, and with no packet after it, finds out at its next proof.
    pages["c5"].drop_next = True
    assert pages["c2"].sio.call("end", {}, namespace="/chat", timeout=10) == {"ok": True}
    line.remove("c2")
    newer([pages["c3"], pages["c4"]], version)
    until(lambda: pages["c5"].pump() and not pages["c5"].drop_next, "c5 missed a packet")
    pages["c5"].prove()
    version = agree(waiting(), line)
    assert (pages["c4"].gaps, pages["c5"].gaps) == (1, 0)  # c5's came from the proof
    assert {p.name: p.sent.count("where") for p in PAGES if "where" in p.sent} == \
        {"c4": 1, "c5": 1}

    # Bob's chat ends and he files its summary: his place frees (the front chatter is his)
    # and the mean length now comes from that chat (history, a fraction of a minute).
    busy_chat = bob.first("chat_assigned")["chat_id"]
    assert bob.send("end", {"chat_id": busy_chat}) == {"ok": True}
    assert bob.send("summary", {"chat_id": busy_chat, "values": SUMMARY})["ok"]
    until(lambda: pages["c3"].pump() and not pages["c3"].waiting, "c3 is Bob's")
    line.remove("c3")
    newer(waiting(), version)
    agree(waiting(), line)
    packet = pages["c5"].last_packet
    assert packet["history"] is True and 0 < packet["mean_minutes"] < 30, packet

    for page in PAGES:
        page.sio.disconnect()
    anna.sio.disconnect()
    bob.sio.disconnect()


def place(position: int) -> dict:
    """A place's fields as an ack, a `position` event or `where` give them (one therapist,
    busy, no history)."""
    minutes, span = waits(position, 0, 1, 30.0, False)
    return {"position": position, "expected_wait_minutes": minutes,
            "expected_wait_range": span, "staff_on_duty": True, "open": True}


def packet(version: int, previous: int, moves: list) -> dict:
    return {"version": version, "previous": previous, "moves": moves, "free": 0,
            "capacity": 1, "mean_minutes": 30.0, "history": False, "staff_on_duty": True,
            "open": True}


def test_what_comes_early_or_out_of_turn():
    """The rules on orders the live test cannot force: a packet and the page's own
    `position` before its `start` ack, and packets that come while `where` is out."""
    page = LinePage(None, "fed")
    page.forget()
    page.waiting = True  # what start() does before it sends
    for item in [("event", "line_moved", packet(5, 4, [[1, 1]])),  # kept: no version yet
                 ("event", "position", {**place(2), "version": 5}),  # the packet is older
                 ("ack", "start", {"ok": True, "state": "waiting", **place(3),
                                   "line_version": None}),  # a version is held: not taken
                 ("event", "line_moved", packet(6, 5, [[2, -1]]))]:
        page._put(*item)
    page.pump()
    assert (page.version, page.place, page.sent) == (6, 1, [])
    for item in [("event", "line_moved", packet(8, 7, [])),  # 7 was missed: `where`
                 ("event", "line_moved", packet(9, 8, [[1, 1]])),  # kept meanwhile
                 ("event", "line_moved", packet(7, 6, [[1, 1]])),  # late: older than 8
                 ("ack", "where", {"ok": True, **place(4), "line_version": 8})]:
        page._put(*item)
    page.pump()
    assert (page.version, page.place, page.view) == (9, 5, tuple(place(5).values())[1:])
    assert page.sent == ["where"] and page.gaps == 1
