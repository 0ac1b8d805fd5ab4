"""Scale benchmark: many live chats plus a long waiting line on one box (issue 11, b-d).

Starts an embedded Redis (or uses REDIS_URL: a scratch Redis whose `hl:*` keys are
deleted), a fresh SQLite database with ceil(max live / 5) therapists, `--processes`
server processes and a worker, signs the therapists in over HTTP, then hands the run to
bench/scale_load.js (socket.io-client in Node, light enough not to be the bottleneck;
sockets are spread round-robin over the server processes). In steps it grows:

1. live chats (`--live`, e.g. 250,500,1000,2000): therapists go on duty with capacity 5,
   chatters join and are assigned; during the traffic below, `--probes` more chatters
   join one at a time, each to a free therapist (join -> assigned: from the `start`
   event to the `assigned` event or an `active` start ack); each side of each chat
   sends one message every `--interval` seconds (10: 1 msg/10 s/side) for `--measure`
   seconds: relay latency to the other side, p50/p99;
2. waiting chatters on top (`--waiting`, e.g. 1000,2500,5000): the time until every
   waiting chatter holds its new place after the front chatter leaves (`--line-changes`
   times a step), the relay under that load, and server RSS per added socket;
3. quiet: traffic stopped, everything connected: the server's idle CPU.

After each step it prints the CPU share of the server(s), Redis, the worker and the
generator over the measured span. It asserts nothing; docs/benchmarks.md holds figures.

    make bench-scale            # or: .venv/bin/python bench/scale.py --live 250,500 ...
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import requests

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from relay import (  # noqa: E402  (the relay bench's process and account helpers)
    CAPACITY,
    ROOT,
    cpu_seconds,
    forget_helpline_keys,
    free_port,
    git_commit,
    rss_mb,
    setup_database,
    spawn,
    staff_cookie,
    stop,
    wait_healthy,
)

# Issue 11's goals: at most these (b-d, the ratios of a and f), at least these (a, e).
GOALS = {"relay_p50_ms": 2.0, "relay_p99_ms": 25.0, "positions_s": 1.0, "join_p99_ms": 50.0,
         "kb_per_socket": 50.0, "p99_vs_bare": 1.25, "p99_vs_node": 5.0}
AT_LEAST = {"saturated_vs_bare": 0.8, "two_processes_gain": 1.6}


def delivered_rate(relay: dict) -> float | None:
    """A step's relay: messages delivered to the other side per second."""
    return relay["delivered"] / relay["seconds"] if relay.get("seconds") else None


def parse_args(argv: list[str]) -> argparse.Namespace:
    steps = lambda text: [int(x) for x in text.split(",") if x]  # noqa: E731
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--live", type=steps, default=[250, 500, 1000, 2000])
    parser.add_argument("--waiting", type=steps, default=[1000, 2500, 5000],
                        help="\"\" for none (a relay-only run)")
    parser.add_argument("--interval", type=float, default=10.0, help="s between messages/side")
    parser.add_argument("--measure", type=float, default=20.0, help="s of traffic per step")
    parser.add_argument("--line-changes", type=int, default=3)
    parser.add_argument("--probes", type=int, default=20,
                        help="joins timed one at a time during each live step")
    parser.add_argument("--processes", type=int, default=1, choices=(1, 2))
    parser.add_argument("--goals", action="store_true",
                        help="then measure goals (a), (e) and (f) too (bench/relay.py, and "
                             "this bench saturated with 1 and 2 processes) and print (a)-(f)")
    parser.add_argument("--saturation-live", type=int, default=500,
                        help="live chats of the (e) runs, each in a closed loop")
    parser.add_argument("--json", metavar="PATH", help="also write each step's figures there")
    parser.add_argument("--nginx", action="store_true",
                        help="every socket through deploy/nginx/helpline.conf (TLS) in "
                             "front of the processes, as in production")
    return parser.parse_args(argv)


