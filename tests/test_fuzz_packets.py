"""A hypothesis fuzzer of raw Engine.IO/Socket.IO frames against a live server, beside a
sentinel chat (issue 6, E).

Each example sends a few frames on a bare WebSocket in /chat, then a probe event. Every
event frame with an ack id is answered (ack, or `error` and close) before the probe's ack
(one socket's events run in order), or the socket is closed with `bad_packet`; /healthz
never answers 5xx, the server log shows no traceback, and the sentinel chat (python-socketio
clients: a chatter and a signed-in therapist) goes on undisturbed.
"""

from __future__ import annotations

import json

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.peers import RawSocket, staff_cookie

NS = "/chat"
PROBE_ID = 999_999
FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])

# A WebSocket text frame is UTF-8: lone surrogates travel as JSON escapes ("\ud800").
any_text = st.text(st.characters(codec="utf-8"), max_size=30)
json_strings = st.text(st.characters(codec=None, exclude_categories=()), max_size=30)
json_text = st.recursive(
    st.none() | st.booleans() | st.integers() | json_strings,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3),
    max_leaves=8,
).map(json.dumps)
names = st.sampled_from(["start", "resume", "message", "typing", "end", "quick_exit",
                         "disconnect", "connect", "nope"])
events = st.builds(lambda n, p: json.dumps([n, p]), names, json_text)
bodies = st.one_of(events, json_text, any_text, st.sampled_from(
    ["[]", "{}", '["start",', '["message",{"text":"\\ud800"}]', "[1,2]", '"x"', "9" * 30]))


@st.composite
def frames(draw):
    """An Engine.IO message carrying a (mostly) Socket.IO-shaped packet, or anything."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=20) | any_text.map(lambda t: "4" + t))
    kind = draw(st.sampled_from("222222356789"))
    attachments = draw(st.sampled_from(["", "", "1-"])) if kind in "56" else ""
    namespace = draw(st.sampled_from([NS + ",", NS + ",", "", "/staff,", "/x,"]))
    ack = draw(st.sampled_from(["", "7", "12"]))
    return f"4{kind}{attachments}{namespace}{ack}{draw(bodies)}"


class Fuzzer:
    """One raw socket at a time; a new one after the server closed the last."""

    def __init__(self, url: str):
        self.url = url
        self.sock = RawSocket(url)

    def send_and_probe(self, sequence: list) -> None:
        for frame in sequence:
            self.sock.send(frame)
        self.sock.send(f'42{NS},{PROBE_ID}["nope",{{}}]')
        wanted = {self._ack_id(f) for f in sequence} - {None}
        while True:
            frame = self.sock.recv()
            if frame is None or frame == f"41{NS},":  # closed: it must have said why
                assert any('"bad_packet"' in f for f in self.sock.frames[-5:]), \
                    (sequence, self.sock.frames[-5:])
                self.sock.close()
                self.sock = RawSocket(self.url)
                return
            if isinstance(frame, str) and frame.startswith(f"43{NS},{PROBE_ID}["):
                assert not wanted, (sequence, wanted, self.sock.frames[-8:])
                return
            for ack_id in list(wanted):
                if isinstance(frame, str) and frame.startswith(f"43{NS},{ack_id}["):
                    wanted.discard(ack_id)

    @staticmethod
    def _ack_id(frame) -> str | None:
        """The ack id of a well-addressed event frame that must be answered."""
        for kind in ("2", "9", "7", "8"):  # events and unknown types in /chat
            head = f"4{kind}{NS},"
            if isinstance(frame, str) and frame.startswith(head):
                rest = frame[len(head):]
                digits = rest[:len(rest) - len(rest.lstrip("0123456789"))]
                return digits if 0 < len(digits) <= 2 else None
        return None


def test_fuzz_raw_packets(live, live_staff, peers):
    url = live.urls[0]
    live_staff("anna", name="Anna")
    anna = peers(url, "/staff", cookie=staff_cookie(url, "anna"))
    assert anna.call("duty", {"on": True, "capacity": 5})["ok"]
    chatter = peers(url, NS)
    chat_id = chatter.call("start", {})["chat_id"]
    anna.wait_for("chat_assigned", lambda d: d["chat_id"] == chat_id)
    log_start = live.log.stat().st_size
    fuzzer = Fuzzer(url)

    @FUZZ
    @given(st.lists(frames(), min_size=1, max_size=3))
    def run(sequence):
        fuzzer.send_and_probe(sequence)

    try:
        run()
    finally:
        fuzzer.sock.close()
    assert requests.get(url + "/healthz", timeout=10).status_code == 200
    assert chatter.call("message", {"text": "still there?"})["ok"]
    anna.wait_for("message", lambda d: d["text"] == "still there?")
    assert anna.call("message", {"chat_id": chat_id, "text": "yes"})["ok"]
    chatter.wait_for("message", lambda d: d["text"] == "yes")
    assert not chatter.got("ended") and not chatter.got("transferred")
    with live.log.open("rb") as log:
        log.seek(log_start)
        written = log.read().decode("utf-8", "replace")
    for trace in ("Traceback", "handler error", "socket handler failed"):
        assert trace not in written, written[-3000:]
