"""Socket handlers for follow-up codes (staff) and the chatter's feedback card (chat).

Kept apart from the namespaces' own modules; they add these to their HANDLERS.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, session

from .. import live
from ..availability import gate
from ..extensions import db
from ..protocol import ProtocolError, choice
from ..queue import keys, line
from ..reports import feedback
from . import followup


def _today():
    return datetime.now(UTC).astimezone(gate.timezone()).date()


def on_follow_up_code(data: dict) -> dict:
    """Staff: issue a code for a chat one holds (active, or ended with its summary due);
    the chatter's page gets it at once as `follow_up_code`."""
    from ..admin.events import _held_chat, _me
    from ..chat import store

    cid = _held_chat(data, ("active", "ended"))
    first, last = followup.window(data.get("date"), data.get("window_days", 3), _today())
    r = live.redis()
    series = store.get_chat(r, cid).get("series") or None
    issued = followup.issue(db.session, current_app.config["SECRET_KEY"], _me(), first, last,
                            series_id=series)
    r.hset(keys.chat(cid), "series", issued.series_id)
    live.to_chatter(cid, "follow_up_code", issued.as_dict())
    return {"ok": True, **issued.as_dict()}


def redeem_for_start(data: dict) -> followup.Redeemed | None:
    """Chatter's `start` with a `follow_up_code`: use it (once) or refuse the same way."""
    code = data.get("follow_up_code")
    if code is None or code == "":
        return None
    return followup.redeem(db.session, current_app.config["SECRET_KEY"], code, _today())


def mark_returning(r, chat_id: str, redeemed: followup.Redeemed) -> None:
    """The returning chatter: same series, first in the line, their therapist first."""
    fields = {"series": redeemed.series_id, "follow_up_kept": "1"}
    if redeemed.staff_id:
        fields["prefer_staff"] = redeemed.staff_id
    r.hset(keys.chat(chat_id), mapping=fields)
    line.move_to_front(r, chat_id)


def on_feedback(data: dict) -> dict:
    """Chatter: the closing card's answers, once per socket, after a chat; counts only."""
    from ..chat import store

    chat_id = session.get("chat_id")
    state = store.get_chat(live.redis(), chat_id).get("state") if chat_id else None
    ended = session.get("ended_chat") or (chat_id and state in (None, "ended"))
    if not ended or session.get("feedback_sent"):
        raise ProtocolError("feedback_not_due")
    answers = {q: choice(data.get(q), set(options), "answer")
               for q, options in feedback.QUESTIONS.items()}
    if not any(answers.values()):
        raise ProtocolError("bad_payload", "Answer at least one question.")
    session["feedback_sent"] = True
    month = _today().replace(day=1)
    for question, answer in answers.items():
        if answer:
            feedback.add(db.session, month, question, answer)
    return {"ok": True}