def server_env(redis_url: str, database_url: str) -> dict:
    return {**os.environ, "REDIS_URL": redis_url, "DATABASE_URL": database_url,
            "SECRET_KEY": "bench-secret-" + "x" * 40, "HELPLINE_ENV": "development",
            "PYTHONUNBUFFERED": "1", "MESSAGES_PER_10_SECONDS": "100000",
            "CHAT_ALWAYS_OPEN": "1", "MAX_LINE_LENGTH": "0",
            # the abuse defences are bench/abuse.py's subject: a small proof of work, no
            # handshake cap, no per-socket event bucket a bench rate reaches
            "POW_MAX_NUMBER": "1000", "POW_MAX_NUMBER_RAISED": "1000",
            "HANDSHAKES_PER_SECOND": "0", "MAX_SOCKETS_PER_PROCESS": "100000",
            "CHALLENGES_PER_SECOND": "0",
            # a shared, loaded machine answers pings late: do not drop sockets for it
            "PING_TIMEOUT_SECONDS": "30",
            "SOCKET_EVENT_BURST": "100000", "SOCKET_EVENTS_PER_SECOND": "100000"}


class Sampler:
    """CPU seconds of each group of processes between two marks, and the servers' RSS."""

    def __init__(self, groups: dict[str, list[int]]):
        self.groups = groups
        self.mark()

    def mark(self) -> None:
        self.t0 = time.perf_counter()
        self.cpu0 = {name: cpu_seconds(pids) for name, pids in self.groups.items()}

    def shares(self) -> dict[str, float]:
        span = time.perf_counter() - self.t0
        return {name: 100 * (cpu_seconds(pids) - self.cpu0[name]) / span
                for name, pids in self.groups.items()}


def fmt(value, unit: str = "", digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}{unit}"


def verdict(value, goal: float) -> str:
    return "" if value is None else ("  (goal met)" if value <= goal else
                                     f"  (goal {goal:g}: {value / goal:.1f}x over)")


def print_step(step: dict, cpu: dict[str, float], rss: float, per_socket_kb) -> None:
    relay = step.get("relay", {})
    print(f"\n== {step['phase']}: {step['live']} live chats, {step['waiting']} waiting")
    if "join_p99_ms" in step:
        print(f"  join -> assigned ({step['joins']} probes): "
              f"p50 {fmt(step['join_p50_ms'], ' ms')}, p99 {fmt(step['join_p99_ms'], ' ms')}"
              f"{verdict(step['join_p99_ms'], GOALS['join_p99_ms'])}")
    if "position_max_ms" in step:
        worst = step["position_max_ms"] / 1000
        print(f"  after a line change, every waiting chatter has its new place: median "
              f"{fmt(step['position_median_ms'], ' ms')}, all within {worst:.2f} s"
              f"{verdict(worst, GOALS['positions_s'])}; wrong places left: "
              f"{step['positions_wrong']} (connecting {step['connect_seconds']:.0f} s)")
    if relay:
        rate = delivered_rate(relay) or 0
        print(f"  relay to the other side: {relay['delivered']} delivered ({rate:,.0f} msg/s), "
              f"{relay['lost']} lost, "
              f"p50 {fmt(relay['p50_ms'], ' ms')}{verdict(relay['p50_ms'], GOALS['relay_p50_ms'])}"
              f", p99 {fmt(relay['p99_ms'], ' ms')}"
              f"{verdict(relay['p99_ms'], GOALS['relay_p99_ms'])}; errors {relay['errors'] or 0}")
    print("  CPU: " + ", ".join(f"{name} {share:.0f}%" for name, share in cpu.items()))
    line = f"  server RSS {rss:.0f} MB"
    if per_socket_kb is not None:
        line += (f"; {per_socket_kb:.0f} KB per added waiting socket"
                 f"{verdict(per_socket_kb, GOALS['kb_per_socket'])}")
    print(line)


