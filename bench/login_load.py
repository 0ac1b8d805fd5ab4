"""Login load: do wrong-password posters slow down live chats? (issue 7, point 4)

Argon2 verification takes tens of milliseconds of CPU. On gevent's event loop every
verification stalls every other socket of the process; in the thread pool
(`PASSWORD_HASH_THREADS`, default 2) the loop keeps running while a thread hashes.

One run starts an embedded Redis and a fresh SQLite database, then measures the same
workload twice against one `python app.py serve` process: with the pool
(PASSWORD_HASH_THREADS=2) and without (PASSWORD_HASH_THREADS=0, hashing on the loop).
P chat pairs are connected (a therapist on duty with capacity 1, a chatter assigned to
them); each chatter sends a message every 200 ms carrying its send time and the
therapist's socket measures the one-way latency, while N threads post wrong passwords to
/staff/login as fast as the server answers. Throttling is switched off for the run
(LOGIN_LOCK_AFTER and the global ceiling very high) so every post really hashes: the
worst case. It prints the chat p50/p95/max and the login posts answered per second.

    .venv/bin/python bench/login_load.py [--pairs 10] [--posters 8] [--seconds 15]

It asserts nothing; docs/benchmarks.md records the figures. Everything it starts is
stopped when it ends.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
import socketio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "bench password not secret"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(redis_url: str, database_url: str, pairs: int) -> None:
    """Schema and one therapist per pair (plain passwords, no second factor)."""
    from helpline import create_app
    from helpline.admin import accounts
    from helpline.extensions import db

    app = create_app("testing", overrides={"REDIS_URL": redis_url,
                                           "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.create_all()
        for i in range(pairs):
            accounts.create_staff(db.session, f"t{i}", f"T{i}", "therapist", PASSWORD)
        db.engine.dispose()


def start_server(env: dict, port: int, log: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "app.py", "serve", "--port", str(port)], cwd=ROOT,
                            env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/healthz", timeout=1).ok:
                return proc
        except requests.ConnectionError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(log.read_text()[-2000:])


def csrf(http: requests.Session, url: str) -> str:
    page = http.get(url + "/staff/login").text
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def therapist(url: str, i: int, latencies: list, lock: threading.Lock):
    http = requests.Session()
    token = csrf(http, url)
    response = http.post(url + "/staff/login", allow_redirects=False,
                         data={"username": f"t{i}", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.status_code
    sio = socketio.Client(reconnection=False)

    def on_message(data):
        if data.get("sender") == "chatter":
            sent = float(data["text"].split()[1])
            with lock:
                latencies.append(time.perf_counter() - sent)

    sio.on("message", on_message, namespace="/staff")
    cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
    sio.connect(url, namespaces=["/staff"], transports=["websocket"],
                headers={"Cookie": cookie}, wait_timeout=10)
    assert sio.call("duty", {"on": True, "capacity": 1}, namespace="/staff", timeout=10)["ok"]
    return sio


def chatter(url: str):
    """A chatter in a chat: `start` needs a solved proof of work (issue 6)."""
    from helpline.chat import proofofwork

    sio = socketio.Client(reconnection=False)
    sio.connect(url, namespaces=["/chat"], transports=["websocket"], wait_timeout=10)
    challenge = requests.get(url + "/challenge", timeout=10).json()
    ack = sio.call("start", {"pow": proofofwork.solve(challenge)}, namespace="/chat",
                   timeout=10)
    assert ack.get("ok"), ack
    return sio


def poster(url: str, stop: threading.Event, counts: list) -> None:
    http = requests.Session()
    token = csrf(http, url)
    while not stop.is_set():
        http.post(url + "/staff/login", allow_redirects=False,
                  data={"username": "t0", "password": "wrong password here", "csrf_token": token})
        counts.append(1)


def forget_live_state(redis_url: str) -> None:
    """Each run starts from an empty line and idle therapists (the chats of the previous
    run are still held: no worker ends them)."""
    import redis

    r = redis.Redis.from_url(redis_url)
    names = list(r.scan_iter("hl:*"))
    if names:
        r.delete(*names)
    r.close()


def run(env: dict, args, tmp: Path, label: str, post=None,
        posted_what: str = "wrong-password posts") -> None:
    """One measured run; `post` is what each poster thread does (default: wrong passwords)."""
    forget_live_state(env["REDIS_URL"])
    port = free_port()
    proc = start_server(env, port, tmp / f"{label}.log")
    url = f"http://127.0.0.1:{port}"
    latencies: list[float] = []
    lock = threading.Lock()
    sockets, stop, posted = [], threading.Event(), []
    try:
        for i in range(args.pairs):
            sockets.append(therapist(url, i, latencies, lock))
            sockets.append(chatter(url))
        time.sleep(1)
        posters = [threading.Thread(target=post or poster, args=(url, stop, posted), daemon=True)
                   for _ in range(args.posters)]
        for t in posters:
            t.start()
        time.sleep(1)  # the posters are under way
        with lock:
            latencies.clear()
        end = time.monotonic() + args.seconds
        while time.monotonic() < end:
            for chat in sockets[1::2]:
                chat.emit("message", {"text": f"t {time.perf_counter():.6f}"}, namespace="/chat")
            time.sleep(0.2)
        stop.set()
        time.sleep(1)
        report(label, latencies, len(posted) / args.seconds, posted_what)
    finally:
        stop.set()
        for s in sockets:
            with contextlib.suppress(Exception):  # the server may be gone already
                s.disconnect()
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # still busy hashing a backlog of posts
            proc.kill()


def report(label: str, latencies: list[float], post_rate: float,
           posted_what: str = "wrong-password posts") -> None:
    ms = sorted(x * 1000 for x in latencies)
    if not ms:
        print(f"{label}: no chat message delivered")
        return
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"{label:>28}: chat messages {len(ms):5d}  p50 {statistics.median(ms):7.1f} ms  "
          f"p95 {p95:7.1f} ms  max {ms[-1]:7.1f} ms  |  {posted_what} {post_rate:5.1f}/s",
          flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--posters", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop what we started, also then
    from helpline.server.redis_server import start_embedded_redis, stop_embedded_redis

    tmp = Path(tempfile.mkdtemp(prefix="helpline-login-bench-"))
    redis_proc, redis_url = start_embedded_redis(str(tmp / "redis"))
    database_url = f"sqlite:///{tmp / 'bench.sqlite'}"
    try:
        prepare(redis_url, database_url, args.pairs)
        base = {**os.environ, "REDIS_URL": redis_url, "DATABASE_URL": database_url,
                "SECRET_KEY": "bench-secret-" + "x" * 40, "HELPLINE_ENV": "development",
                "CHAT_ALWAYS_OPEN": "1", "MAX_LINE_LENGTH": "0", "POW_MAX_NUMBER": "1000",
                "MESSAGES_PER_10_SECONDS": "100000", "LOGIN_LOCK_AFTER": "1000000000",
                "LOGIN_FREE_FAILURES": "1000000000",
                "LOGIN_GLOBAL_FAILURES_PER_MINUTE": "0", "PYTHONUNBUFFERED": "1"}
        print(f"{args.pairs} chat pairs, 5 msg/s each; {args.posters} wrong-password posters; "
              f"{args.seconds:.0f} s per run", flush=True)
        for label, threads in (("no posters (pool of 2)", None), ("pool of 2 threads", "2"),
                               ("inline (no pool)", "0")):
            env = {**base, "PASSWORD_HASH_THREADS": threads or "2"}
            posters = args.posters
            if threads is None:
                args.posters = 0
            run(env, args, tmp, label)
            args.posters = posters
    finally:
        stop_embedded_redis(redis_proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
