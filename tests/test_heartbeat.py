"""Process heartbeats and the sweep after a dead process, on a real Redis and a real worker."""

from __future__ import annotations

import threading

from sqlalchemy import select

from helpline import timers
from helpline.availability.models import MissedContact
from helpline.chat import lifecycle, store
from helpline.extensions import db
from helpline.queue import assignment, keys
from helpline.realtime import live
from helpline.server import heartbeat
from tests.conftest import events, run_jobs

DEAD = "deadproc"


def dead_process(r, sockets: dict[str, str], proc_id: str = DEAD) -> None:
    """A process that registered, recorded its sockets, and then died (its key expired)."""
    heartbeat.register(r, proc_id, 15)
    r.hset(keys.process_sockets(proc_id), mapping=sockets)
    r.delete(keys.process(proc_id))


def new_chat(r, sid: str) -> str:
    chat_id, _ = store.create_chat(r, None, None, "en", live.now(), 3600)
    store.set_connection(r, chat_id, sid)
    return chat_id


def scheduled(app) -> list[tuple[str, list]]:
    return sorted((t.name, t.args) for t in timers.planned(app.extensions["helpline_redis"]))


def on_duty(staff_socket, staff, capacity=1):
    sock = staff_socket(staff)
    assert sock.emit("duty", {"on": True, "capacity": capacity}, namespace="/staff",
                     callback=True)["ok"]
    return sock


def test_sweep_after_a_dead_process_has_the_effects_of_a_normal_drop(
        app, ctx, r, make_staff, staff_socket):
    anna = make_staff("anna")
    console = on_duty(staff_socket, anna)
    ben = make_staff("ben")
    with ctx():
        active = new_chat(r, "c1")
        lifecycle.line_moved(r)  # Anna (on a live process) takes it
        waiting = new_chat(r, "c2")
    assert r.hget(keys.chat(active), "staff") == str(anna.id)
    # Ben's console and a supervisor's socket were on the dead process too.
    assignment.console_opened(r, str(ben.id), "s1")
    assignment.go_on_duty(r, str(ben.id), "Ben", 1, live.now())
    r.sadd(keys.SUPERVISOR_SOCKETS, "s9")
    dead_process(r, {"chat:c1": active, "chat:c2": waiting, "staff:s1": str(ben.id),
                     "sup:s9": ""})

    with ctx():
        assert heartbeat.sweep(r) == [DEAD]
    for chat_id in (active, waiting):
        chat = store.get_chat(r, chat_id)
        assert chat["sid"] == "" and chat["disconnected_at"]
    assert {"chat_id": active, "connected": False} in events(console, "/staff",
                                                             "chatter_connection")
    assert not r.exists(keys.staff_sockets(ben.id))
    assert not r.sismember(keys.SUPERVISOR_SOCKETS, "s9")
    assert not r.sismember(keys.PROCESSES, DEAD) and not r.exists(keys.process_sockets(DEAD))
    # (close_if_over watches the signed-in console's session: scheduled at connect)
    assert [name for name, _ in scheduled(app) if name != "close_session_if_over"] == [
        "end_if_still_gone", "end_if_still_gone", "off_duty_if_console_closed"]

    run_jobs(app)  # the grace periods are over
    assert {"chat_id": active, "by": "system", "reason": "connection_lost"} in events(
        console, "/staff", "chat_ended")
    assert store.get_chat(r, waiting)["state"] == "ended"
    assert r.zscore(keys.LINE, waiting) is None
    assert not r.sismember(keys.DUTY, str(ben.id))
    assert r.sismember(keys.DUTY, str(anna.id))
    with ctx():
        reasons = db.session.scalars(select(MissedContact.reason)).all()
    assert reasons == ["dropped_waiting"]


def test_a_live_process_is_not_swept(app, ctx, r):
    with ctx():
        chat_id = new_chat(r, "c1")
    heartbeat.register(r, "alive", 15)
    r.hset(keys.process_sockets("alive"), "chat:c1", chat_id)
    with ctx():
        assert heartbeat.sweep(r) == []
    assert store.get_chat(r, chat_id)["sid"] == "c1"
    assert r.sismember(keys.PROCESSES, "alive")


def test_a_chatter_who_already_resumed_elsewhere_is_not_dropped(app, ctx, r):
    with ctx():
        chat_id = new_chat(r, "c1")
        store.set_connection(r, chat_id, "c1-again")  # reconnected to a surviving process
    dead_process(r, {"chat:c1": chat_id})
    with ctx():
        assert heartbeat.sweep(r) == [DEAD]
    assert store.get_chat(r, chat_id)["sid"] == "c1-again"
    assert scheduled(app) == []


