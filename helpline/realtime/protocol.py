"""Validation of what clients send, and the stable error codes both namespaces answer with.

The human messages are lazy: each is translated when the error is sent, in the language of
the socket that caused it (the `lang` of its connection, helpline/i18n.py).

Every socket handler turns a bad payload into a `ProtocolError`; the namespace's error
handler sends it to that one client as an `error` event (and as the ack), so bad input
never crashes a handler nor reaches another chat. docs/protocol.md lists the codes.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l

ERRORS = {
    "bad_payload": _l("The request was not understood."),
    "unknown_event": _l("There is no such event."),
    "reserved_event": _l("This event name is reserved; a client cannot send it."),
    "bad_packet": _l("The connection sent a packet that is not Socket.IO; it is closed."),
    "too_long": _l("The message is too long."),
    "empty": _l("The message is empty."),
    "not_joined": _l("Start or resume a chat first."),
    "already_joined": _l("This connection is already in a chat."),
    "unknown_token": _l("This chat no longer exists."),
    "chat_ended": _l("This chat has ended."),
    "not_your_chat": _l("This chat is not yours."),
    "unknown_chat": _l("There is no such chat."),
    "rate_limited": _l("Too many messages at once; wait a moment."),
    "not_on_duty": _l("Go on duty first."),
    "forbidden": _l("You are not allowed to do that."),
    "not_signed_in": _l("Sign in first."),
    "invalid_summary": _l("The summary is incomplete or invalid."),
    "confirm_scrub": _l("Identifying details were removed from the note; check and confirm."),
    "summary_not_due": _l("This chat has no summary to file."),
    "conversation_held": _l("The chatter wrote in this chat: file the full summary."),
    "not_waiting": _l("This chatter is no longer waiting in the line."),
    "not_active": _l("This chat has no therapist yet."),
    "no_capacity": _l("That colleague is not on duty or has no free place right now."),
    "unknown_staff": _l("There is no such colleague."),
    "closed": _l("The chat is closed right now."),
    "nobody_on_duty": _l("Nobody is on duty in the chat right now."),
    "at_capacity": _l("The chat is at capacity: too many people are waiting right now."),
    "chat_full": _l("This chat has reached its size limit; no more messages can be added."),
    "waiting_limit": _l("Please wait for a therapist before writing more."),
    "pow_required": _l("Send the solved challenge with start (see GET /challenge)."),
    "pow_invalid": _l("The challenge solution is wrong, expired or already used; fetch a new one."),
    "pow_stale": _l("A place costs more now than this challenge; fetch and solve a new one."),
    "too_many_resumes": _l("This connection has resumed too often; reconnect."),
    "bad_code": _l("This code does not work (now). Check it, or start a chat without it."),
    "feedback_not_due": _l("There is no chat to give feedback on."),
    "server_busy": _l("The chat is very busy right now; try again in a few seconds."),
    "internal": _l("Something went wrong on our side; nothing was lost."),
}

# Bidi controls: embeddings and overrides, isolates, the LRM/RLM and Arabic letter marks.
# They can show `evil` as `live` or move the time next to a name, so text never keeps them.
BIDI = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
# A lone UTF-16 surrogate (JSON allows "\ud800"): it cannot be stored or encoded as UTF-8.
SURROGATES = "\ud800-\udfff"
# C0/C1 control characters except tab and newline, bidi controls and lone surrogates.
_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{BIDI}{SURROGATES}]")
# A name shown to the other side: no control character at all (not even a newline).
_NAME_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI}{SURROGATES}]")
# The largest id a SQL integer column holds (PostgreSQL `integer`): larger ids name nothing.
SQL_INT_MAX = 2**31 - 1
_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_STREAM_ID = re.compile(r"^\d{1,20}-\d{1,20}$")
# Both halves of a Redis stream id are unsigned 64-bit numbers; nothing comes after the
# largest id, so it cannot be a "last seen" id (Redis refuses to read after it).
_STREAM_PART_MAX = 2**64 - 1


class ProtocolError(Exception):
    """A client mistake with a stable code; shown to that client only."""

    def __init__(self, code: str, detail: Any = None, extra: dict | None = None):
        super().__init__(code)
        self.code = code
        self.message = detail or ERRORS[code]
        self.extra = extra or {}

    def payload(self, event: str | None = None) -> dict[str, Any]:
        """The body of the `error` event and of a failed ack (plus any extra fields)."""
        body = {"ok": False, "code": self.code, "message": str(self.message), "event": event}
        return {**self.extra, **body}


def require_dict(data: Any) -> dict:
    """Payloads are JSON objects; anything else is refused."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ProtocolError("bad_payload", _l("The payload must be an object."))
    return data


def clean_text(value: Any, limit: int) -> str:
    """Plain chat text: control characters dropped, newlines kept, length enforced, never HTML."""
    if not isinstance(value, str):
        raise ProtocolError("bad_payload", _l("The text must be a string."))
    text = strip_unsafe(value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not text:
        raise ProtocolError("empty")
    if len(text) > limit:
        raise ProtocolError("too_long", _l("A message can be at most %(n)s characters.", n=limit))
    return text


def strip_unsafe(text: str) -> str:
    """Text without control characters (tab and newline kept), bidi controls or surrogates."""
    return _CONTROL.sub("", text)


def clean_name(value: str) -> str:
    """A display name as the other side sees it: one line, no bidi control, trimmed."""
    return _NAME_UNSAFE.sub("", value).strip()


def sql_id(value: Any) -> int | None:
    """A positive integer id that fits a SQL integer column, or None."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= SQL_INT_MAX:
        return None
    return value


def chat_id(value: Any) -> str:
    """A chat id as we issue them; anything else cannot name a chat."""
    if not isinstance(value, str) or not _ID.match(value):
        raise ProtocolError("unknown_chat")
    return value


def stream_id(value: Any) -> str | None:
    """The last message id a client saw, used to send only what came after it."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _STREAM_ID.match(value) or not _readable_after(value):
        raise ProtocolError("bad_payload", _l("last_id must be a message id."))
    return value


def _readable_after(value: str) -> bool:
    """Both halves fit 64 bits and the id is not the largest one (nothing comes after it)."""
    parts = [int(part) for part in value.split("-")]
    return all(part <= _STREAM_PART_MAX for part in parts) and min(parts) < _STREAM_PART_MAX


def flag(value: Any) -> bool:
    """A boolean field; strings like 'yes' are refused rather than guessed."""
    if not isinstance(value, bool):
        raise ProtocolError("bad_payload", _l("Expected true or false."))
    return value


def choice(value: Any, allowed: set[str], name: Any) -> str | None:
    """An optional intake answer: None/'' means skipped, anything else must be a known key."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value not in allowed:
        raise ProtocolError("bad_payload", _l("Unknown value for %(name)s.", name=name))
    return value
