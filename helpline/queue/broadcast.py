"""The waiting line on every screen: places and waits to chatters, the line to consoles.

Also where waiting chatters are handed out (`assign_and_notify`), because every hand-out
changes the line. Whoever else shows the line (the supervisors' overview) listens to
`line_changed_signal`, connected in create_app, so this module knows nothing of them.
"""

from __future__ import annotations

from blinker import Namespace
from flask import current_app
from redis import Redis

from ..availability import gate
from ..chat import store
from ..extensions import db, socketio
from ..realtime import live, metrics
from . import assignment, estimate, keys, line, transfer

# Sent on every change of the line, before the coalesced broadcast to chatters and consoles.
line_changed_signal = Namespace().signal("line-changed")


def assign_and_notify(r: Redis) -> list[tuple[str, str]]:
    """Run the atomic assignment and tell both sides of every new pair."""
    pairs = assignment.assign_waiting(r, live.now())
    for chat_id, staff_id in pairs:
        chat = store.get_chat(r, chat_id)
        if chat.get("created_at"):  # (a chat handed back is counted again when taken)
            metrics.ASSIGNMENT_DELAY.observe(max(0.0, live.now() - float(chat["created_at"])))
        assigned = {"therapist": chat.get("staff_name", "")}
        if chat.get("follow_up_kept") == "1":  # a returning chatter: with whom they agreed?
            assigned["follow_up"] = ("agreed" if chat.get("staff") == chat.get("prefer_staff")
                                     else "colleague")
        live.to_chatter(chat_id, "assigned", assigned)
        view = store.chat_view(r, chat_id, chat)
        handover = transfer.take_handover(r, chat_id)  # a note left when handed back
        if handover:
            view["handover_note"] = handover
        live.to_staff(staff_id, "chat_assigned", view)
    if pairs:
        line_changed()
    return pairs


def line_view(r: Redis, ids: list[str] | None = None) -> dict:
    """The waiting line as staff see it: the first LINE_VIEW_LIMIT places and the total.

    Nothing exists beyond the intake answers. Only the first places are read and sent,
    so a long line costs the consoles what they show, not what waits.
    """
    ids = line.waiting(r) if ids is None else ids
    shown = ids[: current_app.config["LINE_VIEW_LIMIT"]]
    with r.pipeline(transaction=False) as pipe:
        for chat_id in shown:
            pipe.hmget(keys.chat(chat_id), "created_at", "age_band", "gender", "lang",
                       "counted")
        rows = pipe.execute()
    waiting = [
        {"chat_id": cid, "position": i, "waiting_since": float(c) if c else None,
         "age_band": a or None, "gender": g or None, "lang": lang or None,
         "handed_back": bool(counted)}
        for i, (cid, (c, a, g, lang, counted)) in enumerate(zip(shown, rows, strict=True), 1)
    ]
    return {"waiting": waiting, "total": len(ids)}


def broadcast_line(r: Redis) -> None:
    """Send each waiting chatter its place and expected wait, only when these changed."""
    ids = line.waiting(r)
    free, total, durations = estimate.capacity_now(r)
    default = current_app.config["DEFAULT_CHAT_MINUTES"]
    # Whether the chat still takes new chatters: with nobody on duty and the chat closed,
    # the page tells those waiting plainly that nobody can answer them any more today.
    is_open = gate.chat_taking_new(db.session, live.now()) if ids else True
    sent = r.hgetall(keys.POSITIONS_SENT)
    updates: dict[str, str] = {}
    changed: list[tuple[str, dict]] = []
    for position, chat_id in enumerate(ids, 1):
        wait = estimate.expected_wait_minutes(position, free, total, durations, default)
        span = estimate.expected_wait_range(position, free, total, durations, default)
        value = f"{position}:{wait}:{span}:{int(is_open)}"
        if sent.get(chat_id) != value:
            updates[chat_id] = value
            changed.append((chat_id, {"position": position, "expected_wait_minutes": wait,
                                      "expected_wait_range": span,
                                      "staff_on_duty": total > 0, "open": is_open}))
    live.to_chatters("position", changed)
    gone = set(sent).difference(ids)
    with r.pipeline() as pipe:
        if updates:
            pipe.hset(keys.POSITIONS_SENT, mapping=updates)
        if gone:
            pipe.hdel(keys.POSITIONS_SENT, *gone)
        pipe.execute()
    socketio.emit("line", line_view(r, ids), to=live.CONSOLE_ROOM, namespace=live.STAFF_NS)


_line_broadcast = live.Coalesced("line", broadcast_line, "LINE_BROADCAST_DELAY")


def line_changed() -> None:
    """The line changed (join, leave, assignment): update chatters, consoles, supervisors."""
    line_changed_signal.send()
    _line_broadcast()
