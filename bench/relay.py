"""Relay benchmark: chat message latency through the product vs a bare Flask-SocketIO relay.

One run starts an embedded Redis (unless REDIS_URL is set; then point it at a scratch
Redis: the helpline's `hl:*` keys there are deleted before and after) and a fresh SQLite
database, then measures the same workload twice:

- product: `python app.py serve` (gevent, Redis message queue) plus `python app.py worker`;
  ceil(N/5) therapists signed in over HTTP (CSRF form), on duty with capacity 5, and N
  anonymous chatters that `start` and get assigned;
- bare: bench/bare_relay.py, a minimal Flask-SocketIO relay on the same stack, with the
  same N pairs (two sockets per pair);
- node (with `--node`): bench/node_relay.js, the same bare relay on Node's socket.io (the
  reference implementation), one process.

Each pair exchanges R messages a second in total for D seconds, alternating chatter to
therapist and therapist to chatter. The send time (perf_counter_ns, this process) is in
the text, so the receiving side gives the one-way relay latency. The product also echoes
each message to its sender: only the delivery to the other side counts. The load
generator is python-socketio's AsyncClient (asyncio, WebSocket only) in this process;
the achieved send rate is printed next to the target, so a saturated generator shows.
With `--closed` each pair instead keeps one message in flight (the next leaves when the
last arrived): the delivered msg/s is then the saturated throughput, reached without
overloading anything.

    .venv/bin/python bench/relay.py [--pairs 100] [--rate 1 | --closed] [--seconds 20]
                                    [--only bare] [--node] [--json PATH]

Its Python generator adds a delay of its own to every side (bare p99 10.2 ms here against
5.2 ms from a Node generator, issue 21), which compresses every ratio: the goals' ratios
come from `bench/scale.py --goals`, which drives the product, the bare relay and the Node
relay with one Node generator (`--stack`). All three stacks ping at the product's default
interval here (5 s).

The product servers run with MESSAGES_PER_10_SECONDS=100000 (no rate limit in the way),
CHAT_ALWAYS_OPEN=1 and MAX_LINE_LENGTH=0 (no opening hours or line cap), HELPLINE_ENV=
development, and always the bench's own SQLite file (DATABASE_URL is not used). It
prints figures and asserts nothing; docs/benchmarks.md explains them. Everything it
starts is stopped when it ends, also on Ctrl-C, SIGTERM or its own overall time limit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import psutil
import requests
import socketio

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-not-secret"
CAPACITY = 5
LOSS_GRACE_SECONDS = 5.0  # after the last send: a message not delivered by then is lost
CONNECT_CONCURRENCY = 25
SERVER_START_TIMEOUT = 40.0
WAIT_ASSIGNED_TIMEOUT = 90.0
CLOSED = 0.0  # the rate that stands for --closed: as fast as the servers relay

_procs: list[subprocess.Popen] = []  # every subprocess this bench started, killed at exit


# ---------------------------------------------------------------------------------------
# Processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    _procs.append(proc)
    return proc


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=8)
        except subprocess.TimeoutExpired:
            proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)


def wait_healthy(url: str, procs: list[subprocess.Popen], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                raise RuntimeError(f"a server process exited ({proc.returncode}):\n"
                                   f"{log.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(url + "/healthz", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer /healthz:\n{log.read_text(errors='replace')[-3000:]}")


def rss_mb(procs: list[subprocess.Popen]) -> float:
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            total += psutil.Process(proc.pid).memory_info().rss
    return total / 2**20


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            t = psutil.Process(pid).cpu_times()
            total += t.user + t.system
    return total


def machine_busy_seconds() -> float:
    """CPU seconds spent by every process on the machine (all cores) so far."""
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


def other_db(url: str, number: int) -> str:
    """The same Redis server, another logical database."""
    from urllib.parse import urlsplit, urlunsplit

    if url.startswith("unix://"):
        return url.split("?")[0] + f"?db={number}"
    return urlunsplit(urlsplit(url)._replace(path=f"/{number}"))


def forget_helpline_keys(redis_url: str) -> None:
    import redis

    r = redis.Redis.from_url(redis_url)
    try:
        names = list(r.scan_iter("hl:*", count=1000))
        for i in range(0, len(names), 500):
            r.delete(*names[i:i + 500])
    finally:
        r.close()


def git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, timeout=10,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, timeout=10, capture_output=True, text=True).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + (" (with uncommitted changes)" if dirty.strip() else "")


# ---------------------------------------------------------------------------------------
# Measurement


@dataclass
class Stats:
    """What the load generator saw: sends, deliveries (other side only), acks, errors."""

    sent: dict[tuple, int] = field(default_factory=dict)  # (pair, dir, seq) -> send ns
    latency_ms: dict[tuple, float] = field(default_factory=dict)  # delivered in time
    echoes: int = 0
    duplicates: int = 0
    misrouted: int = 0
    acks_ok: int = 0
    ack_errors: Counter = field(default_factory=Counter)
    error_events: Counter = field(default_factory=Counter)
    disconnects: int = 0
    lag_ms: list[float] = field(default_factory=list)  # how late each send left vs schedule
    collecting: bool = True
    started: float = 0.0  # perf_counter at the start of the timed phase
    last_delivery: float = 0.0  # perf_counter of the last counted delivery
    arrived: dict[int, asyncio.Event] = field(default_factory=dict)  # closed loop: per pair

    def delivered(self, text: object, own_pair: int | set[int], receiver_side: str) -> None:
        now = time.perf_counter_ns()
        try:
            pair_s, direction, seq_s, sent_s = str(text).split(" ")
            key = (int(pair_s), direction, int(seq_s))
            sent_ns = int(sent_s)
        except ValueError:
            self.misrouted += 1
            return
        if direction == receiver_side:  # our own message coming back (the product echoes)
            self.echoes += 1
            return
        ok_pair = key[0] in own_pair if isinstance(own_pair, set) else key[0] == own_pair
        if not ok_pair or key not in self.sent:
            self.misrouted += 1
        elif key in self.latency_ms:
            self.duplicates += 1
        else:
            self.latency_ms[key] = (now - sent_ns) / 1e6
            self.last_delivery = now / 1e9
            if key[0] in self.arrived:
                self.arrived[key[0]].set()

    def disconnected(self, *_args) -> None:
        if self.collecting:
            self.disconnects += 1

    def error_event(self, error: object = None) -> None:
        self.error_events[error.get("code") if isinstance(error, dict) else repr(error)] += 1

    def ack(self, reply: object = None) -> None:
        if isinstance(reply, dict) and reply.get("ok"):
            self.acks_ok += 1
        else:
            code = reply.get("code", "?") if isinstance(reply, dict) else repr(reply)[:40]
            self.ack_errors[code] += 1


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[index]


@dataclass
class Result:
    kind: str
    pairs: int
    sockets: int
    target_rate: float
    seconds: float
    stats: Stats
    send_seconds: float = 0.0
    rss_idle_mb: float = 0.0
    rss_mb: float = 0.0
    extra_rss: dict[str, float] = field(default_factory=dict)
    cpu_pct: dict[str, float] = field(default_factory=dict)
    setup_seconds: float = 0.0
    server_log_errors: int = 0
    notes: dict[str, int] = field(default_factory=dict)

    @property
    def achieved_rate(self) -> float:
        return len(self.stats.sent) / self.send_seconds if self.send_seconds else 0.0

    @property
    def relayed_rate(self) -> float:
        """Deliveries to the other side a second, from the first send to the last delivery."""
        span = max(self.send_seconds, self.stats.last_delivery - self.stats.started)
        return len(self.stats.latency_ms) / span if span > 0 else 0.0

    @property
    def lost(self) -> int:
        return len(self.stats.sent) - len(self.stats.latency_ms)

    def pct(self, q: float) -> float:
        return percentile(list(self.stats.latency_ms.values()), q)


# ---------------------------------------------------------------------------------------
# Clients


def new_client() -> socketio.AsyncClient:
    return socketio.AsyncClient(reconnection=False, request_timeout=10)


async def connect(client: socketio.AsyncClient, url: str, namespace: str,
                  sem: asyncio.Semaphore, headers: dict | None = None) -> None:
    async with sem:
        await asyncio.wait_for(
            client.connect(url, headers=headers or {}, namespaces=[namespace],
                           transports=["websocket"], wait_timeout=15), timeout=30)


async def close_all(clients: list[socketio.AsyncClient]) -> None:
    async def close(client: socketio.AsyncClient) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.disconnect(), timeout=5)

    with contextlib.suppress(Exception):
        await asyncio.wait_for(asyncio.gather(*(close(c) for c in clients)), timeout=20)


def staff_cookie(url: str, username: str) -> str:
    """Sign in over HTTP with the CSRF token; returns the Cookie header for the socket."""
    http = requests.Session()
    page = http.get(url + "/staff/login", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    if not token:
        raise RuntimeError("no CSRF token on the sign-in page")
    response = http.post(url + "/staff/login", allow_redirects=False, timeout=20,
                         data={"username": username, "password": PASSWORD,
                               "csrf_token": token.group(1)})
    if response.status_code != 302:
        raise RuntimeError(f"sign-in of {username} failed: HTTP {response.status_code}")
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


@dataclass
class Pair:
    """One chat: how each side sends (the receiving handlers are set up per kind)."""

    index: int
    send_c: object = None  # async callable(text) for chatter -> therapist
    send_t: object = None  # async callable(text) for therapist -> chatter


async def drive(pairs: list[Pair], rate: float, seconds: float, stats: Stats) -> float:
    """Send at `rate` msg/s per pair for `seconds`; returns the wall time the sending took.

    Open loop, one task per pair, each at a random phase. A task that fell more than one
    interval behind its schedule skips ahead rather than bursting, so an overloaded
    generator shows as an achieved rate below the target (and as send lag).
    """
    interval = 1.0 / rate
    start = time.perf_counter() + 0.5
    end = start + seconds
    stats.started = start

    async def run(pair: Pair) -> None:
        nxt = start + random.uniform(0, interval)
        seq = 0
        while nxt < end:
            delay = nxt - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            now = time.perf_counter()
            stats.lag_ms.append((now - nxt) * 1000)
            direction = "c" if seq % 2 == 0 else "t"
            key = (pair.index, direction, seq)
            sent_ns = time.perf_counter_ns()
            stats.sent[key] = sent_ns
            text = f"{pair.index} {direction} {seq} {sent_ns}"
            try:
                await (pair.send_c if direction == "c" else pair.send_t)(text)
            except Exception as exc:  # a dead socket: count it, keep the others going
                stats.ack_errors[f"send:{type(exc).__name__}"] += 1
            seq += 1
            nxt += interval
            if time.perf_counter() - nxt > interval:
                nxt = time.perf_counter()

    await asyncio.gather(*(run(p) for p in pairs))
    return max(seconds, time.perf_counter() - start)


async def drive_closed(pairs: list[Pair], seconds: float, stats: Stats) -> float:
    """Closed loop: each pair keeps one message in flight, sending the next (from the
    other side) as soon as the last reached its addressee. The servers get all they can
    relay and never more, so this measures saturated throughput without the collapse an
    open-loop overload brings (queues growing until pings are late and sockets drop)."""
    start = time.perf_counter() + 0.5
    end = start + seconds
    stats.started = start
    for pair in pairs:
        stats.arrived[pair.index] = asyncio.Event()

    async def run(pair: Pair) -> None:
        arrived = stats.arrived[pair.index]
        await asyncio.sleep(start + random.uniform(0, 0.05) - time.perf_counter())
        seq = 0
        while time.perf_counter() < end:
            direction = "c" if seq % 2 == 0 else "t"
            sent_ns = time.perf_counter_ns()
            stats.sent[(pair.index, direction, seq)] = sent_ns
            arrived.clear()
            try:
                await (pair.send_c if direction == "c" else pair.send_t)(
                    f"{pair.index} {direction} {seq} {sent_ns}")
                await asyncio.wait_for(arrived.wait(), LOSS_GRACE_SECONDS)
            except Exception as exc:  # lost or a dead socket: count it, send the next
                stats.ack_errors[f"send:{type(exc).__name__}"] += 1
            seq += 1

    await asyncio.gather(*(run(p) for p in pairs))
    return max(seconds, time.perf_counter() - start)


async def drain(stats: Stats) -> None:
    """Wait until everything sent was delivered, at most LOSS_GRACE_SECONDS."""
    deadline = time.monotonic() + LOSS_GRACE_SECONDS
    while time.monotonic() < deadline and len(stats.latency_ms) < len(stats.sent):
        await asyncio.sleep(0.05)
    stats.collecting = False


async def measure(result: Result, pairs: list[Pair], rate: float, seconds: float,
                  server_pids: list[int], other_pids: dict[str, list[int]],
                  server_procs: list[subprocess.Popen]) -> None:
    """The timed phase, with CPU use of every process involved and the servers' RSS."""
    watched = {"server": server_pids, **other_pids, "load generator": [os.getpid()]}
    before = {name: cpu_seconds(pids) for name, pids in watched.items()}
    busy_before = machine_busy_seconds()
    t0 = time.perf_counter()
    result.send_seconds = await (drive_closed(pairs, seconds, result.stats) if rate == CLOSED
                                 else drive(pairs, rate, seconds, result.stats))
    elapsed = time.perf_counter() - t0
    result.cpu_pct = {name: 100 * (cpu_seconds(pids) - before[name]) / elapsed
                      for name, pids in watched.items()}
    # Whatever else ran on the machine meanwhile (it competes for the same cores).
    result.cpu_pct["other processes"] = max(0.0, 100 * (
        machine_busy_seconds() - busy_before) / elapsed - sum(result.cpu_pct.values()))
    result.rss_mb = rss_mb(server_procs)
    await drain(result.stats)


