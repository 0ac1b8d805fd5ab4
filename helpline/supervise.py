"""Supervision: the live overview, triage, monitoring, whispers, joining openly, risk flags.

Plain functions over Redis and the SQL session; the /staff socket handlers only check
the payload and the role and call one of these. Everything a supervisor does to a chat
is written to the audit trail (`helpline/audit.py`) with who, which chat and when, never
with text. Access needs a record: `monitor`, `whisper` and `join` write the audit row
before anything is shown or sent. A risk alert never waits for one: it goes out first.

Nothing here tells the chatter that someone is watching; only `join` is visible to them.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from redis import Redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import audit, live
from .chat import lifecycle, store
from .protocol import ProtocolError
from .queue import assignment, keys, line

SUPERVISOR = "supervisor"


def is_supervisor(user) -> bool:
    """A signed-in account with the supervisor role (checked on every event)."""
    signed_in = bool(getattr(user, "is_authenticated", False))
    return signed_in and getattr(user, "role", None) == SUPERVISOR


def require_supervisor(user) -> None:
    if not is_supervisor(user):
        raise ProtocolError("forbidden")


# ---------- who is looking: supervisor sockets (overview pushes skip when none) ----------

def supervisor_socket_opened(r: Redis, sid: str) -> None:
    r.sadd(keys.SUPERVISOR_SOCKETS, sid)


def supervisor_socket_closed(r: Redis, sid: str) -> None:
    r.srem(keys.SUPERVISOR_SOCKETS, sid)


def supervisors_connected(r: Redis) -> bool:
    """Whether any supervisor socket is open on any server process."""
    return r.scard(keys.SUPERVISOR_SOCKETS) > 0


# ---------- the live overview ----------

def _float(value: str | None) -> float | None:
    return float(value) if value else None


def staff_rows(r: Redis) -> list[dict]:
    """Everyone on duty: name, capacity, load (held chats) and idle since."""
    return [
        {"staff_id": p.staff_id, "name": p.name, "capacity": p.capacity, "load": p.load,
         "idle_since": p.idle_since or None}
        for p in sorted(assignment.on_duty(r), key=lambda p: (p.name.lower(), p.staff_id))
    ]


def _staff_ids(r: Redis, session: Session) -> set[str]:
    """Every staff id that can hold chats: the accounts, plus anyone on duty."""
    from .records.models import Staff

    ids = {str(i) for i in session.scalars(select(Staff.id))}
    return ids | set(r.smembers(keys.DUTY))


def chat_rows(r: Redis, session: Session) -> list[dict]:
    """Every held chat (active, or ended and awaiting its summary), oldest assignment first."""
    staff_ids = sorted(_staff_ids(r, session))
    with r.pipeline() as pipe:
        for sid in staff_ids:
            pipe.smembers(keys.staff_chats(sid))
        held = pipe.execute()
    chat_ids = sorted({cid for chats in held for cid in chats})
    with r.pipeline() as pipe:
        for cid in chat_ids:
            pipe.hgetall(keys.chat(cid))
            pipe.xrevrange(keys.messages(cid), count=1)
        found = pipe.execute()
    rows = []
    for cid, chat, last in zip(chat_ids, found[::2], found[1::2], strict=True):
        if not chat or chat.get("state") not in ("active", "ended"):
            continue
        last_at = None
        if last:
            msg_id, fields = last[0]
            last_at = float(fields.get("ts") or int(msg_id.split("-")[0]) / 1000)
        rows.append({
            "chat_id": cid, "state": chat["state"], "staff_id": chat.get("staff") or None,
            "therapist": chat.get("staff_name") or None,
            "created_at": _float(chat.get("created_at")),
            "assigned_at": _float(chat.get("assigned_at")),
            "ended_at": _float(chat.get("ended_at")), "last_message_at": last_at,
            "risk": bool(chat.get("risk")), "risk_at": _float(chat.get("risk_at")),
            "chatter_connected": bool(chat.get("sid")),
            "age_band": chat.get("age_band") or None, "gender": chat.get("gender") or None,
            "lang": chat.get("lang") or None,
            "colleagues": [c["name"] for c in store.colleagues(chat)],
        })
    rows.sort(key=lambda c: (c["assigned_at"] or 0, c["chat_id"]))
    return rows


def _today_bounds(now: float):
    """Today in the helpline's time zone, as a ledger period and as Unix seconds."""
    from .availability import gate, missed

    tz = gate.timezone()
    day = datetime.fromtimestamp(now, tz).date()
    period = missed.Period(day, day, tz)
    start = period.start_utc.replace(tzinfo=UTC).timestamp()
    end = period.end_utc.replace(tzinfo=UTC).timestamp()
    return period, start, end


