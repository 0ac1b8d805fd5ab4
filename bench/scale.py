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

GOALS = {"relay_p50_ms": 2.0, "relay_p99_ms": 25.0, "positions_s": 1.0, "join_p99_ms": 50.0,
         "kb_per_socket": 50.0}


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
        rate = relay["delivered"] / relay["seconds"] if relay.get("seconds") else 0
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


def run(args, tmp: Path, redis_url: str, redis_pids: list[int]) -> None:
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
    print(f"  idle server RSS {base_rss:.0f} MB")
    try:
        for raw in load.stdout:
            step = json.loads(raw)
            if step["phase"] == "failed":
                raise RuntimeError(f"load generator failed: {step['error']}")
            if step["phase"] not in ("idle", "mark"):
                rss = rss_mb(servers)
                per_socket = None
                if step["phase"] == "waiting" and step["waiting"] > last["waiting"]:
                    per_socket = (rss - last["rss"]) * 1024 / (step["waiting"] - last["waiting"])
                print_step(step, sampler.shares(), rss, per_socket)
                last = {"rss": rss, "waiting": step["waiting"]}
            sampler.mark()
            load.stdin.write("go\n")
            load.stdin.flush()
    finally:
        with contextlib.suppress(Exception):
            load.kill()
        stop(servers + [worker] + proxies)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not shutil.which("node"):
        print("scale benchmark: node is missing (the load generator runs on Node.js)")
        return 2
    print(f"scale benchmark: live {args.live}, waiting {args.waiting}, 1 msg/"
          f"{args.interval:g} s/side, {args.processes} server process(es)")
    print(f"  machine: {os.cpu_count()} cores, load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}; commit {git_commit()}")
    tmp = Path(tempfile.mkdtemp(prefix="helpline-scale-"))
    redis_proc = None
    try:
        redis_url = os.environ.get("REDIS_URL", "")
        redis_pids: list[int] = []
        if not redis_url:
            sys.path.insert(0, str(ROOT))
            from helpline.redis_server import start_embedded_redis

            redis_proc, redis_url = start_embedded_redis(str(tmp / "redis"))
            redis_pids = [redis_proc.pid]
        run(args, tmp, redis_url, redis_pids)
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        if redis_proc is not None:
            from helpline.redis_server import stop_embedded_redis

            stop_embedded_redis(redis_proc)
        shutil.rmtree(tmp, ignore_errors=True)
        with contextlib.suppress(psutil.Error):
            for child in psutil.Process().children(recursive=True):
                child.kill()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
