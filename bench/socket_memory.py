"""Socket memory profile: where the RSS of an idle connected chatter socket goes (issue 11 d).

Starts an embedded Redis, a fresh SQLite database and one `python app.py serve` (the
environment of bench/scale.py's server) inside a small wrapper (this file with
`--wrapped`): on SIGUSR1 the wrapper reads a command from a file and writes the answer
next to it, so the bench can ask the live server for its figures without touching the
product's code. Node (bench/socket_memory_load.js) connects waiting chatters that each
fetch a challenge, solve the proof of work and send `start`, then stay idle.

Two runs of the server, one after the other:

1. **rss** (no tracing): RSS and glibc's heap figures (mallinfo2) idle and at each step of
   `--sockets`, then after every chatter disconnected, after `gc.collect()` and after
   `malloc_trim(0)` (heap kept by the allocator vs live objects);
2. **trace**: tracemalloc started once the server is idle, so every traced block was
   allocated after it; at the largest step: the traced total per socket, the top sites by
   file:line, by package (the innermost frame outside the standard library) and by the
   helpline frame that led to them, the live greenlets (and what runs in them), and the
   objects per socket by type. What RSS holds beyond the traced blocks (greenlet C stacks
   and CPython frame chunks are allocated outside tracemalloc) is RSS minus traced.

    .venv/bin/python bench/socket_memory.py [--sockets 1000,2000] [--only rss|trace]
                                            [--env NAME=VALUE ...] [--bare]
                                            [--no-deflate-offer]

`--bare` profiles bench/bare_relay.py (the library stack alone: each client connects to
`/` and joins a room) in the same wrapper; `--no-deflate-offer` makes the clients not offer
permessage-deflate (browsers and Node's ws always offer it).

It asserts nothing; docs/benchmarks.md ("Scale") holds figures.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import ctypes
import gc
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PACKAGES = ("engineio", "socketio", "flask_socketio", "gevent", "greenlet", "simple_websocket",
            "wsproto", "h11", "werkzeug", "flask", "flask_login", "flask_babel", "redis",
            "sqlalchemy", "helpline")
# helpline's WSGI wrappers and server handler (server/logs.py over compat/pywsgi.py): every
# request passes them, so they would claim every allocation below them
PASS_THROUGH = {"ratelimit.py", "security.py", "logs.py", "pywsgi.py"}


# ---------------------------------------------------------------------------------------
# Inside the server process (`--wrapped`)


class Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


def _libc():
    return ctypes.CDLL("libc.so.6")


def heap_figures() -> dict:
    """RSS and glibc's view of its heap: in use by live blocks, free but kept, mmapped."""
    status = Path("/proc/self/status").read_text()
    rss_kb = int(next(line.split()[1] for line in status.splitlines()
                      if line.startswith("VmRSS:")))
    libc = _libc()
    libc.mallinfo2.restype = Mallinfo2
    info = libc.mallinfo2()
    return {"rss_kb": rss_kb, "malloc_in_use_kb": info.uordblks // 1024,
            "malloc_free_kb": info.fordblks // 1024, "malloc_mmap_kb": info.hblkhd // 1024}


def package_of(filename: str) -> str | None:
    """The package a source file belongs to, None for the standard library."""
    parts = Path(filename).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].removesuffix(".py")
    if "helpline" in parts:
        return "helpline"
    if filename.startswith(str(ROOT)):
        return Path(filename).name
    return None


def short(frame) -> str:
    parts = Path(frame.filename).parts
    for anchor in ("site-packages", "lib"):
        if anchor in parts:
            parts = parts[len(parts) - parts[::-1].index(anchor):]
            break
    else:
        parts = parts[-2:]
    return f"{'/'.join(parts)}:{frame.lineno}"