def _mean(total: float, count: int) -> float | None:
    return round(total / count, 1) if count else None


def missed_today(session: Session, period) -> dict[str, int]:
    """Missed chatters today per reason, from the missed-contact ledger."""
    from .availability.models import REASONS, MissedContact

    counts = dict.fromkeys(REASONS, 0)
    rows = session.execute(
        select(MissedContact.reason, func.count())
        .where(MissedContact.hour >= period.start_utc, MissedContact.hour < period.end_utc)
        .group_by(MissedContact.reason)
    ).all()
    for reason, count in rows:
        if reason in counts:
            counts[reason] = count
    return counts


def today_counters(session: Session, chats: list[dict], now: float) -> dict:
    """Answered chats today, missed ones by reason, average wait and average duration.

    Chats whose summary is filed (or recorded missing) are rows in SQL, counted by the
    hour the chat started; chats still held live only in Redis, counted when assigned
    today. A chat is in one place or the other, never both.
    """
    from .records.models import Summary

    period, start, end = _today_bounds(now)
    count, wait_sum, wait_n, dur_sum, dur_n = session.execute(
        select(func.count(), func.sum(Summary.wait_seconds), func.count(Summary.wait_seconds),
               func.sum(Summary.duration_seconds), func.count(Summary.duration_seconds))
        .where(Summary.channel == "chat", Summary.contact_hour >= period.start_utc,
               Summary.contact_hour < period.end_utc)
    ).one()
    answered, wait_sum, dur_sum = count or 0, float(wait_sum or 0), float(dur_sum or 0)
    wait_n, dur_n = wait_n or 0, dur_n or 0
    for chat in chats:
        assigned = chat["assigned_at"]
        if assigned is None or not start <= assigned < end:
            continue
        answered += 1
        if chat["created_at"] is not None:
            wait_sum += max(0.0, assigned - chat["created_at"])
            wait_n += 1
        if chat["ended_at"] is not None:
            dur_sum += max(0.0, chat["ended_at"] - assigned)
            dur_n += 1
    missed = missed_today(session, period)
    return {
        "date": period.first.isoformat(), "answered": answered, "missed": missed,
        "missed_total": sum(missed.values()),
        "average_wait_seconds": _mean(wait_sum, wait_n),
        "average_duration_seconds": _mean(dur_sum, dur_n),
    }


def overview(r: Redis, session: Session, now: float) -> dict:
    """The whole live picture for supervisors: no message text and no chatter identity."""
    from .availability import gate

    chats = chat_rows(r, session)
    waiting = live.line_view(r)
    return {
        "ok": True, "at": now, "open": gate.chat_taking_new(session, now),
        "waiting": waiting["waiting"], "waiting_total": waiting["total"],
        "staff": staff_rows(r), "chats": chats,
        "today": today_counters(session, chats, now),
    }


# ---------- acting on a chat ----------

def _chat(r: Redis, chat_id: str, states: tuple[str, ...]) -> dict[str, str]:
    chat = store.get_chat(r, chat_id)
    if not chat:
        raise ProtocolError("unknown_chat")
    if chat.get("state") not in states:
        raise ProtocolError("chat_ended" if chat.get("state") == "ended" else "not_active")
    return chat


def _therapist(chat: dict[str, str]) -> int | None:
    return int(chat["staff"]) if chat.get("staff") else None


def triage(r: Redis, session: Session, actor_id: int, chat_id: str) -> None:
    """Move a waiting chatter to the front of the line (recorded), then update positions."""
    if not store.get_chat(r, chat_id):
        raise ProtocolError("unknown_chat")
    if line.position(r, chat_id) is None:
        raise ProtocolError("not_waiting")
    audit.record(session, actor_id, "triage", chat_id)
    line.move_to_front(r, chat_id)
    live.line_changed()


def remove_waiting(r: Redis, session: Session, actor_id: int, chat_id: str) -> None:
    """Take a waiting chat out of the line for good (a bot holding a place): recorded first.

    The chatter is told (`ended` by `supervisor`, reason `removed`), its resume token is
    refused at once, its socket is closed, and it is not counted as a missed contact.
    """
    if not store.get_chat(r, chat_id):
        raise ProtocolError("unknown_chat")
    if line.position(r, chat_id) is None:
        raise ProtocolError("not_waiting")
    audit.record(session, actor_id, "remove_waiting", chat_id)
    sid = store.get_chat(r, chat_id).get("sid")
    store.refuse_token(r, chat_id)
    lifecycle.end(r, chat_id, by="supervisor", reason="removed")
    if sid:  # after `ended`, on the same channel: the tab reads it before it is dropped
        live.disconnect_chatter(sid)


