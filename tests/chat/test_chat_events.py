"""The /chat namespace through Flask-SocketIO's test client: intake, line, chat, errors."""

from __future__ import annotations

import pytest

from helpline.chat import store
from helpline.queue import keys
from tests.conftest import events

NS = "/chat"


def ack(client, event, data=None):
    return client.emit(event, data, namespace=NS, callback=True)


def on_duty(staff_socket, staff, capacity=1):
    sock = staff_socket(staff)
    assert sock.emit("duty", {"on": True, "capacity": capacity}, namespace="/staff",
                     callback=True)["ok"]
    return sock


def test_start_puts_chatter_in_line_with_position(chatter, r):
    first, second = chatter(), chatter()
    a = ack(first, "start", {"age_band": "26_35", "gender": None})
    b = ack(second, "start", {})
    assert a["ok"] and a["state"] == "waiting" and a["position"] == 1
    assert b["position"] == 2
    assert b["expected_wait_minutes"] is None and b["staff_on_duty"] is False
    assert b["expected_wait_range"] is None
    assert r.hget(keys.chat(a["chat_id"]), "age_band") == "26_35"
    assert r.hget(keys.chat(b["chat_id"]), "gender") == ""


def test_leaving_the_line_moves_the_next_chatter_up(chatter):
    first, second = chatter(), chatter()
    ack(first, "start")
    ack(second, "start")
    events(second, NS)
    assert ack(first, "end")["ok"]
    positions = events(second, NS, "position")
    assert positions[-1]["position"] == 1
    assert events(first, NS, "ended")[-1]["reason"] == "left_line"


def test_assignment_on_duty_and_messages_both_ways(chatter, staff_socket, make_staff):
    anna = make_staff("anna", name="Anna")
    client = chatter()
    started = ack(client, "start", {"gender": "x"})
    assert ack(client, "message", {"text": "hello, are you there?"})["ok"]
    sock = on_duty(staff_socket, anna)
    assigned = events(sock, "/staff", "chat_assigned")
    assert assigned and assigned[0]["chat_id"] == started["chat_id"]
    assert [m["text"] for m in assigned[0]["messages"]] == ["hello, are you there?"]
    assert events(client, NS, "assigned")[-1] == {"therapist": "Anna"}

    reply = sock.emit("message", {"chat_id": started["chat_id"], "text": "Yes, I'm here."},
                      namespace="/staff", callback=True)
    assert reply["ok"]
    got = events(client, NS, "message")
    assert got[-1]["text"] == "Yes, I'm here." and got[-1]["sender"] == "therapist"
    assert got[-1]["name"] == "Anna"


def test_typing_tells_the_other_side_without_text(chatter, staff_socket, make_staff):
    sock = on_duty(staff_socket, make_staff("anna"))
    client = chatter()
    started = ack(client, "start")
    events(sock, "/staff")
    assert ack(client, "typing", {"typing": True})["ok"]
    assert events(sock, "/staff", "typing") == [{"chat_id": started["chat_id"], "typing": True}]
    assert ack(client, "typing", {"typing": "yes"})["code"] == "bad_payload"


def test_message_over_the_limit_gets_a_clear_error(chatter):
    client = chatter()
    ack(client, "start")
    result = ack(client, "message", {"text": "x" * 2001})
    assert result["code"] == "too_long" and "2000" in result["message"]
    assert events(client, NS, "error")[-1]["code"] == "too_long"
    assert ack(client, "message", {"text": "x" * 2000})["ok"]


def test_a_waiting_chatter_cannot_fill_redis(chatter, app):
    client = chatter()
    ack(client, "start")
    budget = app.config["CHAT_BYTES_WHILE_WAITING"]
    fit = budget // (2000 + store.MESSAGE_OVERHEAD)
    sent = [ack(client, "message", {"text": "x" * 2000}) for _ in range(fit + 1)]
    assert all(r["ok"] for r in sent[:-1])
    assert sent[-1]["code"] == "waiting_limit" and sent[-1]["message"]
    assert events(client, NS, "error")[-1]["code"] == "waiting_limit"