def start_nginx(tmp: Path, upstreams: list[int], connections: int):
    """Debian's nginx with the shipped site file (only ports, name, certificate and log
    paths replaced, as tests/test_nginx.py runs it); returns the process and its URL."""
    sys.path.insert(0, str(ROOT))
    from tests.test_nginx import HOST, NGINX, main_config, self_signed, site_config

    if NGINX is None:
        raise SystemExit("scale benchmark: --nginx needs nginx (apt-get install nginx-light)")
    folder = tmp / "nginx"
    folder.mkdir()
    https = free_port()
    site = folder / "helpline.conf"
    site.write_text(site_config(folder, https, free_port(), (upstreams * 2)[:2]))
    (folder / "nginx.conf").write_text(main_config(folder, site, connections))
    self_signed(folder)
    proc = spawn([NGINX, "-c", str(folder / "nginx.conf"), "-p", str(folder)], os.environ,
                 tmp / "nginx.log")
    url = f"https://{HOST}:{https}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if requests.get(url + "/healthz", verify=str(folder / "cert.pem"), timeout=2).ok:
                return proc, url
        time.sleep(0.2)
    raise RuntimeError("nginx did not answer: " + (tmp / "nginx.log").read_text()[-2000:])


def run(args, tmp: Path, redis_url: str, redis_pids: list[int]) -> list[dict]:
    database_url = f"sqlite:///{tmp / 'scale.sqlite'}"
    # the live chats' therapists, and for each live step those who take its probe joins
    therapists = (math.ceil(max(args.live) / CAPACITY)
                  + len(args.live) * math.ceil(args.probes / CAPACITY))
    names = setup_database(redis_url, database_url, therapists)
    forget_helpline_keys(redis_url)
    env, log = server_env(redis_url, database_url), tmp / "servers.log"
    if args.nginx:
        env["PROXY_HOPS"] = "1"  # the scheme and host nginx forwards, as in production
    urls, servers = [], []
    for _ in range(args.processes):
        port = free_port()
        urls.append(f"http://127.0.0.1:{port}")
        servers.append(spawn([sys.executable, "app.py", "serve", "--port", str(port)], env, log))
    worker = spawn([sys.executable, "app.py", "worker"], env, log)
    for url in urls:
        wait_healthy(url, servers + [worker], log)
    t0 = time.perf_counter()
    cookies = [staff_cookie(urls[i % len(urls)], name) for i, name in enumerate(names)]
    print(f"  {therapists} therapists signed in ({time.perf_counter() - t0:.0f} s)")
    load_env, proxies = dict(os.environ), []  # nginx, when asked for
    if args.nginx:
        sockets = max(args.live) * 2 + therapists + max(args.waiting, default=0)
        proxy, url = start_nginx(tmp, [int(u.rsplit(":", 1)[1]) for u in urls],
                                 connections=2 * sockets + 1024)  # client and upstream sides
        proxies, urls = [proxy], [url]
        load_env["NODE_TLS_REJECT_UNAUTHORIZED"] = "0"  # the bench's own self-signed certificate
        print(f"  through nginx at {url}")
    plan = {"urls": urls, "cookies": cookies, "capacity": CAPACITY, "live_steps": args.live,
            "waiting_steps": args.waiting, "interval": args.interval, "measure": args.measure,
            "line_changes": args.line_changes, "probes": args.probes, "self_signed": args.nginx}
    (tmp / "plan.json").write_text(json.dumps(plan))
    load = subprocess.Popen(["node", str(BENCH / "scale_load.js"), str(tmp / "plan.json")],
                            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env=load_env, stderr=subprocess.DEVNULL)
    groups = {"server": [p.pid for p in servers], "redis": redis_pids,
              "worker": [worker.pid], "generator": [load.pid]}
    if proxies:
        groups["nginx"] = [proxies[0].pid] + [
            c.pid for c in psutil.Process(proxies[0].pid).children()]
    sampler = Sampler(groups)
    base_rss, last = rss_mb(servers), {"rss": 0.0, "waiting": 0}
    steps: list[dict] = []
    print(f"  idle server RSS {base_rss:.0f} MB")
    try:
        for raw in load.stdout:
            step = json.loads(raw)
            if step["phase"] == "failed":
                raise RuntimeError(f"load generator failed: {step['error']}; the end of the "
                                   f"servers' log:\n{log.read_text(errors='replace')[-3000:]}")
            if step["phase"] not in ("idle", "mark"):
                rss = rss_mb(servers)
                per_socket = None
                if step["phase"] == "waiting" and step["waiting"] > last["waiting"]:
                    per_socket = (rss - last["rss"]) * 1024 / (step["waiting"] - last["waiting"])
                cpu = sampler.shares()
                print_step(step, cpu, rss, per_socket)
                steps.append({**step, "cpu": cpu, "rss_mb": rss, "kb_per_socket": per_socket})
                last = {"rss": rss, "waiting": step["waiting"]}
            sampler.mark()
            load.stdin.write("go\n")
            load.stdin.flush()
    finally:
        with contextlib.suppress(Exception):
            load.kill()
        stop(servers + [worker] + proxies)
    return steps


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not shutil.which("node"):
        print("scale benchmark: node is missing (the load generator runs on Node.js)")
        return 2
    steps = measure(args)
    if steps is None:
        return 130
    if args.json:
        Path(args.json).write_text(json.dumps(steps))
    if args.goals:
        print_goals(steps, other_goal_runs(args))
    return 0


