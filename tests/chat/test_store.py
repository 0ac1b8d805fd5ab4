"""A live chat's lifecycle and messages in a real Redis (helpline.chat.store), no app."""

from __future__ import annotations

import hashlib
import secrets
import time

import pytest
import redis

from helpline.chat import store
from helpline.queue import assignment, keys, line
from tests.conftest import other_db
from tests.queue.conftest import LIVE_STATE_DB

TTL = 3600
GLOBAL_KEYS = {keys.LINE, keys.LINE_SEQ, keys.DUTY, keys.DURATIONS, keys.POSITIONS_SENT,
               keys.LINE_SNAPSHOT, keys.LINE_V1}


@pytest.fixture
def lr(redis_url):
    """Same as tests/queue/conftest.py's `lr`: DB 3, flushed before and after."""
    client = redis.Redis.from_url(other_db(redis_url, LIVE_STATE_DB), decode_responses=True)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def new_chat(r, now: float = 100.0, ttl: int = TTL, **intake) -> tuple[str, str]:
    return store.create_chat(r, intake.get("age_band"), intake.get("gender"),
                             intake.get("lang", "en"), now, ttl)


def dump(r) -> dict[str, object]:
    """Every key in the database with its whole value, whatever its type."""
    out: dict[str, object] = {}
    for name in r.scan_iter(count=1000):
        kind = r.type(name)
        if kind == "string":
            out[name] = r.get(name)
        elif kind == "hash":
            out[name] = r.hgetall(name)
        elif kind == "list":
            out[name] = r.lrange(name, 0, -1)
        elif kind == "set":
            out[name] = sorted(r.smembers(name))
        elif kind == "zset":
            out[name] = r.zrange(name, 0, -1, withscores=True)
        elif kind == "stream":
            out[name] = r.xrange(name)
        else:  # pragma: no cover - a new type would need handling here
            raise AssertionError(f"unexpected type {kind} for {name}")
    return out


def stream_id(mid: str) -> tuple[int, int]:
    ms, seq = mid.split("-")
    return int(ms), int(seq)


def assign_to(r, staff_id: str = "1", now: float = 200.0) -> list[tuple[str, str]]:
    assignment.go_on_duty(r, staff_id, "Anna", 5, now - 1)
    return assignment.assign_waiting(r, now)


# --- create_chat -------------------------------------------------------------------------


def test_create_chat_puts_the_chat_in_the_line_waiting(lr):
    first, _ = new_chat(lr, now=100.5, age_band="26_35", gender="f", lang="nl")
    second, _ = new_chat(lr, now=101.0)
    assert line.waiting(lr) == [first, second]
    chat = store.get_chat(lr, first)
    assert chat["state"] == "waiting"
    assert float(chat["created_at"]) == 100.5
    assert (chat["age_band"], chat["gender"], chat["lang"]) == ("26_35", "f", "nl")
    assert store.get_chat(lr, second)["age_band"] == ""
    assert store.get_chat(lr, second)["gender"] == ""


def test_create_chat_returns_fresh_random_ids_and_tokens(lr):
    made = [new_chat(lr) for _ in range(20)]
    ids, tokens = zip(*made, strict=True)
    assert len(set(ids)) == 20 and len(set(tokens)) == 20
    assert all(len(t) >= 40 for t in tokens)  # 32 random bytes, url-safe


def test_create_chat_stores_only_the_token_hash(lr):
    chat_id, token = new_chat(lr, age_band="18_25")
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    assert store.hash_token(token) == token_hash
    assert store.get_chat(lr, chat_id)["token_hash"] == token_hash
    assert lr.get(keys.token(token_hash)) == chat_id
    everything = dump(lr)
    assert keys.token(token_hash) in everything
    for name, value in everything.items():
        assert token not in name, name
        assert token not in repr(value), name


def test_raw_token_stays_out_of_redis_through_the_whole_chat(lr):
    chat_id, token = new_chat(lr)
    store.set_connection(lr, chat_id, "sid-1")
    assign_to(lr)
    store.add_message(lr, chat_id, "chatter", "hello", 201.0, TTL)
    store.mark_disconnected(lr, chat_id, "sid-1", 202.0)
    store.end_chat(lr, chat_id, "chatter", "chatter_ended", 203.0)
    store.forget_chat(lr, chat_id, linger=60)
    assert store.chat_for_token(lr, token) == chat_id
    for name, value in dump(lr).items():
        assert token not in name and token not in repr(value), name


