"""Proof of work before `start`: a bot pays CPU for every place it takes, a person barely notices.

The challenge is ALTCHA's v1 scheme (the maintained `altcha` library): the server picks a
random salt and a secret number n <= maxnumber, sends SHA-256(salt + n) signed with an
HMAC of the server's key; the browser finds n by trying 0, 1, 2, ... The salt carries the
expiry, so nothing is stored when a challenge is handed out; a solved one is remembered
in Redis (by its random challenge hash, which names nobody) until it expires, so each
solution opens one `start` only. The difficulty (maxnumber) rises while the line is full
or while solved starts arrive faster than people do. Only solved starts count towards a
flood: fetching challenges is free, so counting those would let a bot raise everyone's
difficulty for nothing.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime

import altcha
from flask import current_app
from redis import Redis

from ..queue import keys, line
from ..realtime.protocol import ProtocolError

ALGORITHM = "SHA-256"
FLOOD_WINDOW_SECONDS = 10
SOLUTION_FIELDS = {"algorithm": str, "challenge": str, "number": int, "salt": str,
                   "signature": str}


def _hmac_key() -> bytes:
    """A key of its own, derived from SECRET_KEY, so a challenge signature is no session key."""
    return hashlib.sha256(b"helpline-pow:" + current_app.config["SECRET_KEY"].encode()).digest()


def _window() -> int:
    return int(time.time()) // FLOOD_WINDOW_SECONDS


def difficulty(r: Redis) -> int:
    """maxnumber for the next challenge: raised while the line is full or under a flood."""
    cfg = current_app.config
    full = cfg["MAX_LINE_LENGTH"] and line.length(r) >= cfg["MAX_LINE_LENGTH"]
    flood = int(r.get(keys.pow_redeemed(_window())) or 0) >= cfg["POW_FLOOD_STARTS"]
    return cfg["POW_MAX_NUMBER_RAISED"] if full or flood else cfg["POW_MAX_NUMBER"]


def issue(r: Redis) -> dict:
    """A fresh signed challenge, as the client receives it (see docs/protocol.md)."""
    expires = datetime.fromtimestamp(time.time() + current_app.config["POW_TTL_SECONDS"], UTC)
    challenge = altcha.create_challenge_v1(algorithm=ALGORITHM, max_number=difficulty(r),
                                           hmac_key=_hmac_key(), expires=expires)
    return {"algorithm": challenge.algorithm, "challenge": challenge.challenge,
            "maxnumber": challenge.max_number, "salt": challenge.salt,
            "signature": challenge.signature}


def _well_formed(solution: object) -> dict:
    if not isinstance(solution, dict) or set(solution) != set(SOLUTION_FIELDS):
        raise ProtocolError("pow_required")
    for field, kind in SOLUTION_FIELDS.items():
        value = solution[field]
        if not isinstance(value, kind) or isinstance(value, bool) or (
                kind is str and len(value) > 200):
            raise ProtocolError("pow_invalid")
    if solution["algorithm"] != ALGORITHM or not 0 <= solution["number"] < 10**9:
        raise ProtocolError("pow_invalid")
    return solution


def redeem(r: Redis, solution: object) -> None:
    """Accept a solved, unexpired, never used challenge once; else raise ProtocolError.

    pow_required: no solution at all; pow_invalid: wrong, expired or already used.
    """
    solution = _well_formed(solution)
    ok, _ = altcha.verify_solution_v1(dict(solution), _hmac_key(), check_expires=True)
    if not ok:
        raise ProtocolError("pow_invalid")
    expires = altcha.extract_params_v1(dict(solution)).get("expires")
    if not expires:
        raise ProtocolError("pow_invalid")  # every challenge we sign carries an expiry
    ttl = max(1, int(expires[0]) - int(time.time()) + 1)
    if not r.set(keys.pow_used(solution["challenge"]), 1, nx=True, ex=ttl):
        raise ProtocolError("pow_invalid")
    with r.pipeline() as pipe:  # the flood signal: solved starts per 10-second window
        pipe.incr(keys.pow_redeemed(_window()))
        pipe.expire(keys.pow_redeemed(_window()), 2 * FLOOD_WINDOW_SECONDS)
        pipe.execute()


def solve(challenge: dict) -> dict:
    """The client's side in Python (tests, bench/abuse.py): find the number, build the field."""
    found = altcha.solve_challenge_v1(challenge["challenge"], challenge["salt"],
                                      challenge["algorithm"], challenge["maxnumber"])
    if found is None:
        raise ValueError("challenge has no solution")
    return {"algorithm": challenge["algorithm"], "challenge": challenge["challenge"],
            "number": found.number, "salt": challenge["salt"],
            "signature": challenge["signature"]}
