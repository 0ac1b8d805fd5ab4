"""The /chat namespace: the anonymous chatter's socket. Thin: validate, call, answer."""

from __future__ import annotations

from flask import current_app, request, session
from flask_babel import lazy_gettext as _l
from flask_socketio import join_room, leave_room

from .. import i18n
from ..availability import gate
from ..extensions import db, socketio
from ..queue import broadcast, estimate, keys, line, snapshot
from ..realtime import live, overload, ratelimit
from ..realtime.protocol import ProtocolError, choice, clean_text, flag, stream_id
from ..realtime.sockets import dispatch
from ..records import returning
from ..records.taxonomy import current as current_taxonomy
from ..reports import feedback
from ..server import heartbeat
from . import lifecycle, places, proofofwork, store

LANGUAGES = set(i18n.LANGUAGES)
# What a page may speak (docs/protocol.md, "Protocol versions"): 1, the default, gets its
# own `position` events; 2 gets one `line_moved` packet per change for the whole line.
PROTOCOLS = (1, 2)


def _my_chat() -> str:
    """The chat this socket is bound to; after its own `end` the socket is unbound."""
    chat_id = session.get("chat_id")
    if not chat_id:
        raise ProtocolError("chat_ended" if session.get("ended") else "not_joined")
    return chat_id


def _protocol(data: dict) -> int:
    """The protocol a `start` or `resume` asks for: absent or null is 1, as before it existed."""
    value = data.get("protocol")
    if value is None:
        return 1
    if type(value) is not int or value not in PROTOCOLS:  # (True is an int in Python)
        raise ProtocolError("bad_payload")
    return value


def _state(r, chat_id: str, chat: dict) -> dict:
    """Where the chatter stands: waiting (with place and wait), chatting, or ended."""
    state = {"ok": True, "chat_id": chat_id, "state": chat.get("state", "ended"),
             "therapist": chat.get("staff_name") or None}
    follow_up = returning.agreed_therapist(r, chat)
    if follow_up:
        state["follow_up"] = follow_up
    pos = line.position(r, chat_id)
    if pos is not None:
        state.update(_line_place(r, chat_id, pos) if session.get("protocol") == 2
                     else _place_now(r, pos))
    return state


def _place_now(r, pos: int) -> dict:
    """The place and waits of the chatter at `pos`, from the live state now."""
    inputs = estimate.inputs_now(r, current_app.config["DEFAULT_CHAT_MINUTES"])
    return broadcast.place_info(pos, inputs, gate.chat_taking_new(db.session, live.now()))


def _line_place(r, chat_id: str, pos: int) -> dict:
    """Protocol 2: the place in the version of the line last sent, with that version, so
    the page applies the next packet to it. A chat not in that version yet gets its place
    now and `line_version: null`: its own `position` with the version comes next."""
    last = snapshot.read(r)
    place = last.place(chat_id)
    if place is None or last.inputs is None:
        return {**_place_now(r, pos), "line_version": None}
    return {**broadcast.place_info(place, last.inputs, last.open), "line_version": last.version}


def _attach(r, chat_id: str, lang: str | None = None, protocol: int = 1) -> None:
    """Bind this socket to the chat: its room, its session, and the chat's connection."""
    join_room(live.chat_room(chat_id))
    session["chat_id"] = chat_id
    session["protocol"] = protocol
    session.pop("ended", None)
    lifecycle.reconnected(r, chat_id, request.sid, lang, protocol)
    heartbeat.own(r, heartbeat.CHATTER, request.sid, chat_id)  # swept if this process dies
    r.hdel(keys.POSITIONS_SENT, chat_id)  # the next broadcast re-sends the place


def _follow_line(r, chat_id: str) -> None:
    """Protocol 2: this socket gets the line's packets while its chat waits. It joins the
    room first, then looks whether the chat still waits: a therapist who takes the chat
    after that look takes the socket out of the room (broadcast.assign_and_notify), and
    one who took it before is seen by the look."""
    if session.get("protocol") != 2:
        return
    join_room(live.LINE_ROOM)
    if line.position(r, chat_id) is None:
        leave_room(live.LINE_ROOM)


