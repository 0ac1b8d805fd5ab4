"""The /staff namespace: the therapist console's socket. Thin: check, call, answer.

The account is re-read on every event (Flask-Login loads it per event), so a
deactivated account or a signed-out session stops working at its next event.
"""

from __future__ import annotations

from flask import current_app, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_socketio import ConnectionRefusedError as Refused
from flask_socketio import disconnect, join_room

from .. import audit, timers
from ..auth import sessions as staff_sessions
from ..availability import gate
from ..chat import handover, lifecycle, store
from ..extensions import db, socketio
from ..i18n import current_language
from ..queue import assignment, broadcast, keys, transfer
from ..realtime import live, ratelimit
from ..realtime.protocol import ProtocolError, chat_id, clean_text, flag, sql_id
from ..realtime.sockets import dispatch
from ..records import followup, summaries
from ..records.models import Staff
from ..records.scrubber.labels import label as scrub_label
from ..records.taxonomy import current as current_taxonomy
from ..server import heartbeat
from ..supervision import events as supervision


def _me() -> str:
    """The signed-in staff member's id, or refuse (and drop the socket)."""
    if not current_user.is_authenticated:
        disconnect()
        raise ProtocolError("not_signed_in")
    return str(current_user.id)


def _held_chat(data: dict, states: tuple[str, ...] = ("active",)) -> str:
    """A chat id from the payload that this therapist holds, in one of `states`."""
    cid = chat_id(data.get("chat_id"))
    store.held_chat(live.redis(), cid, _me(), states)
    return cid


def _capacity(value) -> int:
    limit = current_app.config["MAX_CAPACITY"]
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= limit:
        raise ProtocolError(
            "bad_payload", _l("Capacity must be a whole number from 1 to %(n)s.", n=limit))
    return value


def _presence() -> dict:
    p = assignment.presence(live.redis(), _me())
    return {"ok": True, "on_duty": p.on_duty, "capacity": p.capacity, "load": p.load,
            "paused": p.paused, "cooldown": p.cooldown_left(live.now())}


def snapshot() -> dict:
    """Everything the console needs after a (re)connect: duty, held chats, the line."""
    r = live.redis()
    me = _me()
    chats = [store.chat_view(r, cid) for cid in sorted(assignment.held_chats(r, me))]
    return {**_presence(), "name": current_user.display_name, "role": current_user.role,
            "chats": [c for c in chats if c["state"]], **_line(r)}


def _line(r) -> dict:
    view = broadcast.line_view(r)
    return {"waiting": view["waiting"], "waiting_total": view["total"]}


def on_duty(data: dict) -> dict:
    """Go on or off duty; going on may hand out waiting chatters at once."""
    r = live.redis()
    me = _me()
    if flag(data.get("on")):
        capacity = _capacity(data.get("capacity", assignment.presence(r, me).capacity))
        assignment.go_on_duty(r, me, current_user.display_name, capacity, live.now())
    else:
        assignment.go_off_duty(r, me)
    lifecycle.line_moved(r)
    return _presence()


def on_capacity(data: dict) -> dict:
    r = live.redis()
    assignment.set_capacity(r, _me(), _capacity(data.get("capacity")))
    lifecycle.line_moved(r)
    return _presence()


def on_message(data: dict) -> dict:
    cid = chat_id(data.get("chat_id"))  # held by me and active: checked as it is stored
    text = clean_text(data.get("text"), current_app.config["MAX_MESSAGE_CHARS"])
    msg = lifecycle.say(live.redis(), cid, "therapist", text, current_user.display_name,
                        holder=_me())
    return {"ok": True, "id": msg.id}


def on_typing(data: dict) -> dict:
    typing = flag(data.get("typing"))
    live.to_chatter(_held_chat(data), "typing", {"typing": typing})
    return {"ok": True}


