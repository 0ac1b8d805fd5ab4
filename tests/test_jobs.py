"""RQ jobs run by a real RQ worker: the reconnect grace period and the summary deadline."""

from __future__ import annotations

import base64
import json
import time
import zlib

from sqlalchemy import select

from helpline import timers
from helpline.extensions import db
from helpline.queue import keys
from helpline.records.models import Summary
from tests.conftest import events, run_jobs


def start(chatter):
    client = chatter()
    return client, client.emit("start", {"gender": "man"}, namespace="/chat", callback=True)


def on_duty(staff_socket, make_staff):
    sock = staff_socket(make_staff("anna"))
    sock.emit("duty", {"on": True}, namespace="/staff", callback=True)
    return sock


def test_dropped_chatter_who_does_not_return_is_ended(chatter, staff_socket, make_staff, app, r):
    sock = on_duty(staff_socket, make_staff)
    client, started = start(chatter)
    client.disconnect("/chat")
    assert events(sock, "/staff", "chatter_connection")[-1]["connected"] is False
    run_jobs(app)
    assert r.hget(keys.chat(started["chat_id"]), "state") == "ended"
    ended = events(sock, "/staff", "chat_ended")
    assert ended[-1] == {"chat_id": started["chat_id"], "by": "system",
                         "reason": "connection_lost"}


def test_chatter_who_returns_within_grace_keeps_the_chat(chatter, staff_socket, make_staff, app, r):
    sock = on_duty(staff_socket, make_staff)
    client, started = start(chatter)
    client.disconnect("/chat")
    again = chatter()
    assert again.emit("resume", {"token": started["token"]}, namespace="/chat", callback=True)["ok"]
    run_jobs(app)
    assert r.hget(keys.chat(started["chat_id"]), "state") == "active"
    assert not events(sock, "/staff", "chat_ended")


def test_dropped_while_waiting_leaves_the_line(chatter, app, r):
    client, started = start(chatter)
    client.disconnect("/chat")
    run_jobs(app)
    assert r.zscore(keys.LINE, started["chat_id"]) is None


def test_unfiled_summary_is_recorded_missing_and_messages_deleted(
    chatter, staff_socket, make_staff, app, r, ctx
):
    sock = on_duty(staff_socket, make_staff)
    client, started = start(chatter)
    chat_id = started["chat_id"]
    client.emit("message", {"text": "something private"}, namespace="/chat")
    sock.emit("end", {"chat_id": chat_id}, namespace="/staff")
    waiting = start(chatter)[1]["chat_id"]
    run_jobs(app)
    assert not r.exists(keys.messages(chat_id)) and not r.exists(keys.chat(chat_id))
    with ctx():
        row = db.session.scalar(select(Summary))
    assert row.status == "missing" and row.gender == "man" and row.note == ""
    received = sock.get_received("/staff")
    names = [e["name"] for e in received]
    assert received[names.index("summary_missing")]["args"] == [{"chat_id": chat_id}]
    assert received[len(names) - 1 - names[::-1].index("chat_assigned")]["args"][0][
        "chat_id"] == waiting


def test_job_payloads_hold_no_text_or_identity(chatter, staff_socket, make_staff, app, ctx):
    sock = on_duty(staff_socket, make_staff)
    client, started = start(chatter)
    client.emit("message", {"text": "secret words"}, namespace="/chat")
    sock.emit("end", {"chat_id": started["chat_id"]}, namespace="/staff")
    planned = timers.planned(app.extensions["helpline_redis"])
    assert planned
    for timer in planned:
        assert "secret words" not in timer.member and started["token"] not in timer.member
        assert set(map(type, timer.args)) <= {str, float, bool}
    run_jobs(app, include_scheduled=False)  # nothing due yet: queued jobs hold the same
    with ctx():
        timers.pump(app.extensions["helpline_redis"], time.time(), until=time.time() + 10**9)
        queue = timers.queue()
        for job in queue.jobs:
            assert "secret words" not in json.dumps(job.args) and job.args[0] in {
                t.member for t in planned}


def test_therapist_whose_console_closed_goes_off_duty(staff_socket, make_staff, app, r):
    anna = make_staff("anna")
    sock = staff_socket(anna)
    sock.emit("duty", {"on": True}, namespace="/staff", callback=True)
    sock.disconnect("/staff")
    run_jobs(app)
    assert not r.sismember(keys.DUTY, str(anna.id))