def on_start(data: dict) -> dict:
    """Intake: optional age band and gender, the gate (hours, duty, room), then the line."""
    if overload.overloaded():  # before the proof is spent: the page sends it again
        raise ProtocolError("server_busy", extra={"retry_after": overload.retry_after()})
    r = live.redis()
    current = session.get("chat_id")
    if current and store.get_chat(r, current).get("state") in ("waiting", "active"):
        raise ProtocolError("already_joined")
    tax = current_taxonomy()
    age = choice(data.get("age_band"), tax.keys("age_bands"), _l("age band"))
    gender = choice(data.get("gender"), tax.keys("genders"), _l("gender"))
    lang = choice(data.get("lang"), LANGUAGES, _l("language")) or i18n.current_language()
    counted = data.get("counted") is not None and flag(data.get("counted"))
    protocol = _protocol(data)
    proofofwork.redeem(r, data.get("pow"))  # before the gate: only a solved start is counted missed
    try:
        gate.check_new_chat(r, db.session, live.now(), counted=counted)
    except ProtocolError as refused:
        if refused.code == "at_capacity":
            places.count(r, "refused_capacity")
        raise
    follow_up = returning.redeem_for_start(data)  # a follow-up code, used once
    chat_id = store.new_chat_id()
    join_room(live.chat_room(chat_id))  # before the chat exists: no assignment can be missed
    token = lifecycle.open_chat(r, chat_id, age, gender, lang, counted=counted,
                                protocol=protocol)
    places.taken(chat_id, live.now())
    if follow_up:
        returning.mark_returning(r, chat_id, follow_up)
    _attach(r, chat_id, protocol=protocol)
    lifecycle.line_moved(r)
    _follow_line(r, chat_id)
    return {**_state(r, chat_id, store.get_chat(r, chat_id)), "token": token}


def on_resume(data: dict) -> dict:
    """A reload or reconnect: same place, and every message after the last one seen."""
    r = live.redis()
    after = stream_id(data.get("last_id"))
    token = data.get("token")
    if not isinstance(token, str) or not token:
        raise ProtocolError("bad_payload", _l("token must be the string start returned."))
    lang = choice(data.get("lang"), LANGUAGES, _l("language"))  # the tab switched language
    protocol = _protocol(data)
    chat_id = store.chat_for_token(r, token)
    chat = store.get_chat(r, chat_id) if chat_id else {}
    if not chat:
        raise ProtocolError("unknown_token")
    if chat.get("state") != "ended":
        _attach(r, chat_id, lang, protocol)
        _follow_line(r, chat_id)
        broadcast.line_changed()
    else:  # the closing screen after a reconnect: its feedback card may follow
        session["ended_chat"] = chat_id
    messages = [m.as_dict() for m in store.messages_after(r, chat_id, after)]
    return {**_state(r, chat_id, chat), "messages": messages,
            "ended_by": chat.get("ended_by") or None}


def on_keep_place(data: dict) -> dict:
    """Prove again to keep the place in the line (chat/places.py): a fresh solved challenge."""
    r = live.redis()
    chat_id = _my_chat()
    if store.get_chat(r, chat_id).get("state") != "waiting":
        raise ProtocolError("not_waiting")
    proofofwork.redeem(r, data.get("pow"))
    places.proved_again(r, chat_id, live.now())
    if session.get("protocol") == 2:
        # the version a page should hold by now: one that holds an older one (a packet
        # lost with the room, in a race of its socket with a hand-back) asks `where`
        return {"ok": True, "line_version": snapshot.read_version(r)}
    return {"ok": True}


def on_where(data: dict) -> dict:
    """Protocol 2: the chat's place in the last version of the line, for a page that
    missed a packet (its `previous` was not the version the page held)."""
    r = live.redis()
    chat_id = _my_chat()
    pos = line.position(r, chat_id)
    if pos is None:
        raise ProtocolError("not_waiting")
    return {"ok": True, **_line_place(r, chat_id, pos)}


