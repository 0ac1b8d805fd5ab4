"""Staff events without SQL: each account's sign-in stamp in Redis, each console socket's
account snapshot in its Socket.IO session.

Every change that must refuse open consoles (deactivation, role change, password or second
factor reset, signing out everywhere) bumps the account's `session_version`. After each
commit that touches an account, its stamp `hl:account:<id>` =
"<session_version>|<usable>|<role>" is written (never to an older version), so one Lua call
per event checks the session and the account together (sessions.py). A stamp that
differs from the socket's snapshot, or none (Redis restarted), sends that event to SQL,
which stays the authority: it refuses the account or refreshes the snapshot.
"""

from __future__ import annotations

from flask import current_app, has_app_context
from flask_login import UserMixin
from redis import Redis
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..queue import keys
from ..records.models import Staff

_PENDING = "helpline_account_stamps"

# Write a stamp unless Redis already holds a newer session version (two commits racing).
_WRITE = """
local cur = redis.call('GET', KEYS[1])
if cur and tonumber(string.match(cur, '^(%d+)')) > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
"""


def stamp(version: int, usable: bool, role: str) -> str:
    return f"{version}|{int(usable)}|{role}"


def expected(snap: dict) -> str:
    """The stamp of the account as the socket's snapshot knows it (usable)."""
    return stamp(snap["session_version"], True, snap["role"])


def _of(staff: Staff, usable: bool = True) -> str:
    usable = usable and bool(staff.active) and not staff.must_change_password
    return stamp(staff.session_version, usable, staff.role)


def fill(r: Redis, staff: Staff) -> None:
    """After an SQL load: the stamp, unless one is already there (a writer may be newer)."""
    r.set(keys.account(staff.id), _of(staff), nx=True)


class StaffSnapshot(UserMixin):
    """What a console socket knows of its account, taken from SQL at connect."""

    def __init__(self, data: dict):
        self.id = data["id"]
        self.role = data["role"]
        self.display_name = data["display_name"]
        self.session_version = data["session_version"]
        self.language = data.get("language")  # the socket's errors are in this language
        self.active = True

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"


def snapshot(staff: Staff) -> dict:
    return {"id": staff.id, "role": staff.role, "display_name": staff.display_name,
            "session_version": staff.session_version, "language": staff.language}


@event.listens_for(Session, "after_flush")
def _note(session: Session, flush_context) -> None:
    """Remember the flushed accounts' versions; written to Redis once the commit is done."""
    pending = session.info.setdefault(_PENDING, {})
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Staff) and obj.id is not None:
            pending[obj.id] = _of(obj)
    for obj in session.deleted:
        if isinstance(obj, Staff):
            pending[obj.id] = _of(obj, usable=False)


@event.listens_for(Session, "after_commit")
def _write(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending or not has_app_context():
        return
    try:
        r = current_app.extensions["helpline_redis"]
        for staff_id, value in pending.items():
            r.eval(_WRITE, 1, keys.account(staff_id), value.partition("|")[0], value)
    except Exception as exc:  # the commit stands; events fall back on the session check
        current_app.logger.error("account stamp not written: %s", type(exc).__name__)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
