"""Staff sessions: an idle timeout and an absolute lifetime, the same for pages and sockets.

The signed cookie carries a random session id (`hl_session`) and no address-derived
value; the session's record lives in Redis (`hl:session:<id>`: staff id, started, seen),
so every server process and every socket event share one idle clock, a console event
counts as activity, and HTTP and the sockets refuse the same cookie at the same moment.
An RQ job at the session's end closes its open sockets (`signed_out` with the reason)
even when no event arrives. A Redis restart ends every staff session (sign in again).
"""

from __future__ import annotations

import secrets

from flask import current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from flask_socketio import disconnect, emit
from redis import Redis

from .. import timers
from ..extensions import db, socketio
from ..queue import keys
from ..realtime import live
from ..realtime.protocol import ProtocolError
from ..realtime.sockets import current_event
from . import account_stamp, signout

SESSION_KEY = "hl_session"
SNAPSHOT_KEY = "staff_snapshot"  # in a console socket's own session: its account at connect
# A console socket's events within this long of the last session check reuse its answer: a
# busy console sends several events a second, and the check is a Redis round trip each
# (issue 21). The session's idle clock moves at most this late; an ended session, a sign-out
# everywhere or a deactivation also close the socket at once (signout.py), whatever this says.
# `keepalive` ("Stay signed in") always checks: its answer is the session's true state.
CHECK_EVERY_SECONDS = 1.0
CHECKED_KEY = "staff_checked_at"  # in the socket's own session: when the check last passed
# Why a session ended, as sent in `signed_out`: no activity for SESSION_IDLE_SECONDS,
# SESSION_LIFETIME_SECONDS since sign-in, or no such session (signed out, or Redis lost it).
REASONS = ("idle", "expired", "session_ended")

# One round trip per request or event: the reason the session is over, or touch it. With a
# second key (console events), the account's stamp must be ARGV[5]: 'account' if it is not
# (deactivated, role changed, reset, signed out everywhere) or Redis has none: ask SQL.
_CHECK = """
local v = redis.call('HMGET', KEYS[1], 'started', 'seen')
if not v[1] then return 'session_ended' end
local now = tonumber(ARGV[1])
if now - tonumber(v[1]) >= tonumber(ARGV[3]) then return 'expired' end
if now - tonumber(v[2]) >= tonumber(ARGV[2]) then return 'idle' end
local result = false
if KEYS[2] then
  local s = redis.call('GET', KEYS[2])
  if s ~= ARGV[5] then result = 'account' end
end
if ARGV[4] == '1' then redis.call('HSET', KEYS[1], 'seen', ARGV[1]) end
return result
"""


def _limits() -> tuple[int, int]:
    config = current_app.config
    return config["SESSION_IDLE_SECONDS"], config["SESSION_LIFETIME_SECONDS"]


def begin(r: Redis, staff_id: int | str, now: float) -> str:
    """Record a new sign-in; returns its random id (kept in the signed cookie)."""
    session_id = secrets.token_urlsafe(24)
    key = keys.session(session_id)
    with r.pipeline() as pipe:
        pipe.hset(key, mapping={"staff": str(staff_id), "started": now, "seen": now})
        pipe.expire(key, _limits()[1] + 60)
        pipe.execute()
    return session_id


def end_reason(r: Redis, session_id: str | None, now: float, touch: bool,
               snap: dict | None = None) -> str | None:
    """Why this session is over (one of REASONS), or None; `touch` counts it as activity.
    With a console's account snapshot, also "account" when Redis holds no stamp, or
    another one, for that account (then ask SQL)."""
    if not session_id or not isinstance(session_id, str):
        return "session_ended"
    idle, lifetime = _limits()
    check = r.register_script(_CHECK)  # EVALSHA: the script's text is sent once
    if snap is None:
        return check(keys=[keys.session(session_id)], args=[now, idle, lifetime, int(touch)])
    return check(keys=[keys.session(session_id), keys.account(snap["id"])],
                 args=[now, idle, lifetime, int(touch), account_stamp.expected(snap)])


def remaining(r: Redis, session_id: str, now: float) -> dict:
    """What the console needs to warn in time: seconds left before each end."""
    started, seen = r.hmget(keys.session(session_id), "started", "seen")
    idle, lifetime = _limits()
    return {"idle_seconds": idle,
            "idle_left": max(0, round(float(seen or 0) + idle - now)),
            "lifetime_left": max(0, round(float(started or 0) + lifetime - now)),
            "warn_seconds": current_app.config["SESSION_WARN_SECONDS"]}


def on_login(sender, user, **extra) -> None:
    """Flask-Login's `user_logged_in`: a fresh session record and a fresh CSRF token, and
    no `_id` (Flask-Login's hash of address and user agent) in the cookie."""
    session.pop("_id", None)
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)
    session[SESSION_KEY] = begin(live.redis(), user.id, live.now())


def on_logout(sender, user, **extra) -> None:
    """Flask-Login's `user_logged_out`: the session record goes at once."""
    session_id = session.pop(SESSION_KEY, None)
    if isinstance(session_id, str):
        live.redis().delete(keys.session(session_id))