def test_create_chat_sets_ttls(lr):
    chat_id, token = new_chat(lr, ttl=900)
    assert 0 < lr.ttl(keys.chat(chat_id)) <= 900
    assert 0 < lr.ttl(keys.token(store.hash_token(token))) <= 900


def test_chats_are_numbered_within_their_day_for_every_console(lr):
    """One name per chat ("Chat 2"), the same in every console and after a transfer."""
    first = store.create_chat(lr, None, None, "nl", 100.0, TTL, day="2026-12-03")[0]
    second = store.create_chat(lr, None, None, "nl", 101.0, TTL, day="2026-12-03")[0]
    next_day = store.create_chat(lr, None, None, "nl", 102.0, TTL, day="2026-12-04")[0]
    assert [store.chat_view(lr, c)["number"] for c in (first, second, next_day)] == [1, 2, 1]
    assert 0 < lr.ttl(keys.chat_numbers("2026-12-03")) <= 2 * 86400


# --- chat_for_token ----------------------------------------------------------------------


def test_chat_for_token_finds_the_chat(lr):
    chat_id, token = new_chat(lr)
    other_id, other = new_chat(lr)
    assert store.chat_for_token(lr, token) == chat_id
    assert store.chat_for_token(lr, other) == other_id


def test_chat_for_unknown_token_is_none(lr):
    new_chat(lr)
    assert store.chat_for_token(lr, secrets.token_urlsafe(32)) is None


@pytest.mark.parametrize("bad", [None, 123, 12.5, b"x" * 43, ["x" * 43], {"t": "x" * 43},
                                 True, ""])
def test_chat_for_token_of_wrong_type_is_none(lr, bad):
    new_chat(lr)
    assert store.chat_for_token(lr, bad) is None


def test_chat_for_bytes_token_is_none_even_when_its_text_is_valid(lr):
    chat_id, token = new_chat(lr)
    assert store.chat_for_token(lr, token) == chat_id
    assert store.chat_for_token(lr, token.encode()) is None


@pytest.mark.parametrize(("length", "accepted"), [(1, False), (19, False), (20, True),
                                                  (100, True), (101, False), (5000, False)])
def test_chat_for_token_checks_length_before_looking_up(lr, length, accepted):
    token = "t" * length
    lr.set(keys.token(store.hash_token(token)), "planted")  # would match if looked up
    assert store.chat_for_token(lr, token) == ("planted" if accepted else None)


def test_token_is_forgotten_with_the_chat(lr):
    chat_id, token = new_chat(lr)
    store.end_chat(lr, chat_id, "chatter", "left_line", 1.0)
    store.forget_chat(lr, chat_id)
    assert store.chat_for_token(lr, token) is None


# --- messages ---------------------------------------------------------------------------


def test_messages_come_back_in_order_with_increasing_ids(lr):
    chat_id, _ = new_chat(lr)
    sent = [store.add_message(lr, chat_id, "chatter" if i % 2 else "therapist", f"m{i}",
                              1000.0 + i, TTL, name="" if i % 2 else "Anna")
            for i in range(30)]  # many land in the same millisecond
    got = store.messages_after(lr, chat_id)
    assert got == sent
    ids = [stream_id(m.id) for m in got]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert [m.text for m in got] == [f"m{i}" for i in range(30)]
    assert got[0].sender == "therapist" and got[0].name == "Anna"
    assert got[1].sender == "chatter" and got[1].name == ""
    assert got[3].ts == 1003.0


def test_messages_after_is_exclusive(lr):
    chat_id, _ = new_chat(lr)
    sent = [store.add_message(lr, chat_id, "chatter", f"m{i}", float(i), TTL) for i in range(5)]
    assert store.messages_after(lr, chat_id, sent[0].id) == sent[1:]
    assert store.messages_after(lr, chat_id, sent[2].id) == sent[3:]
    assert store.messages_after(lr, chat_id, sent[-1].id) == []
    assert store.messages_after(lr, chat_id, None) == sent
    assert store.messages_after(lr, chat_id, "") == sent
    assert store.messages_after(lr, chat_id, "0-0") == sent


