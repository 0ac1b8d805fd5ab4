"""An overloaded server process (its event loop lags) refuses newcomers and serves the chats
it has (helpline/realtime/overload.py, issue 21 goal g). The lag is noted by hand here, as
the probe would note it: no test waits for a real loop to starve."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import socketio
from sqlalchemy import func, select

from helpline.availability.models import MissedContact
from helpline.extensions import db
from helpline.realtime import overload
from tests.conftest import with_solution
from tests.peers import busy_retry_after

NS = "/chat"


@pytest.fixture(autouse=True)
def quiet_loop():
    overload.monitor.clear()
    yield
    overload.monitor.clear()


def lagging(ms: float) -> None:
    overload.monitor.note(ms / 1000, time.monotonic())


def test_the_lag_counts_for_its_window_then_is_forgotten():
    lag = overload.LoopLag()
    lag.note(0.4, 100.0)
    lag.note(0.001, 100.5)
    assert lag.worst(100.5) == 0.4
    assert lag.worst(100.0 + overload.WINDOW_SECONDS + 0.01) == 0.001  # the 400 ms is past
    assert lag.worst(100.5 + overload.WINDOW_SECONDS + 0.01) == 0.0
    lag.note(-0.002, 110.0)  # woke early (clock resolution): no lag
    assert lag.worst(110.0) == 0.0


def test_the_threshold_decides_and_zero_turns_it_off(app):
    lagging(300)
    with app.app_context():
        assert overload.overloaded()  # the default, 250 ms
        assert not overload.overloaded(threshold_ms=500)
        assert not overload.overloaded(threshold_ms=0)


def test_the_probe_notes_how_late_the_loop_woke_it():
    now = [50.0]

    def sleep(seconds):
        if now[0] > 51:
            raise StopIteration
        now[0] += seconds + 0.35  # the loop was busy 350 ms longer

    with pytest.raises(StopIteration):
        overload.probe(sleep, clock=lambda: now[0])
    assert overload.monitor.worst(now[0]) == pytest.approx(0.35)


def test_a_start_is_refused_while_overloaded_and_its_proof_still_works_after(app, chatter):
    client = chatter()
    payload = with_solution({}, lambda: app.test_client().get("/challenge").json)
    lagging(400)
    refused = client.emit("start", payload, namespace=NS, callback=True)
    assert refused["code"] == "server_busy" and refused["retry_after"] == 5
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MissedContact)) == 0
    overload.monitor.clear()  # the loop caught up
    started = client.emit("start", payload, namespace=NS, callback=True)
    assert started["ok"] and started["state"] == "waiting"


def test_running_chats_go_on_while_newcomers_are_refused(app, chatter):
    waiting = chatter()
    assert waiting.emit("start", {}, namespace=NS, callback=True)["ok"]
    lagging(1000)
    assert chatter().emit("start", {}, namespace=NS, callback=True)["code"] == "server_busy"
    assert waiting.emit("message", {"text": "still here"}, namespace=NS, callback=True)["ok"]


def test_a_handshake_is_refused_with_503_while_overloaded(app):
    http = app.test_client()
    lagging(1000)
    refused = http.get("/socket.io/?EIO=4&transport=websocket")
    assert refused.status_code == 503 and refused.json["code"] == "server_busy"
    assert refused.headers["Retry-After"] == "5"
    overload.monitor.clear()
    assert http.get("/socket.io/?EIO=4&transport=websocket").status_code != 503


def test_a_console_or_a_chat_page_coming_back_reconnects_while_overloaded(app):
    """Overload keeps newcomers out, not what the process serves already: a staff console
    (its session cookie) and a chat page that holds a chat (`resume=1`) reconnect."""
    http = app.test_client()
    lagging(1000)
    handshake = "/socket.io/?EIO=4&transport=websocket"
    assert http.get(handshake + "&resume=0").status_code == 503
    assert http.get(handshake + "&resume=1").status_code != 503
    http.set_cookie("other", "1")
    assert http.get(handshake).status_code == 503
    http.set_cookie(app.config["SESSION_COOKIE_NAME"], "anything")
    assert http.get(handshake).status_code != 503


def test_the_test_clients_find_the_retry_after_of_a_busy_handshake():
    """tests/peers.py tries a handshake refused 503 again after its Retry-After, as the chat
    page does (a production-like server in a test on a loaded box refuses for a moment)."""

    class Busy(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            self.send_response(503)
            self.send_header("Retry-After", "5")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Busy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(socketio.exceptions.ConnectionError) as refused:
            socketio.Client().connect(f"http://127.0.0.1:{server.server_port}",
                                      transports=["websocket"], wait_timeout=5)
        assert busy_retry_after(refused.value) == 5.0
        assert busy_retry_after(socketio.exceptions.ConnectionError("refused")) is None
    finally:
        server.shutdown()
        server.server_close()
