"""Server process heartbeats, and cleaning up after a process that died.

Each server process takes a random id at start. While it lives, `hl:proc:<id>` exists
(a short TTL refreshed by a greenlet) and every socket it holds is listed in
`hl:proc:<id>:sockets`. When a process is killed its key expires, and the next beat of
any surviving process runs, for each socket the dead one held, the very step a normal
disconnect runs (`socket_gone`): a chatter gets the resume grace, a console the staff
grace, a supervisor socket is forgotten. So a crash leaves no ghosts.

A process whose key lapsed while nobody swept it (its event loop was starved past the TTL
under overload) carries on with the same id: nothing was done in its absence, and closing
every socket of a process that is only slow would turn an overload into a collapse (issue
21: 7,465 sockets dropped at once). A sweep claims a process in one atomic step that also
marks it swept, and a lapsed process revives in one atomic step only when no sweep ever
claimed it, so the two cannot both happen. A process that was swept, or whose key vanished
with Redis's data, cannot trust what its sockets stand for: it takes a new id and closes
every connection, so each client reconnects and resumes from what Redis holds now. So
does a process that finds another Redis server behind REDIS_URL (a Sentinel failover
promoted a replica, or Redis restarted with its data): the emits other processes
published while it was cut off, and the last writes the replica had not received, are
lost to its clients, and a resume puts them back in step.
"""

from __future__ import annotations

import secrets

from flask import Flask, current_app
from redis import Redis

from .. import jobs, timers
from ..chat import lifecycle
from ..extensions import socketio
from ..queue import assignment, keys
from ..realtime import live
from ..supervision import overview
from . import redis_client

CHATTER, CONSOLE, SUPERVISOR = "chat", "staff", "sup"
SWEEP_LOCK_SECONDS = 30

SWEPT_MARK_SECONDS = 24 * 3600  # outlives any sweep; FORGET deletes it sooner

# A sweeper claims a process whose heartbeat is gone: the lock, and the mark that forbids
# the process to revive. KEYS: heartbeat, lock, mark; ARGV: sweeper id, lock and mark TTLs.
CLAIM = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', ARGV[2]) then return 0 end
redis.call('SET', KEYS[3], '1', 'EX', ARGV[3])
return 1
"""
# A process whose heartbeat lapsed takes it up again if no sweep ever claimed it.
# KEYS: heartbeat, lock, mark, the set of processes; ARGV: process id, TTL.
REVIVE = """
if redis.call('EXISTS', KEYS[2]) == 1 or redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
if redis.call('SISMEMBER', KEYS[4], ARGV[1]) == 0 then return 0 end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[2])
return 1
"""
# Forget a dead process once nothing of it is left (and it did not come back meanwhile).
FORGET = """
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if redis.call('HLEN', KEYS[3]) > 0 then return 0 end
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[4])
return 1
"""


def process_id() -> str:
    """This process's id: random per start (and renewed when the heartbeat lapsed)."""
    return current_app.extensions.setdefault("helpline_process", secrets.token_hex(8))


def own(r: Redis, kind: str, sid: str, ref: str = "") -> None:
    """Record that this process holds socket `sid` (a chatter's chat id, a console's staff id)."""
    r.hset(keys.process_sockets(process_id()), f"{kind}:{sid}", ref)


def socket_gone(r: Redis, kind: str, sid: str, ref: str | None, proc_id: str | None = None
                ) -> None:
    """A socket closed (its own disconnect, or its process died): the one drop step.

    Each effect is idempotent (the chat's socket id is compared in a script, set removals),
    so running it twice, from a disconnect handler and a sweep, changes nothing more.
    """
    if kind == CHATTER and ref:
        lifecycle.dropped(r, ref, sid)
    elif kind == CONSOLE and ref:
        if assignment.console_closed(r, ref, sid):
            timers.schedule_staff_check(ref)
    elif kind == SUPERVISOR:
        overview.supervisor_socket_closed(r, sid)
    r.hdel(keys.process_sockets(proc_id or process_id()), f"{kind}:{sid}")


def register(r: Redis, proc_id: str, ttl: int) -> None:
    """Announce a live process: its heartbeat key and its place in the set of processes."""
    with r.pipeline() as pipe:
        pipe.set(keys.process(proc_id), "1", ex=ttl)
        pipe.sadd(keys.PROCESSES, proc_id)
        pipe.execute()


def beat(r: Redis, proc_id: str, ttl: int) -> bool:
    """Refresh the heartbeat; False when it had lapsed and this process may not go on
    (a sweep claimed it, or Redis lost its data). A lapse nobody acted on is taken up again."""
    if r.set(keys.process(proc_id), "1", xx=True, ex=ttl):
        return True
    revived = r.register_script(REVIVE)(
        keys=[keys.process(proc_id), keys.process_sweep(proc_id), keys.process_swept(proc_id),
              keys.PROCESSES], args=[proc_id, ttl])
    if revived:
        current_app.logger.warning("heartbeat had lapsed (the process was starved); nobody "
                                   "had swept it, so it goes on with its sockets")
    return bool(revived)


