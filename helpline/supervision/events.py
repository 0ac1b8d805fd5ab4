"""/staff events for supervision (thin): the overview, triage, monitor, whisper, join, risk.

The role is checked on every event, not only at connect: Flask-Login reloads the account
for each event, so a supervisor demoted to therapist is refused (`forbidden`) at their
next event and their socket leaves the supervisors' room. The logic is in
`actions.py` and `overview.py`; the handlers validate, call it and answer.
"""

from __future__ import annotations

from flask import current_app, request, session
from flask_login import current_user
from flask_socketio import disconnect, join_room, leave_room

from ..chat import store
from ..extensions import db
from ..realtime import live
from ..realtime.protocol import ProtocolError, chat_id, clean_text, flag
from ..server import heartbeat
from . import actions, overview

WHISPER_MAX = 1000


def _me() -> int:
    if not current_user.is_authenticated:
        disconnect()
        raise ProtocolError("not_signed_in")
    return int(current_user.id)


def _supervisor() -> int:
    """The signed-in supervisor's id; a therapist is refused and leaves the supervisors' room."""
    me = _me()
    if not actions.is_supervisor(current_user):
        leave_room(live.SUPERVISORS_ROOM)
        for room in [r for r in session.get("watching", [])]:
            leave_room(live.watch_room(room))
        session["watching"] = []
        raise ProtocolError("forbidden")
    return me


def _watching(cid: str, on: bool) -> None:
    """Remember which chats this socket watches (to leave them if the role is taken away)."""
    watching = [c for c in session.get("watching", []) if c != cid]
    session["watching"] = [*watching, cid] if on else watching


def on_overview(data: dict) -> dict:
    _supervisor()
    return overview.overview(live.redis(), db.session, live.now())


def on_triage(data: dict) -> dict:
    me = _supervisor()
    actions.triage(live.redis(), db.session, me, chat_id(data.get("chat_id")))
    return {"ok": True}


def on_remove_waiting(data: dict) -> dict:
    """Remove a waiting chat from the line and refuse its token (actions.py)."""
    me = _supervisor()
    actions.remove_waiting(live.redis(), db.session, me, chat_id(data.get("chat_id")))
    return {"ok": True}


def on_clear_places(data: dict) -> dict:
    """Remove every waiting place with no sign of a person (actions.py)."""
    me = _supervisor()
    return {"ok": True, "removed": actions.clear_places(live.redis(), db.session, me, live.now())}


def on_monitor(data: dict) -> dict:
    me = _supervisor()
    cid = chat_id(data.get("chat_id"))
    view = actions.monitor(live.redis(), db.session, me, cid)
    join_room(live.watch_room(cid))
    _watching(cid, True)
    return {"ok": True, "chat": view}


def on_unmonitor(data: dict) -> dict:
    _supervisor()
    cid = chat_id(data.get("chat_id"))
    leave_room(live.watch_room(cid))
    _watching(cid, False)
    return {"ok": True}


def on_whisper(data: dict) -> dict:
    me = _supervisor()
    cid = chat_id(data.get("chat_id"))
    text = clean_text(data.get("text"), WHISPER_MAX)
    note = actions.whisper(live.redis(), db.session, me, current_user.display_name, cid,
                             text, live.now())
    return {"ok": True, "id": note["id"], "ts": note["ts"]}


def on_join(data: dict) -> dict:
    me = _supervisor()
    cid = chat_id(data.get("chat_id"))
    view = actions.join(live.redis(), db.session, me, current_user.display_name, cid)
    join_room(live.watch_room(cid))
    _watching(cid, True)
    return {"ok": True, "chat": view}


def on_colleague_message(data: dict) -> dict:
    me = _supervisor()
    cid = chat_id(data.get("chat_id"))
    text = clean_text(data.get("text"), current_app.config["MAX_MESSAGE_CHARS"])
    msg = actions.colleague_say(live.redis(), me, current_user.display_name, cid, text)
    return {"ok": True, "id": msg.id}


def on_risk_flag(data: dict) -> dict:
    """A therapist raises (or lowers) the potential-risk flag of a chat they hold."""
    me = _me()
    on = flag(data.get("on"))
    cid = chat_id(data.get("chat_id"))
    store.held_chat(live.redis(), cid, me)
    actions.set_risk(live.redis(), db.session, me, current_user.display_name, cid, on,
                       live.now())
    return {"ok": True, "chat_id": cid, "risk": on}


HANDLERS = {
    "overview": on_overview, "triage": on_triage, "remove_waiting": on_remove_waiting,
    "clear_places": on_clear_places,
    "monitor": on_monitor,
    "unmonitor": on_unmonitor, "whisper": on_whisper, "join": on_join,
    "colleague_message": on_colleague_message, "risk_flag": on_risk_flag,
}


def on_connect() -> None:
    """A supervisor's socket joins the supervisors' room (overview pushes, risk alerts)."""
    if actions.is_supervisor(current_user):
        join_room(live.SUPERVISORS_ROOM)
        session["supervisor_sid"] = request.sid
        overview.supervisor_socket_opened(live.redis(), request.sid)
        heartbeat.own(live.redis(), heartbeat.SUPERVISOR, request.sid)


def on_disconnect() -> None:
    sid = session.get("supervisor_sid")
    if sid:
        heartbeat.socket_gone(live.redis(), heartbeat.SUPERVISOR, sid, None)
