"""A returning chatter: the follow-up code given at `start`, used once, and its effect
(the same series, the front of the line, their therapist first).

The socket handlers are the namespaces' own: `follow_up_code` in console/events.py,
`feedback` in chat/events.py.
"""

from __future__ import annotations

from datetime import UTC

from flask import current_app

from ..availability import gate
from ..extensions import db
from ..queue import keys, line
from . import followup
from .models import Staff


def redeem_for_start(data: dict) -> followup.Redeemed | None:
    """Chatter's `start` with a `follow_up_code`: use it (once) or refuse the same way."""
    code = data.get("follow_up_code")
    if code is None or code == "":
        return None
    return followup.redeem(db.session, current_app.config["SECRET_KEY"], code, gate.today())


def mark_returning(r, chat_id: str, redeemed: followup.Redeemed) -> None:
    """The returning chatter: same series, first in the line, their therapist first.

    The chat also keeps the day of the registration it follows up and the agreed
    therapist's name, so whoever takes it sees that it is a follow-up, and of what.
    """
    fields = {"series": redeemed.series_id, "follow_up_kept": "1"}
    if redeemed.issued_at:
        issued = redeemed.issued_at.replace(tzinfo=UTC).astimezone(gate.timezone())
        fields["follow_up_of"] = issued.date().isoformat()
    if redeemed.staff_id:
        fields["prefer_staff"] = redeemed.staff_id
        agreed = db.session.get(Staff, int(redeemed.staff_id))
        if agreed is not None:
            fields["prefer_name"] = agreed.display_name
    r.hset(keys.chat(chat_id), mapping=fields)
    line.move_to_front(r, chat_id)


def agreed_therapist(r, chat: dict) -> str | None:
    """For a returning chatter: where the therapist who gave the code stands.

    `agreed` (talking with them), `colleague` (someone else took the chat), and while
    waiting `on_duty` (on duty and taking chats) or `away`; None for other chats.
    """
    if chat.get("follow_up_kept") != "1":
        return None
    prefer = chat.get("prefer_staff") or ""
    if chat.get("staff"):
        return "agreed" if chat["staff"] == prefer else "colleague"
    if prefer and r.sismember(keys.DUTY, prefer) and r.hget(keys.staff(prefer), "paused") != "1":
        return "on_duty"
    return "away"


