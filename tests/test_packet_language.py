"""Packet-level refusals speak the socket's language like every other socket error, and a
refused binary event names its event (issue 19, item 17)."""

from __future__ import annotations

import pytest

from helpline.compat.socketio_packets import REFUSED, StrictPacket
from helpline.realtime.protocol import ProtocolError
from tests.peers import RawSocket
from tests.test_live_packets import error_event

# Socket.IO packets as the packet class gets them (the Engine.IO "4" taken off).
DUTCH = {
    '2/chat,5["start",': "Het pakket is geen geldige JSON.",
    '9/chat,5["start",{}]': "Onbekend soort pakket.",
    '2/chat,5{"start":{}}': "Een gebeurtenis is een array: [naam, inhoud].",
}


@pytest.mark.parametrize(("frame", "dutch"), DUTCH.items())
def test_a_refused_packet_is_worded_in_the_requests_language(app, frame, dutch):
    pkt = StrictPacket(encoded_packet=frame)
    assert pkt.data[:2] == [REFUSED, "bad_payload"]
    error = ProtocolError(pkt.data[1], pkt.data[2])
    with app.test_request_context("/?lang=nl"):
        assert error.payload()["message"] == dutch
    with app.test_request_context("/?lang=en"):
        assert error.payload()["message"] != dutch


def test_a_binary_event_keeps_its_name(app):
    pkt = StrictPacket(encoded_packet='51-/chat,5["message",{"_placeholder":true,"num":0}]')
    assert pkt.data[0] == REFUSED and pkt.data[3] == "message"
    nameless = StrictPacket(encoded_packet='51-/chat,5[{"_placeholder":true,"num":0}]')
    assert nameless.data[3] is None


@pytest.mark.parametrize(("query", "binary", "not_json"), [
    ("lang=nl", "Binaire gegevens worden niet aanvaard.", "Het pakket is geen geldige JSON."),
    ("lang=fr", "Les données binaires ne sont pas acceptées.",
     "Le paquet n'est pas du JSON valide."),
])
def test_a_live_binary_event_is_refused_in_the_sockets_language(live, query, binary, not_json):
    sock = RawSocket(live.urls[0], query=query)
    try:
        sock.send('451-/chat,5["message",{"text":{"_placeholder":true,"num":0}}]')
        sock.send(b"\x01\x02")
        error = error_event(sock.expect(lambda f: error_event(f) is not None))
        assert error["code"] == "bad_payload" and error["event"] == "message"
        assert error["message"] == binary
        sock.send('42/chat,6["start",{]')
        broken = error_event(sock.expect(lambda f: error_event(f) is not None))
        assert broken["message"] == not_json and broken["event"] is None
    finally:
        sock.close()