def on_end(data: dict) -> dict:
    lifecycle.end(live.redis(), _held_chat(data), by="therapist", reason="therapist_ended")
    return {"ok": True}


def on_summary(data: dict) -> dict:
    """File the summary; if the scrubber removed something, show it and ask to confirm."""
    r = live.redis()
    cid = chat_id(data.get("chat_id"))
    if flag(data.get("no_conversation", False)):
        summary = summaries.file_no_conversation(r, db.session, _me(), cid)
        lifecycle.line_moved(r)
        return {**_presence(), "summary_id": summary.id}
    values = data.get("values")
    if not isinstance(values, dict):
        raise ProtocolError("bad_payload", _l("values must be an object."))
    confirmed = data.get("confirmed_note")
    if confirmed is not None and not isinstance(confirmed, str):
        raise ProtocolError("bad_payload", _l("confirmed_note must be a string."))
    taxonomy = current_taxonomy()
    try:
        summary = summaries.file_summary(r, db.session, taxonomy, _me(), cid, values, confirmed,
                                         current_language())
    except summaries.NeedsConfirmation as need:
        return {**ProtocolError("confirm_scrub").payload("summary"), "note": need.note,
                "removed": [{"kind": x.kind, "label": scrub_label(x.kind), "text": x.text}
                            for x in need.removed]}
    _cool_down(r)
    lifecycle.line_moved(r)
    return {**_presence(), "summary_id": summary.id}


def _cool_down(r) -> None:
    """After a filed summary, a breather (COOLDOWN_SECONDS, 0: none) before the next chat.
    A job at its end runs the assignment: a chatter may be waiting for exactly this slot."""
    seconds = current_app.config["COOLDOWN_SECONDS"]
    if seconds > 0:
        until = assignment.start_cooldown(r, _me(), live.now() + seconds)
        timers.later(seconds, "cooldown_over", _me(), until)


def on_pause(data: dict) -> dict:
    """Stop (paused: true) or resume new assignments without going off duty."""
    r = live.redis()
    assignment.set_paused(r, _me(), flag(data.get("paused")))
    lifecycle.line_moved(r)
    return _presence()


def on_skip_cooldown(data: dict) -> dict:
    """End the cool-down now: the next waiting chatter may come at once."""
    r = live.redis()
    assignment.end_cooldown(r, _me())
    lifecycle.line_moved(r)
    return _presence()


def on_state(data: dict) -> dict:
    return snapshot()


def on_keepalive(data: dict) -> dict:
    """"Stay signed in": every event counts as activity; this one only answers the times."""
    return {"ok": True, **staff_sessions.remaining(
        live.redis(), session[staff_sessions.SESSION_KEY], live.now())}


NOTE_MAX = 500  # the private handover note of a transfer


