"""Scale benchmark: many live chats plus a long waiting line on one box (issues 11 and 21).

Starts an embedded Redis (or uses REDIS_URL: a scratch Redis whose `hl:*` keys are
deleted), a fresh SQLite database with the therapists it needs, `--processes` server
processes and a worker, signs the therapists in over HTTP, then hands the run to
bench/scale_load.js (socket.io-client in Node, light enough not to be the bottleneck;
sockets are spread round-robin over the server processes). In steps it grows:

1. live chats (`--live`, e.g. 250,500,1000,2000): therapists go on duty with capacity 5,
   chatters join and are assigned; during the traffic below, `--probes` more chatters
   join one at a time, each to a free therapist (join -> assigned: from the `start`
   event to the `assigned` event or an `active` start ack); each side of each chat
   sends one message every `--interval` seconds (10: 1 msg/10 s/side) for `--measure`
   seconds: relay latency to the other side, p50/p99;
2. waiting chatters on top (`--waiting`, e.g. 1000,2500,5000): RSS before and after they
   connect, both with traffic paused (the cost of an idle socket, not heap growth from
   traffic); then `--line-changes` rounds of the three kinds of change (a therapist
   comes on duty and takes the front chatter, the chat is transferred back to the line,
   the front chatter leaves), each timed until every chatter still waiting holds its new
   place; chatters a therapist took are not waiting; the relay under that load;
3. quiet: traffic stopped, everything connected: the server's idle CPU.

`--stack bare` or `--stack node` runs the same generator against bench/bare_relay.py or
bench/node_relay.js instead (pairs in a room, waiting sockets idle in rooms of their own),
with the same ping settings (`--ping-interval`, `--ping-timeout`) as the product: `--goals`
measures every ratio that way, so both sides carry the same generator delay.

After each step it prints the CPU share of the server(s), Redis, the worker and the
generator over the measured span. It asserts nothing; a goal is printed met only on data
(bench/verdicts.py); docs/benchmarks.md holds figures.

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

import verdicts  # noqa: E402  (the goals and how a figure meets them)
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

STACKS = ("product", "bare", "node")


class LoadGeneratorFailed(RuntimeError):
    """The Node generator stopped: `kind` is its error's type, `step` where it was."""

    def __init__(self, kind: str, step: str, message: str):
        super().__init__(f"{kind} in {step}: {message}")
        self.kind = f"load generator {kind} in {step}"


def delivered_rate(relay: dict) -> float | None:
    """A step's relay: messages delivered to the other side per second."""
    return relay["delivered"] / relay["seconds"] if relay.get("seconds") else None


def load_text() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


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
                        help="then measure goals (a), (e) and (f) too (this bench against the "
                             "bare and Node relays, saturated, with 1 and 2 processes, and "
                             "the Node relay at this run's largest load) and print (a)-(f)")
    parser.add_argument("--stack", choices=STACKS, default="product",
                        help="the server under load: the product, bench/bare_relay.py or "
                             "bench/node_relay.js")
    parser.add_argument("--ping-interval", type=float, default=5.0,
                        help="Engine.IO ping interval of every stack, s (the product's "
                             "default 5)")
    parser.add_argument("--ping-timeout", type=float, default=30.0,
                        help="Engine.IO ping timeout of every stack, s")
    parser.add_argument("--runs", type=int, default=1,
                        help="repeat the whole measurement; goals print each figure's median "
                             "and every run's figure, with the box's load average")
    parser.add_argument("--relay-pairs", type=int, default=100,
                        help="chats of the (a) and (f) runs at 1 msg/s")
    parser.add_argument("--saturation-live", type=int, default=500,
                        help="live chats of the (e) runs, each in a closed loop")
    parser.add_argument("--json", metavar="PATH", help="also write each step's figures there")
    parser.add_argument("--nginx", action="store_true",
                        help="every socket through deploy/nginx/helpline.conf (TLS) in "
                             "front of the processes, as in production")
    parser.add_argument("--no-goal-block", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-quiet", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stack != "product" and (args.processes != 1 or args.nginx or args.goals):
        parser.error("--stack bare/node runs one process, direct, without --goals")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


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
            "PING_TIMEOUT_SECONDS": "30",  # scale.py sets its --ping-* for every stack
            "SOCKET_EVENT_BURST": "100000", "SOCKET_EVENTS_PER_SECOND": "100000",
            # capacity is measured, so a lagging loop must not shed the bench's newcomers
            # (goal g, graceful overload, is not built into this bench yet)
            "OVERLOAD_LAG_MS": "0"}


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


fmt = verdicts.fmt


