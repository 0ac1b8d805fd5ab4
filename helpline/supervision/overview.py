"""The supervisors' live overview: who is on duty, every chat, today's counters.

No message text and no chatter identity. Pushed to every supervisor socket soon after
anything it shows changes (`overview_changed`, coalesced per process).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from redis import Redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..availability import gate, missed
from ..availability.models import CHAT_REASONS, MissedContact
from ..chat import places, proofofwork, store
from ..extensions import db
from ..queue import assignment, broadcast, keys
from ..realtime import live
from ..records.models import Staff, Summary

# ---------- who is looking: supervisor sockets (pushes skip when none) ----------

def supervisor_socket_opened(r: Redis, sid: str) -> None:
    r.sadd(keys.SUPERVISOR_SOCKETS, sid)


def supervisor_socket_closed(r: Redis, sid: str) -> None:
    r.srem(keys.SUPERVISOR_SOCKETS, sid)


def supervisors_connected(r: Redis) -> bool:
    """Whether any supervisor socket is open on any server process."""
    return r.scard(keys.SUPERVISOR_SOCKETS) > 0


# ---------- the picture ----------

def _float(value: str | None) -> float | None:
    return float(value) if value else None


def staff_rows(r: Redis, now: float) -> list[dict]:
    """Everyone on duty: name, capacity, load (held chats), idle since, and whether they
    take no new chat for now (paused, or seconds of cool-down left at `now`)."""
    return [
        {"staff_id": p.staff_id, "name": p.name, "capacity": p.capacity, "load": p.load,
         "idle_since": p.idle_since or None, "paused": p.paused,
         "cooldown": p.cooldown_left(now)}
        for p in sorted(assignment.on_duty(r), key=lambda p: (p.name.lower(), p.staff_id))
    ]


def _staff_ids(r: Redis, session: Session) -> set[str]:
    """Every staff id that can hold chats: the accounts, plus anyone on duty."""
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
    counts = dict.fromkeys(CHAT_REASONS, 0)
    rows = session.execute(
        select(MissedContact.reason, func.count())
        .where(MissedContact.hour >= period.start_utc, MissedContact.hour < period.end_utc,
               MissedContact.reason.in_(CHAT_REASONS))
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


GUARD_REFUSED_MINUTES = 10  # the line guard's window for refused starts
GUARD_PLACES_MINUTES = 60  # and for places given back


def line_guard(r: Redis, now: float) -> dict:
    """The line's abuse state (chat/places.py, chat/proofofwork.py): the price of a place
    now against the normal one, starts refused, places given back, and how many waiting
    places show no sign of a person (what "clear" would remove)."""
    cfg = current_app.config
    return {
        "price": proofofwork.difficulty(r), "normal_price": cfg["POW_MAX_NUMBER"],
        "highest_price": cfg["POW_MAX_NUMBER_RAISED"],
        "refused_capacity": places.recent(r, "refused_capacity", GUARD_REFUSED_MINUTES),
        "refused_proof": places.recent(r, "refused_proof", GUARD_REFUSED_MINUTES),
        "reclaimed": places.recent(r, "reclaimed", GUARD_PLACES_MINUTES),
        "cleared": places.recent(r, "cleared", GUARD_PLACES_MINUTES),
        "without_sign": len(places.without_sign_of_a_person(r, now)),
    }


def overview(r: Redis, session: Session, now: float) -> dict:
    """The whole live picture for supervisors: no message text and no chatter identity."""
    chats = chat_rows(r, session)
    waiting = broadcast.line_view(r)
    return {
        "ok": True, "at": now, "open": gate.chat_taking_new(session, now),
        "waiting": waiting["waiting"], "waiting_total": waiting["total"],
        "staff": staff_rows(r, now), "chats": chats,
        "today": today_counters(session, chats, now),
        "guard": line_guard(r, now),
    }


def broadcast_overview(r: Redis) -> None:
    """Send the whole picture to every supervisor socket (skipped when none is open)."""
    if not supervisors_connected(r):
        return
    live.to_supervisors("overview", overview(r, db.session, live.now()))


_overview_broadcast = live.Coalesced("overview", broadcast_overview, "OVERVIEW_BROADCAST_DELAY")


def overview_changed() -> None:
    """Something the supervisors' overview shows changed: push it soon."""
    _overview_broadcast()


def on_line_changed(_sender=None) -> None:
    """Connected to `broadcast.line_changed_signal` in create_app: the overview shows the line."""
    overview_changed()
