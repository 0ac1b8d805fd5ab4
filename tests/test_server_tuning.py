"""Server tuning from issue 11: TCP_NODELAY on every accepted connection, and the start-up
heap frozen out of the garbage collector's full passes."""

from __future__ import annotations

import gc
import socket
from types import SimpleNamespace

from helpline.runner import freeze_startup_heap
from helpline.serverlog import AnonymousHandler


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


def test_start_up_heap_is_frozen():
    gc.unfreeze()
    try:
        freeze_startup_heap()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
