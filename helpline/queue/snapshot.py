"""The waiting line as last sent to protocol-2 pages, and the step to the line as it is now.

One hash (`keys.LINE_SNAPSHOT`) holds the ordered chat ids, the estimate's inputs with
`open`, and a version, so one HMGET reads them consistently: a page's place is its place
in some version, and a `line_moved` packet takes every page from one version to the next
(queue/moves.py). The version counts packets: it moves only when a page's place or the
inputs change, not when a chat joins at the end or leaves from it. A joined string beats
a hash of 5,000 fields both to read and to write.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass

from redis import Redis
from redis.exceptions import WatchError

from . import keys, moves
from .estimate import Inputs

FIELDS = ("version", "ids", "params")
TRIES = 5  # rounds lost to another writer before this broadcast gives up (the next heals)


@dataclass(frozen=True)
class Snapshot:
    """One version of the line: its chat ids in order, and what every wait is computed from."""

    version: int = 0
    ids: tuple[str, ...] = ()
    inputs: Inputs | None = None
    open: bool = True

    def place(self, chat_id: str) -> int | None:
        """1-based place of a chat in this version, or None when it is not in it."""
        try:
            return self.ids.index(chat_id) + 1
        except ValueError:
            return None

    def params(self) -> dict:
        """What a packet carries besides the moves: the estimate's inputs, duty, `open`
        (of a snapshot that `following` made, so it has inputs)."""
        return {**asdict(self.inputs), "staff_on_duty": self.inputs.capacity > 0,
                "open": self.open}


@dataclass(frozen=True)
class Step:
    """One broadcast round: the snapshot it replaced, the new one, the breakpoints between."""

    old: Snapshot
    new: Snapshot
    moves: list[list[int]]

    @property
    def packet(self) -> dict | None:
        """The `line_moved` packet, or None when no place and no input changed."""
        if self.new.version == self.old.version:
            return None
        return {"version": self.new.version, "previous": self.old.version,
                "moves": self.moves, **self.new.params()}

    def joined(self) -> list[str]:
        """Chats in the new version that were not in the old one (new, or handed back)."""
        before = set(self.old.ids)
        return [chat_id for chat_id in self.new.ids if chat_id not in before]


def following(old: Snapshot, ids: list[str], inputs: Inputs, is_open: bool) -> Step:
    """The step from `old` to the line `ids` with these inputs (pure)."""
    found = moves.breakpoints(old.ids, ids)
    changed = bool(found) or (inputs, is_open) != (old.inputs, old.open)
    return Step(old, Snapshot(old.version + int(changed), tuple(ids), inputs, is_open), found)


def read(r: Redis) -> Snapshot:
    """The snapshot as last written (version 0 and no chat before the first)."""
    return _parse(r.hmget(keys.LINE_SNAPSHOT, *FIELDS))


def read_version(r: Redis) -> int:
    """The version of the line last sent (0 before the first)."""
    return int(r.hget(keys.LINE_SNAPSHOT, "version") or 0)


def advance(r: Redis, read_line: Callable[[], tuple[list[str], Inputs, bool]]) -> Step:
    """Write the snapshot of the line as `read_line` finds it now, if no other round wrote
    one since this one read the old (compare-and-set with WATCH); else read both again.

    single_flight runs one broadcast at a time, but its lock lapses after a holder stalls
    for LOCK_MS: two rounds may then overlap, and they must never both claim one version.
    """
    for _ in range(TRIES):
        with r.pipeline() as pipe:
            try:
                pipe.watch(keys.LINE_SNAPSHOT)
                step = following(_parse(pipe.hmget(keys.LINE_SNAPSHOT, *FIELDS)), *read_line())
                if step.new != step.old:
                    pipe.multi()
                    pipe.hset(keys.LINE_SNAPSHOT, mapping=_fields(step.new))
                    pipe.execute()
                return step
            except WatchError:
                continue
    raise RuntimeError(f"the line's snapshot changed under {TRIES} rounds in a row")


def _parse(values: list[str | None]) -> Snapshot:
    version, ids, params = values
    data = json.loads(params) if params else {}
    is_open = data.pop("open", True)
    return Snapshot(int(version or 0), tuple(ids.split(" ")) if ids else (),
                    Inputs(**data) if data else None, is_open)


def _fields(snap: Snapshot) -> dict[str, str | int]:
    """The hash fields of a snapshot that `following` made (so it has inputs)."""
    return {"version": snap.version, "ids": " ".join(snap.ids),
            "params": json.dumps({**asdict(snap.inputs), "open": snap.open})}
