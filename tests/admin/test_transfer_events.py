"""The `transfer` and `colleagues` staff events: ownership, capacity, the private note,
back to the front of the line, and what the chatter and both therapists are told."""

from __future__ import annotations

from helpline.chat import store
from helpline.queue import keys, line
from tests.conftest import events

NS = "/staff"
CHAT = "/chat"
NOTE = "Worried about his nephew's visit on Sunday; calmer now. Mentions therapy."


def send(sock, event, data=None):
    return sock.emit(event, data, namespace=NS, callback=True)


def start_chat(chatter, data=None):
    client = chatter()
    return client, client.emit("start", data or {}, namespace=CHAT, callback=True)


def _pair(staff_socket, make_staff, chatter):
    """Anna holds a chat with two messages; Ben is on duty with a free slot."""
    anna_acc, ben_acc = make_staff("anna", name="Anna"), make_staff("ben", name="Ben")
    anna, ben = staff_socket(anna_acc), staff_socket(ben_acc)
    assert send(anna, "duty", {"on": True, "capacity": 1})["ok"]
    client, started = start_chat(chatter)
    chat_id = started["chat_id"]
    client.emit("message", {"text": "I need to talk."}, namespace=CHAT, callback=True)
    send(anna, "message", {"chat_id": chat_id, "text": "I'm listening."})
    assert send(ben, "duty", {"on": True, "capacity": 2})["ok"]
    for sock in (anna, ben):
        sock.get_received(NS)
    client.get_received(CHAT)
    return anna, ben, client, chat_id, ben_acc.id, anna_acc.id


def test_transfer_to_a_colleague(staff_socket, make_staff, chatter, r):
    anna, ben, client, chat_id, ben_id, _ = _pair(staff_socket, make_staff, chatter)
    ack = send(anna, "transfer", {"chat_id": chat_id, "to": ben_id, "note": NOTE})
    assert ack == {"ok": True, "to": "Ben"}

    got = events(ben, NS, "chat_assigned")
    assert len(got) == 1 and got[0]["chat_id"] == chat_id
    assert got[0]["handover_note"] == {"text": NOTE, "from": "Anna"}
    assert [m["text"] for m in got[0]["messages"]] == ["I need to talk.", "I'm listening."]
    assert events(anna, NS, "chat_transferred") == [{"chat_id": chat_id, "to": "Ben"}]

    told = client.get_received(CHAT)
    assert [e["args"][0] for e in told if e["name"] == "transferred"] == [{"therapist": "Ben"}]
    assert NOTE not in repr(told)  # the note never reaches the chatter

    # The conversation continues with Ben; Anna can no longer write.
    assert send(anna, "message", {"chat_id": chat_id, "text": "x"})["code"] == "not_your_chat"
    reply = send(ben, "message", {"chat_id": chat_id, "text": "Hello, I'm Ben."})
    assert reply["ok"]
    heard = client.emit("message", {"text": "Hi Ben"}, namespace=CHAT, callback=True)
    assert heard["ok"]
    assert [m["text"] for m in events(ben, NS, "message")] == ["Hello, I'm Ben.", "Hi Ben"]
    assert send(ben, "state")["load"] == 1 and send(anna, "state")["load"] == 0
    # The note is in no stream message and not kept on the chat.
    assert all(NOTE not in m.text for m in store.messages_after(r, chat_id))
    assert "handover_note" not in store.get_chat(r, chat_id)


def test_transfer_refusals(staff_socket, make_staff, chatter, app):
    anna, ben, client, chat_id, ben_id, anna_id = _pair(staff_socket, make_staff, chatter)
    carl = make_staff("carl", name="Carl")
    gone = make_staff("dora")
    with app.app_context():
        from helpline.admin import accounts
        from helpline.extensions import db
        accounts.deactivate(db.session, "dora")

    def transfer(sock, **data):
        return send(sock, "transfer", {"chat_id": chat_id, **data})

    assert transfer(ben, to=anna_id)["code"] == "not_your_chat"
    assert transfer(anna, to=carl.id)["code"] == "no_capacity"  # never on duty
    assert transfer(anna, to=gone.id)["code"] == "unknown_staff"
    assert transfer(anna, to=987654)["code"] == "unknown_staff"
    assert transfer(anna, to=anna_id)["code"] == "bad_payload"
    for bad in (None, True, "ben", -1, 2.5, [ben_id], "linee"):
        assert transfer(anna, to=bad)["code"] == "bad_payload", bad
    assert transfer(anna, to=ben_id, note="x" * 501)["code"] == "too_long"
    assert transfer(anna, to=ben_id, note=5)["code"] == "bad_payload"
    assert send(anna, "transfer", {"chat_id": "nope-nope-nope", "to": "line"})["code"] == (
        "unknown_chat")

    send(ben, "duty", {"on": True, "capacity": 1})
    start_chat(chatter)  # Ben's only slot is taken now
    assert transfer(anna, to=ben_id)["code"] == "no_capacity"
    assert events(anna, NS, "chat_transferred") == []

    send(anna, "end", {"chat_id": chat_id})
    assert transfer(anna, to="line")["code"] == "chat_ended"
    assert client.get_received(CHAT)[-1]["name"] == "ended"