# ---------------------------------------------------------------------------------------
# The product


def setup_database(redis_url: str, database_url: str, therapists: int) -> list[str]:
    """Tables and therapist accounts in the fresh database; returns the usernames."""
    sys.path.insert(0, str(ROOT))
    from helpline import create_app
    from helpline.admin import accounts
    from helpline.extensions import db

    app = create_app("testing", overrides={"REDIS_URL": redis_url,
                                           "SQLALCHEMY_DATABASE_URI": database_url})
    names = [f"bench{i:03d}" for i in range(therapists)]
    with app.app_context():
        db.create_all()
        for name in names:
            accounts.create_staff(db.session, name, f"Therapist {name[5:]}", "therapist",
                                  PASSWORD)
        db.session.remove()
        db.engine.dispose()
    for client in ("helpline_redis", "helpline_rq_redis"):
        app.extensions[client].close()
    return names


async def solved(url: str) -> dict | None:
    """A solved proof-of-work challenge for `start` (None on a tree without one)."""
    response = await asyncio.to_thread(requests.get, url + "/challenge", timeout=20)
    if response.status_code == 404:
        return None
    from helpline.chat import proofofwork

    return proofofwork.solve(response.json())


async def run_product(args, redis_url: str, database_url: str, usernames: list[str],
                      tmp: Path, other_pids: dict[str, list[int]]) -> Result:
    n = args.pairs
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp / "product.log"
    env = {**os.environ, "REDIS_URL": redis_url, "DATABASE_URL": database_url,
           "SECRET_KEY": "bench-secret-" + "x" * 40, "HELPLINE_ENV": "development",
           "MESSAGES_PER_10_SECONDS": "100000", "PYTHONUNBUFFERED": "1",
           # The relay is measured, not the gate on new chats: open at any hour, no cap
           # on the line (settings that an older tree does not know are simply unused).
           "CHAT_ALWAYS_OPEN": "1", "MAX_LINE_LENGTH": "0",
           # nor the abuse defences (bench/abuse.py measures those): a small proof of
           # work, no handshake cap, a bucket no relay rate reaches
           "POW_MAX_NUMBER": "1000", "POW_MAX_NUMBER_RAISED": "1000", "HANDSHAKES_PER_SECOND": "0",
           "CHALLENGES_PER_SECOND": "0",
           "SOCKET_EVENT_BURST": "100000", "SOCKET_EVENTS_PER_SECOND": "100000",
           # capacity is measured, so a lagging loop must not shed the bench's newcomers
           "OVERLOAD_LAG_MS": "0"}
    forget_helpline_keys(redis_url)
    server = spawn([sys.executable, "app.py", "serve", "--port", str(port)], env, log)
    worker = spawn([sys.executable, "app.py", "worker"], env, log)
    stats = Stats()
    result = Result("product", n, 0, args.rate, args.seconds, stats)
    clients: list[socketio.AsyncClient] = []
    try:
        await asyncio.to_thread(wait_healthy, url, [server, worker], log)
        await asyncio.sleep(1)
        result.rss_idle_mb = rss_mb([server])
        t_setup = time.perf_counter()
        sem = asyncio.Semaphore(CONNECT_CONCURRENCY)

        # Therapists: sign in, connect to /staff, go on duty with capacity 5.
        cookies = []
        for name in usernames:
            cookies.append(await asyncio.to_thread(staff_cookie, url, name))
        chat_owner: dict[str, int] = {}  # chat id -> therapist index
        therapists = []
        owned_pairs: list[set[int]] = []  # per therapist: the pair indexes of its chats
        for i, _ in enumerate(usernames):
            client = new_client()
            therapists.append(client)
            clients.append(client)
            owned: set[int] = set()
            owned_pairs.append(owned)

            def on_assigned(view, i=i):
                chat_owner[view["chat_id"]] = i

            def on_staff_message(msg, owned=owned):
                if stats.collecting:
                    stats.delivered(msg.get("text"), owned, "t")

            client.on("chat_assigned", on_assigned, namespace="/staff")
            client.on("message", on_staff_message, namespace="/staff")
            client.on("error", stats.error_event, namespace="/staff")
            client.on("disconnect", stats.disconnected, namespace="/staff")
        await asyncio.gather(*(connect(c, url, "/staff", sem, {"Cookie": cookie})
                               for c, cookie in zip(therapists, cookies, strict=True)))
        for client in therapists:
            reply = await client.call("duty", {"on": True, "capacity": CAPACITY},
                                      namespace="/staff", timeout=15)
            if not reply.get("ok"):
                raise RuntimeError(f"duty failed: {reply}")

        # Chatters: connect to /chat and start; each should be assigned at once.
        chatters = []
        assigned = [asyncio.Event() for _ in range(n)]
        for p in range(n):
            client = new_client()
            chatters.append(client)
            clients.append(client)

            def on_chat_message(msg, p=p):
                if stats.collecting:
                    stats.delivered(msg.get("text"), p, "c")

            client.on("assigned", lambda _data, p=p: assigned[p].set(), namespace="/chat")
            client.on("message", on_chat_message, namespace="/chat")
            client.on("error", stats.error_event, namespace="/chat")
            client.on("disconnect", stats.disconnected, namespace="/chat")
        await asyncio.gather(*(connect(c, url, "/chat", sem) for c in chatters))

        async def start(client):
            async with sem:
                return await client.call("start", {"pow": await solved(url)},
                                         namespace="/chat", timeout=20)

        started = await asyncio.gather(*(start(c) for c in chatters))
        chat_ids = []
        for reply in started:
            if not reply.get("ok"):
                raise RuntimeError(f"start failed: {reply}")
            chat_ids.append(reply["chat_id"])
        # A chatter assigned while its `start` ran learns it from the ack (state "active"),
        # as the browser client does; the others wait for the `assigned` event.
        active_in_ack = [reply.get("state") == "active" for reply in started]

        def ready() -> bool:
            return (all(e.is_set() or a for e, a in zip(assigned, active_in_ack, strict=True))
                    and all(c in chat_owner for c in chat_ids))

        deadline = time.monotonic() + WAIT_ASSIGNED_TIMEOUT
        while time.monotonic() < deadline and not ready():
            await asyncio.sleep(0.1)
        if not ready():
            waiting = sum(not (e.is_set() or a)
                          for e, a in zip(assigned, active_in_ack, strict=True))
            raise RuntimeError(f"not assigned within {WAIT_ASSIGNED_TIMEOUT:.0f}s: {waiting} "
                               f"chatters, {sum(c not in chat_owner for c in chat_ids)} "
                               f"chat_assigned events missing")
        # Give `assigned` events still in flight a moment, then note the ones that never came.
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not all(e.is_set() for e in assigned):
            await asyncio.sleep(0.1)
        result.notes["chatters without an `assigned` event (ack said active)"] = sum(
            not e.is_set() for e in assigned)
        result.notes["chatters already active in the start ack"] = sum(active_in_ack)
        result.setup_seconds = time.perf_counter() - t_setup
        result.sockets = len(clients)

        pairs = []
        for p, (chatter, cid) in enumerate(zip(chatters, chat_ids, strict=True)):
            therapist = therapists[chat_owner[cid]]
            owned_pairs[chat_owner[cid]].add(p)

            async def send_c(text, c=chatter):
                await c.emit("message", {"text": text}, namespace="/chat", callback=stats.ack)

            async def send_t(text, t=therapist, cid=cid):
                await t.emit("message", {"chat_id": cid, "text": text}, namespace="/staff",
                             callback=stats.ack)

            pairs.append(Pair(p, send_c, send_t))
        loads = Counter(chat_owner[c] for c in chat_ids)
        if max(loads.values()) > CAPACITY:
            raise RuntimeError(f"a therapist holds more than {CAPACITY} chats: {loads}")

        await measure(result, pairs, args.rate, args.seconds, [server.pid],
                      {"worker": [worker.pid], **other_pids}, [server])
        result.extra_rss["worker"] = rss_mb([worker])
    finally:
        stop([server, worker])  # first, so closing the clients sets off no server work
        await close_all(clients)
        with contextlib.suppress(Exception):
            forget_helpline_keys(redis_url)
    result.server_log_errors = count_log_errors(log)
    return result


