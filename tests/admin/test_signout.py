"""Immediate sign-out: deactivation, password reset, role change and logging out close the
person's consoles at once; their active chats go to the front of the line (or to a
colleague with room), each chatter is told, and they are off duty."""

from __future__ import annotations

import pytest

from helpline.admin import accounts
from helpline.chat import store
from helpline.extensions import db, socketio
from helpline.queue import assignment, keys, line
from tests.conftest import sign_in

NS = "/staff"
CHAT = "/chat"


def send(sock, event, data=None):
    return sock.emit(event, data, namespace=NS, callback=True)


def console(app, username):
    """A signed-in browser: its HTTP client and its console socket."""
    http = app.test_client()
    assert sign_in(http, username).status_code == 302
    sock = socketio.test_client(app, namespace=NS, flask_test_client=http)
    assert sock.is_connected(NS)
    return http, sock


def names(client, ns):
    """(event, payload) received so far, also after the server disconnected the client."""
    got = [e for e in client.queue if e["namespace"] == ns]
    client.queue = [e for e in client.queue if e["namespace"] != ns]
    return [(e["name"], e["args"][0] if e["args"] else None) for e in got]


@pytest.fixture
def anna_busy(app, make_staff, chatter, r):
    """Anna on duty with two active chats and one ended chat awaiting its summary."""
    anna = make_staff("anna", name="Anna")
    http, sock = console(app, "anna")
    assert send(sock, "duty", {"on": True, "capacity": 3})["ok"]
    clients, ids = [], []
    for _ in range(3):
        client = chatter()
        ids.append(client.emit("start", {}, namespace=CHAT, callback=True)["chat_id"])
        clients.append(client)
    assert send(sock, "end", {"chat_id": ids[2]})["ok"]
    waiting_client = chatter()
    waiting = waiting_client.emit("start", {}, namespace=CHAT, callback=True)["chat_id"]
    for client in clients:
        client.get_received(CHAT)
    sock.get_received(NS)
    return {"id": anna.id, "http": http, "sock": sock, "clients": clients, "chats": ids,
            "waiting": waiting}


def _check_signed_out(a, r, reason):
    got = names(a["sock"], NS)
    assert ("signed_out", {"reason": reason}) in got
    assert not a["sock"].is_connected(NS)
    assert not r.sismember(keys.DUTY, str(a["id"]))
    assert r.scard(keys.staff_sockets(a["id"])) == 0
    # Both active chats are at the front, oldest first, ahead of the chatter who waited.
    assert line.waiting(r) == [a["chats"][0], a["chats"][1], a["waiting"]]
    for chat_id, client in zip(a["chats"][:2], a["clients"][:2], strict=True):
        assert store.get_chat(r, chat_id)["state"] == "waiting"
        told = names(client, CHAT)
        assert ("transferred", {"therapist": None}) in told
        assert any(n == "position" for n, _ in told)
    # The ended chat stays with Anna until its summary (or the deadline).
    assert assignment.held_chats(r, str(a["id"])) == {a["chats"][2]}


def test_deactivation_disconnects_at_once(app, anna_busy, r, ctx):
    with ctx():
        accounts.deactivate_account(db.session, anna_busy["id"])
        from helpline.auth.signout import sign_out_everywhere
        from helpline.realtime import live

        moved = sign_out_everywhere(live.redis(), anna_busy["id"], "deactivated")
    assert moved == anna_busy["chats"][:2]
    _check_signed_out(anna_busy, r, "deactivated")


def test_deactivation_from_the_page_disconnects(app, anna_busy, make_staff, r):
    make_staff("sam", role="supervisor")
    sup, _ = console(app, "sam")
    response = sup.post(f"/staff/accounts/{anna_busy['id']}/deactivate")
    assert response.status_code == 302
    _check_signed_out(anna_busy, r, "deactivated")
    assert "2 active chat(s) went back" in sup.get("/staff/accounts").get_data(as_text=True)


@pytest.mark.parametrize(("action", "data", "reason"), [
    ("password", {}, "password_reset"),
    ("role", {"role": "supervisor"}, "role_changed"),
])
def test_reset_and_role_change_disconnect(app, anna_busy, make_staff, r, action, data, reason):
    make_staff("sam", role="supervisor")
    sup, _ = console(app, "sam")
    if action == "role":
        data = {f"r{anna_busy['id']}-role": "supervisor"}
    assert sup.post(f"/staff/accounts/{anna_busy['id']}/{action}", data=data).status_code in (
        200, 302)
    _check_signed_out(anna_busy, r, reason)


def test_logout_disconnects_every_console(app, anna_busy, r):
    _, second = console(app, "anna")  # another tab or device of Anna's
    second.get_received(NS)
    assert anna_busy["http"].post("/staff/logout").status_code == 302
    _check_signed_out(anna_busy, r, "logged_out")
    assert ("signed_out", {"reason": "logged_out"}) in names(second, NS)
    assert not second.is_connected(NS)
    assert anna_busy["http"].get("/staff/").status_code == 302


def test_returned_chats_go_to_a_colleague_with_room(app, anna_busy, make_staff, r, ctx):
    make_staff("ben", name="Ben")
    _, ben = console(app, "ben")
    # Ben goes on duty with room for two: the chatter already waiting gets him first.
    assert send(ben, "duty", {"on": True, "capacity": 2})["ok"]
    ben.get_received(NS)
    assert anna_busy["http"].post("/staff/logout").status_code == 302
    got = [d for n, d in names(ben, NS) if n == "chat_assigned"]
    assert [d["chat_id"] for d in got] == [anna_busy["chats"][0]]  # front, Ben's 2nd slot
    assert got[0]["handover_note"] == {"text": "", "from": "Anna"}
    told = names(anna_busy["clients"][0], CHAT)
    assert [d for n, d in told if n in ("transferred", "assigned")] == [
        {"therapist": None}, {"therapist": "Ben"}]
    assert line.waiting(r) == [anna_busy["chats"][1]]


def test_signed_out_socket_cannot_come_back(app, anna_busy):
    anna_busy["http"].post("/staff/logout")
    again = socketio.test_client(app, namespace=NS, flask_test_client=anna_busy["http"])
    assert not again.is_connected(NS)
