"""Protocol 2 of the waiting line through Flask-SocketIO's test client: one `line_moved`
packet for every page per change, personal `position` events only for those who hold no
place in the last version, `where`, and protocol 1 unchanged beside it."""

from __future__ import annotations

import pytest

from helpline.extensions import socketio
from helpline.queue import assignment, broadcast, estimate, keys, line, snapshot
from helpline.realtime import live
from tests.chat.test_places import keep_place
from tests.line_page import LinePage

NS = "/chat"
STAFF = "/staff"


def ack(client, event, data=None):
    return client.emit(event, data, namespace=NS, callback=True)


class Page:
    """A test client that speaks protocol 2 and keeps its place as the chat page does."""

    def __init__(self, client):
        self.client = client
        self.page = LinePage()
        self.seen: list[tuple[str, object]] = []
        self.chat_id = None

    def start(self) -> dict:
        answer = ack(self.client, "start", {"protocol": 2})
        assert answer["ok"], answer
        self.chat_id = answer["chat_id"]
        self.read()
        self.page.take(answer.get("line_version"), answer)
        return answer

    def read(self) -> list[str]:
        """Apply what came since the last read, in order; the names of those events."""
        got = [(e["name"], e["args"][0] if e["args"] else None)
               for e in self.client.get_received(NS)]
        for name, data in got:
            self.page.event(name, data)
        self.seen += got
        return [name for name, _ in got]


def pages(chatter, n: int) -> list[Page]:
    made = [Page(chatter()) for _ in range(n)]
    for page in made:
        page.start()
    for page in made:
        page.read()
    return made


def what_the_server_says(app, r, chat_id: str) -> dict:
    """The place and waits the server computes for this chat from the live state now."""
    with app.app_context():
        inputs = estimate.inputs_now(r, app.config["DEFAULT_CHAT_MINUTES"])
        return broadcast.place_info(line.position(r, chat_id), inputs, True)


def assert_every_page_right(app, r, waiting: list[Page]) -> None:
    for page in waiting:
        page.read()
        assert not page.page.gap
        assert page.page.info == what_the_server_says(app, r, page.chat_id), page.seen[-3:]
        assert page.page.version == snapshot.read(r).version


def on_duty(staff_socket, staff, capacity=1):
    sock = staff_socket(staff)
    assert sock.emit("duty", {"on": True, "capacity": capacity}, namespace=STAFF,
                     callback=True)["ok"]
    return sock


def test_the_start_ack_names_the_version_its_place_is_in(chatter, r):
    first, second = pages(chatter, 2)
    answer = ack(Page(chatter()).client, "start", {"protocol": 2})
    assert answer["position"] == 3 and answer["line_version"] == snapshot.read(r).version
    assert r.hget(keys.chat(answer["chat_id"]), "protocol") == "2"
    assert not r.sismember(keys.LINE_V1, answer["chat_id"])


def test_a_leave_ahead_is_one_packet_for_everyone_behind(app, chatter, r):
    first, second, third = pages(chatter, 3)
    before = snapshot.read(r).version
    assert ack(first.client, "end")["ok"]
    for page in (second, third):
        assert page.read() == ["line_moved"]  # one packet each, no personal `position`
    packet = second.seen[-1][1]
    assert packet == third.seen[-1][1]  # the same packet for all
    assert (packet["previous"], packet["version"], packet["moves"]) == (before, before + 1,
                                                                          [[2, -1]])
    assert "chat_id" not in str(packet) and first.chat_id not in str(packet)
    assert (second.page.position, third.page.position) == (1, 2)
    assert_every_page_right(app, r, [second, third])


def received(client) -> list[tuple[str, object]]:
    return [(e["name"], e["args"][0] if e["args"] else None) for e in client.get_received(NS)]


def test_a_protocol_1_chatter_beside_them_still_gets_its_own_position(app, chatter, r):
    first, second = pages(chatter, 2)
    old = chatter()
    started = ack(old, "start", {})
    assert started["position"] == 3 and "line_version" not in started
    assert r.smembers(keys.LINE_V1) == {started["chat_id"]}
    third = Page(chatter())
    third.start()
    received(old)
    assert ack(first.client, "end")["ok"]
    assert received(old) == [("position", what_the_server_says(app, r, started["chat_id"]))]
    assert second.read() == ["line_moved"] and third.read() == ["line_moved"]
    assert (second.page.position, third.page.position) == (1, 3)
    assert_every_page_right(app, r, [second, third])


def test_an_assigned_chatter_gets_no_more_packets(app, chatter, r, staff_socket, make_staff):
    first, second, third = pages(chatter, 3)
    on_duty(staff_socket, make_staff("anna"))
    assert first.read()[0] == "assigned"
    assert second.read() == ["line_moved"] and second.page.position == 1
    fourth = Page(chatter())
    fourth.start()
    assert ack(second.client, "end")["ok"]
    assert "line_moved" in third.read()
    assert first.read() == []  # neither the assignment's packet nor the leave's
    assert first.page.version is None
    assert_every_page_right(app, r, [third, fourth])


