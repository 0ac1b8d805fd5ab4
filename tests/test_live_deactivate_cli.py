"""Issue 7, point 6: `flask users deactivate` without REDIS_URL (the embedded default)
reaches the running platform: the console is closed and the therapist is off duty."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import redis as redis_lib
import requests

from helpline import create_app
from helpline.extensions import db
from helpline.records.models import Staff
from tests.conftest import ROOT, add_staff, free_port
from tests.peers import sign_in

# Its own SQLite file and its own embedded Redis: the same in either half (tests/conftest.py).
pytestmark = pytest.mark.once


def embedded_env(tmp_path, database_url: str) -> dict:
    """The README's set-up: no REDIS_URL; the live file kept in the test's folder."""
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    return {**env, "DATABASE_URL": database_url, "LIVE_REDIS_FILE": str(tmp_path / "live-redis"),
            "SECRET_KEY": "live-test-secret-" + "x" * 32, "HELPLINE_ENV": "development",
            "CHAT_ALWAYS_OPEN": "1", "PYTHONUNBUFFERED": "1",
            "SCRUBBER_PRELOAD": "0",  # no note is filed: no 10-30 s start loading spaCy
            # a loaded test box's lag must not refuse the test's own sockets (as LiveServers)
            "OVERLOAD_LAG_MS": "0"}


def cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", "users", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def healthy(url: str) -> bool:
    try:
        return requests.get(url + "/healthz", timeout=1).ok
    except requests.ConnectionError:
        return False


def wait_until(check, timeout=10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_cli_deactivate_reaches_the_embedded_redis(tmp_path, redis_url, peers):
    database_url = f"sqlite:///{tmp_path / 'helpline.sqlite'}"
    setup = create_app("testing", overrides={"REDIS_URL": redis_url,
                                             "SQLALCHEMY_DATABASE_URI": database_url})
    with setup.app_context():
        db.create_all()
        anna_id = add_staff("anna", "therapist", "Anna", False).id
        add_staff("ben", "therapist", "Ben", False)
    env = embedded_env(tmp_path, database_url)
    port = free_port()
    log = tmp_path / "serve.log"
    server = subprocess.Popen([sys.executable, "app.py", "serve", "--port", str(port)],
                              cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_until(lambda: healthy(url), timeout=120), log.read_text()[-2000:]
        live_file = tmp_path / "live-redis"
        assert oct(live_file.stat().st_mode & 0o777) == "0o600"
        r = redis_lib.Redis.from_url(live_file.read_text().strip(), decode_responses=True)
        anna = peers(url, "/staff", cookie=sign_in(url, "anna")[1])
        anna.wait_for("state")
        assert anna.call("duty", {"on": True, "capacity": 1})["ok"]
        assert r.sismember("hl:duty", str(anna_id))

        done = cli(env, "deactivate", "anna")
        assert done.returncode == 0 and "back in the line" in done.stdout, done.stdout + done.stderr
        anna.wait_for("signed_out", lambda d: d["reason"] == "deactivated")
        assert wait_until(lambda: not anna.sio.connected)
        assert not r.sismember("hl:duty", str(anna_id))
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert wait_until(lambda: not (tmp_path / "live-redis").exists())

    # No platform running: said so, and the account is still blocked in SQL.
    alone = cli(env, "deactivate", "ben")
    assert alone.returncode == 0 and "no running platform" in alone.stdout, alone.stdout
    with setup.app_context():
        assert not db.session.scalar(db.select(Staff).where(Staff.username == "ben")).active
        db.engine.dispose()