def trace_summary(snapshot, sockets: int, top: int = 25) -> dict:
    """Traced bytes per socket grouped three ways (see the module docstring)."""
    by_line, by_site, by_package, by_helpline = (collections.Counter() for _ in range(4))
    total = 0
    for stat in snapshot.statistics("traceback"):  # one row per distinct traceback
        size, frames = stat.size, list(stat.traceback)[::-1]  # most recent first
        total += size
        by_line[short(frames[0])] += size
        site = next((f for f in frames if package_of(f.filename)), frames[0])
        by_site[short(site)] += size
        package = package_of(site.filename) or "stdlib"
        by_package[package] += size
        ours = next((f for f in frames if package_of(f.filename) == "helpline"
                     and Path(f.filename).name not in PASS_THROUGH), None)
        by_helpline[f"{short(ours)} -> {package}" if ours else "(no helpline frame)"] += size
    per = lambda counter: [(k, round(v / sockets)) for k, v in counter.most_common(top)]  # noqa: E731
    return {"traced_bytes_per_socket": round(total / sockets), "by_line": per(by_line),
            "by_site": per(by_site), "by_package": per(by_package),
            "by_helpline_frame": per(by_helpline)}


def greenlet_summary(sockets: int) -> dict:
    """Live greenlets, by what they run (a greenlet's frames are not seen by tracemalloc)."""
    import greenlet

    kinds = collections.Counter()
    for obj in gc.get_objects():
        if isinstance(obj, greenlet.greenlet) and not obj.dead:
            if not greenlet.greenlet.__bool__(obj):  # not started: no stack yet (spawn_later)
                kinds[PENDING] += 1
                continue
            run = getattr(obj, "_run", None) or getattr(obj, "run", None)
            name = getattr(run, "__qualname__", None) or type(obj).__name__
            frame = obj.gr_frame
            while frame is not None and frame.f_back is not None:
                frame = frame.f_back
            where = f" ({Path(frame.f_code.co_filename).name}:{frame.f_code.co_name})" if frame \
                else ""
            kinds[f"{name}{where}"] += 1
    started = sum(kinds.values()) - kinds[PENDING]
    return {"greenlets": started, "per_socket": round(started / max(sockets, 1), 2),
            "pending": kinds[PENDING], "kinds": kinds.most_common(12)}


PENDING = "(not started: waits on a timer, no stack)"


def object_summary(before: dict | None) -> dict:
    counts = collections.Counter(type(o).__qualname__ for o in gc.get_objects())
    return dict(counts) if before is None else counts


def handle(command: str, state: dict) -> dict:
    import tracemalloc

    name, _, arg = command.partition(" ")
    if name == "figures":
        return heap_figures()
    if name == "trace-start":
        gc.collect()
        state["objects"] = object_summary(None)
        tracemalloc.start(int(arg or 12))
        return heap_figures()
    if name == "collect":
        return {"collected": gc.collect(), **heap_figures()}
    if name == "trim":
        _libc().malloc_trim(0)
        return heap_figures()
    if name == "profile":
        sockets = int(arg)
        out = heap_figures()
        if tracemalloc.is_tracing():  # first: the profile's own lists are not in it
            out["traced_kb"] = tracemalloc.get_traced_memory()[0] // 1024
            out.update(trace_summary(tracemalloc.take_snapshot(), sockets))
        out["greenlets"] = greenlet_summary(sockets)
        if tracemalloc.is_tracing():
            now = object_summary(state.get("objects"))
            grown = {k: now[k] - state["objects"].get(k, 0) for k in now}
            out["objects_per_socket"] = sorted(
                ((k, round(v / sockets, 2)) for k, v in grown.items() if v >= sockets / 2),
                key=lambda kv: -kv[1])[:30]
        return out
    return {"error": f"unknown command {name!r}"}


def wrapped(control: str, script: str, args: list[str]) -> None:
    """Run a server script as __main__ with a SIGUSR1 handler answering the bench's commands."""
    from gevent import monkey

    monkey.patch_all()
    import runpy

    import gevent

    state: dict = {}

    def on_signal() -> None:
        command = Path(control + ".cmd").read_text().strip()
        try:
            answer = handle(command, state)
        except Exception as exc:  # a bench: report it, keep the server up
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        tmp = Path(control + ".tmp")
        tmp.write_text(json.dumps(answer))
        tmp.rename(control + ".out")

    gevent.signal_handler(signal.SIGUSR1, on_signal)
    sys.argv = [script, *args]
    sys.path.insert(0, str(Path(script).parent))
    os.chdir(ROOT)
    runpy.run_path(script, run_name="__main__")