def on_message(data: dict) -> dict:
    text = clean_text(data.get("text"), current_app.config["MAX_MESSAGE_CHARS"])
    r = live.redis()
    msg = lifecycle.say(r, _my_chat(), "chatter", text)
    places.typed(r, session["chat_id"])
    return {"ok": True, "id": msg.id}


def on_typing(data: dict) -> dict:
    """Tell the therapist the chatter is typing; the draft itself never leaves the tab."""
    typing = flag(data.get("typing"))
    chat = store.get_chat(live.redis(), _my_chat())
    if chat.get("state") not in ("waiting", "active"):
        raise ProtocolError("chat_ended")
    if typing and chat.get("state") == "waiting":
        places.typed(live.redis(), session["chat_id"])
    if chat.get("staff") and chat.get("state") == "active":
        live.to_chat_staff(session["chat_id"], chat["staff"], "typing",
                           {"chat_id": session["chat_id"], "typing": typing})
    return {"ok": True}


def _leave(reason: str) -> dict:
    r = live.redis()
    chat_id = _my_chat()
    chat = store.get_chat(r, chat_id)
    if chat.get("state") == "waiting":
        reason = "left_line" if reason == "chatter_ended" else reason
    lifecycle.end(r, chat_id, by="chatter", reason=reason)
    leave_room(live.chat_room(chat_id))
    session.pop("chat_id", None)
    session["ended_chat"] = chat_id  # the closing card's feedback may follow
    session["ended"] = True  # later chat events get `chat_ended`, a new `start` is allowed
    return {"ok": True}


def on_end(data: dict) -> dict:
    return _leave("chatter_ended")


def on_quick_exit(data: dict) -> dict:
    """Quick exit always succeeds for the chatter, even with no chat or one already over."""
    try:
        return _leave("quick_exit")
    except ProtocolError:
        session.pop("chat_id", None)
        return {"ok": True}


on_quick_exit.any_payload = True  # whatever the payload: a panic button never fails


def on_feedback(data: dict) -> dict:
    """Chatter: the closing card's answers, once per chat and socket, after the chat ended
    (on the socket bound to it then, or one that resumed it ended); counts only."""
    r = live.redis()
    chat_id = session.get("chat_id")
    state = store.get_chat(r, chat_id).get("state") if chat_id else None
    ended = session.get("ended_chat") or (chat_id if state in (None, "ended") else None)
    if not ended or session.get("feedback_sent"):
        raise ProtocolError("feedback_not_due")
    answers = {q: choice(data.get(q), set(options), "answer")
               for q, options in feedback.QUESTIONS.items()}
    if not any(answers.values()):
        raise ProtocolError("bad_payload", "Answer at least one question.")
    if not lifecycle.first_feedback(r, ended):
        raise ProtocolError("feedback_not_due")
    session["feedback_sent"] = True
    month = gate.today().replace(day=1)
    for question, answer in answers.items():
        if answer:
            feedback.add(db.session, month, question, answer)
    return {"ok": True}


HANDLERS = {
    "start": on_start, "resume": on_resume, "keep_place": on_keep_place, "where": on_where,
    "message": on_message, "typing": on_typing,
    "end": on_end, "quick_exit": on_quick_exit,
    "feedback": on_feedback,
}


def register() -> None:
    """Attach the /chat handlers to the Socket.IO server."""

    @socketio.on("connect", namespace=live.CHAT_NS)
    def connect(auth=None):
        return True  # anonymous by design: nothing is asked, nothing is recorded

    @socketio.on("disconnect", namespace=live.CHAT_NS)
    def disconnect(reason=None):
        ratelimit.forget(request.sid)
        heartbeat.socket_gone(live.redis(), heartbeat.CHATTER, request.sid,
                              session.get("chat_id"))

    @socketio.on("*", namespace=live.CHAT_NS)
    def any_event(event, *payload):
        return dispatch(HANDLERS, event, payload)
