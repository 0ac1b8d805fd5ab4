"""Server tuning from issue 11: TCP_NODELAY on every accepted connection, and the start-up
heap frozen out of the garbage collector's full passes."""

from __future__ import annotations

import gc
import socket
from types import SimpleNamespace

from helpline.server.logs import AnonymousHandler
from helpline.server.runner import freeze_startup_heap


def test_accepted_connections_send_small_frames_at_once():
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    accepted, address = listener.accept()
    try:
        assert not accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        AnonymousHandler(accepted, address, SimpleNamespace())
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        for s in (accepted, client, listener):
            s.close()


def test_a_unix_socket_is_accepted_as_is():
    left, right = socket.socketpair()
    try:
        AnonymousHandler(left, "", SimpleNamespace())  # no TCP option to set: no error
    finally:
        left.close()
        right.close()


def test_start_up_heap_is_frozen_and_full_passes_are_rare():
    gc.unfreeze()
    thresholds = gc.get_threshold()
    try:
        freeze_startup_heap()
        assert gc.get_freeze_count() > 0
        young, middle, old = gc.get_threshold()
        assert young >= 5000 and old >= 100  # Python's 700/10/10 paused 220 ms every 3.5 s
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def test_a_connection_reads_through_a_small_buffer():
    """A WebSocket keeps its handler's read buffer for life: 2 KB, not pywsgi's 8 KB."""
    import sys

    left, right = socket.socketpair()
    try:
        handler = AnonymousHandler(left, "", SimpleNamespace())
        assert sys.getsizeof(handler.rfile) < 4096
        right.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nCookie: " + b"c" * 5000 + b"\r\n\r\n")
        assert handler.rfile.readline() == b"GET / HTTP/1.1\r\n"
        handler.rfile.readline()
        assert len(handler.rfile.readline()) == len("Cookie: ") + 5000 + 2  # longer than it
    finally:
        left.close()
        right.close()


def test_greenlets_keep_no_spawn_tree():
    import gevent

    from helpline.server.runner import lighter_greenlets

    before = gevent.config.track_greenlet_tree
    try:
        lighter_greenlets()
        assert gevent.spawn(lambda: None).spawning_stack is None
    finally:
        gevent.config.track_greenlet_tree = before


def test_a_ping_waits_on_a_timer_and_is_then_sent(monkeypatch):
    """Engine.IO's ping after PING_INTERVAL, without a greenlet sleeping per socket."""
    import gevent
    from engineio import packet
    from engineio import socket as engine_socket

    from helpline.compat import engineio_pings

    monkeypatch.setattr(engine_socket.Socket, "schedule_ping", engine_socket.Socket.schedule_ping)
    engineio_pings.install()
    sent = []
    server = SimpleNamespace(ping_interval=0.05)  # no start_background_task: no sleeping task
    sock = SimpleNamespace(last_ping=1.0, closing=False, closed=False, server=server,
                           send=sent.append)
    engine_socket.Socket.schedule_ping(sock)
    assert sock.last_ping is None and sent == []
    engine_socket.Socket.schedule_ping(sock)  # not answered yet: nothing more is scheduled
    gevent.sleep(0.2)
    assert [p.packet_type for p in sent] == [packet.PING] and sock.last_ping
    sock.closed, sock.last_ping = True, 1.0
    engine_socket.Socket.schedule_ping(sock)
    gevent.sleep(0.2)
    assert len(sent) == 1  # a closed socket is not pinged
