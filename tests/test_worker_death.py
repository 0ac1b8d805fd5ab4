"""A worker killed (SIGKILL) in the middle of a job: a new worker runs the job again."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpline import create_app, timers
from helpline.chat import store
from helpline.extensions import db
from helpline.queue import keys
from helpline.realtime import live
from tests.conftest import ROOT, eventually, other_db, run_jobs

pytestmark = [pytest.mark.timeout(120), pytest.mark.once]  # once: see tests/conftest.py


@pytest.fixture
def worker_app(tmp_path, redis_url):
    database = f"sqlite:///{tmp_path / 'worker.sqlite'}"
    app = create_app("testing", overrides={"REDIS_URL": other_db(redis_url, 6),
                                           "SQLALCHEMY_DATABASE_URI": database,
                                           "LINE_BROADCAST_DELAY": 0})
    app.extensions["helpline_redis"].flushdb()
    with app.app_context():
        db.create_all()
    yield app
    app.extensions["helpline_redis"].flushdb()


def start_worker(app, tmp_path) -> subprocess.Popen:
    env = {**os.environ, "REDIS_URL": app.config["REDIS_URL"], "HELPLINE_ENV": "development",
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "SECRET_KEY": "worker-test-secret-" + "x" * 32}
    log = (tmp_path / "worker.log").open("ab")
    return subprocess.Popen([sys.executable, "app.py", "worker"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


def _state_and_parent(pid: int) -> tuple[str, int] | None:
    """A process's state letter and parent pid from /proc (no extra dependency)."""
    try:
        fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[1])


def _running(pid: int) -> bool:
    found = _state_and_parent(pid)
    return found is not None and found[0] != "Z"  # a zombie has stopped


def _children(pid: int) -> list[int]:
    stats = {int(p.name): _state_and_parent(int(p.name))
             for p in Path("/proc").iterdir() if p.name.isdigit()}
    return [child for child, found in stats.items()
            if found is not None and found[0] != "Z" and found[1] == pid]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal")
def test_the_workers_scheduler_stops_when_the_worker_is_killed(worker_app, tmp_path):
    """RQ runs its scheduler in a forked child: `kill -9` of the worker must not leave it."""
    worker = start_worker(worker_app, tmp_path)
    try:
        eventually(lambda: _children(worker.pid), timeout=30, what="the scheduler's start")
        [scheduler] = _children(worker.pid)
    finally:
        worker.kill()
        worker.wait()
    eventually(lambda: not _running(scheduler), timeout=30, what="the scheduler stopping")


def test_a_timer_whose_worker_was_killed_mid_job_runs_again(worker_app, tmp_path):
    """The timer stays planned while its job runs: killed with its worker, it is due again
    when the lease runs out, and the next worker runs it."""
    app, r = worker_app, worker_app.extensions["helpline_redis"]
    with app.app_context():
        chat_id, _ = store.create_chat(r, None, None, "en", live.now(), 3600)
        store.set_connection(r, chat_id, "s1")
        since = live.now()
        store.mark_disconnected(r, chat_id, "s1", since)
        member = timers.later(0, "end_if_still_gone", chat_id, since)
        taken_at = time.time()
        assert timers.take(r, member, taken_at)  # as the pump does, then queued:
        timers.queue().enqueue("tests.held_job.held_timer", member)
    worker = start_worker(app, tmp_path)
    try:
        eventually(lambda: r.get("test:runs") == "1", timeout=60, what="the job's start")
    finally:
        worker.kill()  # SIGKILL mid-job: nobody will finish it
        worker.wait()
    assert [t.member for t in timers.planned(r)] == [member]  # not lost
    with app.app_context():
        assert timers.pump(r, time.time()) == 0  # held by the dead job for the lease
        assert timers.pump(r, taken_at + timers.lease_seconds() + 1) == 1  # (time passed)
    run_jobs(app, include_scheduled=False)  # the next worker
    assert store.get_chat(r, chat_id)["end_reason"] == "connection_lost"
    assert r.zscore(keys.LINE, chat_id) is None
    assert timers.planned(r) == []
