"""Malformed Socket.IO packets over a real WebSocket against a live server (issue 6, D13).

A packet python-socketio would drop silently, or choke on, is answered with an `error`
event (and the ack when it has an id) in its namespace; a packet that names no namespace
of the socket, or is not Socket.IO at all, gets `bad_packet` and the socket is closed.
"""

from __future__ import annotations

import json

import pytest

from tests.peers import RawSocket

NS = "/chat"


def error_event(frame: str) -> dict | None:
    """The payload of `42/chat,["error",{...}]`, else None."""
    prefix = f"42{NS},"
    if not frame.startswith(prefix):
        return None
    data = json.loads(frame[len(prefix):])
    return data[1] if data and data[0] == "error" else None


def ack_and_error(sock: RawSocket, frame: str, ack_id: int) -> tuple[dict, dict]:
    sock.send(frame)
    error = error_event(sock.expect(lambda f: error_event(f) is not None))
    prefix = f"43{NS},{ack_id}["
    ack = json.loads(sock.expect(lambda f: f.startswith(prefix))[len(prefix) - 1:])[0]
    return error, ack


@pytest.mark.parametrize(("frame", "code"), [
    ('42/chat,5[]', "bad_payload"),
    ('42/chat,5{"start":{}}', "bad_payload"),
    ('42/chat,5"start"', "bad_payload"),
    ('42/chat,5[12,{}]', "bad_payload"),
    ('42/chat,5["start",', "bad_payload"),
    ('42/chat,5["start",{]', "bad_payload"),
    ('49/chat,5["start",{}]', "bad_payload"),
    ('47/chat,5["start",{}]', "bad_payload"),
    ('42/chat,5["disconnect"]', "reserved_event"),
    ('42/chat,5["connect",{}]', "reserved_event"),
    ('42/chat,5["' + "x" * 100 + '",{}]', "unknown_event"),
])
def test_malformed_events_are_answered(live, frame, code):
    sock = RawSocket(live.urls[0])
    try:
        error, ack = ack_and_error(sock, frame, 5)
        assert error["code"] == code and ack["code"] == code and ack["ok"] is False
        assert sock.call(NS, 6, sock.start_body())[0]["ok"]  # the socket still works
    finally:
        sock.close()


@pytest.mark.parametrize("frame", ["42/chat,[]", "42/chat,1" + "9" * 120, "42/chat,x"])
def test_an_event_without_an_ack_id_still_gets_an_error(live, frame):
    sock = RawSocket(live.urls[0])
    try:
        sock.send(frame)
        assert error_event(sock.expect(lambda f: error_event(f) is not None))["code"] == \
            "bad_payload"
    finally:
        sock.close()


def test_a_binary_event_is_refused_after_its_attachment(live):
    sock = RawSocket(live.urls[0])
    try:
        sock.send('451-/chat,5["message",{"text":{"_placeholder":true,"num":0}}]')
        sock.send(b"\x01\x02")
        error = error_event(sock.expect(lambda f: error_event(f) is not None))
        assert error["code"] == "bad_payload"
        assert sock.call(NS, 6, sock.start_body())[0]["ok"]
    finally:
        sock.close()


@pytest.mark.parametrize("frame", [
    '42["start",{}]',            # the default namespace, which this socket is not in
    '42/staff,1["state",{}]',    # a namespace this socket is not in
    "4zz",                        # not a Socket.IO packet
    "4",                          # empty
    b"\x00\x01binary",            # a binary frame nobody announced
])
def test_unattributable_packets_close_the_socket_with_a_reason(live, frame):
    sock = RawSocket(live.urls[0])
    try:
        sock.send(frame)
        got = sock.expect(lambda f: error_event(f) is not None)
        assert error_event(got)["code"] == "bad_packet"
        assert sock.expect(lambda f: f == f"41{NS},")  # Socket.IO disconnect of /chat
    finally:
        sock.close()


def test_a_socket_in_no_namespace_is_closed(live):
    sock = RawSocket(live.urls[0], namespace=None)
    sock.send('42/chat,1' + sock.start_body())
    assert sock.closed()


def test_no_traceback_in_the_server_log(live):
    before = live.log.stat().st_size
    sock = RawSocket(live.urls[0])
    for frame in ['42/chat,[]', '4{', '49', '42/chat,1["start",', b"\xff"]:
        try:
            sock.send(frame)
        except Exception:  # the socket may be closed by then
            break
    sock.closed()
    ok = RawSocket(live.urls[0])
    assert ok.call(NS, 1, ok.start_body())[0]["ok"]
    ok.close()
    with live.log.open("rb") as log:
        log.seek(before)
        written = log.read().decode("utf-8", "replace")
    assert "Traceback" not in written and "handler error" not in written, written[-2000:]


def test_an_oversize_frame_closes_the_socket_and_the_chat_can_be_resumed(live):
    """docs/protocol.md: a frame over 65,536 characters closes the connection with no error
    event or ack; the chat is kept for the resume grace, like any dropped connection."""
    sock = RawSocket(live.urls[0])
    started = sock.call(NS, 1, sock.start_body())[0]
    head = '42/chat,2["message",{"text":"'
    sock.send(head + "é" * (65_536 - len(head) - 3) + '"}]')  # exactly the limit: answered
    assert json.loads(sock.expect(lambda f: f.startswith("43/chat,2["))[9:])[0]["code"] == \
        "too_long"
    seen = len(sock.frames)
    sock.send(head + "x" * (65_537 - len(head) - 3) + '"}]')
    assert sock.closed()
    assert sock.frames[seen:] == []  # no error event, no ack: the connection just ends
    again = RawSocket(live.urls[0])
    resumed = again.call(NS, 1, json.dumps(["resume", {"token": started["token"]}]))[0]
    assert resumed["ok"] and resumed["chat_id"] == started["chat_id"]
    again.close()
