"""Shared socket plumbing: one dispatcher per namespace, one error path, role guards.

Each namespace registers a catch-all handler that looks the event up in its table, so
unknown events, extra arguments and non-object payloads get the same clear error as a
bad field, and the exception never leaves the handler.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_socketio import emit

from ..compat.socketio_packets import MAX_EVENT_NAME, REFUSED
from . import metrics, ratelimit
from .protocol import ProtocolError, require_dict

Handler = Callable[[dict], dict]


def dispatch(handlers: dict[str, Handler], event: Any, payload: tuple) -> dict:
    """Run the handler for `event` with a validated object payload; return its ack."""
    ratelimit.admit(event)  # every event of every socket, before anything else runs
    if event == REFUSED:  # malformed or reserved, see helpline/compat/socketio_packets.py
        raise ProtocolError(payload[0], payload[1])
    handler = handlers.get(event) if isinstance(event, str) else None
    if handler is None:
        raise ProtocolError("unknown_event")
    if getattr(handler, "any_payload", False):
        return handler({})
    if len(payload) > 1:
        raise ProtocolError("bad_payload", _l("Send one object per event."))
    return handler(require_dict(payload[0] if payload else None))


def current_event() -> str | None:
    """The client's event name inside a catch-all handler."""
    info = getattr(request, "event", None) or {}
    if info.get("message") == "*" and info.get("args"):
        name = info["args"][0]
        if name == REFUSED:  # the client's own name, when it had a usable one
            name = info["args"][3]
        return name if isinstance(name, str) and len(name) <= MAX_EVENT_NAME else None
    return info.get("message")


def socket_error(exc: Exception) -> dict:
    """Tell only this client what went wrong, as an `error` event and as the ack."""
    if not isinstance(exc, ProtocolError):
        # Log the type and the code path only: an exception's message may quote chat text.
        current_app.logger.error(
            "socket handler failed: %s in event %r\n%s", type(exc).__name__, current_event(),
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        exc = ProtocolError("internal")
    metrics.EVENT_ERRORS.labels(exc.code).inc()
    payload = exc.payload(current_event())
    # The socket is this process's own: deliver directly, not through the message queue (a
    # flood of refused events would otherwise cost a Redis publish and a relay each), and
    # once per code a second: the ack, which is the payload, answers every event.
    if ratelimit.error_event_due(payload["code"], payload["message"]):
        emit("error", payload, ignore_queue=True)
    return payload
