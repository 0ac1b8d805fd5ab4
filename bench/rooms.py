"""What dropping every socket of a process costs in python-socketio's room bookkeeping:
its own manager against ours with the rooms of each socket indexed
(helpline/compat/socketio_rooms.py, issue 21).

Each socket is connected the way a chatter's is: the namespace's None room, its own sid
room and a chat room shared with one other socket. Then every socket disconnects, as when
a process closes all its connections. Pure Python, no server: it prints the time per
disconnect and for all of them.

    .venv/bin/python bench/rooms.py [--sockets 1000 5000 10000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import socketio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpline.compat.socketio_rooms import IndexedManager  # noqa: E402


def drop_all(manager: socketio.Manager, sockets: int) -> float:
    """Seconds to disconnect `sockets` connected sockets, one after the other."""
    socketio.Server(async_mode="threading", client_manager=manager)
    for n in range(sockets):
        sid = f"s{n}"
        manager.basic_enter_room(sid, "/chat", None, eio_sid=f"e{n}")
        manager.basic_enter_room(sid, "/chat", sid, eio_sid=f"e{n}")
        manager.basic_enter_room(sid, "/chat", f"chat:{n // 2}")
    start = time.perf_counter()
    for n in range(sockets):
        manager.basic_disconnect(f"s{n}", "/chat")
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, nargs="+", default=[1000, 5000, 10000])
    args = parser.parse_args(argv)
    print("sockets | python-socketio: all / per disconnect | indexed: all / per disconnect")
    for count in args.sockets:
        plain = drop_all(socketio.Manager(), count)
        indexed = drop_all(IndexedManager(), count)
        print(f"{count:,} | {plain:.2f} s / {plain / count * 1e6:,.0f} µs | "
              f"{indexed:.3f} s / {indexed / count * 1e6:,.1f} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