def test_messages_after_an_id_between_messages(lr):
    chat_id, _ = new_chat(lr)
    a = store.add_message(lr, chat_id, "chatter", "a", 1.0, TTL)
    time.sleep(0.003)
    b = store.add_message(lr, chat_id, "chatter", "b", 2.0, TTL)
    ms, _ = stream_id(b.id)
    between = f"{ms - 1}-999"
    assert stream_id(a.id) < stream_id(between) < stream_id(b.id)
    assert store.messages_after(lr, chat_id, between) == [b]


def test_catch_up_delivers_each_message_exactly_once(lr):
    chat_id, _ = new_chat(lr)
    seen: list[store.Message] = []
    last = None
    for batch in range(4):
        for i in range(batch + 1):
            store.add_message(lr, chat_id, "chatter", f"{batch}.{i}", 1.0, TTL)
        new = store.messages_after(lr, chat_id, last)
        seen.extend(new)
        last = new[-1].id
    assert [m.text for m in seen] == ["0.0", "1.0", "1.1", "2.0", "2.1", "2.2",
                                      "3.0", "3.1", "3.2", "3.3"]
    assert len({m.id for m in seen}) == len(seen)


def test_message_text_round_trips(lr):
    chat_id, _ = new_chat(lr)
    text = "Ik voel me 😔 — niet goed.\nTweede regel <b>&amp;</b>"
    msg = store.add_message(lr, chat_id, "chatter", text, 12.25, TTL)
    (got,) = store.messages_after(lr, chat_id)
    assert got.text == text and got.ts == 12.25
    assert msg.as_dict() == {"id": msg.id, "sender": "chatter", "text": text, "ts": 12.25,
                             "name": ""}


def test_messages_of_unknown_chat_are_empty(lr):
    assert store.messages_after(lr, "nope") == []


def test_message_stream_expires(lr):
    chat_id, _ = new_chat(lr)
    store.add_message(lr, chat_id, "chatter", "hi", 1.0, 500)
    assert 0 < lr.ttl(keys.messages(chat_id)) <= 500


# --- end_chat ---------------------------------------------------------------------------


def test_end_waiting_chat_takes_it_out_of_the_line(lr):
    a, _ = new_chat(lr)
    b, _ = new_chat(lr)
    ended = store.end_chat(lr, a, "chatter", "left_line", 150.5)
    assert ended == store.Ended("waiting", "", None)
    assert line.waiting(lr) == [b]
    chat = store.get_chat(lr, a)
    assert chat["state"] == "ended"
    assert (chat["ended_by"], chat["end_reason"], float(chat["ended_at"])) == (
        "chatter", "left_line", 150.5)


def test_end_active_chat_returns_staff_and_assigned_at(lr):
    chat_id, _ = new_chat(lr)
    assert assign_to(lr, "7", now=222.75) == [(chat_id, "7")]
    ended = store.end_chat(lr, chat_id, "therapist", "done", 300.0)
    assert ended == store.Ended("active", "7", 222.75)
    assert store.get_chat(lr, chat_id)["state"] == "ended"
    assert store.get_chat(lr, chat_id)["staff"] == "7"
    # The therapist keeps the chat until the summary is filed.
    assert assignment.held_chats(lr, "7") == {chat_id}


def test_ending_twice_is_refused(lr):
    chat_id, _ = new_chat(lr)
    store.end_chat(lr, chat_id, "chatter", "left_line", 1.0)
    with pytest.raises(store.ChatError) as err:
        store.end_chat(lr, chat_id, "system", "connection_lost", 2.0)
    assert err.value.code == "chat_ended"
    assert str(err.value) == "chat_ended"
    chat = store.get_chat(lr, chat_id)
    assert (chat["ended_by"], chat["end_reason"], chat["ended_at"]) == (
        "chatter", "left_line", "1.0")


def test_ending_an_active_chat_twice_is_refused(lr):
    chat_id, _ = new_chat(lr)
    assign_to(lr)
    store.end_chat(lr, chat_id, "therapist", "done", 300.0)
    with pytest.raises(store.ChatError) as err:
        store.end_chat(lr, chat_id, "chatter", "chatter_ended", 301.0)
    assert err.value.code == "chat_ended"


def test_ending_unknown_chat_is_refused_and_creates_nothing(lr):
    with pytest.raises(store.ChatError) as err:
        store.end_chat(lr, "nope", "chatter", "left_line", 1.0)
    assert err.value.code == "unknown_chat"
    assert dump(lr) == {}


