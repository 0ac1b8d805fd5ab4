"""A worker killed (SIGKILL) in the middle of a job: a new worker runs the job again."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry, StartedJobRegistry
from rq.serializers import JSONSerializer

from helpline import create_app, timers
from helpline.chat import store
from helpline.extensions import db
from helpline.queue import keys
from helpline.realtime import live
from tests.conftest import ROOT, eventually, other_db, run_jobs
from tests.held_job import RELEASE_KEY, held_grace_check

pytestmark = pytest.mark.timeout(120)


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


def test_a_job_killed_with_its_worker_runs_again_on_a_new_worker(worker_app, tmp_path):
    app, r = worker_app, worker_app.extensions["helpline_redis"]
    with app.app_context():
        chat_id, _ = store.create_chat(r, None, None, "en", live.now(), 3600)
        store.set_connection(r, chat_id, "s1")
        since = live.now()
        store.mark_disconnected(r, chat_id, "s1", since)
        timers.later(timedelta(0), held_grace_check, chat_id, since)
    worker = start_worker(app, tmp_path)
    try:
        deadline = time.monotonic() + 60
        while r.get("test:runs") != "1" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert r.get("test:runs") == "1", (tmp_path / "worker.log").read_text()[-2000:]
    finally:
        worker.kill()  # SIGKILL mid-job: the job stays "started" with nobody running it
        worker.wait()
    with app.app_context():
        queue = timers.queue()
        started = StartedJobRegistry(queue=queue)
        [job_id] = [i.split(":")[0] for i in started.get_job_ids()]
        # A new worker's maintenance finds it once the dead worker's heartbeat lapsed:
        started.cleanup(timestamp=time.time() + 3600)  # (time passed)
        assert FailedJobRegistry(queue=queue).get_job_ids() == []
    r.set(RELEASE_KEY, "1")
    run_jobs(app)  # the new worker
    assert r.get("test:runs") == "2"
    assert store.get_chat(r, chat_id)["end_reason"] == "connection_lost"
    assert r.zscore(keys.LINE, chat_id) is None
    # It finished this time: a successful job's record is deleted at once (result_ttl=0).
    with pytest.raises(NoSuchJobError):
        Job.fetch(job_id, connection=app.extensions["helpline_rq_redis"],
                  serializer=JSONSerializer)
