"""Issue 17: sign-in throttling that a guesser cannot aim at a therapist, a global ceiling
that sheds load without refusing remembered browsers, a bounded hashing queue, and
one-time passwords that expire. The bounds tested here are the ones docs/operations.md
states ("Staff sign-in": what a guesser who knows a username can do)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpline import audit
from helpline.admin import accounts
from helpline.auth import devices, passwords, throttle
from helpline.chat import proofofwork
from helpline.extensions import db
from tests import totp
from tests.conftest import PASSWORD, sign_in

WRONG = "not the password"


def login(http, username="anna", password=PASSWORD):
    return http.post("/staff/login", data={"username": username, "password": password})


def text(response) -> str:
    return response.get_data(as_text=True)


def guess(app, clock, times: int, username="anna", apart: float | None = None) -> None:
    """A guesser who knows only the username, from a browser of their own; `apart` None:
    each guess right after the previous one's wait (the fastest that is still checked)."""
    http = app.test_client()
    for i in range(times):
        response = login(http, username, f"{WRONG} {i}")
        assert response.status_code == 401
        seconds = re.search(r"Try again in (\d+) seconds", text(response))
        clock.advance(apart if apart is not None else int(seconds.group(1)) if seconds else 0)


def remembered_browser(app, username="anna"):
    """The owner's own browser: it signed in once, so it holds a device cookie."""
    http = app.test_client()
    assert sign_in(http, username).status_code == 302
    assert http.get_cookie(devices.COOKIE, path="/staff/login") is not None
    http.post("/staff/logout")
    return http


def test_delays_stay_a_few_seconds_until_the_lock_at_100(app):
    with app.app_context():
        delays = [throttle.delay_after(n) for n in range(1, 101)]
    assert delays[:6] == [0, 0, 1, 2, 4, 5] and set(delays[5:99]) == {5}
    assert delays[99] == 30 * 24 * 3600  # the 100th failure locks (NIST SP 800-63B)


def test_a_guesser_gets_at_most_100_guesses_then_the_name_locks(app, make_staff, ctx, clock,
                                                                 monkeypatch):
    """The bound 'at most 100 guesses, then lock': the 101st attempt is not checked, even
    with the right password, until a supervisor clears the count."""
    make_staff("anna")
    make_staff("sam", role="supervisor")
    guess(app, clock, 100)
    checks = []
    real = passwords.verify
    monkeypatch.setattr(passwords, "verify", lambda *a: checks.append(1) or real(*a))
    refused = login(app.test_client())  # the owner, from a new browser
    assert refused.status_code == 401 and "locked" in text(refused) and not checks
    clock.advance(7 * 24 * 3600)
    assert "locked" in text(login(app.test_client()))
    with ctx():
        assert "staff_signin_locked" in [r["action"] for r in audit.latest(db.session)]
    sup = app.test_client()
    sign_in(sup, "sam")
    page = text(sup.get("/staff/accounts"))
    assert "100 failed sign-in(s) since" in page and "; locked" in page
    anna_id = int(re.search(r'/staff/accounts/(\d+)/unlock', page).group(1))
    assert sup.post(f"/staff/accounts/{anna_id}/unlock").status_code == 302
    assert login(app.test_client()).status_code == 302
    with ctx():
        assert "staff_signin_unlocked" in [r["action"] for r in audit.latest(db.session)]


def test_a_guesser_delays_the_owner_on_a_new_browser_by_at_most_the_cap(app, make_staff,
                                                                        clock):
    """The bound on a browser the owner never used: each attempt waits at most
    LOGIN_DELAY_MAX_SECONDS (5 s) behind the guesser's last failure, until the lock."""
    make_staff("anna")
    owner = app.test_client()
    for _ in range(9):
        guess(app, clock, 10, apart=0.5)  # 10 requests, twice a second: most are refused
        response = login(owner)
        if response.status_code == 302:
            break
        waited = int(re.search(r"Try again in (\d+) seconds", text(response)).group(1))
        assert waited <= 5
        clock.advance(waited)
        assert login(owner).status_code == 302
        owner.post("/staff/logout")


