"""The live overview and supervision across two server processes sharing one Redis: the
supervisor's socket is on server A, the chatter and the therapist on server B."""

from __future__ import annotations

from tests.peers import staff_cookie


def waiting_ids(picture):
    return [w["chat_id"] for w in picture["waiting"]]


def test_supervisor_on_a_sees_b_change_and_watches_across_servers(live, live_staff,
                                                                  peers):
    server_a, server_b = live.urls
    live_staff("sara", role="supervisor", name="Sara")
    live_staff("anna", name="Anna")
    supervisor = peers(server_a, "/staff", cookie=staff_cookie(server_a, "sara"))
    supervisor.wait_for("state")
    first = supervisor.call("overview")
    assert first["ok"] and first["waiting"] == [] and first["chats"] == []

    # A chatter joins on server B: the overview pushed on A shows them waiting.
    chatter = peers(server_b, "/chat")
    started = chatter.call("start", {"age_band": "26_35", "lang": "nl"})
    chat_id = started["chat_id"]
    pushed = supervisor.wait_for("overview", lambda d: chat_id in waiting_ids(d))
    [row] = pushed["waiting"]
    assert (row["age_band"], row["lang"], row["position"]) == ("26_35", "nl", 1)

    # A therapist on server B goes on duty and takes the chat: A sees it move.
    therapist = peers(server_b, "/staff", cookie=staff_cookie(server_b, "anna"))
    therapist.wait_for("state")
    assert therapist.call("duty", {"on": True, "capacity": 2})["ok"]
    therapist.wait_for("chat_assigned", lambda d: d["chat_id"] == chat_id)
    taken = supervisor.wait_for(
        "overview", lambda d: any(c["chat_id"] == chat_id for c in d["chats"]))
    assert waiting_ids(taken) == []
    [chat] = taken["chats"]
    assert chat["therapist"] == "Anna" and chat["state"] == "active"
    assert [(s["name"], s["load"], s["capacity"]) for s in taken["staff"]] == [("Anna", 1, 2)]
    assert taken["today"]["answered"] == 1

    # Monitoring from A: a message written on B reaches the supervisor, not the other way.
    watched = supervisor.call("monitor", {"chat_id": chat_id})
    assert watched["ok"] and watched["chat"]["messages"] == []
    said = chatter.call("message", {"text": "Is anyone there?"})
    supervisor.wait_for("message", lambda d: d["id"] == said["id"])
    assert supervisor.call("whisper", {"chat_id": chat_id, "text": "Take your time."})["ok"]
    note = therapist.wait_for("whisper")
    assert note["text"] == "Take your time." and note["from"] == "Sara"

    # The risk flag raised on B alerts the supervisor on A at once.
    assert therapist.call("risk_flag", {"chat_id": chat_id, "on": True})["ok"]
    alert = supervisor.wait_for("risk_alert")
    assert alert["chat_id"] == chat_id and alert["therapist"] == "Anna"
    supervisor.wait_for("overview", lambda d: d["chats"] and d["chats"][0]["risk"])

    # Nothing of the supervision reached the chatter.
    assert {name for name, _ in chatter.received} <= {"assigned", "message", "position"}
    assert [d["text"] for d in chatter.got("message")] == ["Is anyone there?"]
