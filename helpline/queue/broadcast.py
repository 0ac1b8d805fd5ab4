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
from . import assignment, estimate, keys, line, snapshot, transfer

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
        if chat.get("sid"):
            live.leave_line(chat["sid"])  # an active chat gets no more line packets
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


# Past this many breakpoints a packet is no cheaper than personal events (a burst of
# changes all over the line): every protocol-2 page then gets its own `position`.
MAX_MOVES = 64


def place_info(position: int, inputs: estimate.Inputs, is_open: bool) -> dict:
    """A waiting chatter's place and waits: the `position` event, and acks' place fields."""
    return {"position": position,
            "expected_wait_minutes": estimate.wait_minutes(position, inputs),
            "expected_wait_range": estimate.wait_range(position, inputs),
            "staff_on_duty": inputs.capacity > 0, "open": is_open}


def broadcast_line(r: Redis) -> None:
    """Tell every waiting chatter where they stand now, and every console the line.

    Protocol-2 pages get one `line_moved` packet for the whole line (they apply it to the
    place they hold); protocol-1 pages (the small set `keys.LINE_V1`) their own `position`
    event, computed for them only, when it changed.
    """
    v1 = r.smembers(keys.LINE_V1)
    step = snapshot.advance(r, lambda: _line_now(r))
    _send_packets(r, step, v1, _handed_back(r))
    _send_positions(r, step.new, v1)
    socketio.emit("line", line_view(r, list(step.new.ids)), to=live.CONSOLE_ROOM,
                  namespace=live.STAFF_NS)


def _line_now(r: Redis) -> tuple[list[str], estimate.Inputs, bool]:
    """The line, the estimate's inputs and `open`, as they are now."""
    ids = line.waiting(r)
    inputs = estimate.inputs_now(r, current_app.config["DEFAULT_CHAT_MINUTES"])
    # Whether the chat still takes new chatters: with nobody on duty and the chat closed,
    # the page tells those waiting plainly that nobody can answer them any more today.
    is_open = gate.chat_taking_new(db.session, live.now()) if ids else True
    return ids, inputs, is_open


def _handed_back(r: Redis) -> set[str]:
    """The chats handed back to the line since the last broadcast (taken, so each is told
    once; one handed back after this is in the next round's)."""
    with r.pipeline() as pipe:  # MULTI: none handed back in between is lost
        pipe.smembers(keys.LINE_BACK)
        pipe.delete(keys.LINE_BACK)
        back, _ = pipe.execute()
    return back


def _send_packets(r: Redis, step: snapshot.Step, v1: set[str], back: set[str]) -> None:
    """Protocol 2: the packet to the line's room, for every page that holds a place in the
    previous version; a personal `position` with the version to each page that holds none:
    joined since, or handed back since (its page forgot its place when it was taken, and
    it may have been taken and handed back between two rounds, so in both versions). Each
    enters the room after the packet, so it applies the next one. Past MAX_MOVES
    breakpoints, personal events to every page instead."""
    new, packet = step.new, step.packet
    fresh = set(step.joined()) | back
    joined = [chat_id for chat_id in new.ids if chat_id in fresh and chat_id not in v1]
    told = set(joined)
    if packet and len(packet["moves"]) > MAX_MOVES:
        told = {chat_id for chat_id in new.ids if chat_id not in v1}
    elif packet:
        live.deliver([("line_moved", live.CHAT_NS, live.LINE_ROOM, packet)])
    _enter_line(r, joined)
    live.to_chatters("position", [
        (chat_id, {**place_info(place, new.inputs, new.open), "version": new.version})
        for place, chat_id in enumerate(new.ids, 1) if chat_id in told])


def _enter_line(r: Redis, chat_ids: list[str]) -> None:
    """Put the sockets of these chats in the line's room, then look whether each still
    waits (as events._follow_line does): one a therapist took meanwhile leaves again, and
    one taken after the look is taken out by the assignment (assign_and_notify)."""
    if not chat_ids:
        return
    with r.pipeline(transaction=False) as pipe:
        for chat_id in chat_ids:
            pipe.hget(keys.chat(chat_id), "sid")
        sids = dict(zip(chat_ids, pipe.execute(), strict=True))
    entered = [chat_id for chat_id in chat_ids if sids[chat_id]]
    for chat_id in entered:
        live.enter_line(sids[chat_id])
    with r.pipeline(transaction=False) as pipe:
        for chat_id in entered:
            pipe.zscore(keys.LINE, chat_id)
        for chat_id, score in zip(entered, pipe.execute(), strict=True):
            if score is None:
                live.leave_line(sids[chat_id])


def _send_positions(r: Redis, new: snapshot.Snapshot, v1: set[str]) -> None:
    """Protocol 1: each waiting chatter of the set its own `position`, only when its place,
    its waits or `open` changed since the last one sent (`keys.POSITIONS_SENT`)."""
    sent = r.hgetall(keys.POSITIONS_SENT)
    updates: dict[str, str] = {}
    changed: list[tuple[str, dict]] = []
    waiting = [(place, chat_id) for place, chat_id in enumerate(new.ids, 1) if chat_id in v1]
    for place, chat_id in waiting:
        info = place_info(place, new.inputs, new.open)
        value = (f"{place}:{info['expected_wait_minutes']}:{info['expected_wait_range']}:"
                 f"{int(new.open)}")
        if sent.get(chat_id) != value:
            updates[chat_id] = value
            changed.append((chat_id, info))
    live.to_chatters("position", changed)
    gone = set(sent).difference(chat_id for _, chat_id in waiting)
    with r.pipeline() as pipe:
        if updates:
            pipe.hset(keys.POSITIONS_SENT, mapping=updates)
        if gone:
            pipe.hdel(keys.POSITIONS_SENT, *gone)
        pipe.execute()


_line_broadcast = live.Coalesced("line", broadcast_line, "LINE_BROADCAST_DELAY")


def line_changed() -> None:
    """The line changed (join, leave, assignment): update chatters, consoles, supervisors."""
    line_changed_signal.send()
    _line_broadcast()
