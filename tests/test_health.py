"""/livez and /readyz (alias /healthz): a load balancer routes around a process that cannot
serve, and learns which part is down, nothing more (issue 16)."""

from __future__ import annotations

from helpline import create_app
from helpline.queue import keys
from helpline.server import heartbeat


def test_live_and_ready_when_every_part_answers(app):
    http = app.test_client()
    assert http.get("/livez").json == {"ok": True}
    for path in ("/readyz", "/healthz"):
        answer = http.get(path)
        assert answer.status_code == 200 and answer.json == {"ok": True}


def test_not_ready_while_sql_does_not_answer(redis_url):
    app = create_app("testing", overrides={
        "REDIS_URL": redis_url,
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    http = app.test_client()
    answer = http.get("/readyz")
    assert answer.status_code == 503 and answer.json == {"ok": False, "sql": "down"}
    assert http.get("/livez").status_code == 200  # alive: no reason to restart it


def test_not_ready_while_the_heartbeat_is_stale(app, r):
    app.extensions["helpline_heartbeat"] = True  # as in a server process
    http = app.test_client()
    with app.app_context():
        proc = heartbeat.process_id()
    answer = http.get("/readyz")
    assert answer.status_code == 503 and answer.json == {"ok": False, "heartbeat": "stale"}
    r.set(keys.process(proc), "1")
    assert http.get("/readyz").json == {"ok": True}


def test_not_ready_while_stopping(app):
    app.extensions["helpline_draining"] = True  # SIGTERM received (runner.graceful_stop)
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503 and answer.json == {"ok": False, "stopping": True}
    assert app.test_client().get("/livez").status_code == 200