def watch_view(r: Redis, chat_id: str, chat: dict[str, str]) -> dict:
    """What a monitoring supervisor sees: the console's view plus who holds the chat."""
    view = live.chat_view(r, chat_id, chat)
    view.update({"therapist": chat.get("staff_name") or None,
                 "staff_id": chat.get("staff") or None, "lang": chat.get("lang") or None})
    return view


def monitor(r: Redis, session: Session, actor_id: int, chat_id: str) -> dict:
    """Open a waiting or active chat read-only: recorded first, then the history is given.

    The caller joins the socket to `live.watch_room(chat_id)`, so new messages, typing
    and the end of the chat follow. The chatter is not told.
    """
    chat = _chat(r, chat_id, ("waiting", "active"))
    audit.record(session, actor_id, "monitor", chat_id, _therapist(chat))
    return watch_view(r, chat_id, chat)


def whisper(r: Redis, session: Session, actor_id: int, actor_name: str, chat_id: str,
            text: str, now: float) -> dict:
    """A private note to the therapist holding the chat (and the supervisors watching it).

    Sent, never stored: it does not enter the chat's stream, the chatter never gets it,
    and the audit row says only that a whisper was sent.
    """
    chat = _chat(r, chat_id, ("active",))
    lifecycle.limit_rate(r, chat_id, "whisper")
    audit.record(session, actor_id, "whisper", chat_id, _therapist(chat))
    note = {"chat_id": chat_id, "id": secrets.token_hex(8), "from": actor_name,
            "from_id": str(actor_id), "text": text, "ts": now}
    live.to_chat_staff(chat_id, chat.get("staff"), "whisper", note)
    return note


def join(r: Redis, session: Session, actor_id: int, actor_name: str, chat_id: str) -> dict:
    """Join an active chat openly: the chatter and the therapist are told a colleague joined.

    From then on the supervisor may write in the chat (`colleague_say`). Joining a chat
    already joined tells nobody again.
    """
    chat = _chat(r, chat_id, ("active",))
    if chat.get("staff") == str(actor_id):
        raise ProtocolError("bad_payload", _l("You hold this chat yourself."))
    audit.record(session, actor_id, "join", chat_id, _therapist(chat))
    try:
        first = store.add_colleague(r, chat_id, actor_id, actor_name)
    except store.ChatError as exc:
        raise ProtocolError(exc.code) from None
    if first:
        live.to_chatter(chat_id, "colleague_joined", {"name": actor_name})
        live.to_chat_staff(chat_id, chat.get("staff"), "colleague_joined",
                           {"chat_id": chat_id, "name": actor_name, "staff_id": str(actor_id)})
        live.overview_changed()
    return watch_view(r, chat_id, store.get_chat(r, chat_id))


def colleague_say(r: Redis, actor_id: int, actor_name: str, chat_id: str,
                  text: str) -> store.Message:
    """A message from a supervisor who joined openly: in the stream, seen by both sides."""
    chat = store.get_chat(r, chat_id)
    if not chat:
        raise ProtocolError("unknown_chat")
    if f"{store.COLLEAGUE_FIELD}{actor_id}" not in chat:
        raise ProtocolError("not_joined", _l("Join the chat openly first."))
    return lifecycle.say(r, chat_id, "colleague", text, actor_name)


def set_risk(r: Redis, session: Session, staff_id: int, staff_name: str, chat_id: str,
             on: bool, now: float) -> bool:
    """Raise or lower the potential-risk flag of a chat the caller holds and checked.

    Raising it alerts every supervisor socket at once (`risk_alert`); the flag is on the
    chat hash, so the overview shows it and the summary form starts at `potential_risk`.
    Returns whether the flag changed. The audit row follows the alert and cannot stop it.
    """
    try:
        changed = store.set_risk(r, chat_id, on, now)
    except store.ChatError as exc:
        raise ProtocolError(exc.code) from None
    if not changed:
        return False
    if on:
        live.to_supervisors("risk_alert", {"chat_id": chat_id, "therapist": staff_name,
                                           "staff_id": str(staff_id), "at": now})
    live.to_staff(staff_id, "risk", {"chat_id": chat_id, "risk": on})
    live.overview_changed()
    try:
        audit.record(session, staff_id, "risk_flag" if on else "risk_clear", chat_id)
    except Exception as exc:  # the alert is out; a failed record must not undo it
        session.rollback()
        current_app.logger.error("risk flag not audited: %s", type(exc).__name__)
    return True