def test_ending_forgotten_chat_is_unknown(lr):
    chat_id, _ = new_chat(lr)
    store.end_chat(lr, chat_id, "chatter", "left_line", 1.0)
    store.forget_chat(lr, chat_id)
    with pytest.raises(store.ChatError) as err:
        store.end_chat(lr, chat_id, "chatter", "left_line", 2.0)
    assert err.value.code == "unknown_chat"


def test_end_keeps_the_chat_ttl(lr):
    chat_id, _ = new_chat(lr, ttl=700)
    store.end_chat(lr, chat_id, "chatter", "left_line", 1.0)
    assert 0 < lr.ttl(keys.chat(chat_id)) <= 700


# --- forget_chat ------------------------------------------------------------------------


def test_forget_chat_deletes_state_messages_and_token(lr):
    chat_id, token = new_chat(lr)
    keep_id, keep_token = new_chat(lr)
    store.add_message(lr, chat_id, "chatter", "hi", 1.0, TTL)
    store.add_message(lr, keep_id, "chatter", "hi", 1.0, TTL)
    store.end_chat(lr, chat_id, "chatter", "chatter_ended", 2.0)
    store.forget_chat(lr, chat_id)
    assert store.get_chat(lr, chat_id) == {}
    assert store.messages_after(lr, chat_id) == []
    assert not lr.exists(keys.chat(chat_id), keys.messages(chat_id),
                         keys.token(store.hash_token(token)))
    # Other chats are untouched.
    assert store.chat_for_token(lr, keep_token) == keep_id
    assert len(store.messages_after(lr, keep_id)) == 1


def test_forget_chat_with_linger_keeps_the_ended_state_for_a_while(lr):
    chat_id, token = new_chat(lr, ttl=TTL)
    store.add_message(lr, chat_id, "chatter", "hi", 1.0, TTL)
    store.end_chat(lr, chat_id, "chatter", "left_line", 2.0)
    store.forget_chat(lr, chat_id, linger=300)
    # Messages go at once; the state and the token stay (a reload sees 'ended').
    assert not lr.exists(keys.messages(chat_id))
    assert store.get_chat(lr, chat_id)["state"] == "ended"
    assert store.chat_for_token(lr, token) == chat_id
    assert 0 < lr.ttl(keys.chat(chat_id)) <= 300
    assert 0 < lr.ttl(keys.token(store.hash_token(token))) <= 300