def _handover_note(value) -> str:
    """The optional handover note: plain text, at most NOTE_MAX characters, '' when empty."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ProtocolError("bad_payload", _l("The note must be a string."))
    try:
        return clean_text(value, NOTE_MAX)
    except ProtocolError as exc:
        if exc.code == "empty":
            return ""
        raise ProtocolError(
            "too_long", _l("The note can be at most %(n)s characters.", n=NOTE_MAX)) from None


def _colleague_id(value) -> str:
    """A transfer target: a staff id (number, or digits) of an active account other than me."""
    value = sql_id(value)
    if value is None:
        raise ProtocolError("bad_payload", 'to must be a colleague\'s id or "line".')
    if str(value) == _me():
        raise ProtocolError("bad_payload", _l("Choose a colleague: you already hold this chat."))
    staff = db.session.get(Staff, value)
    if staff is None or not staff.active:
        raise ProtocolError("unknown_staff")
    return str(value)


def on_transfer(data: dict) -> dict:
    """Hand an active chat to an on-duty colleague with room, or back to the front of the line."""
    cid = _held_chat(data)
    note = _handover_note(data.get("note"))
    r = live.redis()
    target = data.get("to")
    if target == "line":
        handover.back_to_line(r, cid, _me(), current_user.display_name, note)
        _audit_transfer(cid, None)
        return {"ok": True, "to": None}
    to_id = _colleague_id(target)
    name = handover.to_colleague(r, cid, _me(), current_user.display_name, to_id, note)
    _audit_transfer(cid, int(to_id))
    return {"ok": True, "to": name}


def _audit_transfer(cid: str, to_id: int | None) -> None:
    """Who handed which chat to whom (None: the line); never the note. The chat has moved
    already, so a failure here is logged rather than reported as a failed transfer."""
    try:
        audit.record(db.session, int(_me()), "transfer", cid, to_id)
    except Exception as exc:
        db.session.rollback()
        current_app.logger.error("transfer not audited: %s", type(exc).__name__)


def on_colleagues(data: dict) -> dict:
    """On-duty colleagues (not me) with their free slots, for the transfer menu."""
    found = transfer.colleagues(live.redis(), _me(), live.now())
    return {"ok": True, "colleagues": [c.as_dict() for c in found]}


def on_follow_up_code(data: dict) -> dict:
    """Staff: issue a code for a chat one holds (active, or ended with its summary due);
    the chatter's page gets it at once as `follow_up_code`."""
    cid = _held_chat(data, ("active", "ended"))
    first, last = followup.window(data.get("date"), data.get("window_days", 3), gate.today())
    r = live.redis()
    series = store.get_chat(r, cid).get("series") or None
    issued = followup.issue(db.session, current_app.config["SECRET_KEY"], _me(), first, last,
                            series_id=series)
    r.hset(keys.chat(cid), "series", issued.series_id)
    live.to_chatter(cid, "follow_up_code", issued.as_dict())
    return {"ok": True, **issued.as_dict()}


HANDLERS = {
    "duty": on_duty, "capacity": on_capacity, "message": on_message, "typing": on_typing,
    "end": on_end, "summary": on_summary, "state": on_state,
}
HANDLERS.update({"pause": on_pause, "skip_cooldown": on_skip_cooldown})
HANDLERS.update({"transfer": on_transfer, "colleagues": on_colleagues,
                 "keepalive": on_keepalive})
HANDLERS.update(supervision.HANDLERS)  # overview, triage, monitor, whisper, join, risk_flag
HANDLERS.update({"follow_up_code": on_follow_up_code})


def register() -> None:
    """Attach the /staff handlers to the Socket.IO server."""

    @socketio.on("connect", namespace=live.STAFF_NS)
    def connect(auth=None):
        if not current_user.is_authenticated:
            raise Refused("not_signed_in")
        join_room(live.staff_room(current_user.id))
        join_room(live.CONSOLE_ROOM)
        session["staff_id"] = str(current_user.id)  # still known at disconnect
        assignment.console_opened(live.redis(), session["staff_id"], request.sid)
        times = staff_sessions.socket_opened(live.redis())
        heartbeat.own(live.redis(), heartbeat.CONSOLE, request.sid, session["staff_id"])
        socketio.emit("state", snapshot(), to=request.sid, namespace=live.STAFF_NS)
        socketio.emit("session", times, to=request.sid, namespace=live.STAFF_NS)
        supervision.on_connect()

    @socketio.on("disconnect", namespace=live.STAFF_NS)
    def disconnect_(reason=None):
        supervision.on_disconnect()
        ratelimit.forget(request.sid)
        staff_sessions.socket_closed(live.redis())
        heartbeat.socket_gone(live.redis(), heartbeat.CONSOLE, request.sid,
                              session.get("staff_id"))

    @socketio.on("*", namespace=live.STAFF_NS)
    def any_event(event, *payload):
        staff_sessions.require_live()  # idle, expired or signed out: `signed_out`, closed
        _me()  # the account is re-read per event: deactivated or signed out, it is dropped
        return dispatch(HANDLERS, event, payload)