def test_a_join_at_the_end_sends_no_packet_and_the_newcomer_its_own_place(app, chatter, r):
    first, second = pages(chatter, 2)
    version = snapshot.read(r).version
    newcomer = Page(chatter())
    newcomer.start()
    assert first.read() == [] and second.read() == []
    assert [data for name, data in newcomer.seen if name == "position"] == [
        {**what_the_server_says(app, r, newcomer.chat_id), "version": version}]
    assert snapshot.read(r).version == version
    assert_every_page_right(app, r, [first, second, newcomer])


def test_nothing_changed_sends_nothing(app, chatter, r):
    first, second = pages(chatter, 2)
    with app.app_context():
        broadcast.line_changed()
    assert first.read() == [] and second.read() == []


def test_a_chat_handed_back_gets_its_own_place_then_the_packets(
        app, chatter, r, staff_socket, make_staff):
    first, second, third = pages(chatter, 3)
    anna = on_duty(staff_socket, make_staff("anna"))
    assert anna.emit("pause", {"paused": True}, namespace=STAFF, callback=True)["ok"]
    assert first.read()[0] == "assigned"
    assert anna.emit("transfer", {"chat_id": first.chat_id, "to": "line"}, namespace=STAFF,
                     callback=True)["ok"]
    assert first.read() == ["transferred", "position"]
    assert first.page.position == 1 and first.page.version == snapshot.read(r).version
    # taken (one up), the therapist paused (the waits), handed back (one down)
    assert second.read() == ["line_moved"] * 3 == third.read()
    assert (second.page.position, third.page.position) == (2, 3)
    assert ack(second.client, "end")["ok"]
    assert first.read() == ["line_moved"] == third.read()  # the one packet, to all
    assert (first.page.position, third.page.position) == (1, 2)
    assert_every_page_right(app, r, [first, third])
    newcomer = Page(chatter())
    newcomer.start()
    with app.app_context():
        line.move_to_front(r, newcomer.chat_id)
        broadcast.line_changed()
    assert first.read() == ["line_moved"]  # in the line's room again: packets reach it
    assert_every_page_right(app, r, [first, third, newcomer])


def test_a_chat_taken_and_handed_back_between_two_rounds_is_told_its_place(
        app, chatter, r, staff_socket, make_staff):
    """Another process holds the line's broadcast while a therapist takes the front chat
    and hands it straight back: the next round finds it first in both versions (no packet
    moves it), yet its page forgot its place on `assigned`. It gets its own `position`."""
    first, second, third = pages(chatter, 3)
    version = snapshot.read(r).version
    r.set(keys.broadcast_lock("line"), "another process")  # its rounds come later
    anna = on_duty(staff_socket, make_staff("anna"))
    assert anna.emit("pause", {"paused": True}, namespace=STAFF, callback=True)["ok"]
    assert anna.emit("transfer", {"chat_id": first.chat_id, "to": "line"}, namespace=STAFF,
                     callback=True)["ok"]
    assert first.read() == ["assigned", "transferred"] and first.page.version is None
    r.delete(keys.broadcast_lock("line"))
    with app.app_context():
        broadcast.line_changed()  # the holder's next round
    assert snapshot.read(r).version == version  # nobody moved, the same inputs: no packet
    assert first.read() == ["position"] and second.read() == [] == third.read()
    assert first.page.position == 1 and first.page.version == version
    with app.app_context():
        line.move_to_front(r, third.chat_id)
        broadcast.line_changed()
    assert first.read() == ["line_moved"]  # in the line's room again: packets reach it
    second.read(), third.read()
    assert_every_page_right(app, r, [first, second, third])


def test_a_move_to_the_front_is_three_breakpoints(app, chatter, r):
    waiting = pages(chatter, 6)
    with app.app_context():
        line.move_to_front(r, waiting[4].chat_id)
        broadcast.line_changed()
    for page in waiting:
        assert page.read() == ["line_moved"]
    assert waiting[0].seen[-1][1]["moves"] == [[1, 1], [5, -4], [6, 0]]
    assert [page.page.position for page in waiting] == [2, 3, 4, 5, 1, 6]
    assert_every_page_right(app, r, waiting)


def test_past_the_cap_every_page_gets_its_own_position(app, chatter, r, monkeypatch):
    waiting = pages(chatter, 4)
    monkeypatch.setattr(broadcast, "MAX_MOVES", 2)
    with app.app_context():
        line.move_to_front(r, waiting[2].chat_id)  # three breakpoints
        broadcast.line_changed()
    for page in waiting:
        assert page.read() == ["position"]
        assert page.seen[-1][1]["version"] == snapshot.read(r).version
    assert [page.page.position for page in waiting] == [2, 3, 1, 4]
    assert_every_page_right(app, r, waiting)


