"""Fault benchmark: how long the platform takes to notice a silent client and a dead server.

One run starts an embedded Redis, a fresh SQLite database, a worker and two server
processes (`python app.py serve`) with the default heartbeat and ping settings and a
short RESUME_GRACE_SECONDS (the grace only adds itself on top), then measures, ROUNDS
times each:

- silent client: a raw WebSocket chatter starts a chat (assigned to a therapist on the
  other server) and then answers nothing, its TCP connection still open: the time until
  the therapist gets `chatter_connection {connected: false}`;
- dead server: a chatter on server A is assigned to a therapist on server B, then A gets
  SIGKILL: the time until the therapist gets `chatter_connection {connected: false}` (the
  sweep) and `chat_ended` (the sweep plus the grace plus the worker's scheduler).

    .venv/bin/python bench/faults.py [--rounds 3] [--grace 10]

It prints figures and asserts nothing. Everything it starts is stopped when it ends.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
import socketio
import websocket

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-not-secret"
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Platform:
    """Embedded Redis, SQLite, a worker and server processes, all stopped by stop()."""

    def __init__(self, tmp: Path, grace: int, therapists: int):
        from helpline.server.redis_server import start_embedded_redis

        self.redis_proc, url = start_embedded_redis(str(tmp / "redis"))
        database = f"sqlite:///{tmp / 'faults.sqlite'}"
        self.env = {**os.environ, "REDIS_URL": url, "DATABASE_URL": database,
                    "SECRET_KEY": "bench-faults-" + "x" * 32, "HELPLINE_ENV": "development",
                    "CHAT_ALWAYS_OPEN": "1", "RESUME_GRACE_SECONDS": str(grace)}
        self.log = (tmp / "faults.log").open("ab")
        self._prepare_database(therapists)
        self.worker = self._spawn("worker")
        self.servers: dict[str, tuple[subprocess.Popen, str]] = {}

    def _prepare_database(self, therapists: int) -> None:
        code = ("from helpline import create_app; from helpline.extensions import db; "
                "from helpline.admin import accounts; "
                "app = create_app('development'); ctx = app.app_context(); ctx.push(); "
                "db.create_all(); "
                f"[accounts.create_staff(db.session, f't{{i}}', f'T{{i}}', 'therapist', "
                f"{PASSWORD!r}) for i in range({therapists})]")
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=self.env, check=True,
                       stdout=self.log, stderr=subprocess.STDOUT)

    def _spawn(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "app.py", *args], cwd=ROOT, env=self.env,
                                stdout=self.log, stderr=subprocess.STDOUT)

    def start_server(self, name: str) -> str:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        self.servers[name] = (self._spawn("serve", "--port", str(port)), url)
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/healthz", timeout=1).ok:
                    return url
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"server {name} did not start")

    def kill(self, name: str) -> None:
        proc, _ = self.servers.pop(name)
        proc.kill()
        proc.wait()

    def stop(self) -> None:
        from helpline.server.redis_server import stop_embedded_redis

        for proc in [p for p, _ in self.servers.values()] + [self.worker]:
            proc.terminate()
        for proc in [p for p, _ in self.servers.values()] + [self.worker]:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        stop_embedded_redis(self.redis_proc)


class Therapist:
    """A signed-in console on duty (a fresh account per round: ended chats keep a slot
    until their summary) that timestamps the events it waits for."""

    def __init__(self, url: str, username: str):
        http = requests.Session()
        page = http.get(url + "/staff/login").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        http.post(url + "/staff/login", allow_redirects=False,
                  data={"username": username, "password": PASSWORD, "csrf_token": token})
        cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
        self.seen: list[tuple[float, str, dict]] = []
        self.lock = threading.Lock()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("*", self._record, namespace="/staff")
        self.sio.connect(url, namespaces=["/staff"], transports=["websocket"],
                         headers={"Cookie": cookie}, wait_timeout=10)
        self.sio.call("duty", {"on": True, "capacity": 5}, namespace="/staff", timeout=10)

    def _record(self, event, data=None):
        with self.lock:
            self.seen.append((time.monotonic(), event, data))

    def close(self) -> None:
        """Off duty first, so the next round's chatter goes to the next therapist."""
        self.sio.call("duty", {"on": False}, namespace="/staff", timeout=10)
        self.sio.disconnect()

    @staticmethod
    def _matches(data, chat_id: str) -> bool:
        """The event is about this chat (and a connection event says it dropped)."""
        return (isinstance(data, dict) and data.get("chat_id") == chat_id
                and data.get("connected") is not True)

    def wait(self, event: str, chat_id: str, timeout: float = 300) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for at, name, data in self.seen:
                    if name == event and self._matches(data, chat_id):
                        return at
            time.sleep(0.02)
        raise RuntimeError(f"no {event} for {chat_id}")


def silent_chatter(url: str) -> tuple[websocket.WebSocket, str]:
    """A raw Engine.IO client that starts a chat; the caller then stops reading."""
    ws = websocket.create_connection(
        url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket", timeout=10)
    ws.recv()
    ws.send("40/chat,")
    ws.recv()
    ws.send('42/chat,1["start",{}]')
    while True:
        frame = ws.recv()
        if frame.startswith("43/chat,1"):
            return ws, json.loads(frame[len("43/chat,1"):])[0]["chat_id"]


def chatter(url: str) -> tuple[socketio.Client, str]:
    sio = socketio.Client(reconnection=False)
    sio.connect(url, namespaces=["/chat"], transports=["websocket"], wait_timeout=10)
    return sio, sio.call("start", {}, namespace="/chat", timeout=10)["chat_id"]


def summary(values: list[float]) -> str:
    return (f"min {min(values):5.1f} s  median {statistics.median(values):5.1f} s  "
            f"max {max(values):5.1f} s  (n={len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--grace", type=int, default=10)
    args = parser.parse_args()
    from helpline.settings import Config

    with tempfile.TemporaryDirectory(prefix="helpline-faults-") as tmp:
        platform = Platform(Path(tmp), args.grace, 2 * args.rounds)
        try:
            url_b = platform.start_server("b")
            silent, noticed, ended = [], [], []
            for i in range(args.rounds):
                therapist = Therapist(url_b, f"t{i}")
                ws, chat_id = silent_chatter(url_b)
                quiet_since = time.monotonic()
                silent.append(therapist.wait("chatter_connection", chat_id) - quiet_since)
                ws.close()
                therapist.close()
            for i in range(args.rounds):
                therapist = Therapist(url_b, f"t{args.rounds + i}")
                url_a = platform.start_server("a")
                sio, chat_id = chatter(url_a)
                therapist.wait("chat_assigned", chat_id)
                killed = time.monotonic()
                platform.kill("a")
                noticed.append(therapist.wait("chatter_connection", chat_id) - killed)
                ended.append(therapist.wait("chat_ended", chat_id) - killed)
                sio.disconnect()
                therapist.close()
        finally:
            platform.stop()
    print(f"settings: ping interval {Config.PING_INTERVAL_SECONDS} s, timeout "
          f"{Config.PING_TIMEOUT_SECONDS} s; heartbeat {Config.HEARTBEAT_SECONDS} s, "
          f"TTL {Config.PROCESS_TTL_SECONDS} s; resume grace {args.grace} s")
    print(f"silent client dropped after        {summary(silent)}  (bound 15 s)")
    print(f"dead server's chatter dropped after {summary(noticed)}  (bound 20 s)")
    print(f"dead server's chat ended after      {summary(ended)}  (bound 20 s + grace)")


if __name__ == "__main__":
    main()
