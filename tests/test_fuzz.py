"""A hypothesis fuzzer of every client event on /chat and /staff, beside a sentinel chat
(issue 6, E). Flask-SocketIO's test client, in process: fast enough for `make test`.

Every event gets an ack: `{ok: true, ...}` or an error with a documented code other than
`internal`; every failed ack's error also came as an `error` event (the same one at most
once a second, docs/protocol.md, so maybe a little earlier); nothing is logged as a
handler failure; and the sentinel chat (a chatter and a therapist) goes on undisturbed.
The raw Engine.IO/Socket.IO packet fuzzer, against a live server, is in
tests/test_fuzz_packets.py.
"""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpline.chat import store
from helpline.chat.events import HANDLERS as CHAT_HANDLERS
from helpline.compat.socketio_packets import RESERVED
from helpline.console.events import HANDLERS as STAFF_HANDLERS
from helpline.extensions import socketio
from helpline.realtime.protocol import ERRORS
from tests.conftest import events, sign_in

CHAT, STAFF = "/chat", "/staff"
FIELDS = ["text", "token", "last_id", "typing", "age_band", "gender", "lang", "counted", "on",
          "capacity", "chat_id", "values", "confirmed_note", "to", "note"]
FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])

# Any code point, lone surrogates and bidi controls included.
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-2**70, max_value=2**70),
    st.floats(allow_nan=False), any_text,
    st.sampled_from(["", "line", "26_35", "man", "nl", "self", "1700000000000-0", "\ud800",
                     "99999999999999999999-0", "18446744073709551615-18446744073709551615",
                     "\u202eevil", "x" * 3000, "x" * 70_000]),
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner,
                                                                         max_size=4),
    max_leaves=12)


def payloads(known_ids: st.SearchStrategy) -> st.SearchStrategy:
    """Objects with the protocol's field names (and others), or anything else at all."""
    field_value = st.one_of(json_values, known_ids)
    objects = st.dictionaries(st.sampled_from(FIELDS) | any_text, field_value, max_size=5)
    return st.one_of(objects, objects, json_values)


def calls(names: list[str], known_ids: st.SearchStrategy) -> st.SearchStrategy:
    """A short sequence of (event, args): real names, reserved ones and random ones."""
    name = st.sampled_from(names) | st.sampled_from(sorted(RESERVED)) | any_text
    args = st.lists(payloads(known_ids), max_size=3)
    return st.lists(st.tuples(name, args), min_size=1, max_size=5)


def check_answer(client, ns: str, event, args) -> None:
    """An ack that is ok, or a documented error (never `internal`) also sent as `error`."""
    result = client.emit(event, *args, namespace=ns, callback=True)
    assert isinstance(result, dict) and "ok" in result, (event, result)
    client.told = getattr(client, "told", set())
    client.told.update((e["code"], e["message"]) for e in events(client, ns, "error"))
    if result["ok"] is not True:
        assert result["code"] in ERRORS and result["code"] != "internal", result
        assert (result["code"], result["message"]) in client.told, result


def login(app, username):
    http = app.test_client()
    assert sign_in(http, username).status_code == 302
    sock = socketio.test_client(app, namespace=STAFF, flask_test_client=http)
    assert sock.is_connected(STAFF)
    return sock


@pytest.fixture
def sentinel(app, make_staff, chatter, r, caplog):
    """Anna (therapist) in an active chat with a chatter; a second chat of hers for the
    fuzzing supervisor to aim at; returns what the fuzzers and the final check need."""
    # Hundreds of events on one socket: the per-socket bucket (tested on its own in
    # tests/chat/test_abuse_defences.py) would cut the fuzzing sockets off.
    app.config["SOCKET_EVENT_BURST"] = 1_000_000
    make_staff("anna", name="Anna")
    make_staff("sam", role="supervisor", name="Sam")
    anna = login(app, "anna")
    assert anna.emit("duty", {"on": True, "capacity": 5}, namespace=STAFF, callback=True)["ok"]
    sentinel_chatter, target = chatter(), chatter()
    sentinel_id = sentinel_chatter.emit("start", {}, namespace=CHAT, callback=True)["chat_id"]
    target_id = target.emit("start", {}, namespace=CHAT, callback=True)["chat_id"]
    assert store.get_chat(r, sentinel_id)["state"] == "active"
    caplog.set_level(logging.ERROR)
    yield {"anna": anna, "chatter": sentinel_chatter, "id": sentinel_id, "target": target_id,
           "sam": login(app, "sam")}
    check_sentinel(sentinel_chatter, anna, sentinel_id, r)
    failures = [rec for rec in caplog.records if rec.levelno >= logging.ERROR]
    assert not failures, [rec.getMessage()[:300] for rec in failures]


