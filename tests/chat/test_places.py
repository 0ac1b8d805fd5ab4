"""Places in the line are rented (helpline/chat/places.py) and priced by the places already
taken (helpline/chat/proofofwork.py): each further place costs more, a solution solved
before the price rose is stale, a place not proved again within its lease is given back,
and a place proved again keeps going."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from helpline.availability.models import MissedContact
from helpline.chat import places, proofofwork
from helpline.extensions import db
from helpline.queue import keys
from helpline.realtime.protocol import ProtocolError
from tests.conftest import run_jobs

NS = "/chat"


def challenge(app) -> dict:
    return app.test_client().get("/challenge").json


def start(client, data=None):
    return client.emit("start", data or {}, namespace=NS, callback=True)


def keep_place(client, app):
    return client.emit("keep_place", {"pow": proofofwork.solve(challenge(app))}, namespace=NS,
                       callback=True)


def ended_events(client) -> list[dict]:
    return [e["args"][0] for e in client.get_received(NS) if e["name"] == "ended"]


def test_each_further_place_costs_more_up_to_the_cap(app, chatter):
    cfg = app.config
    cfg.update(POW_MAX_NUMBER=1000, POW_MAX_NUMBER_RAISED=50_000, MAX_LINE_LENGTH=0)
    with app.app_context():
        prices = [proofofwork.price(n) for n in range(15)]
    assert prices[: cfg["POW_FREE_PLACES"]] == [1000] * cfg["POW_FREE_PLACES"]
    assert prices == sorted(prices) and prices[-1] == 50_000
    assert prices[9] >= 10 * prices[0]  # the tenth place costs far more than the first
    for taken in range(5):  # the challenge handed out is the price of the next place
        assert challenge(app)["maxnumber"] == prices[taken]
        assert start(chatter())["ok"] is True


def test_a_solution_solved_before_the_price_rose_is_stale(app, chatter, r, ctx):
    app.config.update(POW_MAX_NUMBER=1000, POW_MAX_NUMBER_RAISED=50_000, MAX_LINE_LENGTH=0,
                      POW_FLOOD_STARTS=100)
    stockpiled = [proofofwork.solve(challenge(app)) for _ in range(6)]
    answers = [start(chatter(), {"pow": solution}) for solution in stockpiled]
    free = app.config["POW_FREE_PLACES"]
    # the free places, then one step of slack; then a fresh challenge is needed
    assert [a["ok"] for a in answers] == [True] * (free + 1) + [False] * (5 - free)
    assert {a["code"] for a in answers[free + 1:]} == {"pow_stale"}
    assert start(chatter())["ok"] is True  # solved at today's price
    with ctx():
        assert places.recent(r, "refused_proof", 1) == 5 - free


def test_a_place_not_proved_again_is_given_back_after_its_lease(app, chatter, clock, r, ctx):
    client = chatter()
    chat_id = start(client)["chat_id"]
    clock.advance(app.config["PLACE_LEASE_SECONDS"] - 1)
    run_jobs(app)  # early: the lease is not over yet
    assert r.hget(keys.chat(chat_id), "state") == "waiting"
    clock.advance(2)
    run_jobs(app)
    assert r.zscore(keys.LINE, chat_id) is None
    assert ended_events(client)[-1] == {"by": "system", "reason": "place_lapsed"}
    with ctx():  # counted for the supervisors; a bot's lapsed place is not a missed contact
        assert places.recent(r, "reclaimed", 5) == 1
        assert db.session.scalar(select(func.count()).select_from(MissedContact)) == 0


def test_a_place_proved_again_keeps_going(app, chatter, clock, r):
    lease = app.config["PLACE_LEASE_SECONDS"]
    client = chatter()
    chat_id = start(client)["chat_id"]
    for _ in range(4):  # far longer than one lease, proving again every renewal
        clock.advance(app.config["PLACE_RENEW_SECONDS"])
        assert keep_place(client, app) == {"ok": True}
        run_jobs(app)
    assert r.hget(keys.chat(chat_id), "state") == "waiting"
    assert r.hget(keys.chat(chat_id), "proofs") == "4"
    clock.advance(lease + 1)  # then the page stops proving
    run_jobs(app)
    assert r.zscore(keys.LINE, chat_id) is None


def test_keep_place_needs_a_fresh_solution_and_a_waiting_place(app, chatter, make_staff,
                                                                 staff_socket):
    client = chatter()
    assert client.emit("keep_place", {}, namespace=NS, callback=True)["code"] == "not_joined"
    start(client)
    solution = proofofwork.solve(challenge(app))
    assert client.emit("keep_place", {"pow": solution}, namespace=NS, callback=True)["ok"]
    again = client.emit("keep_place", {"pow": solution}, namespace=NS, callback=True)
    assert again["code"] == "pow_invalid"  # one solution proves once
    assert client.emit("keep_place", {"pow": None}, namespace=NS,
                       callback=True)["code"] == "pow_required"
    sock = staff_socket(make_staff("anna"))
    sock.emit("duty", {"on": True}, namespace="/staff", callback=True)  # takes the chat
    assert keep_place(client, app)["code"] == "not_waiting"


def test_writing_or_typing_while_waiting_is_a_sign_of_a_person(app, chatter, clock, r):
    silent, writer, typist = chatter(), chatter(), chatter()
    ids = [start(c)["chat_id"] for c in (silent, writer, typist)]
    writer.emit("message", {"text": "hallo"}, namespace=NS, callback=True)
    typist.emit("typing", {"typing": True}, namespace=NS, callback=True)
    assert places.without_sign_of_a_person(r, clock()) == []  # too young to judge
    clock.advance(places.SPARE_SECONDS)
    assert places.without_sign_of_a_person(r, clock()) == [ids[0]]
    keep_place(silent, app)
    assert places.without_sign_of_a_person(r, clock()) == []


def test_marks_never_create_a_chat_hash_that_is_gone(app, r):
    """A sign or a proof for a chat whose hash was deleted leaves no key without a TTL."""
    with app.app_context():
        places.typed(r, "gone-chat-id-0001")
        with pytest.raises(ProtocolError) as refused:  # told its chat no longer waits
            places.proved_again(r, "gone-chat-id-0001", 1.0)
    assert refused.value.code == "not_waiting"
    assert not r.exists(keys.chat("gone-chat-id-0001"))
