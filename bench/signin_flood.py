"""Sign-in under attack (issue 17): a flood of hostile posters, and a guesser aiming at one
therapist.

Part 1, live: one `python app.py serve` process with the default sign-in settings (2
hashing threads, PASSWORD_HASH_QUEUE 8, the global ceiling 300 a minute, argon2's default
cost), an embedded Redis and a fresh SQLite database. 40 threads (in a process of their
own) post wrong passwords for random usernames as fast as they are answered, while
therapists sign in for real (password, then a two-factor code), each once: from a browser
they signed in from before the flood (a device cookie), and from a new browser (which
follows Retry-After). Both send the proof of work the sign-in page solves while the person
types (past the global ceiling it buys a new browser a check). A
signed-in therapist loads /staff/ twice a second meanwhile. It prints the sign-in times
(p50/p95), the posters' answers (5xx count, share of 429/503) and the staff page times.

Part 2, the lockout figures of point 3 against a named account: a guesser who knows only
the username sends 10 requests every 15 minutes, or 100 a minute. Live for the first
minute of 100 a minute (the owner's sign-in delay measured on the server); then both rates
over 24 hours on the app's own clock (CLOCK, as the tests do: nobody waits a day), with the
owner signing in every hour from a remembered browser and from a new one. It prints how
long the owner was held up and when the name locked for new browsers.

    .venv/bin/python bench/signin_flood.py [--quick]

It asserts nothing; docs/benchmarks.md records the figures. Everything it starts is
stopped when it ends.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import pyotp
import requests
from urllib3.util.retry import Retry

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from login_load import csrf, free_port, start_server  # noqa: E402

from helpline.settings import Config  # noqa: E402

PASSWORD = "lantern meadow copper kettle"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
POSTERS = 40
# The sign-in settings the simulation takes from Config (the defaults a live server has).
THROTTLE = ("LOGIN_FREE_FAILURES", "LOGIN_DELAY_SECONDS", "LOGIN_DELAY_MAX_SECONDS",
            "LOGIN_LOCK_AFTER", "LOGIN_LOCK_SECONDS", "LOGIN_FAILURE_MEMORY_SECONDS",
            "LOGIN_DEVICE_DAYS", "LOGIN_DEVICE_FAILURES")


def prepare(redis_url: str, database_url: str, names: list[str], plain: list[str]) -> None:
    """Accounts with argon2's real cost; `names` with a second factor (one secret for all),
    `plain` with the password only."""
    from helpline import create_app
    from helpline.admin import accounts
    from helpline.extensions import db

    app = create_app("testing", overrides={"REDIS_URL": redis_url, "PASSWORD_HASH_COST": None,
                                           "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.create_all()
        for name in names + plain:
            staff = accounts.create_staff(db.session, name, name, "therapist", PASSWORD)
            staff.totp_secret = SECRET if name in names else None
        db.session.commit()
        db.engine.dispose()


_steps: dict[str, int] = {}  # the last code step each account used: each is accepted once


def solved(url: str, http: requests.Session) -> str:
    """The sign-in page's proof of work (static/js/signin/), solved as the page does while
    the person types: GET /staff/login/challenge, then the number found (Python's solver)."""
    from helpline.chat import proofofwork

    challenge = http.get(url + "/staff/login/challenge", timeout=60).json()
    return json.dumps(proofofwork.solve(challenge))


def sign_in(url: str, http: requests.Session, name: str, deadline: float = 90.0,
            ) -> tuple[float, int]:
    """Password, then a code if asked, following Retry-After and 'try again in N seconds';
    (seconds to get in, or inf after `deadline`; refusals on the way). Like the sign-in
    page, the form carries a proof of work solved before the person sends it (its time is
    the typing's, not counted); a page shown again after a refusal solves a new one."""
    proof = solved(url, http)
    started, refused = time.monotonic(), 0
    while time.monotonic() - started < deadline:
        token = csrf(http, url)
        answer = http.post(url + "/staff/login", allow_redirects=False, timeout=60,
                           data={"username": name, "password": PASSWORD, "csrf_token": token,
                                 "pow": proof or solved(url, http)})
        proof = None
        if answer.status_code == 302 and answer.headers["Location"].endswith("/staff/login/code"):
            page = http.get(url + "/staff/login/code", timeout=60).text
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            step = max(_steps.get(name, 0) + 1, int(time.time() // 30))
            _steps[name] = step
            answer = http.post(url + "/staff/login/code", allow_redirects=False, timeout=60,
                               data={"code": pyotp.TOTP(SECRET).generate_otp(step),
                                     "csrf_token": token})
        if answer.status_code == 302:
            assert answer.headers["Location"].endswith("/staff/"), answer.headers["Location"]
            return time.monotonic() - started, refused
        refused += 1
        told = re.search(r"in (\d+) seconds", answer.text)
        time.sleep(float(answer.headers.get("Retry-After") or (told and told.group(1)) or 1))
    return float("inf"), refused


def browser() -> requests.Session:
    """A person's browser. A kept-alive connection idle for HEADER_TIMEOUT_SECONDS is closed
    by the server; the request then goes again on a new one."""
    http = requests.Session()
    retry = Retry(total=3, connect=3, read=3, allowed_methods=None, status_forcelist=(),
                  respect_retry_after_header=False, raise_on_status=False)
    http.mount("http://", requests.adapters.HTTPAdapter(max_retries=retry))
    return http


def sign_out(url: str, http: requests.Session) -> None:
    http.post(url + "/staff/logout", data={"csrf_token": csrf(http, url)}, timeout=60)


def poster(url: str, stop: threading.Event, answers: Counter, lock: threading.Lock) -> None:
    http = requests.Session()
    token = csrf(http, url)
    while not stop.is_set():
        name = f"nobody{random.randrange(10**9)}"
        try:
            status = http.post(url + "/staff/login", allow_redirects=False, timeout=60, data={
                "username": name, "password": "wrong password", "csrf_token": token}).status_code
        except requests.RequestException:
            status = "error"
        with lock:
            answers[status] += 1


def posters(url: str, stop, results) -> None:
    """The hostile posters, in a process of their own: their threads must not hold the
    measuring threads' GIL (the measured times would be the bench's, not the server's)."""
    answers, lock, done = Counter(), threading.Lock(), threading.Event()
    threads = [threading.Thread(target=poster, args=(url, done, answers, lock), daemon=True)
               for _ in range(POSTERS)]
    for t in threads:
        t.start()
    stop.wait()
    done.set()
    for t in threads:
        t.join(timeout=90)
    results.put(dict(answers))


def staff_pages(url: str, stop: threading.Event, times: list) -> None:
    http = browser()
    sign_in(url, http, "reader")
    while not stop.is_set():
        started = time.monotonic()
        http.get(url + "/staff/", timeout=60)
        times.append(time.monotonic() - started)
        time.sleep(0.5)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))] if values else float("nan")


