"""Embedded Redis figures: server start time, and Redis memory of a chat at its byte budget.

    .venv/bin/python bench/redis_memory.py [extra redis-server binaries...]

Start time: from spawning the server (as helpline/server/redis_server.py does) to the first PING
answered over its socket, 5 starts each. Memory: `MEMORY USAGE` of a chat's stream and
hash after filling it through `store.post_message` until it refuses (docs/operations.md).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpline.chat import store  # noqa: E402
from helpline.queue import keys  # noqa: E402
from helpline.server import redis_server  # noqa: E402


def start_times(binary: str, runs: int = 5) -> tuple[str, float, float]:
    times, version = [], "?"
    for _ in range(runs):
        workdir = tempfile.mkdtemp()
        sock = f"{workdir}/s.sock"
        began = time.perf_counter()
        proc = subprocess.Popen([binary, "--port", "0", "--unixsocket", sock, "--save", "",
                                 "--appendonly", "no", "--dir", workdir],
                                stdout=subprocess.DEVNULL)
        client = redis.Redis(unix_socket_path=sock)
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.002)
        times.append(time.perf_counter() - began)
        info = client.info("server")
        version = info.get("valkey_version") or info["redis_version"]
        proc.terminate()
        proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)
    times.sort()
    return version, times[0] * 1000, times[len(times) // 2] * 1000


def filled_chat(r: redis.Redis, text: str, sides: list[str]) -> tuple[int, float]:
    """Messages stored and KiB used by one chat filled to its budget on `sides`."""
    chat_id, _ = store.create_chat(r, None, None, "en", 1.0, 3600)
    if sides != ["chatter-waiting"]:
        r.hset(keys.chat(chat_id), "state", "active")
    count = 0
    for side in sides:
        sender = "chatter" if side == "chatter-waiting" else side
        try:
            while True:
                store.post_message(r, chat_id, sender, text, 2.0, 3600,
                                   "" if sender == "chatter" else "Anna")
                count += 1
        except store.ChatError:
            pass
    used = r.memory_usage(keys.messages(chat_id), samples=0) + r.memory_usage(
        keys.chat(chat_id), samples=0)
    return count, used / 1024


def main(extra: list[str]) -> None:
    binaries = [b for b in [shutil.which("valkey-server"), shutil.which("redis-server"), *extra]
                if b]
    print("server start to first PING (5 starts):")
    for binary in binaries:
        version, low, median = start_times(binary)
        print(f"  {binary}: version {version}, min {low:.0f} ms, median {median:.0f} ms")
    proc, url = redis_server.start_embedded_redis()
    try:
        r = redis.Redis.from_url(url, decode_responses=True)
        print("one chat filled to its budget (default Budget):")
        three = ["chatter", "therapist", "colleague"]
        for label, text, sides in [
            ("three sides, 2,000-char messages", "x" * 2000, three),
            ("three sides, 80-byte messages", "x" * 80, three),
            ("two sides, 2,000-char messages", "x" * 2000, three[:2]),
            ("waiting chatter, 2,000-char messages", "x" * 2000, ["chatter-waiting"]),
        ]:
            count, kib = filled_chat(r, text, sides)
            print(f"  {label}: {count} messages, {kib:.0f} KiB")
    finally:
        redis_server.stop_embedded_redis(proc)


if __name__ == "__main__":
    main(sys.argv[1:])
