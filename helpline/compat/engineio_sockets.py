"""How many Engine.IO sockets this process holds.

python-engineio has no public count: its server keeps the open sockets in the
undocumented dict `Server.sockets` (registry: helpline/compat/).
"""

from __future__ import annotations


def open_sockets(socketio_server) -> int:
    """The Engine.IO sockets open in this process (0 before the server exists)."""
    return len(socketio_server.eio.sockets) if socketio_server is not None else 0
