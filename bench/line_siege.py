"""Line siege (issue 17): can bots with one core of native hashing keep a real chatter out?

It starts a live platform the way bench/abuse.py does (embedded Redis unless REDIS_URL,
a fresh SQLite file, `app.py serve` and `app.py worker`, the **default** limits with
CHAT_ALWAYS_OPEN=1 only and nobody on duty, so the line never moves: the attacker's
best case), then, on this same 2-core machine:

- idle bots: IDLE_BOTS sockets take a place each with one solved challenge, then only
  answer pings; the time until each is told `place_lapsed` is printed;
- the attacker: one native solver process (bench/native_solver.c, OpenSSL SHA-256, one
  core; Python's hashlib if no C compiler) behind as many sockets as it needs. It takes
  every place it can, keeps each with `keep_place` shortly before its lease ends, and
  while the line is full tries `start` again and again (each try costs a solution) to
  take any place the moment it frees;
- the real chatter: every TRY_EVERY seconds a fresh socket solves a challenge and sends
  `start` (again on `pow_stale`, as the page does). A try is "kept out" when refused; a
  chatter who got in stays, proving again every PLACE_RENEW_SECONDS, and "evicted" if its
  place is ever taken from it. Its proof is solved here in Python; what it would cost a
  phone-class CPU is hashes / PHONE_HASHES_PER_SECOND.

It prints each goal of issue 17 against its figure and asserts nothing.

    .venv/bin/python bench/line_siege.py [--minutes 10] [--try-every 60] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
import socketio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from abuse import default_platform  # noqa: E402
from relay import git_commit  # noqa: E402

from helpline.chat import proofofwork  # noqa: E402

IDLE_BOTS = 3
POLLING_SOCKETS = 6  # the attacker's sockets for starts while full (5 events/s each)
RENEW_MARGIN = 30  # the attacker proves again this long before a place's lease ends
# A phone-class CPU: the chatter page's plain-JS solver in a Chromium Web Worker hashes
# 590,000-730,000 a second on this machine (docs/benchmarks.md, "The solver's SHA-256");
# Chrome DevTools' strongest slowdown (6x, a low-end phone) leaves about 110,000.
PHONE_HASHES_PER_SECOND = 110_000


class Solver:
    """The attacker's one core: a native solver process, or hashlib in this process."""

    def __init__(self, tmp: Path):
        self.hashes = 0
        self.busy = 0.0
        binary = tmp / "native_solver"
        cc = shutil.which("cc") or shutil.which("gcc")
        self.proc = None
        if cc and subprocess.run([cc, "-O2", "-o", str(binary), str(ROOT / "bench/native_solver.c"),
                                  "-lcrypto"], capture_output=True).returncode == 0:
            self.proc = subprocess.Popen([str(binary)], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True)
        self.kind = "native C (OpenSSL SHA-256)" if self.proc else "Python hashlib"

    def solve(self, ch: dict) -> dict:
        t0 = time.perf_counter()
        if self.proc:
            self.proc.stdin.write(f"{ch['salt']} {ch['challenge']} {ch['maxnumber']}\n")
            self.proc.stdin.flush()
            number, tried = (int(x) for x in self.proc.stdout.readline().split())
            solution = {"algorithm": ch["algorithm"], "challenge": ch["challenge"],
                        "number": number, "salt": ch["salt"], "signature": ch["signature"]}
        else:
            solution = proofofwork.solve(ch)
            tried = solution["number"] + 1
        self.busy += time.perf_counter() - t0
        self.hashes += tried
        return solution

    def close(self):
        if self.proc:
            self.proc.kill()


def challenge(url: str, http=requests) -> dict:
    return http.get(url + "/challenge", timeout=10).json()


class Sock:
    """A /chat socket that records `ended` events."""

    def __init__(self, url: str):
        self.ended: list[tuple[float, dict]] = []
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("ended", lambda d: self.ended.append((time.monotonic(), d)), namespace="/chat")
        self.sio.connect(url, namespaces=["/chat"], transports=["websocket"], wait_timeout=10)

    def call(self, event, data):
        try:
            return self.sio.call(event, data, namespace="/chat", timeout=20)
        except Exception as exc:  # cut off, or no answer: the bench goes on
            return {"ok": False, "code": type(exc).__name__}

    def close(self):
        with contextlib.suppress(Exception):
            self.sio.disconnect()