def print_step(step: dict, cpu: dict[str, float], rss: float) -> None:
    """A step's figures as measured; the goals' verdicts come at the end (verdicts.py)."""
    relay = step.get("relay", {})
    idle = f", {step['idle']} idle sockets" if step.get("idle") else ""
    print(f"\n== {step['phase']}: {step['live']} live chats, {step['waiting']} waiting{idle}")
    if "join_p99_ms" in step:
        print(f"  join -> assigned ({step['joins']} probes): "
              f"p50 {fmt(step['join_p50_ms'], ' ms')}, p99 {fmt(step['join_p99_ms'], ' ms')}")
    if "changes" in step:
        placed = verdicts.places(step["changes"])
        print(f"  connected {step['sockets_added']} sockets in {step['connect_seconds']:.0f} s"
              + (f"; {step['assigned_from_line']} chatters were taken by a therapist (not "
                 "waiting)" if not step.get("idle") else ""))
        for kind, v in placed["by_kind"].items():
            if v["changes"] or step["changes"]:
                print(f"  after {v['changes']} changes where {verdicts.KIND_WORDS[kind]}: "
                      f"{v['expected']} places expected, median {fmt(v['median_ms'], ' ms')}, "
                      f"all within {fmt(v['max_ms'] and v['max_ms'] / 1000, ' s', 2)}, "
                      f"wrong places {v['wrong']}, assigned meanwhile {v['assigned']}")
        if placed["missing"] and step["changes"]:
            print("  NO DATA after: " + ", ".join(placed["missing"]))
        if step.get("where_after_gaps"):
            print(f"  {step['where_after_gaps']} times a page missed a packet and asked `where`")
    if step.get("kb_per_socket") is not None:
        print(f"  RSS per idle socket (traffic paused): {step['kb_per_socket']:.0f} KB")
    if relay:
        rate = delivered_rate(relay) or 0
        print(f"  relay to the other side: {relay['delivered']} delivered ({rate:,.0f} msg/s), "
              f"{relay['lost']} lost, p50 {fmt(relay['p50_ms'], ' ms')}, "
              f"p99 {fmt(relay['p99_ms'], ' ms')}; errors {relay['errors'] or 0}")
    print("  CPU: " + ", ".join(f"{name} {share:.0f}%" for name, share in cpu.items()))
    print(f"  server RSS {rss:.0f} MB")


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


def start_servers(args, tmp: Path, redis_url: str, log: Path) -> tuple[list, list, list[str]]:
    """The stack under load: (servers, the worker or nothing, their URLs); product only:
    the database and its therapists, whose signed-in cookies come back in the plan."""
    ping = ["--ping-interval", f"{args.ping_interval:g}", "--ping-timeout",
            f"{args.ping_timeout:g}"]
    port = free_port()
    if args.stack != "product":
        command = (["node", str(BENCH / "node_relay.js"), "--port", str(port), *ping]
                   if args.stack == "node" else
                   [sys.executable, str(BENCH / "bare_relay.py"), "--port", str(port),
                    "--redis-url", redis_url, *ping])
        server = spawn(command, {**os.environ, "PYTHONUNBUFFERED": "1"}, log)
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, [server], log)
        return [server], [], [url]
    database_url = f"sqlite:///{tmp / 'scale.sqlite'}"
    env = {**server_env(redis_url, database_url),
           "PING_INTERVAL_SECONDS": f"{args.ping_interval:g}",
           "PING_TIMEOUT_SECONDS": f"{args.ping_timeout:g}"}
    if args.nginx:
        env["PROXY_HOPS"] = "1"  # the scheme and host nginx forwards, as in production
    urls, servers = [], []
    for _ in range(args.processes):
        urls.append(f"http://127.0.0.1:{port}")
        servers.append(spawn([sys.executable, "app.py", "serve", "--port", str(port)], env, log))
        port = free_port()
    worker = spawn([sys.executable, "app.py", "worker"], env, log)
    for url in urls:
        wait_healthy(url, servers + [worker], log)
    return servers, [worker], urls


def therapists_needed(args) -> int:
    """The live chats' therapists, those who take each live step's probe joins, and one
    per round of line changes in each waiting step."""
    if args.stack != "product":
        return 0
    return (math.ceil(max(args.live) / CAPACITY)
            + len(args.live) * math.ceil(args.probes / CAPACITY)
            + len(args.waiting) * args.line_changes)


