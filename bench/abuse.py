"""Abuse benchmark: what one bot client gets through, row by row of issue 6 section C, and
what a real chatter's `start` costs on a phone-class CPU.

It starts a live platform the way bench/relay.py does (an embedded Redis unless REDIS_URL
is set, whose `hl:*` keys are then deleted; a fresh SQLite file; `python app.py serve`
and `python app.py worker`) with the platform's **default** limits (CHAT_ALWAYS_OPEN=1
only, so the hours do not interfere), then attacks it from this process:

- fill the line: take MAX_LINE_LENGTH places, each with a solved proof of work, close
  the sockets, and time how long the places stay taken;
- refused starts: while the line is full, starts with no, a reused and a solved
  challenge; how many rows reach the missed-contact ledger;
- start/end loop: one socket starting and ending chats for a few seconds (Redis keys);
- typing flood: one socket sending `typing` as fast as it can beside a sentinel chat
  (acks, refusals, when it is cut off; the sentinel's message round trips);
- latency beside an event flood: a waiting chat's message round trip p95 before and
  while 20 sockets of another process send 1,000 events/s together, reconnecting when
  cut off (issue 17: at most twice the baseline);
- idle sockets: open Engine.IO WebSockets as fast as possible for a few seconds;
- slowloris: partial-header connections, counted after the header timeout;
- resume flood: one socket calling `resume` over and over;
- log flood: one socket sending frames on after the rate limit dropped its namespace, and
  malformed WebSocket handshakes: how many lines the server writes.

Then the proof of work's price for a person: the chatter page's own solver
(static/js/pow-worker.js) run in node on real challenges at the normal and the raised
difficulty, and the same scaled by PHONE_FACTOR (stated below), plus Python's solver (a
bot's cheapest tool here). It prints figures and asserts nothing; docs/benchmarks.md
explains them. Everything it starts is stopped when it ends.

    .venv/bin/python bench/abuse.py [--seconds 5] [--sockets 400] [--slowloris 200]
                                    [--frames 5000]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import requests
import socketio
import websocket

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from relay import free_port, git_commit, rss_mb, spawn, stop, wait_healthy  # noqa: E402

from helpline.chat import proofofwork  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# Phone-class CPU budget: a budget Android phone (Cortex-A53/A55 class) runs JavaScript
# several times slower than one core of a current x86 machine. 6x is Chrome DevTools'
# strongest CPU slowdown preset (low-end mobile; Lighthouse's mobile default is 4x).
# Used to scale node's figures and as Chromium's CDP throttling rate.
PHONE_FACTOR = 6.0
BEFORE = {  # issue 6, measured on main before these defences
    "fill": "15 starts; places survive a disconnect ~100-120 s",
    "refused": "~20/s per socket; 50 sockets wrote 2,117 missed_contacts rows in 10 s",
    "loop": "20 chats/s per socket; Redis keys 151 -> 1,529 in seconds",
    "typing": "no limit; 1,377 acked/s; server 100% CPU for ~6 min",
    "idle": "5,000 opened in 6 s; RSS 117 -> 440 MiB",
    "slowloris": "1,000 partial-header connections, none closed after 70 s",
    "resume": "95 calls/s, 3.6 MiB/s of transcript from one socket",
    "log": "(issue 17) 5,000 frames on one socket, closed 0.15 s after the first: 4,950 log "
           "lines (one per frame after /chat was dropped); 200 malformed handshakes: 55 "
           "answered 500, 145 answered 503 (the handshake bucket), 13 log lines",
}


# ---------------------------------------------------------------------------------------
# Clients


class Bot:
    """A python-socketio client on /chat that records errors and whether it was cut off."""

    def __init__(self, url: str):
        self.url = url
        self.errors: list[str] = []
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("error", lambda d: self.errors.append((d or {}).get("code")), namespace="/chat")
        self.sio.connect(url, namespaces=["/chat"], transports=["websocket"], wait_timeout=10)

    def call(self, event: str, data=None, timeout=10):
        return self.sio.call(event, data, namespace="/chat", timeout=timeout)

    def start(self, solve=True):
        pow_ = proofofwork.solve(challenge(self.url)) if solve else None
        return self.call("start", {"pow": pow_})

    def close(self):
        with contextlib.suppress(Exception):  # already cut off by the server
            self.sio.disconnect()


def challenge(url: str) -> dict:
    return requests.get(url + "/challenge", timeout=10).json()


def missed_rows(db_path: Path) -> int:
    with sqlite3.connect(db_path) as con:
        return con.execute("select count(*) from missed_contacts").fetchone()[0]


def line_length(r) -> int:
    return r.zcard("hl:line")


# ---------------------------------------------------------------------------------------
# The rows of the attack table


def fill_the_line(url: str, r, max_line: int) -> tuple[str, list[Bot]]:
    bots, cpu, sizes = [], 0.0, []
    for _ in range(max_line):
        bot = Bot(url)
        ch = challenge(url)
        sizes.append(ch["maxnumber"])
        t0 = time.process_time()
        solution = proofofwork.solve(ch)
        cpu += time.process_time() - t0
        answer = bot.call("start", {"pow": solution})
        if answer.get("ok"):
            bots.append(bot)
    after_full = challenge(url)["maxnumber"]
    text = (f"{len(bots)} places taken for {cpu:.2f} s of Python CPU (maxnumber "
            f"{min(sizes):,}..{max(sizes):,}); once full, challenges are {after_full:,}")
    return text, bots


def places_survive(r, bots: list[Bot]) -> str:
    for bot in bots:
        bot.close()
    t0 = time.monotonic()
    while line_length(r) and time.monotonic() - t0 < 180:
        time.sleep(0.5)
    return f"the bot's sockets closed: line empty again after {time.monotonic() - t0:.0f} s"


def refused_starts(url: str, r, db_path: Path, seconds: float) -> str:
    """The line is full: starts without a solution, with a reused one, with a solved one."""
    bot = Bot(url)
    before = missed_rows(db_path)
    unsolved = 0
    t_end = time.monotonic() + seconds
    while time.monotonic() < t_end and bot.sio.connected:
        try:
            bot.call("start", {"pow": None})
        except Exception:  # noqa: BLE001 - cut off by the bucket
            break
        unsolved += 1
    after_unsolved = missed_rows(db_path)
    bot.close()
    bot = Bot(url)
    solution = proofofwork.solve(challenge(url))
    codes = [bot.call("start", {"pow": solution}).get("code") for _ in range(3)]
    solved, cpu = 0, 0.0
    t_end = time.monotonic() + seconds
    while time.monotonic() < t_end and bot.sio.connected:
        ch = challenge(url)
        t0 = time.process_time()
        sol = proofofwork.solve(ch)
        cpu += time.process_time() - t0
        try:
            bot.call("start", {"pow": sol})
        except Exception:  # noqa: BLE001
            break
        solved += 1
    bot.close()
    rows = missed_rows(db_path) - after_unsolved
    return (f"{unsolved} unsolved starts in {seconds:g} s -> {after_unsolved - before} rows; "
            f"one solution sent 3x -> {codes}; {solved} solved starts "
            f"({cpu / max(solved, 1) * 1000:.0f} ms Python CPU each) -> {rows} rows")


def start_end_loop(url: str, r, seconds: float) -> str:
    bot = Bot(url)
    keys_before = r.dbsize()
    chats, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < seconds and bot.sio.connected:
        try:
            if bot.start().get("ok"):
                chats += 1
            bot.call("end", {})
        except Exception:  # noqa: BLE001
            break
    elapsed = time.monotonic() - t0
    bot.close()
    return (f"{chats} chats in {elapsed:.1f} s ({chats / elapsed:.1f}/s), "
            f"Redis keys {keys_before} -> {r.dbsize()}")


def typing_flood(url: str, seconds: float) -> str:
    sentinel = Bot(url)
    sentinel.start()
    bot = Bot(url)
    bot.start()
    acked = {"ok": 0, "refused": 0}

    def ack(answer):
        acked["ok" if answer and answer.get("ok") else "refused"] += 1

    sent, t0, cut_at = 0, time.monotonic(), None
    while time.monotonic() - t0 < seconds:
        if not bot.sio.connected:
            cut_at = time.monotonic() - t0
            break
        try:
            bot.sio.emit("typing", {"typing": True}, namespace="/chat", callback=ack)
        except Exception:  # noqa: BLE001
            cut_at = time.monotonic() - t0
            break
        sent += 1
    time.sleep(1)
    cut_at = cut_at if cut_at is not None else (None if bot.sio.connected else seconds)
    rtts = []
    for i in range(10):
        t1 = time.perf_counter()
        sentinel.call("message", {"text": f"sentinel {i}"})
        rtts.append((time.perf_counter() - t1) * 1000)
    t1 = time.perf_counter()
    requests.get(url + "/healthz", timeout=10)
    health = (time.perf_counter() - t1) * 1000
    bot.close()
    sentinel.close()
    cut = f"cut off after {cut_at:.2f} s" if cut_at is not None else "never cut off"
    return (f"{sent} sent, {acked['ok']} acked ok, {acked['refused']} refused "
            f"(rate_limited), {cut}; sentinel message p50 {statistics.median(rtts):.0f} ms "
            f"max {max(rtts):.0f} ms, /healthz {health:.0f} ms")


def probe(sentinel: Bot, seconds: float, every: float = 0.6) -> list[float]:
    """A waiting chat's message round trips (ms), one every `every` s (its rate limit: 20
    per 10 s)."""
    out, end, i = [], time.monotonic() + seconds, 0
    while time.monotonic() < end:
        t0 = time.perf_counter()
        sentinel.call("message", {"text": f"probe {i}"})
        out.append((time.perf_counter() - t0) * 1000)
        i += 1
        time.sleep(max(0.0, every - (time.perf_counter() - t0)))
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


FLOOD_EVENTS_PER_SECOND = 1000  # the review's flood (issue 17: p95 157 ms, baseline 61 ms)
# Probes each side of the flood: one every 0.6 s (the sentinel's own rate limit), so 30 s
# gives 50 round trips, enough for a p95 that is not simply the slowest one.
FLOOD_PROBE_SECONDS = 30


def _flood(url: str, sockets: int, rate: float, seconds: float, counts) -> None:
    """In a process of its own (the sentinel's client must not share its interpreter):
    `sockets` sockets send `typing` (no chat) at `rate` events/s together, each one
    connecting again when cut off."""
    bots: list = []
    end, sent, cuts, period = time.monotonic() + seconds, 0, 0, 1.0 / rate
    next_at = time.monotonic()
    while time.monotonic() < end:
        if len(bots) < sockets:
            try:
                bots.append(Bot(url))
            except Exception:  # noqa: BLE001 - refused while the handshake cap is full
                time.sleep(0.05)
            continue
        bot = bots[sent % sockets]
        if not bot.sio.connected:
            bots.remove(bot)
            bot.close()
            cuts += 1
            continue
        with contextlib.suppress(Exception):  # cut off meanwhile
            bot.sio.emit("typing", {"typing": True}, namespace="/chat")
            sent += 1
        next_at += period
        time.sleep(max(0.0, next_at - time.monotonic()))
    counts[0], counts[1] = sent, cuts
    for bot in bots:
        bot.close()


def latency_beside_a_flood(url: str, seconds: float, sockets: int = 20) -> str:
    """Issue 17's goal: chat p95 within 2x the baseline while FLOOD_EVENTS_PER_SECOND
    events arrive from `sockets` sockets (another process)."""
    import multiprocessing

    sentinel = Bot(url)
    sentinel.start()
    baseline = probe(sentinel, seconds)
    counts = multiprocessing.Array("d", 2)
    flood = multiprocessing.Process(target=_flood, daemon=True, args=(
        url, sockets, FLOOD_EVENTS_PER_SECOND, seconds + 2, counts))
    flood.start()
    time.sleep(1)  # the flood's sockets are open
    during = probe(sentinel, seconds)
    flood.join(timeout=30)
    sentinel.close()
    ratio = p95(during) / p95(baseline)
    return (f"{sockets} sockets (another process) sent {counts[0] / (seconds + 2):,.0f} "
            f"events/s, cut off and back {counts[1]:.0f} times; a waiting chat's message round "
            f"trip ({len(baseline)} and {len(during)} probes) p50 "
            f"{statistics.median(baseline):.1f} ms before, {statistics.median(during):.1f} ms "
            f"during; p95 {p95(baseline):.1f} ms before, {p95(during):.1f} ms during "
            f"({ratio:.1f}x; goal at most 2x)")


def idle_sockets(url: str, count: int, seconds: float, server_procs) -> str:
    host = urlsplit(url).netloc
    rss_before = rss_mb(server_procs)
    opened, refused = [], 0
    t0 = time.monotonic()
    while len(opened) < count and time.monotonic() - t0 < seconds:
        try:
            opened.append(websocket.create_connection(
                f"ws://{host}/socket.io/?EIO=4&transport=websocket", timeout=10))
        except websocket.WebSocketBadStatusException:
            refused += 1
        except OSError:
            refused += 1
    elapsed = time.monotonic() - t0
    rss_after = rss_mb(server_procs)
    for ws in opened:
        ws.close()
    return (f"{len(opened)} opened, {refused} refused (503 server_busy) in {elapsed:.1f} s; "
            f"server RSS {rss_before:.0f} -> {rss_after:.0f} MiB")


def slowloris(url: str, count: int, header_timeout: int) -> str:
    parts = urlsplit(url)
    conns = []
    for _ in range(count):
        conn = socket.create_connection((parts.hostname, parts.port), timeout=10)
        conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n")
        conn.setblocking(False)
        conns.append(conn)
    time.sleep(header_timeout + 3)
    still_open = 0
    for conn in conns:
        try:
            data = conn.recv(4096)
            still_open += 0 if data == b"" or b"400" in data else 1
        except BlockingIOError:
            still_open += 1
        except OSError:
            pass
        conn.close()
    waited = header_timeout + 3
    return f"{count} partial-header connections: {still_open} still open after {waited} s"


def log_flood(url: str, log: Path, frames: int, handshakes: int) -> str:
    """What one client makes the server write (issue 17): `frames` frames on one socket,
    whose /chat the rate limit drops after the first few dozen, then malformed WebSocket
    handshakes (version 8)."""
    def written_since(offset: int) -> int:
        time.sleep(1)  # a benchmark, not a test: let the server finish writing
        return log.read_bytes()[offset:].count(b"\n")

    start = log.stat().st_size
    ws = websocket.create_connection(
        url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket", timeout=10)
    ws.recv()
    ws.send("40/chat,")
    while not ws.recv().startswith("40/chat,"):
        pass
    sent, t0 = 0, time.monotonic()
    with contextlib.suppress(websocket.WebSocketException, OSError):
        for _ in range(frames):
            ws.send('42/chat,["typing",{"typing":true}]')
            sent += 1
    with contextlib.suppress(websocket.WebSocketException, OSError):
        while ws.recv() not in ("", "1"):  # until the server closes it
            pass
    closed_after = time.monotonic() - t0
    flood_lines = written_since(start)
    start = log.stat().st_size
    parts = urlsplit(url)
    statuses: dict[str, int] = {}
    for _ in range(handshakes):
        with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
            conn.sendall(b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n"
                         b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                         b"dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n")
            head = conn.recv(64)
            status = head.split(b" ")[1].decode() if head.startswith(b"HTTP/") else "nothing"
            statuses[status] = statuses.get(status, 0) + 1
    handshake_lines = written_since(start)
    answered = ", ".join(f"{n} answered {code}" for code, n in sorted(statuses.items()))
    return (f"{sent:,} frames on one socket, closed {closed_after:.2f} s after the first: "
            f"{lines(flood_lines)}; {handshakes} malformed handshakes: {answered}, "
            f"{lines(handshake_lines)}")


def lines(count: int) -> str:
    return f"{count:,} log line{'' if count == 1 else 's'}"


def resume_flood(url: str, calls: int) -> str:
    owner = Bot(url)
    token = owner.start()["token"]
    stored = 0
    for i in range(50):  # until waiting_limit: a waiting chat keeps CHAT_BYTES_WHILE_WAITING
        if not owner.call("message", {"text": "x" * 1500 + str(i)}).get("ok"):
            break  # refusals after it would empty the bucket and cut the owner off
        stored += 1
    bot = Bot(url)
    ok, refused, received = 0, 0, 0
    for _ in range(calls):
        if not bot.sio.connected:
            break
        try:
            answer = bot.call("resume", {"token": token})
        except Exception:  # noqa: BLE001
            break
        if answer.get("ok"):
            ok += 1
            received += len(json.dumps(answer))
        else:
            refused += 1
    bot.close()
    owner.close()
    return (f"{calls} resume calls on one socket: {ok} answered ({received / 1024:.0f} KiB of "
            f"a {stored}-message transcript), {refused} refused (too_many_resumes / "
            f"rate_limited)")


# ---------------------------------------------------------------------------------------
# The price of a start for a person


def node_solve_ms(maxnumber: int, samples: int) -> list[float]:
    """static/js/pow-worker.js in node on real challenges of this difficulty."""
    node = shutil.which("node")
    if node is None:
        return []
    script = (
        "global.self = {};\n"
        f"const m = require({json.dumps(str(ROOT / 'static/js/pow-worker.js'))});\n"
        "const out = [];\n"
        "for (const ch of JSON.parse(require('fs').readFileSync(0, 'utf8'))) {\n"
        "  const t = process.hrtime.bigint(); m.solve(ch);\n"
        "  out.push(Number(process.hrtime.bigint() - t) / 1e6); }\n"
        "console.log(JSON.stringify(out));\n")
    challenges = make_challenges(maxnumber, samples)
    out = subprocess.run([node, "-e", script], input=json.dumps(challenges), text=True,
                         capture_output=True, timeout=600, check=True).stdout
    return json.loads(out)


def make_challenges(maxnumber: int, samples: int) -> list[dict]:
    import altcha

    out = []
    for _ in range(samples):
        c = altcha.create_challenge_v1(max_number=maxnumber, hmac_key=b"bench")
        out.append({"algorithm": c.algorithm, "challenge": c.challenge, "salt": c.salt,
                    "maxnumber": c.max_number, "signature": c.signature})
    return out


def chromium_solve_ms(url: str, sizes: list[int], samples: int, rate: float) -> dict:
    """The page's solver in headless Chromium with its CPU slowed `rate` times (CDP
    Emulation.setCPUThrottlingRate), on the main thread where throttling surely applies."""
    if not os.path.exists(CHROMIUM):
        return {}
    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(url + "/")
            page.add_script_tag(url="/static/js/pow-worker.js")  # defines solve()
            cdp = page.context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
            for size in sizes:
                results[size] = page.evaluate(
                    "chs => chs.map(ch => { const t = performance.now(); solve(ch);"
                    " return performance.now() - t; })", make_challenges(size, samples))
        finally:
            browser.close()
    return results


def python_solve_ms(maxnumber: int, samples: int) -> list[float]:
    import altcha

    times = []
    for _ in range(samples):
        c = altcha.create_challenge_v1(max_number=maxnumber, hmac_key=b"bench")
        t0 = time.perf_counter()
        altcha.solve_challenge_v1(c.challenge, c.salt, c.algorithm, c.max_number)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def describe(times: list[float], factor: float = 1.0) -> str:
    if not times:
        return "n/a"
    times = sorted(t * factor for t in times)
    p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
    return f"median {statistics.median(times) / 1000:.2f} s, p90 {p90 / 1000:.2f} s"


def price_of_a_start(url: str, normal: int, raised: int, samples: int) -> list[str]:
    rows = []
    throttled = chromium_solve_ms(url, [normal, raised], samples, PHONE_FACTOR)
    for name, size in (("normal", normal), ("raised", raised)):
        js = node_solve_ms(size, samples)
        py = python_solve_ms(size, samples)
        rows.append(f"{name} (maxnumber {size:,}):\n"
                    f"    the page's solver in node: {describe(js)}; x{PHONE_FACTOR:g} "
                    f"(phone-class): {describe(js, PHONE_FACTOR)}\n"
                    f"    headless Chromium, CPU throttled x{PHONE_FACTOR:g}: "
                    f"{describe(throttled.get(size, []))}\n"
                    f"    Python (a bot's cheapest tool here): {describe(py)}")
    return rows


# ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def default_platform(name: str):
    """A live platform with the **default** limits (CHAT_ALWAYS_OPEN=1 only): an embedded
    Redis unless REDIS_URL (whose `hl:*` keys are deleted), a fresh SQLite file, `app.py
    serve` and `app.py worker`; everything stopped and deleted at the end. Also used by
    bench/line_siege.py."""
    import redis
    from relay import setup_database

    tmp = Path(tempfile.mkdtemp(prefix=f"helpline-{name}-"))
    redis_proc, procs = None, []
    try:
        redis_url = os.environ.get("REDIS_URL", "")
        if not redis_url:
            from helpline.server.redis_server import start_embedded_redis

            redis_proc, redis_url = start_embedded_redis(str(tmp / "redis"))
        r = redis.Redis.from_url(redis_url, decode_responses=True)
        for key in r.scan_iter("hl:*"):
            r.delete(key)
        db_path = tmp / f"{name}.sqlite"
        setup_database(redis_url, f"sqlite:///{db_path}", 0)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "REDIS_URL": redis_url, "DATABASE_URL": f"sqlite:///{db_path}",
               "SECRET_KEY": f"{name}-bench-" + "x" * 40, "HELPLINE_ENV": "development",
               "CHAT_ALWAYS_OPEN": "1", "PYTHONUNBUFFERED": "1"}
        log = tmp / "server.log"
        procs = [spawn([sys.executable, "app.py", "serve", "--port", str(port)], env, log),
                 spawn([sys.executable, "app.py", "worker"], env, log)]
        wait_healthy(url, procs, log)
        yield SimpleNamespace(url=url, r=r, db_path=db_path, procs=procs, log=log, tmp=tmp)
    finally:
        stop(procs)
        if redis_proc is not None:
            from helpline.server.redis_server import stop_embedded_redis

            stop_embedded_redis(redis_proc)
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str]) -> int:
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5, help="length of timed attacks")
    parser.add_argument("--sockets", type=int, default=1000, help="idle sockets to open at most")
    parser.add_argument("--slowloris", type=int, default=200, help="partial-header connections")
    parser.add_argument("--samples", type=int, default=20, help="challenges solved per difficulty")
    parser.add_argument("--frames", type=int, default=5000, help="frames of the log flood")
    args = parser.parse_args(argv)

    from helpline.settings import Config

    print(f"abuse benchmark, commit {git_commit()}; machine: {os.cpu_count()} cores, load "
          f"average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with default_platform("abuse") as platform:
        url, r, db_path, procs, log = (platform.url, platform.r, platform.db_path,
                                       platform.procs, platform.log)
        server = procs[:1]
        cfg = Config
        print(f"  limits: MAX_LINE_LENGTH {cfg.MAX_LINE_LENGTH}, POW_MAX_NUMBER "
              f"{cfg.POW_MAX_NUMBER:,} (raised {cfg.POW_MAX_NUMBER_RAISED:,}), bucket "
              f"{cfg.SOCKET_EVENT_BURST} + {cfg.SOCKET_EVENTS_PER_SECOND}/s per socket, "
              f"{cfg.HANDSHAKES_PER_SECOND} handshakes/s, {cfg.MAX_SOCKETS_PER_PROCESS} "
              f"sockets per process, header timeout {cfg.HEADER_TIMEOUT_SECONDS} s, waiting "
              f"grace {cfg.WAITING_GRACE_SECONDS} s\n")

        def row(key: str, name: str, text: str) -> None:
            print(f"{name}\n  before: {BEFORE[key]}\n  now:    {text}")

        text, bots = fill_the_line(url, r, cfg.MAX_LINE_LENGTH)
        refused = refused_starts(url, r, db_path, args.seconds)
        row("fill", "fill the line", text + "; " + places_survive(r, bots))
        row("refused", "refused starts (line full)", refused)
        row("loop", "start/end loop", start_end_loop(url, r, args.seconds))
        row("typing", "typing flood", typing_flood(url, args.seconds))
        print(f"chat latency beside an event flood\n  now:    "
              f"{latency_beside_a_flood(url, max(args.seconds, FLOOD_PROBE_SECONDS))}")
        row("idle", "idle sockets", idle_sockets(url, args.sockets, args.seconds, server))
        time.sleep(2)
        row("slowloris", "slowloris", slowloris(url, args.slowloris, cfg.HEADER_TIMEOUT_SECONDS))
        row("resume", "resume flood", resume_flood(url, 100))
        row("log", "log flood", log_flood(url, log, args.frames, 200))
        print("\nwhat a real chatter's start costs (proof of work, solved while reading the intro)")
        for line in price_of_a_start(url, cfg.POW_MAX_NUMBER, cfg.POW_MAX_NUMBER_RAISED,
                                     args.samples):
            print("  " + line)
        errors = [ln for ln in log.read_text(errors="replace").splitlines() if "Traceback" in ln]
        print(f"\nserver log: {len(errors)} tracebacks")
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