def measure(args) -> list[dict] | None:
    """This bench's own steps (goals b-d); None when interrupted."""
    pace = "closed loop" if args.interval == 0 else f"1 msg/{args.interval:g} s/side"
    print(f"scale benchmark: live {args.live}, waiting {args.waiting}, {pace}, "
          f"{args.processes} server process(es)")
    print(f"  machine: {os.cpu_count()} cores, load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}; commit {git_commit()}")
    tmp = Path(tempfile.mkdtemp(prefix="helpline-scale-"))
    redis_proc = None
    try:
        redis_url = os.environ.get("REDIS_URL", "")
        redis_pids: list[int] = []
        if not redis_url:
            sys.path.insert(0, str(ROOT))
            from helpline.server.redis_server import start_embedded_redis

            redis_proc, redis_url = start_embedded_redis(str(tmp / "redis"))
            redis_pids = [redis_proc.pid]
        return run(args, tmp, redis_url, redis_pids)
    except KeyboardInterrupt:
        return None
    finally:
        if redis_proc is not None:
            from helpline.server.redis_server import stop_embedded_redis

            stop_embedded_redis(redis_proc)
        shutil.rmtree(tmp, ignore_errors=True)
        with contextlib.suppress(psutil.Error):
            for child in psutil.Process().children(recursive=True):
                child.kill()


def sub_run(command: list[str], out: Path) -> object:
    """Run another bench (its report goes to our output) and read its JSON figures."""
    print(f"\n#### {' '.join(Path(c).name if '/' in c else c for c in command[1:])}",
          flush=True)
    subprocess.run([*command, "--json", str(out)], cwd=ROOT, check=True)
    return json.loads(out.read_text())


