"""What the writer's POSTs carry, read without trusting any of it, and their proof of work.

Every POST of the writer's pages carries a solved proof-of-work challenge in the `pow`
field (JSON, as GET /challenge's solution: helpline/chat/proofofwork.py), the same price
and the same single use as a chat's `start`. That single use is also what makes a
reload harmless: the browser posts the same body again, the proof is spent, and the page
says so (`already_sent`) instead of writing a second message or showing the code again.
"""

from __future__ import annotations

import json
import re

from flask import request
from redis import Redis
from werkzeug.exceptions import BadRequest

from ..chat import proofofwork
from ..queue import keys
from ..realtime.protocol import ProtocolError

MAX_POW_CHARS = 2000  # a solution is about 400 characters
_CHALLENGE = re.compile(r"[0-9a-f]{64}")
FIELDS = ("message", "age_band", "gender", "code", "pow", "confirm")


def field(name: str) -> str:
    """One form field as text ('' when absent). A field sent twice is a malformed post."""
    values = request.form.getlist(name)
    if len(values) > 1:
        raise BadRequest()
    return values[0] if values else ""


def proof(r: Redis) -> str | None:
    """Redeem the post's proof of work; None when accepted, else why not:

    pow_required (no proof at all: no JavaScript, or not our page), already_sent (this
    proof was used: the same post again, a reload), pow_invalid (malformed, wrong or
    expired), pow_stale
    (solved at a lower price than a chat start costs now)."""
    raw = field("pow")
    if not raw:
        return "pow_required"
    if len(raw) > MAX_POW_CHARS:
        return "pow_invalid"
    try:
        solution = json.loads(raw)
    except ValueError:
        return "pow_invalid"
    challenge = solution.get("challenge") if isinstance(solution, dict) else None
    if isinstance(challenge, str) and _CHALLENGE.fullmatch(challenge) and r.exists(
            keys.pow_used(challenge)):
        return "already_sent"
    try:
        proofofwork.redeem(r, solution)
    except ProtocolError as refused:
        return "pow_stale" if refused.code == "pow_stale" else "pow_invalid"
    return None