def test_a_therapist_gone_for_the_grace_gives_the_active_chats_back(
        chatter, staff_socket, make_staff, app, r):
    """No stranded chatter: the chats of a therapist whose last console is gone go to the
    front of the line with a note, the chatter is told, a colleague takes them."""
    anna = make_staff("anna")
    sock = staff_socket(anna)
    sock.emit("duty", {"on": True, "capacity": 2}, namespace="/staff", callback=True)
    client, started = start(chatter)
    chat_id = started["chat_id"]
    assert r.hget(keys.chat(chat_id), "staff") == str(anna.id)
    events(client, "/chat")
    sock.disconnect("/staff")  # her process died: the chatter, elsewhere, stays
    run_jobs(app)
    assert not r.sismember(keys.DUTY, str(anna.id))
    assert r.hget(keys.chat(chat_id), "state") == "waiting"
    assert r.zrange(keys.LINE, 0, 0) == [chat_id]  # at the front
    assert events(client, "/chat", "transferred")[-1] == {"therapist": None}
    bert = staff_socket(make_staff("bert"))
    bert.emit("duty", {"on": True}, namespace="/staff", callback=True)
    [assigned] = events(bert, "/staff", "chat_assigned")
    assert assigned["chat_id"] == chat_id
    assert assigned["handover_note"]["text"] == "Your colleague's connection was lost."


def test_therapist_who_reopens_the_console_stays_on_duty(staff_socket, make_staff, app, r):
    anna = make_staff("anna")
    sock = staff_socket(anna)
    sock.emit("duty", {"on": True}, namespace="/staff", callback=True)
    sock.disconnect("/staff")
    staff_socket(anna)
    run_jobs(app)
    assert r.sismember(keys.DUTY, str(anna.id))


def test_deadline_frees_the_slot_even_if_the_chat_keys_expired(
    chatter, staff_socket, make_staff, app, r
):
    anna = make_staff("anna")
    sock = staff_socket(anna)
    sock.emit("duty", {"on": True}, namespace="/staff", callback=True)
    chat_id = start(chatter)[1]["chat_id"]
    sock.emit("end", {"chat_id": chat_id}, namespace="/staff")
    r.delete(keys.chat(chat_id), keys.messages(chat_id))  # as if the safety TTL ran out
    run_jobs(app)
    assert not r.sismember(keys.staff_chats(anna.id), chat_id)


def _rq_keys(app) -> dict[str, int]:
    """Every RQ key about a job, with its TTL in seconds (-1: none)."""
    raw = app.extensions["helpline_rq_redis"]
    names = [n.decode() for n in raw.scan_iter("rq:*")]
    return {n: raw.ttl(n) for n in names if n.startswith(("rq:job:", "rq:results:"))}


def test_a_job_that_ran_leaves_no_record_and_a_queued_one_expires(chatter, app, r):
    client, started = start(chatter)
    client.disconnect("/chat")
    assert sorted(t.name for t in timers.planned(r)) == ["end_if_still_gone",
                                                         "lapse_unproven_place"]
    assert _rq_keys(app) == {}  # a timer waits in hl:timers, not as an RQ job
    with app.app_context():
        timers.pump(r, time.time(), until=time.time() + 10**9)
    queued = _rq_keys(app)
    assert queued and all(0 < ttl <= timers.TTL_MARGIN_SECONDS for ttl in queued.values())
    run_jobs(app)
    assert _rq_keys(app) == {} and timers.planned(r) == []


def test_a_failed_job_keeps_only_an_error_type_and_briefly(chatter, app, r):
    client, started = start(chatter)
    chat_id = started["chat_id"]
    client.disconnect("/chat")
    r.delete(keys.chat(chat_id))
    r.set(keys.chat(chat_id), "private words")  # the job's Redis call fails (WRONGTYPE)
    run_jobs(app)
    left = _rq_keys(app)
    assert left and all(0 < ttl <= timers.FAILURE_TTL_SECONDS for ttl in left.values()), left
    raw = app.extensions["helpline_rq_redis"]
    stored = ""
    for name in left:
        fields = raw.hgetall(name) if raw.type(name) == b"hash" else raw.xrange(name)[0][1]
        stored += " ".join(_readable(v) for v in fields.values())
    assert "JobFailed: ResponseError" in stored
    assert "WRONGTYPE" not in stored and "private" not in stored


def _readable(value: bytes) -> str:
    """RQ keeps exc_info as zlib data (sometimes base64 encoded): read it as text."""
    for decode in (zlib.decompress, lambda v: zlib.decompress(base64.b64decode(v))):
        try:
            return decode(value).decode(errors="replace")
        except (zlib.error, ValueError):
            pass
    return value.decode(errors="replace")


def test_each_job_ends_its_sql_session(app):
    """The worker runs in one app context: each job's SQL session ends with the job, so a
    read does not hold a transaction (and its locks) until the next job."""
    with app.app_context():
        timers.queue().enqueue(read_sql_job)
    run_jobs(app)
    assert SESSIONS_USED and not SESSIONS_USED[-1].in_transaction()


SESSIONS_USED: list = []


def read_sql_job() -> None:
    import sqlalchemy as sa

    from helpline.extensions import db

    db.session.execute(sa.text("select 1"))
    SESSIONS_USED.append(db.session())
