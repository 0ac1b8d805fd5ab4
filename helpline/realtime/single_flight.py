"""One broadcast at a time across every server process, and never a stale one last.

A broadcast reads the live state, then sends what it read. Two of them running at once
(two processes, or a coalesced one that starts while the previous is still sending) can
finish in the wrong order, so the older picture is the one chatters keep. Here every
trigger bumps a version; only the holder of a short Redis lock broadcasts, and it gives
the lock back only if no trigger came in while it was sending (checked and released in
one script), otherwise it broadcasts again. A trigger that finds the lock taken can
therefore return at once: the holder is bound to run once more after it.

Unless the holder dies mid-round (a killed process): its lock lapses after LOCK_MS, and
the triggers that came meanwhile were counted but not sent. So a completed round records
the version it covered, and `heal` (each server's heartbeat) runs a broadcast that is
behind its triggers while nobody holds its lock.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from redis import Redis

from ..queue import keys

LOCK_MS = 10_000  # a holder that died frees the broadcast after this; refreshed per round

# KEYS: version, lock, done. ARGV: the version the round broadcast, the holder's token.
# Release only if nothing changed since that round began (and the lock is still ours);
# a release records the version the broadcast covered.
_RELEASE = """
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return 1 end
if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[2])
return 1
"""


def run(r: Redis, name: str, broadcast: Callable[[], None]) -> int:
    """Record a change and broadcast unless another holder will; return rounds run here."""
    version_key, lock_key = keys.broadcast_version(name), keys.broadcast_lock(name)
    r.incr(version_key)
    token = secrets.token_hex(8)
    if not r.set(lock_key, token, nx=True, px=LOCK_MS):
        return 0  # the holder's release check sees our version and runs again
    rounds = 0
    while True:
        seen = r.get(version_key) or "0"
        rounds += 1
        try:
            broadcast()
        except Exception:
            _drop_lock(r, lock_key, token)
            raise
        if r.eval(_RELEASE, 3, version_key, lock_key, keys.broadcast_done(name), seen, token):
            return rounds
        r.pexpire(lock_key, LOCK_MS)


def _drop_lock(r: Redis, lock_key: str, token: str) -> None:
    """After a failed round: free the lock (if still ours) so the next trigger heals it."""
    if r.get(lock_key) == token:
        r.delete(lock_key)


def behind(r: Redis, name: str) -> bool:
    """Whether triggers came that no completed round covered, and nobody is running one:
    the holder of the last round died (or its round failed) before sending them."""
    version, done, held = r.mget(keys.broadcast_version(name), keys.broadcast_done(name),
                                 keys.broadcast_lock(name))
    return held is None and (version or "0") != (done or "0")
