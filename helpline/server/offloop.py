"""CPU work kept off gevent's event loop: a named gevent thread pool per kind of work.

Argon2 (sign-in) and the identity scrubber each take milliseconds of CPU; on the event
loop that would stall every socket of the process. Under gevent they run in a pool of
real threads, so the loop keeps serving; without gevent (CLI, tests, bench) they run
inline.
"""

from __future__ import annotations

import threading

_pools: dict = {}
_pools_lock = threading.Lock()


def gevent_drives() -> bool:
    """True in a server process, where gevent has patched threading."""
    try:  # here: the CLI and the worker run without gevent's patches
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return False
    return monkey.is_module_patched("threading")


def run(pool: str, size: int, fn, *args):
    """fn(*args) in the pool named `pool` (at most `size` at once, further calls queue)
    when gevent drives this process and size > 0, else inline."""
    if size <= 0 or not gevent_drives():
        return fn(*args)
    with _pools_lock:
        threads = _pools.get(pool)
        if threads is None or threads.maxsize != size:
            from gevent.threadpool import ThreadPool  # only under gevent (see above)

            threads = _pools[pool] = ThreadPool(size)
    return threads.apply(fn, args)