def join(r: Redis, ttl: int) -> None:
    """At start: register, and note which Redis server holds the registration."""
    register(r, process_id(), ttl)
    server_changed(r)


def dead_processes(r: Redis) -> list[str]:
    """Registered processes whose heartbeat expired."""
    ids = sorted(r.smembers(keys.PROCESSES))
    with r.pipeline() as pipe:
        for proc_id in ids:
            pipe.exists(keys.process(proc_id))
        alive = pipe.execute()
    return [proc_id for proc_id, up in zip(ids, alive, strict=True) if not up]


def sweep(r: Redis) -> list[str]:
    """Clean up after every dead process; returns the ids this call finished."""
    return [proc_id for proc_id in dead_processes(r) if sweep_process(r, proc_id)]


def sweep_process(r: Redis, proc_id: str) -> bool:
    """Run the drop step for each socket a dead process held; one sweeper at a time.

    The lock only spares duplicate work: a sweeper that dies midway leaves the entries it
    did not finish, and the next one (after the lock's TTL) runs them (at least once).
    """
    lock = keys.process_sweep(proc_id)
    claimed = r.register_script(CLAIM)(
        keys=[keys.process(proc_id), lock, keys.process_swept(proc_id)],
        args=[process_id(), SWEEP_LOCK_SECONDS, SWEPT_MARK_SECONDS])
    if not claimed:
        return False
    try:
        for field, ref in r.hgetall(keys.process_sockets(proc_id)).items():
            kind, _, sid = field.partition(":")
            try:
                socket_gone(r, kind, sid, ref, proc_id)
            except Exception as exc:  # kept for the next sweep; the others go on
                current_app.logger.error("sweep step failed: %s", type(exc).__name__)
        return bool(r.register_script(FORGET)(
            keys=[keys.PROCESSES, keys.process(proc_id), keys.process_sockets(proc_id),
                  keys.process_swept(proc_id)], args=[proc_id]))
    finally:
        r.delete(lock)


def tick(r: Redis) -> None:
    """One beat: refresh our heartbeat (starting afresh if it lapsed, or if another Redis
    server answers now), sweep up after dead processes, run the timers no worker took
    (jobs.take_over) and the broadcasts a dead process left unsent."""
    lapsed = not beat(r, process_id(), current_app.config["PROCESS_TTL_SECONDS"])
    if server_changed(r):
        start_afresh(r, "another Redis server answers (a failover or a restart)")
    elif lapsed:
        start_afresh(r, "heartbeat had lapsed")
    sweep(r)
    jobs.take_over(r, live.now())
    live.heal_broadcasts()


def server_changed(r: Redis) -> bool:
    """Whether the Redis server answering now is another one than at the last beat."""
    now = redis_client.server_id(r)
    before = current_app.extensions.get("helpline_redis_server", now)
    current_app.extensions["helpline_redis_server"] = now
    return now != before


def start_afresh(r: Redis, why: str) -> None:
    """Our heartbeat vanished, or Redis is another server: take a new id and make every
    client reconnect.

    Closing the Engine.IO connections (not a Socket.IO disconnect) is a network blip to
    the client: it reconnects by itself, a chatter resumes (or learns the chat is gone),
    a console gets a fresh `state`. Each close runs the normal disconnect handlers.
    """
    current_app.extensions["helpline_process"] = secrets.token_hex(8)
    register(r, process_id(), current_app.config["PROCESS_TTL_SECONDS"])
    current_app.logger.warning("%s: connections closed so clients reconnect", why)
    socketio.server.eio.disconnect()


def run(app: Flask) -> None:
    """The heartbeat greenlet of a server process: beat and sweep every HEARTBEAT_SECONDS."""
    r = app.extensions["helpline_redis"]
    ttl = app.config["PROCESS_TTL_SECONDS"]
    while not in_context(app, lambda: join(r, ttl)):
        socketio.sleep(app.config["HEARTBEAT_SECONDS"])  # Redis not there yet: try again
    while True:
        socketio.sleep(app.config["HEARTBEAT_SECONDS"])
        in_context(app, lambda: tick(r))  # Redis down: the next beat tries again


def in_context(app: Flask, step) -> bool:
    """Run one beat in its own app context, so an SQL session a sweep opened ends with it
    (one context for the greenlet's life kept a transaction open: locks that block DDL)."""
    with app.app_context():
        try:
            step()
            return True
        except Exception as exc:
            app.logger.error("heartbeat failed: %s", type(exc).__name__)
            return False


def start(app: Flask) -> None:
    """Start the heartbeat greenlet (server processes only; workers hold no sockets)."""
    app.extensions["helpline_heartbeat"] = True  # /readyz checks it is fresh
    socketio.start_background_task(run, app)
