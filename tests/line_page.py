"""A protocol-2 chat page's place in the line, kept as static/js/chat/places.js keeps it,
for Python test clients: take versioned places, apply `line_moved` packets, note gaps.

The page's arithmetic itself (the JavaScript) is checked against the server's by
tests/queue/test_places_js.py; this is its rules, so socket tests can follow a page."""

from __future__ import annotations

from helpline.queue import estimate, moves

PLACE_FIELDS = ("position", "expected_wait_minutes", "expected_wait_range", "staff_on_duty",
                "open")


class LinePage:
    """What one page holds: a version (None: none yet) and what it would show."""

    def __init__(self) -> None:
        self.version: int | None = None
        self.info: dict | None = None
        self.early: list[dict] = []
        self.gap = False  # a packet newer than the version held came: ask `where`
        self.applied = 0

    @property
    def position(self) -> int | None:
        return self.info["position"] if self.info else None

    def take(self, version: int | None, data: dict) -> None:
        """A `position` event, an ack (`line_version`) or a `where` answer."""
        info = {k: data.get(k) for k in PLACE_FIELDS}
        if version is None:
            if self.version is None:
                self.info = info
            return
        if self.version is not None and version < self.version:
            return
        self.version, self.info = version, info
        early, self.early = self.early, []
        for packet in early:
            self.packet(packet)

    def answer(self, res: dict) -> None:
        """A `where` answer replaces what is held (packets kept meanwhile follow it)."""
        self.version, self.info, self.gap = None, None, False
        self.take(res.get("line_version"), res)

    def packet(self, p: dict) -> str:
        if self.version is None:
            self.early.append(p)
            return "early"
        if p["previous"] == self.version:
            place = moves.moved(p["moves"], self.position)
            inputs = estimate.Inputs(p["free"], p["capacity"], p["mean_minutes"], p["history"])
            self.version = p["version"]
            self.info = {"position": place,
                         "expected_wait_minutes": estimate.wait_minutes(place, inputs),
                         "expected_wait_range": estimate.wait_range(place, inputs),
                         "staff_on_duty": p["staff_on_duty"], "open": p["open"]}
            self.applied += 1
            return "apply"
        if p["previous"] > self.version:
            self.early = [p]
            self.gap = True
            return "gap"
        return "old"

    def event(self, name: str, data) -> None:
        """One received event, in the order it came."""
        if name == "position":
            self.take(data.get("version"), data)
        elif name == "line_moved":
            self.packet(data)
        elif name in ("assigned", "transferred"):  # taken, or back in line: no place held
            self.version, self.info, self.early = None, None, []
