"""The library internals the patches in helpline/compat/ rely on, one test per name in the
registry, and the start-up check itself.

A failure here after an upgrade names what to revisit: the test's name is the library's
name, its docstring says what the patch needs from it.
"""

from __future__ import annotations

import inspect
import json
import re
import socket
import threading
import time
import uuid
from pathlib import Path

import engineio
import gevent
import pytest
import redis
import socketio
from engineio import packet as engine_packet
from engineio import socket as engine_socket
from flask import url_for
from gevent import pywsgi
from rq import SimpleWorker
from socketio import packet as sio_packet
from socketio.pubsub_manager import PubSubManager
from socketio.redis_manager import RedisManager
from werkzeug.routing import Map, Rule

from helpline import compat, create_app
from helpline.compat import engineio_frames
from helpline.compat.pywsgi import BAD_REQUEST_RESPONSE, HookedHandler
from helpline.compat.socketio_manager import BatchingRedisManager
from helpline.compat.socketio_packets import StrictPacket
from helpline.compat.werkzeug_rules import CachedBuilderRule
from helpline.server import runner

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS: set[str] = set()


def contract(name: str):
    """Mark a test as the contract of one name of the registry."""
    CONTRACTS.add(name)
    return lambda test: test


def params(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def engine_server() -> engineio.Server:
    return engineio.Server(async_mode="threading")


def engine_sock() -> engine_socket.Socket:
    return engine_socket.Socket(engine_server(), "sid")


# --- engineio_pings ---------------------------------------------------------------------


@contract("engineio.socket:Socket.schedule_ping")
def test_engineio_socket_schedule_ping():
    """Replaced by ours: engine.io calls it with the socket alone, after each pong."""
    assert params(engine_socket.Socket.schedule_ping) == ["self"]
    assert "schedule_ping()" in inspect.getsource(engine_socket.Socket.receive)


@contract("engineio.socket:Socket._send_ping")
def test_engineio_socket_send_ping():
    """Mirrored by ours after the timer: engine.io's ping task, on the socket alone."""
    assert params(engine_socket.Socket._send_ping) == ["self"]


@contract("engineio.socket:Socket().last_ping")
def test_engineio_socket_last_ping():
    """A new socket's last ping is a time (true); engine.io checks its age for timeouts."""
    assert isinstance(engine_sock().last_ping, float)
    assert "last_ping" in inspect.getsource(engine_socket.Socket.check_ping_timeout)


@contract("engineio.socket:Socket().closing")
def test_engineio_socket_closing():
    assert engine_sock().closing is False


@contract("engineio.socket:Socket().closed")
def test_engineio_socket_closed():
    assert engine_sock().closed is False


@contract("engineio.socket:Socket().server")
def test_engineio_socket_server():
    """The timer waits the server's ping interval."""
    server = engine_server()
    sock = engine_socket.Socket(server, "sid")
    assert sock.server is server and isinstance(server.ping_interval, int | float)


# --- engineio_frames --------------------------------------------------------------------


@contract("engineio.packet:Packet.decode")
def test_engineio_packet_decode():
    """engine.io's own decoding (the one ours wraps) raises ValueError for a frame that is
    not a packet; ours makes it a close packet."""
    assert params(engineio_frames._decode) == ["self", "encoded_packet"]
    for frame in ("zz", "", "bA"):
        with pytest.raises(ValueError):
            engineio_frames._decode(engine_packet.Packet(), frame)
        pkt = engine_packet.Packet()
        engineio_frames.decode(pkt, frame)
        assert pkt.packet_type == engine_packet.CLOSE
    assert engine_packet.Packet(encoded_packet="4hi").data == "hi"  # a packet is untouched


@contract("engineio.socket:Socket.receive")
def test_engineio_socket_receive():
    """A close packet closes the socket, as a client's own close does."""
    sock = engine_sock()
    assert params(engine_socket.Socket.receive) == ["self", "pkt"]
    sock.receive(engine_packet.Packet(engine_packet.CLOSE))
    assert sock.closed


# --- engineio_sockets -------------------------------------------------------------------


@contract("engineio:Server().sockets")
def test_engineio_server_sockets():
    """The open sockets by id: their count is the process's socket count."""
    server = engine_server()
    assert server.sockets == {}
    server.sockets["sid"] = engine_socket.Socket(server, "sid")
    assert len(server.sockets) == 1


# --- socketio_packets -------------------------------------------------------------------


@contract("socketio.server:Server._handle_eio_message")
def test_socketio_server_handle_eio_message():
    """The Engine.IO message handler python-socketio registers, which ours wraps."""
    server = socketio.Server(async_mode="threading")
    assert params(socketio.Server._handle_eio_message) == ["self", "eio_sid", "data"]
    assert server.eio.handlers["message"] == server._handle_eio_message


@contract("engineio:Server.on")
def test_engineio_server_on():
    """A second handler for an event replaces the first (ours replaces python-socketio's)."""
    server = engine_server()
    server.on("message", print)
    server.on("message", repr)
    assert params(engineio.Server.on) == ["self", "event", "handler"]
    assert server.handlers["message"] is repr


@contract("socketio.packet:Packet.decode")
def test_socketio_packet_decode():
    """Decoding sets type, namespace and data and returns the attachments still due."""
    assert params(sio_packet.Packet.decode) == ["self", "encoded_packet"]
    pkt = sio_packet.Packet(encoded_packet='2/chat,["say",{"text":"x"}]')
    assert (pkt.packet_type, pkt.namespace, pkt.data) == (
        sio_packet.EVENT, "/chat", ["say", {"text": "x"}])
    binary = sio_packet.Packet()
    assert binary.decode('51-/chat,["x",{"_placeholder":true,"num":0}]') == 1
    with pytest.raises(ValueError):
        sio_packet.Packet(encoded_packet="2/chat,[broken")


@contract("socketio.packet:Packet.add_attachment")
def test_socketio_packet_add_attachment():
    """Each binary frame after a binary packet is handed to it; True once all are in."""
    assert params(sio_packet.Packet.add_attachment) == ["self", "attachment"]
    pkt = sio_packet.Packet(encoded_packet='51-/chat,["x",{"_placeholder":true,"num":0}]')
    assert pkt.add_attachment(b"\x00") is True


@contract("socketio:Server().packet_class")
def test_socketio_server_packet_class():
    """The `serializer` option's class is the one every packet is decoded with."""
    server = socketio.Server(async_mode="threading", serializer=StrictPacket)
    assert server.packet_class is StrictPacket


def test_engineio_session_is_gone_once_the_socket_closed():
    """Public API, but what the guard's silence after a close rests on: engine.io goes on
    handing over the frames a closed socket had in flight, and `get_session` refuses them."""
    server = engine_server()
    sock = server.sockets["sid"] = engine_socket.Socket(server, "sid")
    assert server.get_session("sid") == {}
    sock.close(wait=False, abort=True)
    with pytest.raises(KeyError):
        server.get_session("sid")


# --- socketio_manager -------------------------------------------------------------------


def _manager(redis_url: str, channel: str) -> BatchingRedisManager:
    return BatchingRedisManager(redis_url, channel=channel)


@contract("socketio.pubsub_manager:PubSubManager._publish")
def test_socketio_pubsub_manager_publish():
    """Every emit, disconnect and room change of a process is published through it."""
    assert params(PubSubManager._publish) == ["self", "data"]
    source = inspect.getsource(PubSubManager)
    assert "self._publish(message)" in source


@contract("socketio.pubsub_manager:PubSubManager._listen")
def test_socketio_pubsub_manager_listen():
    """The listener reads every message through it."""
    assert params(PubSubManager._listen) == ["self"]
    assert "self._listen()" in inspect.getsource(PubSubManager._thread)


@contract("socketio.pubsub_manager:PubSubManager._handle_emit")
def test_socketio_pubsub_manager_handle_emit():
    """An emit of another process, decoded, is delivered here through it."""
    assert params(PubSubManager._handle_emit) == ["self", "message"]
    assert "self._handle_emit(data)" in inspect.getsource(PubSubManager._thread)


@contract("socketio.pubsub_manager:PubSubManager._thread")
def test_socketio_pubsub_manager_thread(redis_url):
    """The listener hands each decoded emit of another process to `_handle_emit`."""
    channel = f"test-contract-{uuid.uuid4().hex}"
    handled: list[dict] = []

    class Listener(BatchingRedisManager):
        def _listen(self):  # the real Redis listener, ended after two messages
            for n, message in enumerate(super()._listen(), 1):
                yield message
                if n == 2:
                    return

        def _handle_emit(self, message):
            handled.append(message)

    here = Listener(redis_url, channel=channel)
    socketio.Server(async_mode="threading", client_manager=here)  # the manager's server
    assert params(PubSubManager._thread) == ["self"]
    thread = threading.Thread(target=here._thread, daemon=True)
    thread.start()
    _wait_for_subscriber(redis_url, channel)
    there = _manager(redis_url, channel)
    emit = {"method": "emit", "event": "e", "data": ["x"], "binary": False,
            "namespace": "/", "room": "r", "skip_sid": None, "callback": None}
    there._publish(emit)
    there._publish({**emit, "data": ["y"]})
    thread.join(10)
    assert [m["data"] for m in handled] == [["x"], ["y"]]


def _wait_for_subscriber(redis_url: str, channel: str) -> None:
    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + 10
    while not dict(client.pubsub_numsub(channel)).get(channel.encode()):
        assert time.monotonic() < deadline, "the listener never subscribed"
        time.sleep(0.01)


@contract("socketio.redis_manager:RedisManager._publish")
def test_socketio_redis_manager_publish(redis_url):
    """A publish is the manager's JSON of the message, as is: ours put the host id first,
    so the raw bytes start with it (the prefix a process drops its own by)."""
    channel = f"test-contract-{uuid.uuid4().hex}"
    manager = _manager(redis_url, channel)
    reader = redis.Redis.from_url(redis_url).pubsub(ignore_subscribe_messages=True)
    reader.subscribe(channel)
    _wait_for_subscriber(redis_url, channel)
    manager._publish({"method": "emit", "event": "e", "data": ["x"]})
    message = None
    deadline = time.monotonic() + 10
    while message is None and time.monotonic() < deadline:
        message = reader.get_message(timeout=1)
    reader.close()
    own = manager.json.dumps({"host_id": manager.host_id})[:-1].encode()
    assert message["data"].startswith(own)
    assert json.loads(message["data"])["event"] == "e"


@contract("socketio.redis_manager:RedisManager._listen")
def test_socketio_redis_manager_listen(redis_url):
    """The listener yields each message's raw bytes, undecoded."""
    channel = f"test-contract-{uuid.uuid4().hex}"
    manager = _manager(redis_url, channel)
    heard: list = []

    def listen():
        for raw in RedisManager._listen(manager):
            heard.append(raw)
            return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    _wait_for_subscriber(redis_url, channel)
    redis.Redis.from_url(redis_url).publish(channel, b'{"method": "emit"}')
    thread.join(10)
    assert heard == [b'{"method": "emit"}']


@contract("socketio:RedisManager().host_id")
def test_socketio_redis_manager_host_id():
    """Each manager's own id, sent with every message it publishes."""
    manager = RedisManager("redis://127.0.0.1:1/0", write_only=True)
    assert isinstance(manager.host_id, str) and manager.host_id
    assert "'host_id': self.host_id" in inspect.getsource(PubSubManager.emit)


@contract("socketio:RedisManager().json")
def test_socketio_redis_manager_json():
    """The JSON module publishes are written with: the server's (Python's json here)."""
    manager = RedisManager("redis://127.0.0.1:1/0", write_only=True)
    socketio.Server(async_mode="threading", client_manager=manager)
    assert manager.json.dumps({"a": 1}) == json.dumps({"a": 1})


@contract("socketio:RedisManager().write_only")
def test_socketio_redis_manager_write_only():
    """A write-only manager (the worker's) holds no sockets: nothing to deliver."""
    assert RedisManager("redis://127.0.0.1:1/0", write_only=True).write_only is True


@contract("socketio:RedisManager().server")
def test_socketio_redis_manager_server():
    """The Socket.IO server the manager delivers for (its `sleep` lets others run)."""
    manager = RedisManager("redis://127.0.0.1:1/0")
    server = socketio.Server(async_mode="threading", client_manager=manager)
    assert manager.server is server and callable(server.sleep)


# --- pywsgi -----------------------------------------------------------------------------


class Recording(HookedHandler):
    """A handler that notes what reached our hooks."""

    seen: list = []

    def client_error(self, ex):
        self.seen.append(("client_error", type(ex)))

    def request_failed(self, exc_type):
        self.seen.append(("request_failed", exc_type))


def _ask(request: bytes, app=None) -> bytes:
    """One request to a real pywsgi server with the Recording handler; its answer."""
    def fail(environ, start_response):
        raise RuntimeError("application failed")

    server = pywsgi.WSGIServer(("127.0.0.1", 0), app or fail, handler_class=Recording,
                               log=None, error_log=None)
    server.start()
    try:
        client = gevent.socket.create_connection(("127.0.0.1", server.server_port))
        client.sendall(request)
        answer = b""
        while chunk := client.recv(4096):
            answer += chunk
        client.close()
        return answer
    finally:
        server.stop()


@contract("gevent.pywsgi:WSGIHandler._handle_client_error")
def test_gevent_pywsgi_handle_client_error():
    """A bad request line goes through it, and its (status, body) is what is answered."""
    Recording.seen = []
    assert params(pywsgi.WSGIHandler._handle_client_error) == ["self", "ex"]
    assert _ask(b"NOT A REQUEST LINE AT ALL\r\n\r\n") == BAD_REQUEST_RESPONSE
    assert Recording.seen and Recording.seen[0][0] == "client_error"


@contract("gevent.pywsgi:WSGIHandler._log_error")
def test_gevent_pywsgi_log_error():
    """A failing application is reported through it, with the exception's type."""
    Recording.seen = []
    assert params(pywsgi.WSGIHandler._log_error) == ["self", "t", "v", "tb"]
    assert _ask(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").startswith(
        b"HTTP/1.1 500")
    assert Recording.seen == [("request_failed", RuntimeError)]


@contract("gevent.pywsgi:WSGIHandler.__init__")
def test_gevent_pywsgi_handler_init():
    """The undocumented `rfile` argument is the file requests are read from."""
    assert params(pywsgi.WSGIHandler.__init__) == ["self", "sock", "address", "server", "rfile"]
    left, right = socket.socketpair()
    try:
        rfile = left.makefile("rb", 2048)
        assert pywsgi.WSGIHandler(left, "", None, rfile).rfile is rfile
    finally:
        left.close()
        right.close()


@contract("gevent.pywsgi:WSGIHandler().rfile")
def test_gevent_pywsgi_handler_rfile():
    """simple-websocket takes the connection's socket from under the handler's read file
    (`rfile.raw._sock`), so a file of ours must keep that shape."""
    import simple_websocket.ws

    left, right = socket.socketpair()
    try:
        assert HookedHandler(left, "", None).rfile.raw._sock is left
    finally:
        left.close()
        right.close()
    assert "wsgi_input.raw._sock" in inspect.getsource(simple_websocket.ws.Server.__init__)


@contract("gevent.pywsgi:WSGIHandler.handle_one_request")
def test_gevent_pywsgi_handle_one_request():
    """Reads the request line from the socket (a timeout there ends the connection)."""
    assert params(pywsgi.WSGIHandler.handle_one_request) == ["self"]
    assert "except socket.error" in inspect.getsource(pywsgi.WSGIHandler.handle_one_request)


@contract("gevent.pywsgi:WSGIHandler.read_request")
def test_gevent_pywsgi_read_request():
    """Reads the headers; a false return is answered 400 and closes."""
    assert params(pywsgi.WSGIHandler.read_request) == ["self", "raw_requestline"]
    Recording.seen = []

    class Refusing(Recording):
        def read_request(self, raw_requestline):
            return False

    server = pywsgi.WSGIServer(("127.0.0.1", 0), None, handler_class=Refusing, log=None)
    server.start()
    try:
        client = gevent.socket.create_connection(("127.0.0.1", server.server_port))
        client.sendall(b"GET / HTTP/1.1\r\n\r\n")
        assert client.recv(4096) == BAD_REQUEST_RESPONSE
        client.close()
    finally:
        server.stop()
    assert Recording.seen == []  # nothing reported


# --- gevent_hub -------------------------------------------------------------------------


@contract("gevent.hub:Hub.print_exception")
def test_gevent_hub_print_exception():
    """The hub prints a failed greenlet through it (set on the hub instance)."""
    assert params(gevent.hub.Hub.print_exception) == ["self", "context", "t", "v", "tb"]
    hub = gevent.get_hub()
    before = hub.__dict__.get("print_exception")  # server/logs' printer, if a test installed it
    printed = []
    hub.print_exception = lambda context, t, v, tb: printed.append(t)
    try:
        gevent.spawn(lambda: 1 / 0).join()
    finally:
        if before is None:
            del hub.print_exception
        else:
            hub.print_exception = before
    assert printed == [ZeroDivisionError]


# --- rq_worker --------------------------------------------------------------------------


@contract("rq.worker:SimpleWorker.perform_job")
def test_rq_simple_worker_perform_job():
    """A SimpleWorker runs each job through it, in its own process."""
    assert params(SimpleWorker.perform_job) == ["self", "job", "queue", "execution"]
    assert "self.perform_job(" in inspect.getsource(SimpleWorker.execute_job)


# --- werkzeug_rules ---------------------------------------------------------------------


@contract("werkzeug.routing.rules:Rule._compile_builder")
def test_werkzeug_rule_compile_builder():
    """Rule.compile makes both URL builders through it, from the rule's parts (`_trace`)."""
    assert params(Rule._compile_builder) == ["self", "append_unknown"]
    source = inspect.getsource(Rule.compile)
    assert "self._compile_builder(False)" in source and "self._compile_builder(True)" in source


@contract("werkzeug.routing:Rule()._trace")
def test_werkzeug_rule_trace():
    """After compiling, a rule's `_trace` lists its (is_dynamic, part) pairs in order."""
    rule = Rule("/a/<int:n>/b")
    Map([rule])
    assert (True, "n") in rule._trace and all(len(step) == 2 for step in rule._trace)


def _every_url(app) -> dict[str, str]:
    """Each endpoint's URL, with 7 for every variable and an extra query argument."""
    with app.test_request_context():
        return {rule.endpoint: url_for(rule.endpoint, **dict.fromkeys(rule.arguments, 7),
                                       extra="x y")
                for rule in app.url_map.iter_rules()}


def test_two_apps_share_their_builders_and_build_the_same_urls():
    first = create_app("testing", overrides={"REDIS_URL": "redis://127.0.0.1:1/0"})
    second = create_app("testing", overrides={"REDIS_URL": "redis://127.0.0.1:1/0"})
    one = {r.endpoint: r for r in first.url_map.iter_rules()}
    shared = [r for r in second.url_map.iter_rules()
              if r._build.__func__ is one[r.endpoint]._build.__func__]
    assert len(shared) == len(one) > 20
    assert _every_url(second) == _every_url(first)


def test_a_default_for_a_variable_is_compiled_for_its_own_rule():
    """The converted default is folded into that builder's code: never shared."""
    rules = [CachedBuilderRule("/page/<int:n>", defaults={"n": n}, endpoint="p") for n in (1, 2)]
    urls = []
    for rule in rules:
        Map([rule]).bind("example.org")
        urls.append(rule.build({})[1])
    assert urls == ["/page/1", "/page/2"]


# --- the registry and the start-up check ------------------------------------------------


# --- socketio_rooms ---------------------------------------------------------------------


def _room_changes(manager: socketio.Manager) -> socketio.Manager:
    """The same sequence on any manager: connects, rooms entered and left, a room closed, a
    callback and a pending connect and disconnect, disconnects."""
    socketio.Server(async_mode="threading", client_manager=manager)
    for n in range(6):
        manager.basic_enter_room(f"s{n}", "/chat", None, eio_sid=f"e{n}")
        manager.basic_enter_room(f"s{n}", "/chat", f"s{n}", eio_sid=f"e{n}")
        manager.basic_enter_room(f"s{n}", "/chat", f"chat:{n % 2}")
    manager.basic_enter_room("s0", "/staff", None, eio_sid="e0")
    manager.basic_enter_room("s0", "/staff", "console")
    manager.basic_leave_room("s1", "/chat", "chat:1")
    manager.basic_close_room("chat:0", "/chat")
    manager.basic_enter_room("s2", "/chat", "chat:1")
    manager.callbacks["s3"] = {1: print}
    manager.pending_connect["/chat"] = ["s4"]
    manager.pending_disconnect["/chat"] = ["s5"]
    for sid in ("s3", "s4", "s5", "s1"):
        manager.basic_disconnect(sid, "/chat")
    manager.basic_disconnect("s9", "/nowhere")
    return manager


def _rooms(manager: socketio.Manager) -> dict:
    return {ns: {room: dict(members) for room, members in rooms.items()}
            for ns, rooms in manager.rooms.items()}


@contract("socketio.base_manager:BaseManager.basic_enter_room")
def test_socketio_base_manager_basic_enter_room():
    """Every room a socket enters passes through it (connect: its None and sid rooms)."""
    from helpline.compat.socketio_rooms import IndexedManager

    assert params(socketio.base_manager.BaseManager.basic_enter_room) == [
        "self", "sid", "namespace", "room", "eio_sid"]
    source = inspect.getsource(socketio.base_manager.BaseManager.pre_connect)
    assert source.count("self.basic_enter_room(") == 2
    indexed = _room_changes(IndexedManager())
    assert _rooms(indexed) == _rooms(_room_changes(socketio.Manager()))
    assert indexed.rooms_of[("/chat", "s2")] == {None, "s2", "chat:1"}


@contract("socketio.base_manager:BaseManager.basic_leave_room")
def test_socketio_base_manager_basic_leave_room():
    """Every room a socket leaves passes through it, a closed room's sockets one by one."""
    from helpline.compat.socketio_rooms import IndexedManager

    assert params(socketio.base_manager.BaseManager.basic_leave_room) == [
        "self", "sid", "namespace", "room"]
    assert "self.basic_leave_room(" in inspect.getsource(
        socketio.base_manager.BaseManager.basic_close_room)
    indexed = _room_changes(IndexedManager())
    assert indexed.rooms_of[("/chat", "s0")] == {None, "s0"}  # chat:0 was closed


@contract("socketio.base_manager:BaseManager.basic_disconnect")
def test_socketio_base_manager_basic_disconnect():
    """The rewritten disconnect leaves the manager as the library's does."""
    from helpline.compat.socketio_rooms import IndexedManager

    assert params(socketio.base_manager.BaseManager.basic_disconnect) == [
        "self", "sid", "namespace", "kwargs"]
    indexed, plain = _room_changes(IndexedManager()), _room_changes(socketio.Manager())
    assert _rooms(indexed) == _rooms(plain)
    assert (indexed.callbacks, indexed.pending_connect, indexed.pending_disconnect) == (
        plain.callbacks, plain.pending_connect, plain.pending_disconnect)
    assert set(indexed.rooms_of) == {(ns, sid) for ns, rooms in plain.rooms.items()
                                     for members in rooms.values() for sid in members}


@contract("socketio.base_manager:BaseManager.get_rooms")
def test_socketio_base_manager_get_rooms():
    from helpline.compat.socketio_rooms import IndexedManager

    indexed, plain = _room_changes(IndexedManager()), _room_changes(socketio.Manager())
    for sid in ("s0", "s2", "s1", "s9"):
        assert sorted(indexed.get_rooms(sid, "/chat")) == sorted(plain.get_rooms(sid, "/chat"))


@contract("socketio:Manager().rooms")
def test_socketio_manager_rooms():
    """namespace -> room -> {sid: eio_sid}; the None room holds every connected socket."""
    manager = _room_changes(socketio.Manager())
    assert manager.rooms["/chat"][None]["s0"] == "e0"


@contract("socketio:Manager().callbacks")
def test_socketio_manager_callbacks():
    assert socketio.Manager().callbacks == {}


@contract("socketio:Manager().pending_connect")
def test_socketio_manager_pending_connect():
    assert socketio.Manager().pending_connect == {}


@contract("socketio:Manager().pending_disconnect")
def test_socketio_manager_pending_disconnect():
    assert socketio.Manager().pending_disconnect == {}


def test_every_name_a_patch_touches_has_a_contract_here():
    touched = {name for patch in compat.PATCHES for name in patch.touches()}
    assert touched == CONTRACTS


def test_every_name_checked_at_start_exists():
    assert [n for p in compat.PATCHES for n in p.names if not compat.resolves(n)] == []


def pins() -> dict[str, str]:
    found = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        match = re.match(r"([A-Za-z0-9_.\-]+)(?:\[[^]]*\])?==(\S+)", line)
        if match:
            found[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[2]
    return found


def test_every_patch_names_the_pinned_versions():
    """A pin bump fails here: revisit the patch (helpline/compat/), then its versions."""
    pinned = pins()
    for patch in compat.PATCHES:
        for dist, version in patch.versions.items():
            assert pinned.get(dist) == version, (
                f"helpline/compat/{patch.module}.py was written for {dist} {version}, "
                f"requirements.txt pins {pinned.get(dist)}")


def test_the_check_is_silent_with_the_pinned_versions(caplog):
    assert compat.check() == []
    assert not caplog.records


def test_a_version_that_differs_is_one_warning_per_patch_naming_what_to_revisit(caplog):
    def installed(dist):
        return "4.16.0" if dist == "python-engineio" else compat.installed_version(dist)

    warnings = compat.check(installed=installed)
    assert [line.split(":")[0] for line in warnings] == [
        "library patch helpline/compat/engineio_pings.py",
        "library patch helpline/compat/engineio_frames.py",
        "library patch helpline/compat/engineio_sockets.py",
        "library patch helpline/compat/socketio_packets.py"]
    assert warnings[0] == (
        "library patch helpline/compat/engineio_pings.py: python-engineio 4.16.0 installed, "
        "written for 4.15.1; revisit engineio.socket:Socket.schedule_ping, "
        "engineio.socket:Socket._send_ping, engineio.socket:Socket().last_ping, "
        "engineio.socket:Socket().closing, engineio.socket:Socket().closed, "
        "engineio.socket:Socket().server")
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", line) for line in warnings]


def test_a_library_not_installed_is_said_so():
    patch = compat.Patch("gevent_hub", {"gevent": "26.9.0"}, ("gevent.hub:Hub.print_exception",))
    assert compat.check((patch,), installed=lambda dist: None) == [
        "library patch helpline/compat/gevent_hub.py: gevent not installed, "
        "written for 26.9.0; revisit gevent.hub:Hub.print_exception"]


def test_a_patch_whose_name_is_gone_cannot_apply():
    patch = compat.Patch("engineio_pings", {"python-engineio": "4.15.1"},
                         ("engineio.socket:Socket.schedule_ping", "engineio.socket:Socket._gone"))
    with pytest.raises(compat.PatchCannotApply) as refused:
        compat.check((patch,))
    assert str(refused.value) == (
        "library patch helpline/compat/engineio_pings.py cannot apply: "
        "engineio.socket:Socket._gone gone with python-engineio 4.15.1 installed "
        "(written for 4.15.1)")


def test_a_server_refuses_to_start_in_one_line_when_a_patch_cannot_apply():
    patch = compat.Patch("rq_worker", {"rq": "3.0.0"}, ("rq.worker:SimpleWorker._gone",))
    with pytest.raises(SystemExit) as refused:
        runner.check_library_patches((patch,))
    assert "\n" not in str(refused.value)
    assert str(refused.value).startswith(
        "helpline: library patch helpline/compat/rq_worker.py cannot apply: "
        "rq.worker:SimpleWorker._gone gone")


# ---------- a test's own client (not the product's; no registry entry) ----------

def test_the_doc_client_can_handle_events_in_order():
    """tests/test_doc_client_line.py's InOrderClient: python-socketio's Client makes its
    Engine.IO client with `_engineio_client_class`, and python-engineio runs a message's
    handler on a thread of its own unless `_trigger_event` is given `run_async=False`. An
    upgrade that changes either breaks that test's ordering, not the product."""
    assert callable(socketio.Client._engineio_client_class)
    assert socketio.Client()._engineio_client_class() is engineio.Client
    source = inspect.getsource(engineio.Client._trigger_event)
    assert "kwargs.pop('run_async'" in source
    assert "self._trigger_event('message', pkt.data, run_async=True)" in inspect.getsource(
        engineio.Client._receive_packet)
