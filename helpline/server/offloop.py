"""CPU work kept off gevent's event loop: a named gevent thread pool per kind of work.

Argon2 (sign-in) and the identity scrubber each take milliseconds of CPU; on the event
loop that would stall every socket of the process. Under gevent they run in a pool of
real threads, so the loop keeps serving; without gevent (CLI, tests, bench) they run
inline.

A pool may be given a bound: `run(..., waiting=N)` refuses (raises Full) when N calls
already wait for a thread, so a flood gets a fast "busy" instead of a queue that grows
until every request behind it times out.
"""

from __future__ import annotations

import threading

_pools: dict = {}
_pools_lock = threading.Lock()
_in_flight: dict[str, int] = {}  # calls running or queued, per pool (counted on the loop)


class Full(RuntimeError):
    """The pool already has as many calls waiting as the caller allows."""


def gevent_drives() -> bool:
    """True in a server process, where gevent has patched threading."""
    try:  # here: the CLI and the worker run without gevent's patches
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return False
    return monkey.is_module_patched("threading")


def run(pool: str, size: int, fn, *args, waiting: int | None = None):
    """fn(*args) in the pool named `pool` (at most `size` at once, further calls queue)
    when gevent drives this process and size > 0, else inline. With `waiting`, raise Full
    instead of queueing behind that many waiting calls."""
    if size <= 0 or not gevent_drives():
        return fn(*args)
    with _pools_lock:
        threads = _pools.get(pool)
        if threads is None or threads.maxsize != size:
            from gevent.threadpool import ThreadPool  # only under gevent (see above)

            threads = _pools[pool] = ThreadPool(size)
    busy = _in_flight.get(pool, 0)
    if waiting is not None and busy - size >= waiting:
        raise Full(pool)
    _in_flight[pool] = busy + 1
    try:
        return threads.apply(fn, args)
    finally:
        _in_flight[pool] -= 1


def queued(pool: str, size: int) -> int:
    """How many calls wait for a thread of this pool now."""
    return max(0, _in_flight.get(pool, 0) - size)