def count_log_errors(log: Path) -> int:
    if not log.exists():
        return 0
    text = log.read_text(errors="replace")
    return len(re.findall(r" ERROR |Traceback", text))


# ---------------------------------------------------------------------------------------
# The bare relay


async def run_bare(args, redis_url: str, tmp: Path, other_pids: dict[str, list[int]],
                   kind: str = "bare") -> Result:
    """The bare Flask-SocketIO relay, or (kind "node") the Node socket.io one."""
    n = args.pairs
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp / f"{kind}.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if kind == "node":
        command = ["node", str(ROOT / "bench" / "node_relay.js"), "--port", str(port)]
    else:
        command = [sys.executable, str(ROOT / "bench" / "bare_relay.py"), "--port", str(port),
                   "--redis-url", redis_url]
    server = spawn(command, env, log)
    stats = Stats()
    result = Result(kind, n, 0, args.rate, args.seconds, stats)
    clients: list[socketio.AsyncClient] = []
    try:
        await asyncio.to_thread(wait_healthy, url, [server], log)
        await asyncio.sleep(1)
        result.rss_idle_mb = rss_mb([server])
        t_setup = time.perf_counter()
        sem = asyncio.Semaphore(CONNECT_CONCURRENCY)
        pairs = []
        for p in range(n):
            sides = {}
            for side in ("c", "t"):
                client = new_client()
                clients.append(client)
                sides[side] = client

                def on_message(data, p=p, side=side):
                    if stats.collecting:
                        stats.delivered(data.get("text"), p, side)

                client.on("message", on_message)
                client.on("disconnect", stats.disconnected)

            async def send_c(text, c=sides["c"], p=p):
                await c.emit("message", {"pair": p, "text": text}, callback=stats.ack)

            async def send_t(text, t=sides["t"], p=p):
                await t.emit("message", {"pair": p, "text": text}, callback=stats.ack)

            pairs.append(Pair(p, send_c, send_t))
        await asyncio.gather(*(connect(c, url, "/", sem) for c in clients))

        async def join(client, p):
            async with sem:
                reply = await client.call("join", {"pair": p}, timeout=20)
            if not reply.get("ok"):
                raise RuntimeError(f"join failed: {reply}")

        await asyncio.gather(*(join(c, i // 2) for i, c in enumerate(clients)))
        result.setup_seconds = time.perf_counter() - t_setup
        result.sockets = len(clients)
        await measure(result, pairs, args.rate, args.seconds, [server.pid], other_pids,
                      [server])
    finally:
        stop([server])
        await close_all(clients)
    result.server_log_errors = count_log_errors(log)
    return result


# ---------------------------------------------------------------------------------------
# Report


def fmt(value: float, digits: int = 1) -> str:
    return "n/a" if value != value else f"{value:,.{digits}f}"  # NaN -> n/a


def report(r: Result) -> None:
    s = r.stats
    per_socket_total = r.rss_mb * 1024 / r.sockets if r.sockets else float("nan")
    per_socket_delta = ((r.rss_mb - r.rss_idle_mb) * 1024 / r.sockets
                        if r.sockets else float("nan"))
    print(f"\n== {r.kind} ==")
    print(f"  pairs              {r.pairs}  ({r.sockets} sockets; ready in "
          f"{r.setup_seconds:.1f} s)")
    target = "closed loop" if r.target_rate == CLOSED else fmt(r.pairs * r.target_rate)
    print(f"  msg/s              target {target}, achieved "
          f"{fmt(r.achieved_rate)} ({len(s.sent)} sent in {r.send_seconds:.1f} s)")
    print(f"  send lag           p50 {fmt(percentile(s.lag_ms, 50))} ms, p99 "
          f"{fmt(percentile(s.lag_ms, 99))} ms behind schedule (load generator)")
    print(f"  delivered          {len(s.latency_ms)} to the other side, "
          f"{fmt(r.relayed_rate)} msg/s (+{s.echoes} echoes to the sender)")
    print(f"  lost               {r.lost} (not delivered to the other side within "
          f"{LOSS_GRACE_SECONDS:.0f} s after the last send)")
    print(f"  latency ms         p50 {fmt(r.pct(50))}  p90 {fmt(r.pct(90))}  "
          f"p99 {fmt(r.pct(99))}  max {fmt(r.pct(100))}")
    print(f"  acks               {s.acks_ok} ok, errors {dict(s.ack_errors) or 'none'}; "
          f"error events {dict(s.error_events) or 'none'}")
    print(f"  anomalies          duplicates {s.duplicates}, misrouted {s.misrouted}, "
          f"disconnects {s.disconnects}, server log errors {r.server_log_errors}")
    print(f"  server RSS         {fmt(r.rss_mb)} MB (idle {fmt(r.rss_idle_mb)} MB); per "
          f"socket {fmt(per_socket_total, 0)} KB total, {fmt(per_socket_delta, 0)} KB above "
          f"idle" + "".join(f"; {k} {fmt(v)} MB" for k, v in r.extra_rss.items()))
    for note, value in r.notes.items():
        print(f"  note               {note}: {value}")
    print(f"  CPU while sending  (of {100 * (os.cpu_count() or 1)}%) " + ", ".join(
        f"{k} {v:.0f}%" for k, v in r.cpu_pct.items()))
    if r.cpu_pct.get("other processes", 0) > 20:
        print("  WARNING            other processes kept the cores busy during this run: "
              "these figures measure a shared machine")
    if r.achieved_rate < 0.95 * r.pairs * r.target_rate:
        print("  WARNING            the load generator fell short of the target rate")


def figures(r: Result) -> dict:
    """What another bench reads of a run: latency, throughput, losses, server CPU."""
    return {"p50_ms": r.pct(50), "p99_ms": r.pct(99), "sent_rate": r.achieved_rate,
            "delivered_rate": r.relayed_rate, "lost": r.lost, "disconnects": r.stats.disconnects,
            "server_cpu_pct": r.cpu_pct.get("server")}


def compare(product: Result, bare: Result) -> None:
    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}x" if b and a == a and b == b else "n/a"

    print(f"\n== product / {bare.kind} ==")
    print(f"  p50     {ratio(product.pct(50), bare.pct(50))}  "
          f"({fmt(product.pct(50))} / {fmt(bare.pct(50))} ms)")
    print(f"  p99     {ratio(product.pct(99), bare.pct(99))}  "
          f"({fmt(product.pct(99))} / {fmt(bare.pct(99))} ms)")
    print(f"  msg/s   {ratio(product.achieved_rate, bare.achieved_rate)} sent  "
          f"({fmt(product.achieved_rate)} / {fmt(bare.achieved_rate)}), "
          f"{ratio(product.relayed_rate, bare.relayed_rate)} delivered  "
          f"({fmt(product.relayed_rate)} / {fmt(bare.relayed_rate)})")


# ---------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=100, help="chat pairs (default 100)")
    parser.add_argument("--rate", type=float, default=1.0,
                        help="messages a second per pair, both directions (default 1)")
    parser.add_argument("--seconds", type=float, default=20.0,
                        help="length of the timed phase (default 20)")
    parser.add_argument("--only", choices=["product", "bare", "node"], help="run one only")
    parser.add_argument("--node", action="store_true",
                        help="also run the Node socket.io relay (bench/node_relay.js)")
    parser.add_argument("--closed", action="store_true",
                        help="closed loop instead of --rate: each pair sends its next message "
                             "when the last arrived (saturated throughput, goal a)")
    parser.add_argument("--json", metavar="PATH",
                        help="also write each side's figures there (bench/scale.py --goals)")
    args = parser.parse_args(argv)
    if args.pairs < 1 or args.rate <= 0 or args.seconds <= 0:
        parser.error("--pairs, --rate and --seconds must be positive")
    if args.closed:
        args.rate = CLOSED
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        import aiohttp  # noqa: F401  (python-socketio's asyncio client needs it for WebSocket)
    except ImportError:
        print("relay benchmark: aiohttp is missing; run "
              ".venv/bin/pip install -r bench/requirements.txt", file=sys.stderr)
        return 2
    kinds = [args.only] if args.only else ["product", "bare"] + (["node"] if args.node else [])
    # A hard stop in case anything wedges: setup, both runs, and generous slack.
    budget = 240 + len(kinds) * (args.seconds + LOSS_GRACE_SECONDS + 60 + args.pairs * 0.3)
    watchdog = threading.Timer(budget, _give_up, args=(budget,))
    watchdog.daemon = True
    watchdog.start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    pace = "in a closed loop" if args.closed else f"x {args.rate:g} msg/s"
    print(f"relay benchmark: {args.pairs} pairs {pace} for {args.seconds:g} s "
          f"({', '.join(kinds)})")
    print(f"  machine: {os.cpu_count()} cores ({psutil.cpu_count(logical=False)} physical), "
          f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"  commit:  {git_commit()}")
    print(f"  python {sys.version.split()[0]}, " + ", ".join(
        f"{name} {metadata.version(name)}" for name in (
            "Flask-SocketIO", "python-socketio", "gevent", "redis", "aiohttp")))

    tmp = Path(tempfile.mkdtemp(prefix="helpline-bench-"))
    redis_proc = None
    results: dict[str, Result] = {}
    try:
        redis_url = os.environ.get("REDIS_URL", "")
        other_pids: dict[str, list[int]] = {}
        if redis_url:
            print("  redis:   REDIS_URL (its hl:* keys are deleted)")
        else:
            sys.path.insert(0, str(ROOT))
            from helpline.server.redis_server import start_embedded_redis

            redis_proc, redis_url = start_embedded_redis(str(tmp / "redis"))
            _procs.append(redis_proc)  # the watchdog kills it too
            other_pids["redis"] = [redis_proc.pid]
            print("  redis:   embedded redis-server (unix socket)")
        database_url = f"sqlite:///{tmp / 'bench.sqlite'}"
        for kind in kinds:
            t0 = time.perf_counter()
            if kind == "product":
                usernames = setup_database(redis_url, database_url,
                                           math.ceil(args.pairs / CAPACITY))
                result = asyncio.run(run_product(args, redis_url, database_url, usernames,
                                                 tmp, other_pids))
            else:
                result = asyncio.run(run_bare(args, other_db(redis_url, 2), tmp, other_pids,
                                              kind))
            results[kind] = result
            report(result)
            print(f"  ({kind} run took {time.perf_counter() - t0:.0f} s)")
        for other in ("bare", "node"):
            if "product" in results and other in results:
                compare(results["product"], results[other])
        if args.json:
            Path(args.json).write_text(json.dumps({kind: figures(r)
                                                   for kind, r in results.items()}))
        return 0
    except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl-C inside asyncio.run
        print("\nrelay benchmark: interrupted; stopping everything", file=sys.stderr)
        return 130
    finally:
        stop([p for p in _procs if p is not redis_proc])
        if redis_proc is not None:
            from helpline.server.redis_server import stop_embedded_redis

            stop_embedded_redis(redis_proc)
        logs = [p for p in tmp.glob("*.log") if count_log_errors(p)]
        if logs:  # keep what the servers said about their errors, drop the rest
            kept = Path(tempfile.mkdtemp(prefix="helpline-bench-logs-"))
            for log in logs:
                shutil.copy(log, kept / log.name)
            print(f"\nserver logs with errors kept in {kept}")
        shutil.rmtree(tmp, ignore_errors=True)
        watchdog.cancel()


def _give_up(budget: float) -> None:
    print(f"\nrelay benchmark: no result after {budget:.0f} s; stopping everything",
          file=sys.stderr, flush=True)
    for proc in _procs:
        with contextlib.suppress(Exception):
            proc.kill()
    os._exit(3)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