def test_forget_chat_with_linger_really_expires(lr):
    chat_id, token = new_chat(lr)
    store.end_chat(lr, chat_id, "chatter", "left_line", 2.0)
    store.forget_chat(lr, chat_id, linger=1)
    deadline = time.monotonic() + 3
    while lr.exists(keys.chat(chat_id)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store.get_chat(lr, chat_id) == {}
    assert store.chat_for_token(lr, token) is None


def test_forget_unknown_chat_is_harmless(lr):
    store.forget_chat(lr, "nope")
    store.forget_chat(lr, "nope", linger=10)
    assert dump(lr) == {}


# --- connection: mark_disconnected / still_disconnected_since ---------------------------


def test_mark_disconnected_for_the_current_socket(lr):
    chat_id, _ = new_chat(lr)
    store.set_connection(lr, chat_id, "sid-1")
    assert store.mark_disconnected(lr, chat_id, "sid-1", 50.25) is True
    chat = store.get_chat(lr, chat_id)
    assert (chat["sid"], chat["disconnected_at"]) == ("", "50.25")


def test_mark_disconnected_of_a_replaced_socket_is_ignored(lr):
    chat_id, _ = new_chat(lr)
    store.set_connection(lr, chat_id, "sid-old")
    store.set_connection(lr, chat_id, "sid-new")  # a reload took over
    assert store.mark_disconnected(lr, chat_id, "sid-old", 50.0) is False
    chat = store.get_chat(lr, chat_id)
    assert (chat["sid"], chat["disconnected_at"]) == ("sid-new", "")
    assert store.mark_disconnected(lr, chat_id, "sid-new", 51.0) is True


def test_mark_disconnected_of_ended_chat_is_ignored(lr):
    chat_id, _ = new_chat(lr)
    store.set_connection(lr, chat_id, "sid-1")
    store.end_chat(lr, chat_id, "chatter", "left_line", 1.0)
    assert store.mark_disconnected(lr, chat_id, "sid-1", 2.0) is False
    assert store.get_chat(lr, chat_id)["sid"] == "sid-1"


def test_mark_disconnected_without_a_connection_or_chat_is_ignored(lr):
    chat_id, _ = new_chat(lr)  # never connected: no sid field
    assert store.mark_disconnected(lr, chat_id, "sid-1", 2.0) is False
    assert store.mark_disconnected(lr, "nope", "sid-1", 2.0) is False
    assert not lr.exists(keys.chat("nope"))


def test_reconnect_clears_the_drop(lr):
    chat_id, _ = new_chat(lr)
    store.set_connection(lr, chat_id, "sid-1")
    store.mark_disconnected(lr, chat_id, "sid-1", 5.0)
    store.set_connection(lr, chat_id, "sid-2")
    chat = store.get_chat(lr, chat_id)
    assert (chat["sid"], chat["disconnected_at"]) == ("sid-2", "")


def test_still_disconnected_since(lr):
    chat_id, _ = new_chat(lr)
    store.set_connection(lr, chat_id, "sid-1")
    moment = time.time()  # a realistic float must round-trip exactly
    store.mark_disconnected(lr, chat_id, "sid-1", moment)
    assert store.still_disconnected_since(lr, chat_id, moment) is True
    assert store.still_disconnected_since(lr, chat_id, moment + 0.001) is False


def test_not_still_disconnected_after_reconnect_and_new_drop(lr):
    chat_id, _ = new_chat(lr)
    store.set_connection(lr, chat_id, "sid-1")
    store.mark_disconnected(lr, chat_id, "sid-1", 10.0)
    store.set_connection(lr, chat_id, "sid-2")
    assert store.still_disconnected_since(lr, chat_id, 10.0) is False
    store.mark_disconnected(lr, chat_id, "sid-2", 20.0)
    assert store.still_disconnected_since(lr, chat_id, 10.0) is False  # an older drop
    assert store.still_disconnected_since(lr, chat_id, 20.0) is True


def test_not_still_disconnected_once_ended_or_gone(lr):
    chat_id, _ = new_chat(lr)
    store.set_connection(lr, chat_id, "sid-1")
    store.mark_disconnected(lr, chat_id, "sid-1", 10.0)
    store.end_chat(lr, chat_id, "chatter", "left_line", 11.0)
    assert store.still_disconnected_since(lr, chat_id, 10.0) is False
    store.forget_chat(lr, chat_id)
    assert store.still_disconnected_since(lr, chat_id, 10.0) is False
    assert store.still_disconnected_since(lr, "nope", 10.0) is False


def test_never_disconnected_is_not_still_disconnected(lr):
    chat_id, _ = new_chat(lr)
    store.set_connection(lr, chat_id, "sid-1")
    assert store.still_disconnected_since(lr, chat_id, 0.0) is False


# --- expiry -----------------------------------------------------------------------------


def keys_without_ttl(r) -> set[str]:
    return {name for name in r.scan_iter(count=1000) if r.ttl(name) == -1}


def test_every_key_a_chat_creates_expires(lr):
    chat_id, _ = new_chat(lr, ttl=600)
    store.set_connection(lr, chat_id, "sid-1")
    store.add_message(lr, chat_id, "chatter", "hello", 1.0, 600)
    store.mark_disconnected(lr, chat_id, "sid-1", 2.0)
    store.set_connection(lr, chat_id, "sid-2")
    store.add_message(lr, chat_id, "chatter", "back", 3.0, 600)
    left_id, _ = new_chat(lr, ttl=600)
    store.end_chat(lr, left_id, "chatter", "left_line", 4.0)
    store.forget_chat(lr, left_id, linger=300)
    assert keys_without_ttl(lr) <= GLOBAL_KEYS
    assert {k for k in dump(lr) if k not in GLOBAL_KEYS} == {
        keys.chat(chat_id), keys.messages(chat_id), keys.chat(left_id),
        keys.token(store.get_chat(lr, chat_id)["token_hash"]),
        keys.token(store.get_chat(lr, left_id)["token_hash"]), keys.chat_numbers("any")}


def test_every_chat_key_expires_through_assignment_and_end(lr):
    chat_id, _ = new_chat(lr, ttl=600)
    store.set_connection(lr, chat_id, "sid-1")
    assign_to(lr, "1")
    store.add_message(lr, chat_id, "therapist", "hi", 1.0, 600, name="Anna")
    store.end_chat(lr, chat_id, "therapist", "done", 2.0)
    for name in (keys.chat(chat_id), keys.messages(chat_id)):
        assert 0 < lr.ttl(name) <= 600, name
    # Only the global keys and the therapist's presence (no chat content: a name, a
    # capacity, and the ids of chats held until the summary is filed) live without expiry.
    staff_keys = {keys.staff("1"), keys.staff_chats("1")}
    assert keys_without_ttl(lr) <= GLOBAL_KEYS | staff_keys
    store.forget_chat(lr, chat_id)
    assignment.release(lr, "1", chat_id)
    assert not lr.exists(keys.staff_chats("1"))  # empty set is gone with the last release
    assert {k for k in dump(lr) if k not in GLOBAL_KEYS} == {keys.staff("1"),
                                                             keys.chat_numbers("any")}


def test_set_connection_on_a_vanished_chat_leaves_no_key_without_expiry(lr):
    chat_id, _ = new_chat(lr)
    store.end_chat(lr, chat_id, "chatter", "left_line", 1.0)
    store.forget_chat(lr, chat_id)
    store.set_connection(lr, chat_id, "sid-late")
    assert keys_without_ttl(lr) <= GLOBAL_KEYS


# --- the byte budget (Redis memory per chat is bounded) ----------------------------------


def test_one_side_of_a_chat_cannot_store_more_than_its_budget(lr):
    chat_id, _ = new_chat(lr)
    assign_to(lr)
    budget = store.Budget(per_side=3 * (1000 + store.MESSAGE_OVERHEAD), waiting=0)
    for _ in range(3):
        store.post_message(lr, chat_id, "chatter", "x" * 1000, 201.0, TTL, budget=budget)
    with pytest.raises(store.ChatError) as refused:
        store.post_message(lr, chat_id, "chatter", "x", 202.0, TTL, budget=budget)
    assert refused.value.code == "chat_full"
    assert lr.xlen(keys.messages(chat_id)) == 3
    # the other side keeps its own budget: the therapist can still answer
    store.post_message(lr, chat_id, "therapist", "é" * 500, 203.0, TTL, "Anna", budget=budget)
    assert int(lr.hget(keys.chat(chat_id), "bytes:therapist")) == 1000 + 4 + 64


def test_bytes_count_utf8_not_characters_and_a_refusal_costs_nothing(lr):
    chat_id, _ = new_chat(lr)
    budget = store.Budget(per_side=10**6, waiting=2 * (2000 + store.MESSAGE_OVERHEAD))
    store.post_message(lr, chat_id, "chatter", "€" * 666, 1.0, TTL, budget=budget)  # 1,998 B
    store.post_message(lr, chat_id, "chatter", "x" * 2000, 2.0, TTL, budget=budget)
    for _ in range(3):
        with pytest.raises(store.ChatError) as refused:
            store.post_message(lr, chat_id, "chatter", "x" * 100, 3.0, TTL, budget=budget,
                               rate_limit=2)
        assert refused.value.code == "waiting_limit"  # not rate_limited: refusals are free
    assert int(lr.hget(keys.chat(chat_id), "bytes:waiting")) == 1998 + 2000 + 128
    assign_to(lr)  # once a therapist has it, only the side's budget applies
    store.post_message(lr, chat_id, "chatter", "x" * 100, 4.0, TTL, budget=budget)


# --- a console's message: the holder check and the append are one script --------------


def test_a_holder_posts_only_to_an_active_chat_they_hold(lr):
    waiting, _ = new_chat(lr)
    with pytest.raises(store.ChatError) as refused:
        store.post_message(lr, waiting, "therapist", "hi", 201.0, TTL, "Anna", holder="1")
    assert refused.value.code == "not_your_chat"
    assign_to(lr, "1")
    with pytest.raises(store.ChatError) as refused:
        store.post_message(lr, waiting, "therapist", "hi", 201.0, TTL, "Ben", holder="2")
    assert refused.value.code == "not_your_chat"
    store.post_message(lr, waiting, "therapist", "hi", 202.0, TTL, "Anna", holder="1")
    store.end_chat(lr, waiting, "chatter", "chatter_left", 203.0)
    with pytest.raises(store.ChatError) as refused:
        store.post_message(lr, waiting, "therapist", "hi", 204.0, TTL, "Anna", holder="1")
    assert refused.value.code == "chat_ended"
    assert [m.text for m in store.messages_after(lr, waiting)] == ["hi"]