def run(args, tmp: Path, redis_url: str, redis_pids: list[int], steps: list[dict]) -> None:
    """Every step of one run into `steps`; raises LoadGeneratorFailed when one fails (the
    steps before it stay)."""
    therapists = therapists_needed(args)
    log = tmp / "servers.log"
    names = []
    if args.stack == "product":
        names = setup_database(redis_url, f"sqlite:///{tmp / 'scale.sqlite'}", therapists)
        forget_helpline_keys(redis_url)
    servers, workers, urls = start_servers(args, tmp, redis_url, log)
    t0 = time.perf_counter()
    cookies = [staff_cookie(urls[i % len(urls)], name) for i, name in enumerate(names)]
    if names:
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
            "line_changes": args.line_changes, "probes": args.probes, "self_signed": args.nginx,
            "stack": args.stack, "quiet": not args.no_quiet}
    (tmp / "plan.json").write_text(json.dumps(plan))
    load = subprocess.Popen(["node", str(BENCH / "scale_load.js"), str(tmp / "plan.json")],
                            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env=load_env, stderr=subprocess.DEVNULL)
    groups = {"server": [p.pid for p in servers], "redis": redis_pids,
              "worker": [w.pid for w in workers], "generator": [load.pid]}
    if proxies:
        groups["nginx"] = [proxies[0].pid] + [
            c.pid for c in psutil.Process(proxies[0].pid).children()]
    sampler = Sampler(groups)
    rss_before = None  # the servers' RSS, traffic paused, before the waiting sockets connect
    print(f"  idle server RSS {rss_mb(servers):.0f} MB")
    try:
        for raw in load.stdout:
            step = json.loads(raw)
            if step["phase"] == "failed":
                print(f"  FAILED: the load generator's {step['error_type']} in {step['step']}: "
                      f"{step['error']}; the end of the servers' log:\n"
                      f"{log.read_text(errors='replace')[-3000:]}")
                raise LoadGeneratorFailed(step["error_type"], step["step"], step["error"])
            if step["phase"] == "rss":
                rss = rss_mb(servers)
                if "added" not in step:
                    rss_before = rss
                elif step["added"] and rss_before is not None:
                    steps.append({"phase": "rss", "added": step["added"],
                                  "kb_per_socket": (rss - rss_before) * 1024 / step["added"]})
            elif step["phase"] not in ("idle", "mark"):
                rss = rss_mb(servers)
                if step["phase"] == "waiting" and steps and steps[-1]["phase"] == "rss":
                    step["kb_per_socket"] = steps.pop()["kb_per_socket"]
                cpu = sampler.shares()
                print_step(step, cpu, rss)
                steps.append({**step, "cpu": cpu, "rss_mb": rss})
            sampler.mark()
            load.stdin.write("go\n")
            load.stdin.flush()
        if load.wait() != 0:
            raise LoadGeneratorFailed("exit", "?", f"the load generator exited {load.returncode}")
    finally:
        with contextlib.suppress(Exception):
            load.kill()
        stop(servers + workers + proxies)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not shutil.which("node"):
        print("scale benchmark: node is missing (the load generator runs on Node.js)")
        return 2
    runs, loads, last = [], [], None
    for number in range(1, args.runs + 1):
        if args.runs > 1:
            print(f"\n######## run {number} of {args.runs}")
        loads.append(load_text())
        last = measure(args)
        if last is None:
            return 130
        steps, failed = last
        other = other_goal_runs(args) if args.goals else None
        runs.append(verdicts.figures(steps, failed, other, quiet_others(other)))
    if args.json:
        steps, failed = last
        Path(args.json).write_text(json.dumps({"steps": steps, "failed": failed}))
    if args.stack == "product" and not args.no_goal_block:
        print_goals(verdicts.median_figures(runs), loads, args)
    return 0