# ---------------------------------------------------------------------------------------
# The bench


def ask(server: subprocess.Popen, control: Path, command: str, timeout: float = 300) -> dict:
    out = Path(str(control) + ".out")
    out.unlink(missing_ok=True)
    Path(str(control) + ".cmd").write_text(command)
    server.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + timeout
    while not out.exists():
        if time.monotonic() > deadline or server.poll() is not None:
            raise RuntimeError(f"server did not answer {command!r}")
        time.sleep(0.1)
    return json.loads(out.read_text())


def settle(server, control: Path, seconds: float = 3.0) -> dict:
    """Figures once RSS stopped moving (the last broadcasts and writes have finished)."""
    time.sleep(seconds)
    return ask(server, control, "figures")


def line(label: str, fig: dict, idle: dict | None = None, sockets: int = 0) -> str:
    text = (f"  {label:<34} RSS {fig['rss_kb'] / 1024:7.1f} MB  malloc in use "
            f"{fig['malloc_in_use_kb'] / 1024:6.1f} MB, free {fig['malloc_free_kb'] / 1024:5.1f} MB"
            f", mmap {fig['malloc_mmap_kb'] / 1024:5.1f} MB")
    if idle and sockets:
        text += (f"  -> {(fig['rss_kb'] - idle['rss_kb']) / sockets:5.1f} KB RSS, "
                 f"{(fig['malloc_in_use_kb'] - idle['malloc_in_use_kb']) / sockets:5.1f} KB "
                 "malloc in use per socket")
    return text