class Attacker(threading.Thread):
    """Takes every place it can and keeps them; polls `start` while the line is full."""

    def __init__(self, url: str, solver: Solver, lease: int):
        super().__init__(daemon=True)
        self.url, self.solver, self.lease = url, solver, lease
        self.http = requests.Session()
        self.held: list[list] = []  # [sock, last proof]
        self.polling = [Sock(url) for _ in range(POLLING_SOCKETS)]
        self.turn = 0
        self.stopped = threading.Event()
        self.starts = self.taken = self.renewals = self.lost = 0
        self.samples: list[int] = []  # places held, sampled each round

    def run(self):
        while not self.stopped.is_set():
            self.samples.append(len(self.held))
            due = [h for h in self.held if time.monotonic() - h[1] > self.lease - RENEW_MARGIN]
            if due:
                self.renew(due[0])
            else:
                self.try_start()

    def renew(self, held):
        solution = self.solver.solve(challenge(self.url, self.http))
        answer = held[0].call("keep_place", {"pow": solution})
        if answer.get("ok"):
            held[1] = time.monotonic()
            self.renewals += 1
        elif answer.get("code") != "pow_stale":
            self.held.remove(held)
            self.lost += 1

    def try_start(self):
        sock = self.polling[self.turn % len(self.polling)]
        self.turn += 1
        if not sock.sio.connected:
            sock = self.polling[self.polling.index(sock)] = Sock(self.url)
        self.starts += 1
        answer = sock.call("start", {"pow": self.solver.solve(challenge(self.url, self.http))})
        if answer.get("ok"):
            self.held.append([sock, time.monotonic()])
            self.taken += 1
            self.polling[self.polling.index(sock)] = Sock(self.url)

    def close(self):
        self.stopped.set()
        self.join(timeout=30)
        for sock in [h[0] for h in self.held] + self.polling:
            sock.close()


class RealChatter:
    """One try: a fresh socket, a challenge solved (priced for a phone), `start`."""

    def __init__(self, url: str, renew_every: int):
        self.url, self.renew_every = url, renew_every
        self.sock = Sock(url)
        self.phone_seconds = 0.0
        self.answer = self.start()
        self.inside = bool(self.answer.get("ok"))
        self.last_proof = time.monotonic()

    def solution(self) -> dict:
        ch = challenge(self.url)
        solution = proofofwork.solve(ch)
        self.phone_seconds += (solution["number"] + 1) / PHONE_HASHES_PER_SECOND
        return solution

    def start(self) -> dict:
        for _ in range(4):  # as the page: solve again when the price rose meanwhile
            answer = self.sock.call("start", {"pow": self.solution()})
            if answer.get("code") != "pow_stale":
                return answer
        return answer

    def keep(self):
        if self.inside and time.monotonic() - self.last_proof >= self.renew_every:
            self.sock.call("keep_place", {"pow": self.solution()})
            self.last_proof = time.monotonic()

    def evicted(self) -> bool:
        return self.inside and bool(self.sock.ended)


def idle_bots(url: str) -> list[tuple[Sock, float]]:
    bots = []
    for _ in range(IDLE_BOTS):
        sock = Sock(url)
        answer = sock.call("start", {"pow": proofofwork.solve(challenge(url))})
        if answer.get("ok"):
            bots.append((sock, time.monotonic()))
    return bots


def close_all(solver, attacker, chatters, bots) -> None:
    """Stop the attacker and close every socket (before the platform stops)."""
    if attacker is not None:
        attacker.close()
    for chatter in chatters:
        chatter.sock.close()
    for sock, _ in bots:
        sock.close()
    if solver is not None:
        solver.close()