def flood(env: dict, tmp: Path, samples: int) -> None:
    port = free_port()
    proc = start_server(env, port, tmp / "flood.log")
    url = f"http://127.0.0.1:{port}"
    stop, pages = threading.Event(), []
    forked = multiprocessing.get_context("fork")
    flood_stop, results = forked.Event(), forked.Queue()
    try:
        known = []
        for i in range(samples):  # the browsers that signed in before the flood
            http = browser()
            sign_in(url, http, f"known{i}")
            sign_out(url, http)
            known.append(http)
        hostile = forked.Process(target=posters, args=(url, flood_stop, results), daemon=True)
        hostile.start()
        reader = threading.Thread(target=staff_pages, args=(url, stop, pages), daemon=True)
        reader.start()
        time.sleep(5)  # the flood is under way: the ceiling is reached within seconds
        remembered, new, retries = [], [], 0
        for i in range(samples):
            remembered.append(sign_in(url, known[i], f"known{i}")[0])
            took, refused = sign_in(url, browser(), f"new{i}")
            new.append(took)
            retries += refused
            time.sleep(0.5)
        stop.set()
        flood_stop.set()
        answers = Counter(results.get(timeout=120))
        hostile.join(timeout=30)
        reader.join(timeout=90)
        total = sum(answers.values())
        errors = sum(n for status, n in answers.items() if status == "error" or (
            isinstance(status, int) and status >= 500))
        shed = sum(n for status, n in answers.items() if status in (429, 503))
        print(f"flood: {POSTERS} hostile posters, {total} posts answered "
              f"({dict(sorted(answers.items(), key=str))})")
        print(f"  5xx or no answer: {errors}; 429/503: {shed / max(total, 1):.0%}")
        print(f"  real sign-in (password + code), remembered browser: p50 "
              f"{statistics.median(remembered):.2f} s, p95 {pct(remembered, 0.95):.2f} s, "
              f"max {max(remembered):.2f} s ({samples} sign-ins)")
        print(f"  real sign-in, new browser (follows Retry-After): p50 "
              f"{statistics.median(new):.2f} s, p95 {pct(new, 0.95):.2f} s; {retries} "
              f"refusals on the way")
        print(f"  /staff/ for a signed-in therapist: p50 {statistics.median(pages):.3f} s, "
              f"p95 {pct(pages, 0.95):.3f} s ({len(pages)} loads)")
    finally:
        stop.set()
        flood_stop.set()
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def guessed_live(env: dict, tmp: Path, seconds: float) -> None:
    """100 guesses a minute at 'ruth' on the live server; she signs in again and again from a
    remembered browser and from a new one, following the wait she is told (every 8 s)."""
    port = free_port()
    proc = start_server(env, port, tmp / "guessed.log")
    url = f"http://127.0.0.1:{port}"
    stop = threading.Event()
    try:
        owner = browser()
        sign_in(url, owner, "ruth")
        sign_out(url, owner)

        def guesser():
            http = browser()
            token = csrf(http, url)
            while not stop.is_set():
                with contextlib.suppress(requests.RequestException):  # the server stopping
                    http.post(url + "/staff/login", allow_redirects=False, timeout=60, data={
                        "username": "ruth", "password": "a guess", "csrf_token": token})
                stop.wait(0.6)

        threading.Thread(target=guesser, daemon=True).start()
        remembered, new, end = [], [], time.monotonic() + seconds
        while time.monotonic() < end:
            stop.wait(8)
            remembered.append(sign_in(url, owner, "ruth")[0])
            sign_out(url, owner)
            new.append(sign_in(url, browser(), "ruth", deadline=20)[0])
        print(f"100 guesses a minute at one username, live for {seconds:.0f} s:")
        print(f"  owner, remembered browser: delayed at most {max(remembered):.2f} s "
              f"({len(remembered)} sign-ins)")
        got_in = [t for t in new if t != float("inf")]
        print(f"  owner, new browser: {len(got_in)} of {len(new)} sign-ins within 20 s"
              + (f", at most {max(got_in):.1f} s" if got_in else ""))
    finally:
        stop.set()
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def simulated(redis_url: str, database_url: str, every: float, label: str) -> None:
    """A guesser every `every` s for 24 h on the app's clock; every hour the owner signs in
    from her remembered browser and from a new one (each completes the sign-in)."""
    from helpline import create_app
    from tests.clock import Clock

    clock = Clock()
    app = create_app("testing", overrides={
        "REDIS_URL": redis_url, "SQLALCHEMY_DATABASE_URI": database_url, "CLOCK": clock,
        "PASSWORD_HASH_COST": None, **{k: getattr(Config, k) for k in THROTTLE}})
    app.extensions["helpline_redis"].flushdb()

    def owner(http) -> float | None:
        """Seconds until she is in (following 'try again in N s'), None if locked out."""
        waited = 0
        for _ in range(50):
            answer = http.post("/staff/login", data={"username": "ruth", "password": PASSWORD})
            if answer.status_code == 302:
                http.post("/staff/logout")
                return waited
            wait = re.search(r"in (\d+) seconds", answer.get_data(as_text=True))
            if not wait:
                return None
            waited += int(wait.group(1))
            clock.advance(int(wait.group(1)))
        return None

    guesser, remembered = app.test_client(), app.test_client()
    assert owner(remembered) == 0  # her usual browser signed in once before
    delays_known, delays_new, locked_at, start = [], [], None, clock()
    next_owner = start + 3600
    while clock() - start < 24 * 3600:
        answer = guesser.post("/staff/login", data={"username": "ruth", "password": "a guess"})
        if locked_at is None and "locked" in answer.get_data(as_text=True):
            locked_at = clock() - start
        clock.advance(every)
        if clock() >= next_owner:
            next_owner += 3600
            delays_known.append(owner(remembered))
            fresh = owner(app.test_client())
            if fresh is not None:
                delays_new.append(fresh)
    print(f"{label}, 24 h on the app's clock, the owner signing in every hour:")
    print(f"  remembered browser: {sum(d == 0 for d in delays_known)} of {len(delays_known)} "
          f"sign-ins not delayed, at most {max(d or 0 for d in delays_known):.0f} s")
    print(f"  new browser: in {len(delays_new)} of {len(delays_known)} times, delayed at most "
          f"{max(delays_new, default=0):.0f} s; the name first locked for new browsers "
          + (f"after {locked_at / 60:.1f} min" if locked_at else "never"))


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples, a shorter run")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop what we started, also then
    from helpline.server.redis_server import start_embedded_redis, stop_embedded_redis

    samples = 8 if args.quick else 20
    tmp = Path(tempfile.mkdtemp(prefix="helpline-signin-bench-"))
    redis_proc, redis_url = start_embedded_redis(str(tmp / "redis"))
    database_url = f"sqlite:///{tmp / 'bench.sqlite'}"
    try:
        names = [f"known{i}" for i in range(samples)] + [f"new{i}" for i in range(samples)]
        prepare(redis_url, database_url, [*names, "reader"], ["ruth"])
        env = {**os.environ, "REDIS_URL": redis_url, "DATABASE_URL": database_url,
               "SECRET_KEY": "bench-secret-" + "x" * 40, "HELPLINE_ENV": "development",
               "SCRUBBER_PRELOAD": "0", "PYTHONUNBUFFERED": "1", "METRICS_PORT": "0"}
        flood(env, tmp, samples)
        guessed_live(env, tmp, 30 if args.quick else 60)
        simulated(redis_url, database_url, 90, "10 guesses per 15 minutes")
        simulated(redis_url, database_url, 0.6, "100 guesses a minute")
    finally:
        stop_embedded_redis(redis_proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