def test_racing_sweepers_drop_each_socket_once(app, r, make_staff):
    ben = make_staff("ben")
    with app.app_context():
        chats = [new_chat(r, f"c{i}") for i in range(20)]
    assignment.console_opened(r, str(ben.id), "s1")
    dead_process(r, {**{f"chat:c{i}": c for i, c in enumerate(chats)}, "staff:s1": str(ben.id)})

    def sweeper():
        with app.app_context():
            heartbeat.sweep(r)
            for field, ref in list(r.hgetall(keys.process_sockets(DEAD)).items()):
                kind, _, sid = field.partition(":")  # a sweeper whose lock expired
                heartbeat.socket_gone(r, kind, sid, ref, DEAD)
            heartbeat.sweep(r)

    threads = [threading.Thread(target=sweeper) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    names = [name for name, _ in scheduled(app)]
    assert names.count("end_if_still_gone") == 20
    assert not r.sismember(keys.PROCESSES, DEAD)


def test_a_held_sweep_lock_keeps_a_second_sweeper_out(app, ctx, r):
    with ctx():
        chat_id = new_chat(r, "c1")
    dead_process(r, {"chat:c1": chat_id})
    r.set(keys.process_sweep(DEAD), "other", ex=30)
    with ctx():
        assert heartbeat.sweep(r) == []
    assert store.get_chat(r, chat_id)["sid"] == "c1"
    r.delete(keys.process_sweep(DEAD))  # the other sweeper died: its lock expires
    with ctx():
        assert heartbeat.sweep(r) == [DEAD]
    assert store.get_chat(r, chat_id)["sid"] == ""


def test_sockets_are_recorded_with_the_process_and_forgotten_at_disconnect(
        app, r, chatter, staff_socket, make_staff):
    client = chatter()
    started = client.emit("start", {}, namespace="/chat", callback=True)
    console = staff_socket(make_staff("sue", role="supervisor"))
    with app.app_context():
        proc = heartbeat.process_id()
    held = r.hgetall(keys.process_sockets(proc))
    kinds = sorted(field.split(":")[0] for field in held)
    assert kinds == ["chat", "staff", "sup"]
    assert started["chat_id"] in held.values()
    client.disconnect("/chat")
    console.disconnect("/staff")
    assert r.hgetall(keys.process_sockets(proc)) == {}


def test_a_process_whose_data_redis_lost_starts_afresh(app, ctx, r):
    with ctx():
        old = heartbeat.process_id()
        heartbeat.register(r, old, 15)
        r.delete(keys.process(old), keys.PROCESSES)  # Redis lost its data
        heartbeat.tick(r)
        new = heartbeat.process_id()
    assert new != old
    assert r.exists(keys.process(new)) and r.sismember(keys.PROCESSES, new)
    assert not r.sismember(keys.PROCESSES, old)


def test_a_starved_process_nobody_swept_goes_on_with_its_sockets(app, ctx, r, chatter):
    """Overload starved the event loop past the TTL: closing every socket would turn the
    overload into a collapse (issue 21). Nobody acted on the lapse, so nothing is lost."""
    client = chatter()
    assert client.emit("start", {}, namespace="/chat", callback=True)["ok"]
    with ctx():
        proc = heartbeat.process_id()
        heartbeat.register(r, proc, 15)
        held = r.hgetall(keys.process_sockets(proc))
        assert held  # the chatter's socket
        r.delete(keys.process(proc))  # the TTL ran out while the loop was starved
        heartbeat.tick(r)
        assert heartbeat.process_id() == proc
    assert r.exists(keys.process(proc)) and r.hgetall(keys.process_sockets(proc)) == held
    assert client.is_connected("/chat")
    assert heartbeat.sweep(r) == []  # alive again: no sweep can claim it


def test_a_starved_process_that_was_swept_starts_afresh(app, ctx, r, chatter):
    """Another process swept it meanwhile (its chatters got the resume grace): its sockets
    stand for nothing now, so every client reconnects and resumes (start_afresh; a live
    server's clients: tests/test_redis_restart.py)."""
    client = chatter()
    assert client.emit("start", {}, namespace="/chat", callback=True)["ok"]
    with ctx():
        proc = heartbeat.process_id()
        heartbeat.register(r, proc, 15)
        r.delete(keys.process(proc))
        claimed = r.register_script(heartbeat.CLAIM)(
            keys=[keys.process(proc), keys.process_sweep(proc), keys.process_swept(proc)],
            args=["other", 30, 60])
        assert claimed  # a sweeper began, then the starved process woke up
        r.delete(keys.process_sweep(proc))  # even once that sweeper is gone
        heartbeat.tick(r)
        assert heartbeat.process_id() != proc
    assert not r.exists(keys.process(proc))  # not revived: its sweep goes on


def test_a_sweep_cannot_claim_a_process_that_beats_again(app, ctx, r):
    with ctx():
        dead_process(r, {"chat:c1": "x"})
        assert heartbeat.beat(r, DEAD, 15)  # it revives before anyone sweeps
        assert heartbeat.sweep(r) == []
        assert r.hgetall(keys.process_sockets(DEAD)) == {"chat:c1": "x"}
        assert not r.exists(keys.process_swept(DEAD))


def test_each_beat_ends_the_sql_session_it_opened(app):
    """A sweep may query SQL; a context kept for the greenlet's life held that transaction
    open (and its locks) forever. Each beat runs in a context of its own."""
    import sqlalchemy as sa

    from helpline.extensions import db

    used = []

    def step():
        db.session.execute(sa.text("select 1"))
        used.append(db.session())

    assert heartbeat.in_context(app, step)
    assert used and not used[0].in_transaction()
    assert heartbeat.in_context(app, lambda: 1 / 0) is False  # logged, the loop goes on