def load_user(load, user_id: str):
    """Flask-Login's loader, wrapped: a session that is over loads nobody (its reason is
    kept in `g.session_end`); a live one counts this request or event as activity. A
    console socket's events use the account snapshot taken at connect and its stamp in
    Redis (one Lua call, no SQL, at most once a second per socket); pages, the connect
    itself and a missing stamp ask SQL."""
    if getattr(request, "namespace", None) == live.STAFF_NS:
        return _load_for_socket(load, user_id)
    reason = end_reason(live.redis(), session.get(SESSION_KEY), live.now(), touch=True)
    if reason:
        g.session_end = reason
        return None
    return load()


def _load_for_socket(load, user_id: str):
    snap = session.get(SNAPSHOT_KEY)
    cached = isinstance(snap, dict) and snap.get("user_id") == user_id
    now = live.now()
    recent = 0 <= now - session.get(CHECKED_KEY, -CHECK_EVERY_SECONDS) < CHECK_EVERY_SECONDS
    if cached and recent and current_event() != "keepalive":
        return account_stamp.StaffSnapshot(snap)  # checked less than a second ago
    reason = end_reason(live.redis(), session.get(SESSION_KEY), now, touch=True,
                        snap=snap if cached else None)
    if reason in REASONS:
        g.session_end = reason
        return None
    if cached and reason is None:
        session[CHECKED_KEY] = now
        return account_stamp.StaffSnapshot(snap)
    staff = load()
    data = account_stamp.snapshot(staff) if staff is not None else None
    db.session.close()  # no DB connection held across the Redis calls that follow
    if data is None:
        return None
    account_stamp.fill(live.redis(), staff)
    session[SNAPSHOT_KEY] = {**data, "user_id": user_id}
    return account_stamp.StaffSnapshot(data)


def require_live() -> None:
    """Per /staff event: a session that is over (or an account that no longer loads) gets
    `signed_out` with the reason and loses its socket, like HTTP refusing the cookie."""
    if current_user.is_authenticated:
        return
    emit("signed_out", {"reason": g.get("session_end", "session_ended")})
    disconnect()
    raise ProtocolError("not_signed_in")


def socket_opened(r: Redis) -> dict:
    """Remember this console socket under its session, make sure a job watches the
    session's end, and return the times the console shows."""
    session_id = session[SESSION_KEY]
    sockets = keys.session_sockets(session_id)
    with r.pipeline() as pipe:
        pipe.sadd(sockets, request.sid)
        pipe.expire(sockets, _limits()[1] + 60)
        pipe.hsetnx(keys.session(session_id), "watched", 1)
        *_, first = pipe.execute()
    info = remaining(r, session_id, live.now())
    if first:
        _watch(session_id, min(info["idle_left"], info["lifetime_left"]))
    return info


def socket_closed(r: Redis) -> None:
    session_id = session.get(SESSION_KEY)
    if isinstance(session_id, str):
        r.srem(keys.session_sockets(session_id), request.sid)


def _watch(session_id: str, seconds: float) -> None:
    timers.later(max(1, seconds + 1), "close_session_if_over", session_id)


def close_if_over(session_id: str) -> bool:
    """Job: at the session's end, tell each of its sockets why and disconnect them; when
    the person has no other console open, sign them out as a logout would (off duty,
    active chats to the front of the line). Activity meanwhile: look again at the new end."""
    r = live.redis()
    reason = end_reason(r, session_id, live.now(), touch=False)
    sids = sorted(r.smembers(keys.session_sockets(session_id)))
    if reason is None:
        if sids:
            info = remaining(r, session_id, live.now())
            _watch(session_id, min(info["idle_left"], info["lifetime_left"]))
        else:
            r.hdel(keys.session(session_id), "watched")
        return False
    staff_id = r.hget(keys.session(session_id), "staff")
    r.delete(keys.session(session_id), keys.session_sockets(session_id))
    if staff_id and not r.smembers(keys.staff_sockets(staff_id)) - set(sids):
        # Their last console: as at sign-out, off duty and active chats back to the line.
        signout.sign_out_everywhere(r, staff_id, reason)
        return True
    for sid in sids:
        socketio.emit("signed_out", {"reason": reason}, to=sid, namespace=live.STAFF_NS)
        socketio.server.disconnect(sid, namespace=live.STAFF_NS)
    return True


class CookieSessionOncePerConnection(SecureCookieSessionInterface):
    """Flask's signed-cookie session, opened once per WSGI environ.

    An HTTP request has an environ of its own, so nothing changes there. A socket's events
    each push a request context on the connection's one environ, and Flask-SocketIO then
    puts its own copy of the session in place (manage_session): checking the cookie's
    signature again for every event was work thrown away (issue 17's event floods)."""

    ENVIRON_KEY = "helpline.cookie_session"

    def open_session(self, app, request):
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()  # a chatter's: nothing to check, nothing to keep
        environ = request.environ
        if self.ENVIRON_KEY not in environ:
            environ[self.ENVIRON_KEY] = super().open_session(app, request)
        return environ[self.ENVIRON_KEY]
