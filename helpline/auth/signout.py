"""Signing a staff member out of every console at once, on every server process.

Used when an account is deactivated, its password reset or its role changed, and when
the person logs out. The SQL side (the session version) is changed by the caller first,
so a socket that is still connecting is refused at its next event anyway.

How the sockets are closed across processes: each server records a staff member's
console socket ids in Redis (`hl:staff:<id>:sockets`, see `assignment.console_opened`).
`signed_out` goes to the room `staff:<id>` through the Socket.IO message queue, and then
`socketio.server.disconnect(sid)` for each recorded id: python-socketio's Redis manager
(a PubSubManager) disconnects a local socket directly and publishes a `disconnect`
message for a socket held by another process, which that process carries out. Both go
through the same Redis channel in order, so the console sees `signed_out` first.
"""

from __future__ import annotations

from redis import Redis

from ..chat import handover, lifecycle
from ..extensions import socketio
from ..queue import assignment, keys
from ..realtime import live

# "idle" and "expired": a session that ended by itself (sessions.py) on the last console.
REASONS = ("deactivated", "password_reset", "role_changed", "logged_out", "two_factor_reset",
           "idle", "expired")


def sign_out_everywhere(r: Redis, staff_id: int | str, reason: str) -> list[str]:
    """Take the person off duty, give their active chats back to the line (front), tell
    each chatter, then send `signed_out` and disconnect every console socket of theirs.

    Returns the ids of the chats that went back to the line.
    """
    staff_id = str(staff_id)
    assignment.go_off_duty(r, staff_id)
    returned = handover.return_all(r, staff_id)
    live.to_staff(staff_id, "signed_out", {"reason": reason})
    sids = sorted(r.smembers(keys.staff_sockets(staff_id)))
    for sid in sids:
        socketio.server.disconnect(sid, namespace=live.STAFF_NS)
    if sids:
        r.srem(keys.staff_sockets(staff_id), *sids)
    lifecycle.line_moved(r)  # the returned chats go to whoever has room, positions update
    return returned