@pytest.mark.parametrize("payload, code", [
    ("just a string", "bad_payload"),
    ([1, 2, 3], "bad_payload"),
    ({"text": None}, "bad_payload"),
    ({"text": 42}, "bad_payload"),
    ({"text": "   \x00\x07 "}, "empty"),
])
def test_malformed_messages_are_refused(chatter, payload, code):
    client = chatter()
    ack(client, "start")
    assert ack(client, "message", payload)["code"] == code


def test_out_of_order_and_unknown_events(chatter):
    client = chatter()
    assert ack(client, "message", {"text": "hi"})["code"] == "not_joined"
    assert ack(client, "end")["code"] == "not_joined"
    assert ack(client, "typing", {"typing": True})["code"] == "not_joined"
    assert ack(client, "launch_missiles", {})["code"] == "unknown_event"
    assert ack(client, "start", {"age_band": "<script>"})["code"] == "bad_payload"
    assert ack(client, "resume", {"token": "forged-token-" * 3})["code"] == "unknown_token"
    assert ack(client, "resume", {"token": 12})["code"] == "bad_payload"  # a token is a string
    assert ack(client, "resume", {"token": "x" * 30, "last_id": "DROP"})["code"] == "bad_payload"
    assert ack(client, "start")["ok"]
    assert ack(client, "start")["code"] == "already_joined"
    assert ack(client, "end")["ok"]
    assert ack(client, "end")["code"] == "chat_ended"  # docs/protocol.md: ending twice


def test_extra_arguments_are_refused(chatter):
    client = chatter()
    result = client.emit("start", {}, {"more": 1}, namespace=NS, callback=True)
    assert result["code"] == "bad_payload"


def test_a_bad_chatter_does_not_disturb_another_chat(chatter, staff_socket, make_staff):
    sock = on_duty(staff_socket, make_staff("anna"), capacity=2)
    good, bad = chatter(), chatter()
    good_chat = ack(good, "start")["chat_id"]
    ack(bad, "start")
    for payload in (None, "x", {"text": "y" * 50_000}, {"text": {"nested": 1}}):
        ack(bad, "message", payload)
    assert ack(good, "message", {"text": "still fine"})["ok"]
    texts = [m["text"] for m in events(sock, "/staff", "message") if m["chat_id"] == good_chat]
    assert texts == ["still fine"]


def test_resume_returns_only_messages_after_last_id(chatter, staff_socket, make_staff):
    sock = on_duty(staff_socket, make_staff("anna"))
    client = chatter()
    started = ack(client, "start")
    first = ack(client, "message", {"text": "one"})["id"]
    sock.emit("message", {"chat_id": started["chat_id"], "text": "two"}, namespace="/staff")
    ack(client, "message", {"text": "three"})
    client.disconnect(NS)

    again = chatter()
    resumed = ack(again, "resume", {"token": started["token"], "last_id": first})
    assert resumed["state"] == "active" and resumed["therapist"] == "Anna"
    assert [m["text"] for m in resumed["messages"]] == ["two", "three"]
    everything = ack(chatter(), "resume", {"token": started["token"]})
    assert [m["text"] for m in everything["messages"]] == ["one", "two", "three"]
    assert ack(again, "message", {"text": "four"})["ok"]


def test_resume_while_waiting_keeps_the_place(chatter):
    first, second = chatter(), chatter()
    ack(first, "start")
    token = ack(second, "start")["token"]
    second.disconnect(NS)
    resumed = ack(chatter(), "resume", {"token": token})
    assert resumed["state"] == "waiting" and resumed["position"] == 2


