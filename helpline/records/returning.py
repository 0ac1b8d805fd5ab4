"""A returning chatter: the follow-up code given at `start`, used once, and its effect
(the same series, the front of the line, their therapist first).

The socket handlers are the namespaces' own: `follow_up_code` in console/events.py,
`feedback` in chat/events.py.
"""

from __future__ import annotations

from flask import current_app

from ..availability import gate
from ..extensions import db
from ..queue import keys, line
from . import followup


def redeem_for_start(data: dict) -> followup.Redeemed | None:
    """Chatter's `start` with a `follow_up_code`: use it (once) or refuse the same way."""
    code = data.get("follow_up_code")
    if code is None or code == "":
        return None
    return followup.redeem(db.session, current_app.config["SECRET_KEY"], code, gate.today())


def mark_returning(r, chat_id: str, redeemed: followup.Redeemed) -> None:
    """The returning chatter: same series, first in the line, their therapist first."""
    fields = {"series": redeemed.series_id, "follow_up_kept": "1"}
    if redeemed.staff_id:
        fields["prefer_staff"] = redeemed.staff_id
    r.hset(keys.chat(chat_id), mapping=fields)
    line.move_to_front(r, chat_id)