def check_sentinel(chatter, anna, chat_id: str, r) -> None:
    """The sentinel chat is still active, both sides connected, and messages still flow."""
    assert store.get_chat(r, chat_id)["state"] == "active"
    chatter.get_received(CHAT)
    anna.get_received(STAFF)
    assert chatter.emit("message", {"text": "still there?"}, namespace=CHAT, callback=True)["ok"]
    assert anna.emit("message", {"chat_id": chat_id, "text": "yes"}, namespace=STAFF,
                     callback=True)["ok"]
    got_chatter = [e["text"] for e in events(chatter, CHAT, "message")]
    got_anna = [e["text"] for e in events(anna, STAFF, "message") if e["chat_id"] == chat_id]
    assert got_chatter == ["still there?", "yes"] and got_anna == ["still there?", "yes"]
    assert not events(chatter, CHAT, "ended") and not events(chatter, CHAT, "transferred")


def test_fuzz_chat_events(sentinel, chatter):
    clients = []

    @FUZZ
    @given(st.booleans(), calls(sorted(CHAT_HANDLERS), st.just("placeholder")))
    def run(in_chat, sequence):
        client = chatter()  # a fresh socket per example, as a new tab would be
        clients.append(client)
        if in_chat:  # half the examples fuzz a socket with a chat (assigned to Anna)
            sequence = [("start", [{}]), *sequence]
        for event, args in sequence:
            check_answer(client, CHAT, event, args)
        client.disconnect(CHAT)

    run()


def test_fuzz_staff_events(sentinel):
    sam = sentinel["sam"]

    @FUZZ
    @given(calls(sorted(STAFF_HANDLERS), st.just(sentinel["target"])))
    def run(sequence):
        for event, args in sequence:
            check_answer(sam, STAFF, event, args)
        assert sam.is_connected(STAFF)

    run()


@FUZZ
@given(st.dictionaries(st.sampled_from(["target_group", "subcategory", "help_given",
                                        "referral_target", "referral_region", "follow_up",
                                        "risk", "age_band", "gender", "note"]) | any_text,
                       json_values | st.lists(any_text, max_size=4), max_size=10)
       | json_values)
def test_fuzz_summary_values_never_raise(values):
    """The summary's values reach no handler check first: the rules must take anything."""
    from helpline.records.summary_rules import validate_summary
    from helpline.records.taxonomy import load_taxonomy
    from helpline.settings import ROOT

    taxonomy = load_taxonomy(ROOT / "config" / "taxonomy.toml")
    clean, errors = validate_summary(values, taxonomy)
    assert errors or ("\ud800" not in clean.get("note", ""))


HTTP_FIELDS = ["action", "del-item", "slot-channel", "slot-weekday", "slot-starts", "slot-ends",
               "exc-channel", "exc-day", "exc-kind", "exc-starts", "exc-ends", "exc-note",
               "username", "display_name", "role", "password", "next", "from", "to"]
http_text = st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ["9999-12-31", "0001-01-01", "2026-02-30", "99999999999999999999", "-1", "24:00", "25:61",
     "delete_slot", "delete_exception", "add_slot", "add_exception", "chat", "closed", "extra",
     "supervisor", "/staff/\r\n", "9" * 5000])


@FUZZ
@given(st.sampled_from(["GET", "POST"]),
       st.sampled_from(["/staff/hours", "/staff/missed", "/staff/missed.csv", "/staff/accounts",
                        "/staff/accounts/{}/password", "/staff/accounts/{}/role",
                        "/staff/accounts/{}/deactivate", "/staff/accounts/{}/reactivate",
                        "/staff/login", "/staff/overview", "/staff/", "/"]),
       st.integers(min_value=-5, max_value=10**25).filter(lambda i: i != 1) | http_text,
       st.dictionaries(st.sampled_from(HTTP_FIELDS) | http_text, http_text, max_size=6))
def test_fuzz_http_routes_never_answer_5xx(signed_in_supervisor, method, path, item, fields):
    """Every page a supervisor can reach, with odd ids, queries and forms: never a 5xx."""
    url = path.format(item)
    if method == "GET":
        response = signed_in_supervisor.get(url, query_string=fields)
    else:
        response = signed_in_supervisor.post(url, data=fields)
    assert response.status_code < 500, (method, url, fields)


@pytest.fixture
def signed_in_supervisor(app, make_staff, caplog):
    make_staff("sam", role="supervisor", name="Sam")
    make_staff("anna", name="Anna")
    http = app.test_client()
    assert sign_in(http, "sam").status_code == 302
    caplog.set_level(logging.ERROR)
    yield http
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]