def test_a_remembered_browser_is_not_kept_out_by_a_guesser(app, make_staff, clock):
    """The bound on a browser the owner signed in from: a guesser who knows only the
    username delays it by 0 s, locked name or not; its own failures are its own count."""
    make_staff("anna")
    owner = remembered_browser(app)
    guess(app, clock, 100)  # the name is locked for every other browser
    assert "locked" in text(login(app.test_client()))
    response = login(owner)
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/")
    assert "100 failed sign-in attempt(s)" in text(owner.get("/staff/"))
    owner.post("/staff/logout")
    assert "locked" in text(login(app.test_client()))  # the guesser's allowance is not refilled
    for i in range(10):  # the owner's own typos count on the browser, with its own delays
        clock.advance(5)
        assert login(owner, password=f"{WRONG} {i}").status_code == 401
    clock.advance(5)
    assert "locked" in text(login(owner))  # ten: a stolen cookie buys ten guesses, no more


def test_wrong_codes_are_counted_apart_and_the_person_is_told(app, make_staff, clock):
    make_staff("sam", role="supervisor")
    make_staff("ruth", role="supervisor")
    http = app.test_client()
    assert login(http, "sam").headers["Location"].endswith("/staff/login/code")
    for _ in range(2):
        assert http.post("/staff/login/code", data={"code": "000000"}).status_code == 401
    assert throttle.failures(app.extensions["helpline_redis"], _key(app, "sam")).count == 0
    sup = app.test_client()
    sign_in(sup, "ruth")
    assert "2 wrong two-factor code(s) after the right password" in text(sup.get(
        "/staff/accounts"))
    code = http.post("/staff/login/code", data={"code": totp.next_code("sam", clock)})
    assert code.status_code == 302
    assert "2 wrong two-factor code(s) were entered after your right password" in text(
        http.get("/staff/"))


def test_wrong_codes_lock_the_second_step_only(app, make_staff, clock):
    make_staff("sam", role="supervisor")
    app.config.update(LOGIN_LOCK_AFTER=5, LOGIN_DELAY_SECONDS=0)
    http = app.test_client()
    login(http, "sam")
    for _ in range(5):
        http.post("/staff/login/code", data={"code": "000000"})
    locked = http.post("/staff/login/code", data={"code": totp.next_code("sam", clock)})
    assert locked.status_code == 401 and "two-factor sign-in is locked" in text(locked)
    assert login(app.test_client(), "sam").headers["Location"].endswith("/staff/login/code")


def _key(app, username):
    with app.app_context():
        return throttle.name_key(username)


def test_unknown_accounts_get_the_same_answers(app, make_staff, clock):
    make_staff("anna")
    app.config.update(LOGIN_LOCK_AFTER=8)

    def answers(name):
        out, http = [], app.test_client()
        for i in range(10):
            response = login(http, name, f"{WRONG} {i}")
            body = text(response).replace(name, "NAME")
            out.append((response.status_code, re.sub(r"\d+ seconds", "N seconds", body)))
            clock.advance(1)
        return out

    assert answers("anna") == answers("nobody-here")