def measure(args) -> tuple[list[dict], str | None] | None:
    """This bench's own steps (goals b-d) and the exception type that ended them early
    (None: every step ran); None when interrupted."""
    pace = "closed loop" if args.interval == 0 else f"1 msg/{args.interval:g} s/side"
    print(f"scale benchmark: {args.stack}, live {args.live}, waiting {args.waiting}, {pace}, "
          f"{args.processes} server process(es), pings every {args.ping_interval:g} s "
          f"(timeout {args.ping_timeout:g} s)")
    print(f"  machine: {os.cpu_count()} cores, load average {load_text()}; "
          f"commit {git_commit()}")
    tmp = Path(tempfile.mkdtemp(prefix="helpline-scale-"))
    redis_proc = None
    steps: list[dict] = []
    try:
        redis_url = os.environ.get("REDIS_URL", "")
        redis_pids: list[int] = []
        if not redis_url:
            sys.path.insert(0, str(ROOT))
            from helpline.server.redis_server import start_embedded_redis

            redis_proc, redis_url = start_embedded_redis(str(tmp / "redis"))
            redis_pids = [redis_proc.pid]
        run(args, tmp, redis_url, redis_pids, steps)
        return steps, None
    except KeyboardInterrupt:
        return None
    except Exception as exc:  # reported in the goals block; the other runs still go on
        kind = exc.kind if isinstance(exc, LoadGeneratorFailed) else type(exc).__name__
        if not isinstance(exc, LoadGeneratorFailed):
            print(f"  FAILED: {type(exc).__name__}: {exc}")
        return [s for s in steps if s["phase"] != "rss"], kind
    finally:
        if redis_proc is not None:
            from helpline.server.redis_server import stop_embedded_redis

            stop_embedded_redis(redis_proc)
        shutil.rmtree(tmp, ignore_errors=True)
        with contextlib.suppress(psutil.Error):
            for child in psutil.Process().children(recursive=True):
                child.kill()


def sub_run(command: list[str], out: Path) -> dict:
    """Run this bench again (its report goes to our output) and read its JSON figures:
    {"steps": [...], "failed": type or None}; a run that left none is a failure too."""
    print(f"\n#### {' '.join(Path(c).name if '/' in c else c for c in command[1:])}",
          flush=True)
    try:
        done = subprocess.run([*command, "--json", str(out)], cwd=ROOT, check=False)
        if not out.exists():
            return {"steps": [], "failed": f"exit status {done.returncode}, no figures"}
        return json.loads(out.read_text())
    except Exception as exc:
        return {"steps": [], "failed": type(exc).__name__}


def other_goal_runs(args) -> dict:
    """The runs of goals (a), (e) and (f), each this bench with the same Node generator:
    the product, the bare relay and the Node relay at --relay-pairs x 1 msg/s (a, f), the
    product and the bare relay in a closed loop (a: saturated), the Node relay at this
    run's largest load (f), the product through nginx in a closed loop with 1 and 2
    processes (e). A failed run is reported with its goals; the others still run."""
    tmp = Path(tempfile.mkdtemp(prefix="helpline-goals-"))
    seconds = f"{args.measure:g}"
    base = [sys.executable, "-u", str(BENCH / "scale.py"), "--measure", seconds,
            "--ping-interval", f"{args.ping_interval:g}", "--ping-timeout",
            f"{args.ping_timeout:g}", "--probes", "0", "--no-goal-block"]
    brief = [*base, "--no-quiet"]  # only the Node relay's run at (b)'s load idles
    pairs = ["--live", str(args.relay_pairs), "--waiting", ""]
    runs = {f"light_{stack}": [*brief, "--stack", stack, *pairs, "--interval", "2"]
            for stack in STACKS}
    runs.update({f"saturated_{stack}": [*brief, "--stack", stack, *pairs, "--interval", "0"]
                 for stack in ("product", "bare")})
    runs["load_node"] = [*base, "--stack", "node", "--live", str(max(args.live)),
                         "--waiting", str(max(args.waiting, default=0) or ""),
                         "--interval", f"{args.interval:g}"]
    saturate = [*brief, "--live", str(args.saturation_live), "--waiting", "", "--interval",
                "0", "--nginx"]
    runs["one"] = [*saturate, "--processes", "1"]
    runs["two"] = [*saturate, "--processes", "2"]
    try:
        return {name: sub_run(command, tmp / f"{name}.json") for name, command in runs.items()}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def quiet_others(other: dict | None) -> dict | None:
    """Idle CPU of the Node relay's run at (b)'s load, beside the product's: same pings."""
    if not other:
        return None
    out = {}
    for name, label in (("load_node", "Node relay"),):
        quiet = verdicts.step_of(other.get(name), "quiet")
        if quiet:
            out[label] = (quiet["cpu"].get("server"), quiet.get("sockets", "?"))
    return out


def print_goals(figures: list[verdicts.Figure], loads: list[str], args) -> None:
    """Every goal against its figure: met only on data (verdicts.verdict)."""
    runs = f"median of {args.runs} runs; " if args.runs > 1 else ""
    print(f"\n== goals (issues 11 and 21; {runs}load average at each run's start: "
          f"{' | '.join(loads)}; pings every {args.ping_interval:g} s on every stack)")
    for fig in figures:
        print(verdicts.line(fig))
    missed = [f for f in figures if f.key and not verdicts.verdict(f)[0]]
    print(f"  {len([f for f in figures if f.key]) - len(missed)} met, {len(missed)} missed "
          "or without data")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