def test_transfer_back_to_the_line(staff_socket, make_staff, chatter, r):
    anna, ben, client, chat_id, ben_id, _ = _pair(staff_socket, make_staff, chatter)
    send(ben, "duty", {"on": False})
    _, queued = start_chat(chatter)  # someone already waits
    ack = send(anna, "transfer", {"chat_id": chat_id, "to": "line", "note": NOTE})
    assert ack == {"ok": True, "to": None}
    seen = anna.get_received(NS)
    assert [e["args"][0] for e in seen if e["name"] == "chat_transferred"] == [
        {"chat_id": chat_id, "to": None}]
    # Anna's freed slot takes the chatter behind, not the chat she handed back.
    assert [e["args"][0]["chat_id"] for e in seen if e["name"] == "chat_assigned"] == [
        queued["chat_id"]]
    assert line.waiting(r) == [chat_id]
    assert store.get_chat(r, chat_id)["state"] == "waiting"

    told = client.get_received(CHAT)
    names = [e["name"] for e in told]
    assert names.index("transferred") < names.index("position")
    assert [e["args"][0] for e in told if e["name"] == "transferred"] == [{"therapist": None}]
    assert [e["args"][0]["position"] for e in told if e["name"] == "position"] == [1]
    assert NOTE not in repr(told)

    # A message while waiting again is kept for the next therapist.
    client.emit("message", {"text": "Still here."}, namespace=CHAT, callback=True)
    send(ben, "duty", {"on": True, "capacity": 1})
    got = events(ben, NS, "chat_assigned")
    assert [c["chat_id"] for c in got] == [chat_id]
    assert got[0]["handover_note"] == {"text": NOTE, "from": "Anna"}
    assert [m["text"] for m in got[0]["messages"]] == [
        "I need to talk.", "I'm listening.", "Still here."]
    assert "handover_note" not in store.get_chat(r, chat_id)  # taken, then deleted
    told = client.get_received(CHAT)
    assert [e["args"][0] for e in told if e["name"] == "assigned"] == [{"therapist": "Ben"}]
    assert NOTE not in repr(told)
    # Ben reloading his console does not see the note again (it was handed over once).
    assert "handover_note" not in repr(send(ben, "state"))


def test_back_to_the_line_goes_before_everyone_waiting(staff_socket, make_staff, chatter, r):
    anna, ben, client, chat_id, ben_id, _ = _pair(staff_socket, make_staff, chatter)
    send(ben, "duty", {"on": False})
    send(anna, "capacity", {"capacity": 1})
    waiting = [start_chat(chatter)[1]["chat_id"] for _ in range(3)]
    send(anna, "duty", {"on": False})
    assert send(anna, "transfer", {"chat_id": chat_id, "to": "line"})["ok"]
    assert line.waiting(r) == [chat_id, *waiting]
    assert not r.hexists(keys.chat(chat_id), "handover_note")  # no note given


def test_colleagues_event(staff_socket, make_staff, chatter):
    anna, ben, client, chat_id, ben_id, anna_id = _pair(staff_socket, make_staff, chatter)
    staff_socket(make_staff("carl", name="Carl"))  # signed in, not on duty
    assert send(anna, "colleagues") == {
        "ok": True, "colleagues": [{"id": ben_id, "name": "Ben", "free": 2}]}
    assert send(ben, "colleagues")["colleagues"] == [{"id": anna_id, "name": "Anna", "free": 0}]
    assert send(anna, "colleagues", [])["code"] == "bad_payload"
