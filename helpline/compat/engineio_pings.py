"""Engine.IO's pings on a gevent timer instead of a sleeping greenlet per socket.

python-engineio (4.x) schedules a socket's next ping by starting a background task that
sleeps PING_INTERVAL_SECONDS and then queues the ping: every connected socket has one
such greenlet suspended at all times, about 8 KB of RSS each (its saved C stack and its
CPython frame chunk; bench/socket_memory.py, issue 11 d). `gevent.spawn_later` leaves
the waiting to a timer of the event loop and runs a greenlet only for the moment the
ping is queued. The ping itself is engine.io's own code (`_send_ping` after its sleep).

Touches `Socket.schedule_ping` (replaced) and mirrors `Socket._send_ping`; reads the
socket's `last_ping`, `closing`, `closed` and `server` (registry: helpline/compat/).
"""

from __future__ import annotations

import time

import gevent
from engineio import packet
from engineio import socket as engine_socket


def schedule_ping(sock: engine_socket.Socket) -> None:
    """Engine.IO's `Socket.schedule_ping`, with the wait on a timer."""
    if sock.last_ping:  # only once the previous ping was answered, as engine.io does
        sock.last_ping = None
        gevent.spawn_later(sock.server.ping_interval, send_ping, sock)


def send_ping(sock: engine_socket.Socket) -> None:
    """What engine.io's `_send_ping` does once its sleep is over."""
    if not sock.closing and not sock.closed:
        sock.last_ping = time.time()
        sock.send(packet.Packet(packet.PING))


def install() -> None:
    """For the gevent server process only (runner.serve): the worker and tests keep engine.io's."""
    engine_socket.Socket.schedule_ping = schedule_ping