def test_the_global_ceiling_sheds_new_browsers_but_not_remembered_ones(app, make_staff,
                                                                       clock):
    make_staff("anna")
    owner = remembered_browser(app)
    app.config["LOGIN_GLOBAL_FAILURES_PER_MINUTE"] = 5
    clock.move_to((clock() // 60 + 1) * 60 + 1)  # the ceiling counts per minute: 1 s into one
    for i in range(5):
        login(app.test_client(), f"someone{i}", WRONG)
    busy = login(app.test_client())
    assert busy.status_code == 429 and "try again in" in text(busy)
    assert busy.headers["Retry-After"] == "59"
    assert login(owner).status_code == 302  # a right password from a remembered browser
    clock.advance(60)  # the next minute starts with no failures counted
    assert login(app.test_client()).status_code == 302


def test_past_the_ceiling_a_proof_of_work_buys_a_check(app, make_staff, clock):
    """Issue 17: the ceiling sheds load without refusing the right password. The sign-in page
    solves a proof while the person types; past the ceiling it buys one check, once."""
    make_staff("anna")
    app.config["LOGIN_GLOBAL_FAILURES_PER_MINUTE"] = 5
    clock.move_to((clock() // 60 + 1) * 60 + 1)
    for i in range(5):
        login(app.test_client(), f"someone{i}", WRONG)

    def proved(http, password=PASSWORD, solution=None, url="/staff/login/challenge"):
        if solution is None:
            solution = json.dumps(proofofwork.solve(http.get(url).json))
        return http.post("/staff/login", data={"username": "anna", "password": password,
                                               "pow": solution})

    assert login(app.test_client()).status_code == 429  # no proof: shed unchecked
    cheap = proved(app.test_client(), url="/challenge")  # a chat place's smaller proof
    assert cheap.status_code == 429
    for junk in ("{", "[]", "x" * 3000, json.dumps({"number": 1})):
        assert proved(app.test_client(), solution=junk).status_code == 429
    wrong = proved(app.test_client(), WRONG)
    assert wrong.status_code == 401 and "wrong password" in text(wrong)  # checked, counted
    http = app.test_client()
    solution = json.dumps(proofofwork.solve(http.get("/staff/login/challenge").json))
    assert proved(http, solution=solution).status_code == 302  # the right password gets in
    assert proved(app.test_client(), solution=solution).status_code == 429  # spent


def test_a_proved_sign_in_goes_ahead_of_the_unproved_ones(app, make_staff, monkeypatch):
    """Posters without a proof fill the hashing queue's normal lane only (passwords.Busy,
    429); the page's proof puts the person in the priority lane, as a remembered browser."""
    make_staff("anna")
    verify = passwords.verify

    def lane_full_unless_first(password_hash, password, priority=False):
        if not priority:
            raise passwords.Busy()
        return verify(password_hash, password, priority)

    monkeypatch.setattr(passwords, "verify", lane_full_unless_first)
    assert login(app.test_client()).status_code == 429  # no proof: the full lane
    http = app.test_client()
    solution = json.dumps(proofofwork.solve(http.get("/staff/login/challenge").json))
    answer = http.post("/staff/login", data={"username": "anna", "password": PASSWORD,
                                             "pow": solution})
    assert answer.status_code == 302


def test_the_sign_in_challenge_has_the_sign_in_price_and_no_cookie(app):
    answer = app.test_client().get("/staff/login/challenge")
    assert answer.status_code == 200 and answer.json["maxnumber"] == 50
    assert answer.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in answer.headers


def test_a_full_hashing_queue_answers_busy_at_once_in_the_persons_language(app, make_staff,
                                                                           monkeypatch):
    make_staff("anna")

    def full(*args):
        raise passwords.Busy()

    monkeypatch.setattr(passwords, "verify", full)
    busy = app.test_client().post("/staff/login", data={"username": "anna", "password": WRONG},
                                  headers={"Accept-Language": "nl"})
    assert busy.status_code == 429 and busy.headers["Retry-After"] == "2"
    assert "Probeer het over 2 seconden opnieuw" in text(busy)
    assert 'href="/staff/login"' in text(busy) and 'name="password"' not in text(busy)
    assert throttle.failures(app.extensions["helpline_redis"], _key(app, "anna")).count == 0


def test_no_database_connection_is_held_while_the_password_is_checked(app, make_staff,
                                                                     monkeypatch):
    make_staff("anna")
    app.config["PASSWORD_HASH_COST"] = {"time_cost": 1, "memory_cost": 16, "parallelism": 1}
    seen = []
    real = passwords.verify

    def verify(*args):
        seen.append(db.session().in_transaction())
        return real(*args)

    monkeypatch.setattr(passwords, "verify", verify)
    assert login(app.test_client()).status_code == 302  # a rehash (the cost changed) too
    assert login(app.test_client(), "nobody").status_code == 401
    assert seen == [False, False]


def test_the_hashing_queue_is_bounded_under_gevent():
    """Four checks at once on one thread with room for two to wait: the fourth is refused
    at once, the others run when the thread is free."""
    code = (
        "from gevent import monkey; monkey.patch_all()\n"
        "import gevent, os\n"
        "from helpline.server import offloop\n"
        "r, w = os.pipe()\n"
        "def call():\n"
        "    try:\n"
        "        return offloop.run('t', 1, os.read, r, 1, waiting=2)\n"
        "    except offloop.Full:\n"
        "        return b'full'\n"
        "calls = [gevent.spawn(call) for _ in range(4)]\n"
        "gevent.idle()\n"
        "print(offloop.queued('t', 1), calls[3].get(timeout=60).decode())\n"
        "os.write(w, b'abc')\n"
        "print(''.join(sorted(c.get(timeout=60).decode() for c in calls[:3])))\n"
        "print(offloop.queued('t', 1))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=str(Path(__file__).resolve().parents[2]), timeout=120)
    assert out.stdout.split() == ["2", "full", "abc", "0"], out.stderr[-2000:]


def test_a_first_check_goes_ahead_of_the_waiting_ones_under_gevent():
    """A remembered browser's check waits for the one running, not for the line: o2 and o3
    were waiting before it and still run after it."""
    code = (
        "from gevent import monkey; monkey.patch_all()\n"
        "import gevent, os\n"
        "from helpline.server import offloop\n"
        "a, to_a = os.pipe()\n"
        "b, to_b = os.pipe()\n"
        "order = []\n"
        "def work(name, fd):\n"
        "    os.read(fd, 1)\n"
        "    order.append(name)\n"
        "def call(name, fd, first):\n"
        "    offloop.run('t', 1, work, name, fd, waiting=8, first=first)\n"
        "calls = [gevent.spawn(call, n, a, False) for n in ('o1', 'o2', 'o3')]\n"
        "gevent.idle()\n"
        "calls.append(gevent.spawn(call, 'f', b, True))\n"
        "gevent.idle()\n"
        "os.write(to_b, b'f')\n"
        "os.write(to_a, b'123')\n"
        "gevent.joinall(calls, timeout=60)\n"
        "print(' '.join(order))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=str(Path(__file__).resolve().parents[2]), timeout=120)
    assert out.stdout.split() == ["o1", "f", "o2", "o3"], out.stderr[-2000:]


@pytest.mark.parametrize("hours", [72, 1])
def test_one_time_passwords_expire(app, make_staff, ctx, clock, hours):
    anna = make_staff("anna")
    make_staff("sam", role="supervisor")
    app.config["ONE_TIME_PASSWORD_HOURS"] = hours
    with ctx():
        _, one_time = accounts.reset_password(db.session, anna.id)
    clock.advance(hours * 3600 - 60)
    assert "/staff/password" in login(app.test_client(), "anna", one_time).headers["Location"]
    clock.advance(120)
    expired = login(app.test_client(), "anna", one_time)
    assert expired.status_code == 401 and "Ask a supervisor for a new one" in text(expired)
    sup = app.test_client()
    sign_in(sup, "sam")
    assert "One-time password expired" in text(sup.get("/staff/accounts"))
    with ctx():
        _, fresh = accounts.reset_password(db.session, anna.id)
    assert "/staff/password" in login(app.test_client(), "anna", fresh).headers["Location"]
    assert throttle.failures(app.extensions["helpline_redis"], _key(app, "anna")).count == 0