def test_the_token_is_kept_only_as_a_hash(chatter, r):
    token = ack(chatter(), "start")["token"]
    for name in r.scan_iter("*"):
        assert token not in name
        if r.type(name) == "hash":
            assert token not in str(r.hgetall(name))
        elif r.type(name) == "string":
            assert token not in str(r.get(name))


def test_quick_exit_ends_the_chat_and_always_succeeds(chatter, staff_socket, make_staff, r):
    sock = on_duty(staff_socket, make_staff("anna"))
    client = chatter()
    chat_id = ack(client, "start")["chat_id"]
    assert ack(client, "quick_exit")["ok"]
    ended = events(sock, "/staff", "chat_ended")
    assert ended == [{"chat_id": chat_id, "by": "chatter", "reason": "quick_exit"}]
    assert r.hget(keys.chat(chat_id), "state") == "ended"
    assert ack(client, "quick_exit")["ok"]
    assert ack(chatter(), "quick_exit")["ok"]


def test_therapist_end_tells_the_chatter(chatter, staff_socket, make_staff):
    sock = on_duty(staff_socket, make_staff("anna"))
    client = chatter()
    chat_id = ack(client, "start")["chat_id"]
    assert sock.emit("end", {"chat_id": chat_id}, namespace="/staff", callback=True)["ok"]
    assert events(client, NS, "ended")[-1] == {"by": "therapist", "reason": "therapist_ended"}
    assert ack(client, "message", {"text": "wait"})["code"] == "chat_ended"
    again = sock.emit("end", {"chat_id": chat_id}, namespace="/staff", callback=True)
    assert again["code"] == "chat_ended"


def test_rate_limit_is_per_chat(chatter, app):
    app.config["MESSAGES_PER_10_SECONDS"] = 3
    noisy, calm = chatter(), chatter()
    ack(noisy, "start")
    ack(calm, "start")
    results = [ack(noisy, "message", {"text": f"m{i}"}) for i in range(4)]
    assert [x.get("ok") for x in results[:3]] == [True, True, True]
    assert results[3]["code"] == "rate_limited"
    assert ack(calm, "message", {"text": "hello"})["ok"]


def test_chat_page_sets_no_cookie_and_strict_headers(app):
    response = app.test_client().get("/")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_a_new_chat_after_the_last_one_was_filed(chatter, staff_socket, make_staff):
    from tests.admin.test_staff_events import VALUES

    sock = on_duty(staff_socket, make_staff("anna"))
    client = chatter()
    chat_id = ack(client, "start")["chat_id"]
    sock.emit("end", {"chat_id": chat_id}, namespace="/staff")
    assert sock.emit("summary", {"chat_id": chat_id, "values": VALUES}, namespace="/staff",
                     callback=True)["ok"]
    again = ack(client, "start")
    assert again["ok"] and again["chat_id"] != chat_id


def test_the_chatter_page_has_words_for_the_budget_refusals(app):
    import json
    import re

    page = app.test_client().get("/").get_data(as_text=True)
    config = json.loads(re.search(r'id="page-config">(.*?)</script>', page, re.S).group(1))
    errors = json.dumps(config)
    assert '"waiting_limit"' in errors and '"chat_full"' in errors


def test_the_wait_is_a_range_in_the_ack_and_the_position_event(
        chatter, staff_socket, make_staff, app):
    on_duty(staff_socket, make_staff("anna", name="Anna"))
    first, second = chatter(), chatter()
    assert ack(first, "start")["state"] == "active"  # Anna takes the first at once
    started = ack(second, "start")
    default = app.config["DEFAULT_CHAT_MINUTES"]
    # No history: from a minute to the default widened by half, and the old field stays.
    assert started["expected_wait_range"][0] == 1
    assert started["expected_wait_range"][1] >= started["expected_wait_minutes"] == default
    third = chatter()
    ack(third, "start")
    position = events(third, NS, "position")[-1]
    low, high = position["expected_wait_range"]
    assert position["position"] == 2 and low <= position["expected_wait_minutes"] <= high