def test_where_answers_the_place_in_the_last_version(app, chatter, r, staff_socket, make_staff):
    first, second = pages(chatter, 2)
    answer = ack(second.client, "where")
    assert answer == {"ok": True, "line_version": snapshot.read(r).version,
                      **what_the_server_says(app, r, second.chat_id)}
    assert ack(chatter(), "where")["code"] == "not_joined"
    on_duty(staff_socket, make_staff("anna"))
    assert ack(first.client, "where")["code"] == "not_waiting"


def test_a_page_that_missed_a_packet_asks_where_and_is_right_again(app, chatter, r):
    first, second, third = pages(chatter, 3)
    assert ack(first.client, "end")["ok"]
    third.client.get_received(NS)  # this packet is lost
    assert ack(second.client, "end")["ok"]
    third.read()
    assert third.page.gap
    third.page.answer(ack(third.client, "where"))
    assert third.page.position == 1
    assert_every_page_right(app, r, [third])


@pytest.mark.parametrize("value", [0, 3, "2", True, 2.0, [2], {}])
def test_an_unknown_protocol_is_a_bad_payload(chatter, r, value):
    client = chatter()
    assert ack(client, "start", {"protocol": value})["code"] == "bad_payload"
    assert r.zcard(keys.LINE) == 0
    token = ack(client, "start", {"protocol": 1})["token"]
    assert ack(chatter(), "resume", {"token": token, "protocol": value})["code"] == "bad_payload"


def test_a_resume_on_protocol_2_moves_a_chat_off_protocol_1(app, chatter, r):
    first = Page(chatter())
    first.start()
    started = ack(chatter(), "start", {"protocol": None})
    assert r.sismember(keys.LINE_V1, started["chat_id"])
    reloaded = Page(chatter())
    answer = ack(reloaded.client, "resume", {"token": started["token"], "protocol": 2})
    reloaded.chat_id = started["chat_id"]
    reloaded.page.take(answer["line_version"], answer)
    assert answer["position"] == 2 and answer["line_version"] == snapshot.read(r).version
    assert not r.sismember(keys.LINE_V1, started["chat_id"])
    assert r.hget(keys.chat(started["chat_id"]), "protocol") == "2"
    assert ack(first.client, "end")["ok"]
    assert reloaded.read() == ["line_moved"] and reloaded.page.position == 1
    assert_every_page_right(app, r, [reloaded])


def test_an_ended_chat_leaves_the_protocol_1_set(chatter, r):
    client = chatter()
    chat_id = ack(client, "start", {})["chat_id"]
    assert r.smembers(keys.LINE_V1) == {chat_id}
    assert ack(client, "end")["ok"]
    assert not r.exists(keys.LINE_V1)


def test_only_waiting_protocol_2_sockets_are_in_the_line_room(chatter, r, staff_socket,
                                                               make_staff):
    first, second, third = pages(chatter, 3)
    ack(chatter(), "start", {})  # protocol 1: never in the room
    on_duty(staff_socket, make_staff("anna"))
    assert ack(third.client, "end")["ok"]
    in_room = set(socketio.server.manager.rooms[NS].get(live.LINE_ROOM, {}))
    assert in_room == {r.hget(keys.chat(second.chat_id), "sid")}


def test_a_chat_taken_while_the_broadcast_lets_it_into_the_room_is_let_out(
        app, chatter, r, staff_socket, make_staff, monkeypatch):
    """The broadcast reads a handed-back chat as waiting; a therapist takes it before the
    broadcast puts its socket in the line's room. It must not stay there."""
    first, second = pages(chatter, 2)
    anna = on_duty(staff_socket, make_staff("anna"))
    assert anna.emit("pause", {"paused": True}, namespace=STAFF, callback=True)["ok"]
    real_waiting = line.waiting
    armed = [True]

    def read_then_taken(client):
        ids = real_waiting(client)
        if armed and armed.pop():  # another therapist takes the chat handed back, at once
            assignment.go_on_duty(r, "99", "Ben", 1, live.now())
            broadcast.assign_and_notify(r)
        return ids

    monkeypatch.setattr(line, "waiting", read_then_taken)
    assert anna.emit("transfer", {"chat_id": first.chat_id, "to": "line"}, namespace=STAFF,
                     callback=True)["ok"]
    assert r.hget(keys.chat(first.chat_id), "staff") == "99"
    in_room = set(socketio.server.manager.rooms[NS].get(live.LINE_ROOM, {}))
    assert in_room == {r.hget(keys.chat(second.chat_id), "sid")}


def test_each_proof_tells_a_protocol_2_page_the_version_last_sent(app, chatter, r):
    """A page whose socket missed packets with no newer one to show it learns at its next
    proof that it holds an old version (then it asks `where`); protocol 1 is told nothing."""
    first, second = pages(chatter, 2)
    old = Page(chatter())
    assert ack(old.client, "start")["ok"]
    assert ack(first.client, "end")["ok"]
    proof = keep_place(second.client, app)
    assert proof == {"ok": True, "line_version": snapshot.read(r).version}
    assert proof["line_version"] > 0
    assert keep_place(old.client, app) == {"ok": True}