def price_table(cfg) -> list[int]:
    """The server's own price of the 1st..MAX_LINE_LENGTH-th place, with these settings."""
    from flask import Flask

    app = Flask("siege")
    app.config.from_object(cfg)
    with app.app_context():
        return [proofofwork.price(n) for n in range(cfg.MAX_LINE_LENGTH)]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str]) -> int:
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10, help="length of the siege")
    parser.add_argument("--try-every", type=float, default=60, help="seconds between tries")
    parser.add_argument("--quick", action="store_true", help="4 minutes, a try every 15 s")
    args = parser.parse_args(argv)
    if args.quick:
        args.minutes, args.try_every = 4, 15


    from helpline.settings import Config as cfg

    print(f"line siege, commit {git_commit()}; machine: {os.cpu_count()} cores shared by the "
          f"server, its worker, the attacker and the real chatter; load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"  limits: MAX_LINE_LENGTH {cfg.MAX_LINE_LENGTH}, price {cfg.POW_MAX_NUMBER:,} for "
          f"the first {cfg.POW_FREE_PLACES}, +{cfg.POW_PLACE_RISE_PERCENT}% each further, at most "
          f"{cfg.POW_MAX_NUMBER_RAISED:,}; lease {cfg.PLACE_LEASE_SECONDS} s, renewal "
          f"{cfg.PLACE_RENEW_SECONDS} s; {args.minutes:g} min, a real try every "
          f"{args.try_every:g} s")
    solver, attacker, chatters, bots = None, None, [], []
    with contextlib.ExitStack() as stack:
        platform = stack.enter_context(default_platform("siege"))
        url, procs, log = platform.url, platform.procs, platform.log
        stack.callback(lambda: close_all(solver, attacker, chatters, bots))
        solver = Solver(platform.tmp)
        bots = idle_bots(url)
        attacker = Attacker(url, solver, cfg.PLACE_LEASE_SECONDS)
        server_cpu0, wall0 = cpu_seconds(procs[0].pid), time.monotonic()
        attacker.start()
        end = wall0 + args.minutes * 60
        next_try = wall0 + min(10.0, args.try_every)  # the line fills in the first seconds
        while time.monotonic() < end:
            for chatter in chatters:
                chatter.keep()
            if time.monotonic() >= next_try:
                chatters.append(RealChatter(url, cfg.PLACE_RENEW_SECONDS))
                next_try += args.try_every
            time.sleep(0.5)
        wall = time.monotonic() - wall0
        server_cpu = cpu_seconds(procs[0].pid) - server_cpu0
        attacker.stopped.set()

        tries = len(chatters)
        kept_out = [c for c in chatters if not c.inside]
        evicted = [c for c in chatters if c.evicted()]
        codes = sorted({c.answer.get("code") for c in kept_out})
        lapsed = [round(s.ended[0][0] - t0) for s, t0 in bots
                  if s.ended and s.ended[0][1].get("reason") == "place_lapsed"]
        rate = solver.hashes / max(solver.busy, 1e-9)
        held = attacker.samples or [0]
        print(f"\nthe attacker ({solver.kind}, one core): {rate:,.0f} hashes/s while solving, "
              f"busy {100 * solver.busy / wall:.0f}% of the siege "
              f"({solver.hashes / wall:,.0f} hashes/s on average); {attacker.starts} starts, "
              f"{attacker.taken} places taken, {attacker.renewals} kept with keep_place, "
              f"{attacker.lost} lost; places held: median "
              f"{statistics.median(held):.0f}, max {max(held)}")
        print(f"the server process: {100 * server_cpu / wall:.0f}% of a core during the siege")
        print("\ngoals (issue 17) and figures")
        share = 100 * len(kept_out) / tries if tries else 0.0
        print(f"- a real chatter kept out in at most 5% of tries: {len(kept_out)} of {tries} "
              f"tries ({share:.0f}%) refused ({', '.join(map(str, codes)) or 'none'})")
        costs = sorted(c.phone_seconds for c in chatters)
        if costs:
            print(f"- a real chatter's proof of work at most 5 s on a phone-class CPU "
                  f"({PHONE_HASHES_PER_SECOND:,} hashes/s): median "
                  f"{statistics.median(costs):.1f} s, max {costs[-1]:.1f} s per try (retries "
                  f"for pow_stale included)")
        print(f"- waiting real chatters never evicted: {len(evicted)} of "
              f"{tries - len(kept_out)} who got in lost their place")
        print(f"- an idle bot (one proof, then only pings) loses its place within 180 s: "
              f"{len(lapsed)} of {len(bots)} lost it after {lapsed} s"
              + ("" if wall > cfg.PLACE_LEASE_SECONDS + 30 else " (siege shorter than a lease)"))
        prices = price_table(cfg)
        print(f"- each further place costs more: maxnumber of the n-th place "
              f"{', '.join(f'{n + 1}: {p:,}' for n, p in enumerate(prices))}; the tenth costs "
              f"{prices[9] / prices[0]:.0f}x the first (a phone: at most "
              f"{prices[-1] / PHONE_HASHES_PER_SECOND:.1f} s)")
        lines = log.read_text(errors="replace").splitlines()
        tracebacks = [ln for ln in lines if "Traceback" in ln]
        print(f"\nserver log: {len(tracebacks)} tracebacks")
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
