"""Proof of work before `start` and `keep_place`: a bot pays CPU for every place it holds,
a person barely notices.

The challenge is ALTCHA's v1 scheme (the maintained `altcha` library): the server picks a
random salt and a secret number n <= maxnumber, sends SHA-256(salt + n) signed with an
HMAC of the server's key; the browser finds n by trying 0, 1, 2, ... The salt carries the
expiry and the challenge's size, so nothing is stored when a challenge is handed out; a
solved one is remembered in Redis (by its random challenge hash, which names nobody)
until it expires, so each solution opens one `start` only.

The price (maxnumber) rises with the places already taken: the first POW_FREE_PLACES
cost POW_MAX_NUMBER, each further one POW_PLACE_RISE_PERCENT more, up to
POW_MAX_NUMBER_RAISED, which is also the price while the line is full or solved starts
arrive faster than people do. A solution is only good for the price of the moment: one
solved cheaply before the line filled is refused as `pow_stale` (no stockpiling). Only
solved starts count towards a flood: fetching challenges is free, so counting those would
let a bot raise everyone's difficulty for nothing.
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
from . import places

ALGORITHM = "SHA-256"
FLOOD_WINDOW_SECONDS = 10
STALE_SLACK_PLACES = 1
SOLUTION_FIELDS = {"algorithm": str, "challenge": str, "number": int, "salt": str,
                   "signature": str}


def _hmac_key() -> bytes:
    """A key of its own, derived from SECRET_KEY, so a challenge signature is no session key."""
    return hashlib.sha256(b"helpline-pow:" + current_app.config["SECRET_KEY"].encode()).digest()


def _window() -> int:
    return int(time.time()) // FLOOD_WINDOW_SECONDS


def price(waiting: int) -> int:
    """maxnumber of a place when `waiting` places are taken: it rises with each one."""
    cfg = current_app.config
    base, cap = cfg["POW_MAX_NUMBER"], cfg["POW_MAX_NUMBER_RAISED"]
    further = max(0, waiting - cfg["POW_FREE_PLACES"] + 1)
    rise = 1 + cfg["POW_PLACE_RISE_PERCENT"] / 100
    return int(min(cap, base * rise ** min(further, 64)))


def difficulty(r: Redis, slack: int = 0) -> int:
    """maxnumber for the next challenge: the price of the next place, or the cap while the
    line is full or under a flood. `slack`: price it as if that many fewer waited."""
    cfg = current_app.config
    waiting = line.length(r)
    full = cfg["MAX_LINE_LENGTH"] and waiting >= cfg["MAX_LINE_LENGTH"]
    flood = int(r.get(keys.pow_redeemed(_window())) or 0) >= cfg["POW_FLOOD_STARTS"]
    return cfg["POW_MAX_NUMBER_RAISED"] if full or flood else price(max(0, waiting - slack))


def fresh_seconds() -> int:
    """How long a page may keep a solved challenge before it solves a fresh one: a minute
    short of the challenge's expiry (lib/proof.js's `pow_fresh_seconds`)."""
    return max(current_app.config["POW_TTL_SECONDS"] - 60, 30)


def issue(r: Redis, size: int | None = None) -> dict:
    """A fresh signed challenge, as the client receives it (see docs/protocol.md): at the
    price of the next place, or at a fixed `size` (the staff sign-in's, auth/views.py)."""
    expires = datetime.fromtimestamp(time.time() + current_app.config["POW_TTL_SECONDS"], UTC)
    size = difficulty(r) if size is None else size
    challenge = altcha.create_challenge_v1(algorithm=ALGORITHM, max_number=size,
                                           hmac_key=_hmac_key(), expires=expires,
                                           params={"size": str(size)})
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
    """Accept a solved, unexpired, never used challenge at today's price once; else raise
    ProtocolError (and count the refusal for the supervisors, chat/places.py).

    pow_required: no solution at all; pow_invalid: wrong, expired or already used;
    pow_stale: solved at a lower price than a place costs now (fetch a fresh challenge).
    Keeping a place (`keep_place`) costs what taking one costs at that moment.
    """
    try:
        _redeem(r, solution)
    except ProtocolError:
        places.count(r, "refused_proof")
        raise


def _redeem(r: Redis, solution: object) -> None:
    size, expires = _verified(solution)
    # One place of slack: a person whose page solved while one other chatter arrived is
    # not sent back to solve again; a stockpile gains at most that one step.
    if size < difficulty(r, slack=STALE_SLACK_PLACES):
        raise ProtocolError("pow_stale")
    _spend(r, solution, expires)
    with r.pipeline() as pipe:  # the flood signal: solved starts per 10-second window
        pipe.incr(keys.pow_redeemed(_window()))
        pipe.expire(keys.pow_redeemed(_window()), 2 * FLOOD_WINDOW_SECONDS)
        pipe.execute()


def redeem_sized(r: Redis, solution: object, size: int) -> None:
    """Accept a solved, unexpired, never used challenge of at least `size` once (the staff
    sign-in's fixed price); else raise ProtocolError. Not counted with the chat's places."""
    solved, expires = _verified(solution)
    if solved < size:
        raise ProtocolError("pow_stale")
    _spend(r, solution, expires)


def _verified(solution: object) -> tuple[int, int]:
    """(size, expiry) of a well-formed solution whose signature and number are right and
    that has not expired; else ProtocolError pow_required / pow_invalid."""
    solution = _well_formed(solution)
    ok, _ = altcha.verify_solution_v1(dict(solution), _hmac_key(), check_expires=True)
    if not ok:
        raise ProtocolError("pow_invalid")
    params = altcha.extract_params_v1(dict(solution))
    expires, size = params.get("expires"), params.get("size")
    if not expires or not size or not size[0].isdigit() or not expires[0].isdigit():
        raise ProtocolError("pow_invalid")  # every challenge we sign carries both
    return int(size[0]), int(expires[0])


def _spend(r: Redis, solution: dict, expires: int) -> None:
    """Each solution opens one thing: remembered (by its random challenge) until it expires."""
    ttl = max(1, expires - int(time.time()) + 1)
    if not r.set(keys.pow_used(solution["challenge"]), 1, nx=True, ex=ttl):
        raise ProtocolError("pow_invalid")


def solve(challenge: dict) -> dict:
    """The client's side in Python (tests, bench/abuse.py): find the number, build the field."""
    found = altcha.solve_challenge_v1(challenge["challenge"], challenge["salt"],
                                      challenge["algorithm"], challenge["maxnumber"])
    if found is None:
        raise ValueError("challenge has no solution")
    return {"algorithm": challenge["algorithm"], "challenge": challenge["challenge"],
            "number": found.number, "salt": challenge["salt"],
            "signature": challenge["signature"]}
