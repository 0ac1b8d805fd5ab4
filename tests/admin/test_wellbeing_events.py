"""Wellbeing and the no-conversation path on the /staff namespace: pause, cool-down (with
its job run by a real RQ worker), and the one-click registration of a silent chat."""

from __future__ import annotations

from sqlalchemy import select

from helpline.extensions import db
from helpline.queue import keys
from helpline.records.models import Summary
from tests.admin.test_staff_events import VALUES, send, start_chat
from tests.conftest import events, run_jobs

NS = "/staff"


def on_duty(staff_socket, staff, capacity=1):
    sock = staff_socket(staff)
    assert send(sock, "duty", {"on": True, "capacity": capacity})["ok"]
    return sock


def test_pause_stops_assignments_and_resuming_hands_out(staff_socket, make_staff, chatter):
    sock = on_duty(staff_socket, make_staff("anna"))
    paused = send(sock, "pause", {"paused": True})
    assert paused["ok"] and paused["paused"] is True and paused["on_duty"] is True
    _, started = start_chat(chatter)
    assert not events(sock, NS, "chat_assigned")
    # the only therapist paused: the line is told nobody takes chats now (no estimate)
    assert started["staff_on_duty"] is False and started["expected_wait_minutes"] is None
    state = send(sock, "state", {})
    assert state["paused"] is True and state["cooldown"] == 0
    resumed = send(sock, "pause", {"paused": False})
    assert resumed["paused"] is False
    assert events(sock, NS, "chat_assigned")[-1]["chat_id"] == started["chat_id"]


def test_pause_refuses_a_non_boolean(staff_socket, make_staff):
    sock = on_duty(staff_socket, make_staff("anna"))
    assert send(sock, "pause", {"paused": "yes"})["code"] == "bad_payload"
    assert send(sock, "pause", {})["code"] == "bad_payload"


def file_one(sock, chatter, values=VALUES):
    _, started = start_chat(chatter)
    cid = started["chat_id"]
    assert send(sock, "end", {"chat_id": cid})["ok"]
    return send(sock, "summary", {"chat_id": cid, "values": values})


def test_cooldown_after_a_summary_until_skipped(app, staff_socket, make_staff, chatter):
    app.config["COOLDOWN_SECONDS"] = 300
    sock = on_duty(staff_socket, make_staff("anna"))
    filed = file_one(sock, chatter)
    assert filed["ok"] and 295 <= filed["cooldown"] <= 300
    events(sock, NS)
    _, waiting = start_chat(chatter)
    assert not events(sock, NS, "chat_assigned")
    assert send(sock, "state", {})["cooldown"] > 0
    skipped = send(sock, "skip_cooldown", {})
    assert skipped["ok"] and skipped["cooldown"] == 0
    assert events(sock, NS, "chat_assigned")[-1]["chat_id"] == waiting["chat_id"]


def test_the_cooldown_job_hands_out_at_its_end(app, staff_socket, make_staff, chatter, r):
    app.config["COOLDOWN_SECONDS"] = 300
    anna = make_staff("anna")
    sock = on_duty(staff_socket, anna)
    assert file_one(sock, chatter)["cooldown"] > 0
    _, waiting = start_chat(chatter)
    events(sock, NS)
    run_jobs(app)
    assert events(sock, NS, "chat_assigned")[-1]["chat_id"] == waiting["chat_id"]
    assert r.hget(keys.staff(anna.id), "cooldown_until") is None


def test_no_cooldown_by_default(staff_socket, make_staff, chatter):
    sock = on_duty(staff_socket, make_staff("anna"))
    assert file_one(sock, chatter)["cooldown"] == 0
    _, waiting = start_chat(chatter)
    assert events(sock, NS, "chat_assigned")[-1]["chat_id"] == waiting["chat_id"]


def test_no_conversation_files_a_registration_apart(staff_socket, make_staff, chatter, ctx, r):
    sock = on_duty(staff_socket, make_staff("anna"))
    _, started = start_chat(chatter, {"age_band": "18_25"})
    cid = started["chat_id"]
    assert send(sock, "summary", {"chat_id": cid, "no_conversation": True})[
        "code"] == "summary_not_due"
    assert send(sock, "message", {"chat_id": cid, "text": "Hello?"})["ok"]  # ours only
    assert send(sock, "end", {"chat_id": cid})["ok"]
    filed = send(sock, "summary", {"chat_id": cid, "no_conversation": True})
    assert filed["ok"] and filed["summary_id"]
    assert not r.exists(keys.chat(cid))
    with ctx():
        row = db.session.scalar(select(Summary))
    assert row.status == "no_conversation" and row.age_band == "18_25"
    assert row.target_group is None and row.note == ""


def test_no_conversation_is_refused_once_the_chatter_wrote(staff_socket, make_staff, chatter, r):
    sock = on_duty(staff_socket, make_staff("anna"))
    client, started = start_chat(chatter)
    cid = started["chat_id"]
    assert client.emit("message", {"text": "hi"}, namespace="/chat", callback=True)["ok"]
    assert send(sock, "end", {"chat_id": cid})["ok"]
    refused = send(sock, "summary", {"chat_id": cid, "no_conversation": True})
    assert refused["code"] == "conversation_held" and refused["message"]
    assert r.exists(keys.chat(cid))
    assert send(sock, "summary", {"chat_id": cid, "no_conversation": "yes"})[
        "code"] == "bad_payload"
