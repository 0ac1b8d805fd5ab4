"""Defences against bots that would lock real chatters out, over the in-process test
client: the token bucket per socket (helpline/realtime/ratelimit.py), the resume cap, the
handshake cap, the short grace of a vanished waiting chatter, and a supervisor removing
a waiting chat. Nothing here is keyed on an address: only on a socket or the chat."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from helpline import create_app, timers
from helpline.audit import AuditEvent
from helpline.availability.models import MissedContact
from helpline.extensions import db
from helpline.queue import keys
from tests.conftest import run_jobs

NS = "/chat"


def start(client, data=None):
    return client.emit("start", data or {}, namespace=NS, callback=True)


def test_a_typing_flood_is_refused_then_disconnected_and_others_go_on(app, chatter):
    app.config.update(SOCKET_EVENT_BURST=10, SOCKET_EVENTS_PER_SECOND=1,
                      SOCKET_REFUSALS_BEFORE_DISCONNECT=5)
    sentinel, flooder = chatter(), chatter()
    sentinel_chat = start(sentinel)["chat_id"]
    start(flooder)
    answers = [flooder.emit("typing", {"typing": True}, namespace=NS, callback=True)
               for _ in range(30) if flooder.is_connected(NS)]
    codes = [a.get("code") for a in answers if a and not a.get("ok")]
    assert "rate_limited" in codes
    assert not flooder.is_connected(NS)
    assert len(answers) < 30  # the flood was cut off
    said = sentinel.emit("message", {"text": "still here"}, namespace=NS, callback=True)
    assert said["ok"] and sentinel.is_connected(NS)
    assert sentinel.emit("typing", {"typing": True}, namespace=NS, callback=True)["ok"]
    assert sentinel_chat


def test_a_short_burst_passes(app, chatter):
    client = chatter()
    start(client)
    for _ in range(app.config["SOCKET_EVENT_BURST"] - 1):
        assert client.emit("typing", {"typing": True}, namespace=NS, callback=True)["ok"]


def test_one_socket_cannot_pull_the_transcript_over_and_over(app, chatter):
    token = start(chatter())["token"]
    puller = chatter()
    for _ in range(app.config["RESUMES_PER_SOCKET"]):
        assert puller.emit("resume", {"token": token}, namespace=NS, callback=True)["ok"]
    refused = puller.emit("resume", {"token": token}, namespace=NS, callback=True)
    assert refused["ok"] is False and refused["code"] == "too_many_resumes"
    assert chatter().emit("resume", {"token": token}, namespace=NS, callback=True)["ok"]


def test_handshakes_per_second_are_capped_per_process(redis_url):
    app = create_app("testing", overrides={"REDIS_URL": redis_url, "HANDSHAKES_PER_SECOND": 3})
    http = app.test_client()
    # Engine.IO answers these itself (400: WebSocket only) until the cap refuses them first.
    answers = [http.get("/socket.io/?EIO=4&transport=polling") for _ in range(10)]
    codes = [a.status_code for a in answers]
    assert codes[0] == 400 and 503 in codes
    assert answers[codes.index(503)].json["code"] == "server_busy"
    assert http.get("/healthz").status_code == 200  # pages are not handshakes


def _grace_delay(app, chat_id: str) -> float:
    for timer in timers.planned(app.extensions["helpline_redis"]):
        if timer.name == "end_if_still_gone" and timer.args[0] == chat_id:
            return timer.due - time.time()
    raise AssertionError("no grace check scheduled")


def test_a_vanished_waiting_chatter_keeps_the_place_only_briefly(app, chatter, r, ctx):
    client = chatter()
    started = start(client)
    client.disconnect(NS)
    assert _grace_delay(app, started["chat_id"]) <= app.config["WAITING_GRACE_SECONDS"]
    run_jobs(app)
    assert r.zscore(keys.LINE, started["chat_id"]) is None
    with ctx():
        reasons = db.session.scalars(select(MissedContact.reason)).all()
    assert reasons == ["dropped_waiting"]


def test_a_chat_taken_during_the_short_grace_gets_the_full_resume_grace(
        app, chatter, staff_socket, make_staff, r):
    client = chatter()
    started = start(client)
    client.disconnect(NS)
    therapist = staff_socket(make_staff("anna"))
    assert therapist.emit("duty", {"on": True}, namespace="/staff", callback=True)["ok"]
    assert r.hget(keys.chat(started["chat_id"]), "state") == "active"
    [grace] = [t for t in timers.planned(r) if t.name == "end_if_still_gone"]
    with app.app_context():  # the short grace is over
        timers.pump(r, time.time(), until=grace.due)
    run_jobs(app, include_scheduled=False)
    assert r.hget(keys.chat(started["chat_id"]), "state") == "active"
    assert _grace_delay(app, started["chat_id"]) > app.config["WAITING_GRACE_SECONDS"]


@pytest.fixture
def supervisor(make_staff, staff_socket):
    return staff_socket(make_staff("sara", role="supervisor", name="Sara"))


def test_a_supervisor_removes_a_waiting_chat_and_its_token_is_refused(
        chatter, supervisor, r, ctx):
    bot = chatter()
    started = start(bot)
    removed = supervisor.emit("remove_waiting", {"chat_id": started["chat_id"]},
                              namespace="/staff", callback=True)
    assert removed == {"ok": True}
    assert r.zscore(keys.LINE, started["chat_id"]) is None
    assert not bot.is_connected(NS)  # told first: tests/test_abuse_live.py sees `ended`
    again = chatter().emit("resume", {"token": started["token"]}, namespace=NS, callback=True)
    assert again["ok"] is False and again["code"] == "unknown_token"
    with ctx():
        rows = [(e.action, e.chat_ref) for e in db.session.scalars(select(AuditEvent))]
        missed = db.session.scalar(select(func.count()).select_from(MissedContact))
    assert rows == [("remove_waiting", started["chat_id"])]
    assert missed == 0  # a removed place is not a missed contact


def test_only_a_waiting_chat_can_be_removed_and_only_by_a_supervisor(
        chatter, supervisor, make_staff, staff_socket):
    therapist = staff_socket(make_staff("anna"))
    chat_id = start(chatter())["chat_id"]
    denied = therapist.emit("remove_waiting", {"chat_id": chat_id}, namespace="/staff",
                            callback=True)
    assert denied["code"] == "forbidden"
    assert therapist.emit("duty", {"on": True}, namespace="/staff", callback=True)["ok"]
    active = supervisor.emit("remove_waiting", {"chat_id": chat_id}, namespace="/staff",
                             callback=True)
    assert active["code"] == "not_waiting"
    unknown = supervisor.emit("remove_waiting", {"chat_id": "x" * 22}, namespace="/staff",
                              callback=True)
    assert unknown["code"] == "unknown_chat"


def test_a_supervisor_clears_places_with_no_sign_of_a_person(
        app, chatter, supervisor, clock, r, ctx):
    """Bots that never typed or proved again go; a chatter who typed, one whose page proved
    again and one who just arrived stay. One audit row with the count."""
    from helpline.chat import places, proofofwork

    bots = [chatter() for _ in range(3)]
    bot_ids = [start(bot)["chat_id"] for bot in bots]
    writer, prover = chatter(), chatter()
    kept = [start(writer)["chat_id"], start(prover)["chat_id"]]
    writer.emit("typing", {"typing": True}, namespace=NS, callback=True)
    solution = proofofwork.solve(app.test_client().get("/challenge").json)
    assert prover.emit("keep_place", {"pow": solution}, namespace=NS, callback=True)["ok"]
    clock.advance(places.SPARE_SECONDS)
    newcomer = start(chatter())["chat_id"]
    before = supervisor.emit("overview", {}, namespace="/staff", callback=True)["guard"]
    assert before["without_sign"] == 3 and before["cleared"] == 0
    cleared = supervisor.emit("clear_places", {}, namespace="/staff", callback=True)
    assert cleared == {"ok": True, "removed": 3}
    assert r.zrange(keys.LINE, 0, -1) == [*kept, newcomer]
    for bot in bots:  # told, then cut off, as "remove from line" does
        assert not bot.is_connected(NS)
    tokens_left = [r.hget(keys.chat(cid), "token_hash") for cid in bot_ids]
    assert all(not r.exists(keys.token(t)) for t in tokens_left if t)
    after = supervisor.emit("overview", {}, namespace="/staff", callback=True)["guard"]
    assert after["without_sign"] == 0 and after["cleared"] == 3
    with ctx():
        rows = [(e.action, e.count) for e in db.session.scalars(select(AuditEvent))]
    assert rows == [("clear_places", 3)]


def test_the_line_guard_shows_the_price_and_what_was_refused(app, chatter, supervisor):
    app.config["MAX_LINE_LENGTH"] = 1
    guard = supervisor.emit("overview", {}, namespace="/staff", callback=True)["guard"]
    assert guard["price"] == guard["normal_price"] == app.config["POW_MAX_NUMBER"]
    assert start(chatter())["ok"] is True
    assert start(chatter())["code"] == "at_capacity"
    assert start(chatter(), {"pow": None})["code"] == "pow_required"
    guard = supervisor.emit("overview", {}, namespace="/staff", callback=True)["guard"]
    assert guard["price"] == guard["highest_price"] == app.config["POW_MAX_NUMBER_RAISED"]
    assert (guard["refused_capacity"], guard["refused_proof"]) == (1, 1)


def test_only_a_supervisor_clears_places(chatter, make_staff, staff_socket, r):
    therapist = staff_socket(make_staff("anna"))
    start(chatter())
    denied = therapist.emit("clear_places", {}, namespace="/staff", callback=True)
    assert denied["code"] == "forbidden" and r.zcard(keys.LINE) == 1


def test_the_token_bucket_refills_at_its_rate():
    from helpline.realtime.ratelimit import TokenBucket

    bucket = TokenBucket(burst=2, rate=1, now=0.0)
    assert [bucket.take(now=0.0) for _ in range(3)] == [True, True, False]
    assert bucket.take(now=0.5) is False
    assert bucket.take(now=1.0) is True
    assert [bucket.take(now=100.0) for _ in range(3)] == [True, True, False]  # never > burst


def test_a_closed_socket_leaves_nothing_in_the_rate_table(chatter, supervisor):
    """Both namespaces drop their token bucket at disconnect, not only at the next sweep."""
    from helpline.realtime import ratelimit

    before = set(ratelimit._sockets)
    bot = chatter()
    start(bot)
    supervisor.emit("state", {}, namespace="/staff", callback=True)
    ours = set(ratelimit._sockets) - before
    assert len(ours) == 2
    bot.disconnect(NS)
    supervisor.disconnect("/staff")
    assert not ours & set(ratelimit._sockets)
