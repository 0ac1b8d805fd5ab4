"""The embedded Redis for the one-command default: the machine's own server on a private socket.

The server binary is, in order: HELPLINE_REDIS_SERVER, `valkey-server` or `redis-server`
on PATH (the distribution's package, which gets its security updates; `make run` installs
Debian's `redis-server` when neither is there). Why not a wheel: docs/architecture.md.

It dies with the process that started it (a parent-death signal), and every start first
stops what an earlier run left behind: each run keeps its server in its own directory
under RUNS_DIR with a pid file naming the server and its owner.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

from ..settings import setting

PR_SET_PDEATHSIG = 1
DEFAULT_MAXMEMORY = "256mb"


def redis_executable() -> str:
    """Path of the server binary: the setting, else the machine's valkey or redis server."""
    chosen = os.environ.get("HELPLINE_REDIS_SERVER") or shutil.which("valkey-server") \
        or shutil.which("redis-server")
    if not chosen:
        raise RuntimeError("no redis-server or valkey-server found: apt-get install "
                           "redis-server, or set HELPLINE_REDIS_SERVER, or set REDIS_URL")
    return chosen


def runs_dir() -> Path:
    """Where each run's embedded server lives (private to this user)."""
    path = Path(tempfile.gettempdir()) / f"helpline-embedded-redis-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def die_with_parent(sig: int = signal.SIGKILL):
    """A preexec_fn: the child gets `sig` when its parent dies, even by `kill -9`.

    Linux ties the signal to the thread that started the child: start from the main thread.
    """
    if not sys.platform.startswith("linux"):
        return None  # no parent-death signal there: the start-up sweep still applies
    parent = os.getpid()

    def preexec() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), sig)

    return preexec


def _start_time(pid: int) -> str | None:
    """The kernel's start time of a process (tells a reused pid from the original)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def stop_stale_servers(base: Path | None = None) -> int:
    """Stop every embedded server whose owner is gone; return how many were still running."""
    stopped = 0
    for pidfile in (base or runs_dir()).glob("*/redis.pid"):
        fields = dict(line.split("=", 1) for line in pidfile.read_text().split() if "=" in line)
        owner, owner_start = int(fields.get("owner", "0")), fields.get("owner_start")
        if owner and _start_time(owner) == owner_start:
            continue  # its run is alive: not ours to stop
        server = int(fields.get("server", "0"))
        sock = str(pidfile.parent / "redis.sock")
        if server and _start_time(server) == fields.get("server_start") \
                and sock in _cmdline(server):  # really that run's server, not a reused pid
            os.kill(server, signal.SIGKILL)
            stopped += 1
        shutil.rmtree(pidfile.parent, ignore_errors=True)
    return stopped


def start_embedded_redis(directory: str | None = None, maxmemory: str = DEFAULT_MAXMEMORY,
                         ) -> tuple[subprocess.Popen, str]:
    """Start a server on a private unix socket with persistence off and return its URL.

    Nothing is saved to disk (`save ""`, `appendonly no`): live chat messages never touch a
    disk, at the price that restarting Redis ends every live chat. `maxmemory` with
    `noeviction` makes a full server refuse writes instead of the machine running out.
    """
    stop_stale_servers()
    workdir = Path(directory) if directory else Path(tempfile.mkdtemp(dir=runs_dir()))
    workdir.mkdir(parents=True, exist_ok=True)
    os.chmod(workdir, 0o700)
    sock = workdir / "redis.sock"
    proc = subprocess.Popen(
        [
            redis_executable(), "--port", "0", "--unixsocket", str(sock),
            "--unixsocketperm", "700", "--save", "", "--appendonly", "no",
            "--maxmemory", maxmemory, "--maxmemory-policy", "noeviction",
            "--dir", str(workdir), "--loglevel", "warning", "--logfile", "",
        ],
        stdout=subprocess.DEVNULL,
        # Its own session: Ctrl-C reaches the parent, which stops the worker before Redis.
        start_new_session=True,
        preexec_fn=die_with_parent(signal.SIGKILL),  # nothing to save: no need to be polite
    )
    proc.workdir = workdir
    _write_pidfile(workdir, proc.pid)
    _wait_until_up(proc, sock)
    atexit.register(stop_embedded_redis, proc)
    return proc, f"unix://{sock}"


def _write_pidfile(workdir: Path, server: int) -> None:
    owner = os.getpid()
    (workdir / "redis.pid").write_text(
        f"server={server}\nserver_start={_start_time(server)}\n"
        f"owner={owner}\nowner_start={_start_time(owner)}\n")


def _wait_until_up(proc: subprocess.Popen, sock: Path) -> None:
    client = redis.Redis(unix_socket_path=str(sock))
    deadline = time.monotonic() + 10
    while True:
        try:
            if client.ping():
                break
        except redis.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the embedded redis-server did not start") from None
            time.sleep(0.02)
    client.close()


def live_file() -> Path:
    """Where a running platform tells its embedded Redis URL (LIVE_REDIS_FILE)."""
    return Path(setting("LIVE_REDIS_FILE"))


def running_url() -> str | None:
    """The URL of a running platform's embedded Redis on this machine, if it answers."""
    try:
        url = live_file().read_text().strip()
    except OSError:
        return None
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, ValueError):
        return None
    return url


def running_or_embedded(maxmemory: str = DEFAULT_MAXMEMORY) -> tuple[str, bool]:
    """The running platform's Redis, or a new embedded one; True if it was started here."""
    url = running_url()
    if url:
        return url, False
    return start_embedded_redis(maxmemory=maxmemory)[1], True


def publish_url(url: str) -> None:
    """Tell CLI commands this platform's Redis: an owner-only file, removed at exit.

    Written to a new owner-only file, then renamed over any stale one, so it is never
    readable by others, not even for a moment."""
    path = live_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(url + "\n")
    os.replace(tmp, path)
    atexit.register(_unpublish, path, url)


def _unpublish(path: Path, url: str) -> None:
    try:
        if path.read_text().strip() == url:
            path.unlink()
    except OSError:
        pass


def stop_embedded_redis(proc: subprocess.Popen) -> None:
    """Stop the embedded server without saving (SIGTERM; persistence is off); tidy up."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
    workdir = getattr(proc, "workdir", None)
    if workdir is not None and workdir.parent == runs_dir():
        shutil.rmtree(workdir, ignore_errors=True)
    elif workdir is not None:
        (workdir / "redis.pid").unlink(missing_ok=True)
