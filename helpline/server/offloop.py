"""CPU work kept off gevent's event loop: a named gevent thread pool per kind of work.

Argon2 (sign-in) and the identity scrubber each take milliseconds of CPU; on the event
loop that would stall every socket of the process. Under gevent they run in a pool of
real threads, so the loop keeps serving; without gevent (CLI, tests, bench) they run
inline.

A pool may be given a bound: `run(..., waiting=N)` refuses (raises Full) when N calls
already wait for a thread, so a flood gets a fast "busy" instead of a queue that grows
until every request behind it times out. A call with `first=True` skips the ordinary
calls' line: at most `size` ordinary calls are in the pool at once (the others wait their
turn outside it), so a first call waits for at most that many to finish.
"""

from __future__ import annotations

import threading

_pools: dict = {}
_pools_lock = threading.Lock()
_in_flight: dict[tuple[str, bool], int] = {}  # calls running or waiting, per pool and kind


class Full(RuntimeError):
    """The pool already has as many calls waiting as the caller allows."""


def gevent_drives() -> bool:
    """True in a server process, where gevent has patched threading."""
    try:  # here: the CLI and the worker run without gevent's patches
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return False
    return monkey.is_module_patched("threading")


def run(pool: str, size: int, fn, *args, waiting: int | None = None, first: bool = False):
    """fn(*args) in the pool named `pool` (at most `size` at once, further calls queue)
    when gevent drives this process and size > 0, else inline. With `waiting`, raise Full
    instead of queueing behind that many waiting calls of the same kind (first or not)."""
    if size <= 0 or not gevent_drives():
        return fn(*args)
    threads, turns = _pool(pool, size)
    kind = (pool, first)
    busy = _in_flight.get(kind, 0)
    if waiting is not None and busy - (0 if first else size) >= waiting:
        raise Full(pool)
    _in_flight[kind] = busy + 1
    try:
        if first:
            return threads.apply(fn, args)
        with turns:
            return threads.apply(fn, args)
    finally:
        _in_flight[kind] -= 1


def _pool(pool: str, size: int):
    """The pool's threads and the turns of its ordinary calls (both made under gevent)."""
    with _pools_lock:
        made = _pools.get(pool)
        if made is None or made[0].maxsize != size:
            from gevent.lock import Semaphore  # only under gevent (see above)
            from gevent.threadpool import ThreadPool

            made = _pools[pool] = (ThreadPool(size), Semaphore(size))
    return made


def queued(pool: str, size: int) -> int:
    """How many calls wait for a thread of this pool now."""
    running = _in_flight.get((pool, False), 0) + _in_flight.get((pool, True), 0)
    return max(0, running - size)