def run_server(mode: str, steps: list[int], tmp: Path, redis_url: str, extra_env: dict,
               bare: bool = False, offer_deflate: bool = True) -> None:
    from relay import forget_helpline_keys, free_port, setup_database, spawn, stop, wait_healthy
    from scale import server_env

    database_url = f"sqlite:///{tmp / f'{mode}.sqlite'}"
    setup_database(redis_url, database_url, 1)
    forget_helpline_keys(redis_url)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    control, log = tmp / f"{mode}-control", tmp / f"{mode}.log"
    env = {**server_env(redis_url, database_url), **extra_env}
    script = ["bare_relay.py", "--port", str(port), "--redis-url", redis_url] if bare \
        else ["app.py", "serve", "--port", str(port)]
    script[0] = str((BENCH if bare else ROOT) / script[0])
    server = spawn([sys.executable, str(Path(__file__)), "--wrapped", str(control), "--",
                    *script], env, log)
    load = None
    try:
        wait_healthy(url, [server], log)
        load = subprocess.Popen(["node", str(BENCH / "socket_memory_load.js"), url,
                                 "bare" if bare else "chatter",
                                 "deflate" if offer_deflate else "plain"], cwd=ROOT,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

        def tell(command: str) -> dict:
            load.stdin.write(command + "\n")
            load.stdin.flush()
            answer = json.loads(load.stdout.readline())
            if "failed" in answer:
                raise RuntimeError(f"load generator: {answer['failed']}")
            return answer

        idle = settle(server, control)
        print(f"\n[{mode}] server pid {server.pid}, load average "
              f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if mode == "trace":
            idle = ask(server, control, "trace-start 12")
        print(line("idle", idle))
        connected = 0
        for target in steps:
            added = tell(f"add {target - connected}")
            connected = added["connected"]
            fig = settle(server, control)
            print(line(f"{connected} waiting chatters ({added['seconds']:.0f} s)", fig, idle,
                       connected))
        if mode == "trace":
            report_profile(ask(server, control, f"profile {connected}"), idle, connected)
        else:
            greenlets = ask(server, control, f"profile {connected}")["greenlets"]
            print(f"  greenlets started and alive: {greenlets['greenlets']} "
                  f"({greenlets['per_socket']} per socket); {greenlets['pending']} waiting "
                  "on a timer")
        tell("close")
        time.sleep(5)  # the disconnect handlers run
        print(line("all disconnected", settle(server, control)))
        print(line("after gc.collect()", ask(server, control, "collect")))
        print(line("after malloc_trim(0)", ask(server, control, "trim")))
        if mode == "trace":
            after = ask(server, control, f"profile {connected}")
            print(f"  still traced after disconnect: {after['traced_kb'] / 1024:.1f} MB "
                  f"({after['traced_bytes_per_socket'] / 1024:.1f} KB per former socket)")
            for key, size in after["by_line"][:8]:
                print(f"      {size / 1024:6.2f} KB  {key}")
    finally:
        if load is not None:
            with contextlib.suppress(Exception):
                load.kill()
        stop([server])


def report_profile(p: dict, idle: dict, sockets: int) -> None:
    rss = (p["rss_kb"] - idle["rss_kb"]) / sockets
    traced = p["traced_bytes_per_socket"] / 1024
    print(f"  with tracemalloc on (its own bookkeeping is in this RSS): {rss:.1f} KB RSS per "
          f"socket; traced {traced:.1f} KB per socket")
    g = p["greenlets"]
    print(f"  greenlets started and alive: {g['greenlets']} ({g['per_socket']} per socket)")
    for kind, count in g["kinds"]:
        print(f"      {count:6d}  {kind}")
    for title, key in (("by package (innermost frame outside the standard library)",
                        "by_package"),
                       ("by file:line (innermost frame outside the standard library)",
                        "by_site"), ("by file:line (innermost frame)", "by_line"),
                       ("by the helpline frame that led to it (WSGI wrappers skipped)",
                        "by_helpline_frame")):
        print(f"  traced per socket, {title}:")
        for name, size in p[key][:18 if key != "by_package" else 25]:
            print(f"      {size / 1024:6.2f} KB  {name}")
    print("  objects per socket (new since idle, by type):")
    print("      " + ", ".join(f"{k} {v:g}" for k, v in p["objects_per_socket"]))


def main(argv: list[str]) -> int:
    if argv[:1] == ["--wrapped"]:
        wrapped(argv[1], argv[3], argv[4:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sockets", default="1000,2000",
                        type=lambda text: [int(x) for x in text.split(",") if x])
    parser.add_argument("--only", choices=["rss", "trace"])
    parser.add_argument("--bare", action="store_true",
                        help="profile bench/bare_relay.py (the library stack alone) instead")
    parser.add_argument("--no-deflate-offer", action="store_true",
                        help="clients do not offer permessage-deflate (browsers always do)")
    parser.add_argument("--env", action="append", default=[],
                        help="NAME=VALUE for the server (e.g. MALLOC_ARENA_MAX=2)")
    args = parser.parse_args(argv)
    if not shutil.which("node"):
        print("socket memory bench: node is missing (the load generator runs on Node.js)")
        return 2
    sys.path.insert(0, str(BENCH))
    sys.path.insert(0, str(ROOT))
    from relay import git_commit

    from helpline.server.redis_server import start_embedded_redis, stop_embedded_redis

    extra_env = dict(item.split("=", 1) for item in args.env)
    print(f"socket memory bench: waiting chatters {args.sockets}; commit {git_commit()}; "
          f"{os.cpu_count()} cores; extra env {extra_env or 'none'}")
    tmp = Path(tempfile.mkdtemp(prefix="helpline-socket-memory-"))
    redis_proc, redis_url = start_embedded_redis(str(tmp / "redis"))
    try:
        for mode in ("rss", "trace"):
            if args.only in (None, mode):
                run_server(mode, args.sockets, tmp, redis_url, extra_env, args.bare,
                           not args.no_deflate_offer)
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        stop_embedded_redis(redis_proc)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