def other_goal_runs(args) -> dict:
    """Goals (a) and (f) from bench/relay.py (100 pairs x 1 msg/s with the Node relay, then
    a closed loop for saturated throughput); (e) from this bench in a closed loop through
    nginx, with 1 and then 2 server processes."""
    tmp = Path(tempfile.mkdtemp(prefix="helpline-goals-"))
    seconds = f"{args.measure:g}"
    relay = [sys.executable, "-u", str(BENCH / "relay.py"), "--seconds", seconds]
    saturate = [sys.executable, "-u", str(BENCH / "scale.py"), "--live",
                str(args.saturation_live), "--waiting", "", "--interval", "0",
                "--measure", seconds, "--probes", "5", "--nginx"]
    try:
        return {
            "light": sub_run([*relay, "--node"], tmp / "light.json"),
            "saturated": sub_run([*relay, "--closed"], tmp / "saturated.json"),
            "one": sub_run([*saturate, "--processes", "1"], tmp / "one.json"),
            "two": sub_run([*saturate, "--processes", "2"], tmp / "two.json"),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def print_goals(steps: list[dict], other: dict) -> None:
    """Every goal of issue 11 against its figure from this run."""
    def ratio(a, b):
        return a / b if a is not None and b else None

    def row(name: str, text: str, value, goal: str, unit: str = "", digits: int = 1,
            detail: str = "") -> None:
        """One goal: the figure, the goal with its bound, and met or by how much missed."""
        if goal in AT_LEAST:
            bound = AT_LEAST[goal]
            met, sign = value is not None and value >= bound, ">="
            short = "" if value is None else f"{value / bound:.2f} of the goal"
        else:
            bound = GOALS[goal]
            met, sign = value is not None and value <= bound, "<="
            short = "" if value is None else f"{value / bound:.2f}x the goal"
        outcome = "not measured" if value is None else ("met" if met else f"missed ({short})")
        print(f"  {name:<4}{text} {fmt(value, unit, digits)} ({detail}goal {sign} "
              f"{bound:g}{unit}): {outcome}")

    live = [s for s in steps if s["phase"] == "live"]
    waiting = [s for s in steps if s["phase"] == "waiting"]
    quiet = [s for s in steps if s["phase"] == "quiet"]
    light, sat = other["light"], other["saturated"]
    one, two = (max((delivered_rate(s["relay"]) or 0 for s in other[n] if s["phase"] == "live"),
                    default=None) for n in ("one", "two"))
    print("\n== goals (issue 11)")
    product, bare = light["product"]["p99_ms"], light["bare"]["p99_ms"]
    row("(a)", "relay p99 against the bare relay at 100 pairs x 1 msg/s",
        ratio(product, bare), "p99_vs_bare", "x", 2,
        f"{fmt(product, ' ms')} / {fmt(bare, ' ms')}; ")
    product, bare = sat["product"]["delivered_rate"], sat["bare"]["delivered_rate"]
    row("", "saturated throughput against the bare relay", ratio(product, bare),
        "saturated_vs_bare", "x", 2,
        f"{fmt(product, ' msg/s', 0)} / {fmt(bare, ' msg/s', 0)}, 100 pairs in a closed loop; ")
    if live:
        top = live[-1]
        row("(b)", f"relay p50 at {top['live']} live chats", top["relay"]["p50_ms"],
            "relay_p50_ms", " ms")
        row("", f"relay p99 at {top['live']} live chats", top["relay"]["p99_ms"],
            "relay_p99_ms", " ms")
        row("(c)", f"join -> assigned p99 at {top['live']} live chats", top.get("join_p99_ms"),
            "join_p99_ms", " ms")
    if waiting:
        top = waiting[-1]
        row("(b)", f"relay p99 with {top['live']} live + {top['waiting']} waiting",
            top["relay"]["p99_ms"], "relay_p99_ms", " ms",
            detail=f"p50 {fmt(top['relay']['p50_ms'], ' ms')}; ")
        worst = (top["position_max_ms"] / 1000 if top.get("position_max_ms") is not None
                 else None)
        row("", "every waiting chatter has its new place within", worst, "positions_s", " s", 2)
        row("(d)", "RSS per added waiting socket", top["kb_per_socket"], "kb_per_socket",
            " KB", 0)
    if quiet:
        print(f"  (b) with no traffic the server uses {quiet[-1]['cpu']['server']:.0f}% CPU "
              f"({quiet[-1]['live'] * 2 + quiet[-1]['waiting']}+ sockets, their Engine.IO "
              f"pings)")
    row("(e)", "2 processes against 1 through nginx, closed loop", ratio(two, one),
        "two_processes_gain", "x", 2,
        f"{fmt(two, ' msg/s', 0)} / {fmt(one, ' msg/s', 0)}; {os.cpu_count()} cores shared "
        f"with nginx, Redis and the load generator; ")
    row("(f)", "relay p99 against Node socket.io at 100 pairs x 1 msg/s",
        ratio(light["product"]["p99_ms"], light.get("node", {}).get("p99_ms")),
        "p99_vs_node", "x", 2)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
