"""Passwords: the policy (NIST SP 800-63B) and argon2 hashing off gevent's event loop.

Policy: a minimum length by role, a generous maximum (the hash input stays bounded), a
blocklist of common and breached passwords shipped in config/ (also with digits or
symbols added around them and the usual letter swaps undone: 'iloveyou1234', 'p@ssw0rd'),
zxcvbn's guess estimate (PASSWORD_MIN_SCORE: it finds words, names, dates, keyboard
runs and the username inside longer passwords), and a refusal of the obvious context
words and patterns; no composition rules (they make passwords harder to remember, not
harder to guess).

Argon2 takes tens of milliseconds of CPU. On the gevent loop that would stall every live
chat of the process while it runs, so under gevent it runs in a small thread pool
(argon2-cffi releases the GIL); elsewhere (the CLI, threading tests) it runs inline. The
pool's queue is bounded (PASSWORD_HASH_QUEUE checks waiting per process; `priority`
checks, from a browser that signed in before or a rehash after a right password, go ahead
of the others and have a bound of their own, twice that): beyond it a check raises Busy at
once, and the sign-in page answers "busy, try again in a few seconds" (429) instead of
queueing until requests time out.
"""

from __future__ import annotations

import os
import string
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from gevent import monkey
from zxcvbn import zxcvbn

from ..server import offloop
from ..settings import setting

_hasher = PasswordHasher()  # argon2-cffi's default cost (RFC 9106, low memory)
# Verifying against this keeps a wrong username as slow as a wrong password. It is the
# hash of "not-a-real-password" at that cost, made once: hashing it at import took every
# process start (server, worker, command) 0.15 s. Should the library's default cost ever
# change, the stored one no longer matches it and a new one is made here.
_DUMMY_AT_DEFAULT_COST = ("$argon2id$v=19$m=65536,t=3,p=4$oQa1Jte+rmuzdARRQdV0ug$"
                          "uopgsfOl/ii/syULfxxOBC6U1eT7xeLeHNWOa7dsSFU")
DUMMY_HASH = (_hasher.hash("not-a-real-password")
              if _hasher.check_needs_rehash(_DUMMY_AT_DEFAULT_COST) else _DUMMY_AT_DEFAULT_COST)
_SEQUENCES = ("0123456789" * 3, "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm")
# What people add around a common password, and the letters they swap for look-alikes.
_ADDED = string.digits + string.punctuation + " "
_UNSWAP = str.maketrans("@4310$5!7+", "aaeiossitt")


BUSY_RETRY_SECONDS = 2  # what a refused check is told: the queue drains within about that


class PasswordRejected(ValueError):
    """The password does not meet the policy; the message says why."""


class Busy(RuntimeError):
    """This process already has as many password checks waiting as it allows."""


@lru_cache(maxsize=4)
def _common(path: str) -> frozenset[str]:
    with open(path, encoding="utf-8") as f:
        return frozenset(line.rstrip("\n") for line in f if line.strip())


def min_length(role: str) -> int:
    key = "PASSWORD_MIN_LENGTH_SUPERVISOR" if role == "supervisor" else "PASSWORD_MIN_LENGTH"
    return int(setting(key))


def check_policy(password: str, role: str, username: str = "") -> None:
    """Raise PasswordRejected with a reason (and what to do), or return."""
    shortest, longest = min_length(role), int(setting("PASSWORD_MAX_LENGTH"))
    if not isinstance(password, str) or len(password) < shortest:
        raise PasswordRejected(_("The password must be at least %(n)s characters.", n=shortest))
    if len(password) > longest:
        raise PasswordRejected(_("The password can be at most %(n)s characters.", n=longest))
    lower = password.lower()
    common = _common(setting("COMMON_PASSWORDS_PATH"))
    if lower in common or _is_pattern(lower):
        raise PasswordRejected(_("This password is too common or too easy to guess."))
    name = username.strip().lower()
    if len(name) >= 3 and name in lower:
        raise PasswordRejected(_("The password must not contain the username."))
    if any(core in common for core in _cores(lower)):
        raise PasswordRejected(_(
            "This is a common password with a few characters added or swapped. Choose "
            "another: several unrelated words are easy to remember and hard to guess."))
    helpline = "".join(c if c.isalnum() else " " for c in str(setting("HELPLINE_NAME")).lower())
    context = [w for w in (name, "helpline", helpline.replace(" ", ""), *helpline.split())
               if len(w) >= 3]
    if zxcvbn(password, user_inputs=context, max_length=longest)["score"] < int(
            setting("PASSWORD_MIN_SCORE")):
        raise PasswordRejected(_(
            "This password is too easy to guess. Make it longer, for example with several "
            "unrelated words."))


def _cores(lower: str) -> set[str]:
    """The password without digits or symbols added at either end, before and after
    undoing look-alike swaps ('P@ssw0rd2024!' -> 'password')."""
    stripped = lower.strip(_ADDED)
    return {stripped, stripped.translate(_UNSWAP), lower.translate(_UNSWAP).strip(_ADDED)}


def _is_pattern(lower: str) -> bool:
    """One short piece repeated ('aaaa…', 'abcabc…') or a run along a sequence ('1234…')."""
    period = (lower + lower).find(lower, 1)
    if period <= 4:
        return True
    return any(lower in seq or lower in seq[::-1] for seq in _SEQUENCES)


@lru_cache(maxsize=4)
def _hasher_costing(cost: tuple[tuple[str, int], ...]) -> tuple[PasswordHasher, str]:
    hasher = PasswordHasher(**dict(cost))
    return hasher, hasher.hash("not-a-real-password")


def _current() -> tuple[PasswordHasher, str]:
    """The hasher for new hashes and its dummy hash: argon2-cffi's default cost, unless
    PASSWORD_HASH_COST says otherwise (only the test suite's config does: not from the
    environment)."""
    cost = setting("PASSWORD_HASH_COST")
    return _hasher_costing(tuple(sorted(cost.items()))) if cost else (_hasher, DUMMY_HASH)


def dummy_hash() -> str:
    """A hash of the current cost to verify against when there is no account."""
    return _current()[1]


def hash_password(password: str, priority: bool = True) -> str:
    return _run(priority, _current()[0].hash, password)


def verify(password_hash: str, password: str, priority: bool = False) -> bool:
    """True if the password matches; a malformed hash is a mismatch. Busy when the
    hashing queue is full (see the module's docstring)."""
    return _run(priority, _verify, password_hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)  # the cost is the hash's own
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _current()[0].check_needs_rehash(password_hash)


def _run(priority: bool, fn, *args):
    """Run fn in the hashing pool when gevent drives this process, else inline; a priority
    check goes ahead of the others (offloop.run's `first`)."""
    size = int(setting("PASSWORD_HASH_THREADS"))
    bound = int(setting("PASSWORD_HASH_QUEUE")) * (2 if priority else 1)
    try:
        return offloop.run("password_hash", size, _in_the_background, fn, *args,
                           waiting=bound, first=priority)
    except offloop.Full:
        raise Busy() from None


HASH_NICENESS = 10


def _in_the_background(fn, *args):
    """Run fn at a lower CPU priority: on a busy machine the event loop (live chats) goes
    first and sign-ins wait. Linux applies a niceness per thread, and argon2's lane
    threads started from here inherit it."""
    native_id = monkey.get_original("threading", "get_native_id")()
    try:
        if os.getpriority(os.PRIO_PROCESS, native_id) < HASH_NICENESS:
            os.setpriority(os.PRIO_PROCESS, native_id, HASH_NICENESS)
    except OSError:  # not permitted or not supported here: run at normal priority
        pass
    return fn(*args)
