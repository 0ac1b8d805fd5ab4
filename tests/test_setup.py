"""Issue 18: `flask --app app setup` (one set-up, safe to run twice) and the refusals at
start: one line on stderr naming the setting and what to do, never a traceback."""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis as redis_lib
from alembic.script import ScriptDirectory
from cryptography.fernet import Fernet

from helpline import create_app
from helpline.extensions import db
from helpline.server import redis_server, setup
from helpline.settings import Refusal
from tests.conftest import ROOT

pytestmark = pytest.mark.once  # own SQLite files, own Redis servers: tests/conftest.py

SETUP = "`flask --app app setup`"


def setup_app(tmp_path, redis_url):
    return create_app("testing", overrides={
        "REDIS_URL": redis_url, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'h.sqlite'}"})


def dump(tmp_path) -> list[str]:
    with sqlite3.connect(tmp_path / "h.sqlite") as conn:
        return list(conn.iterdump())


def test_setup_twice_does_everything_once_then_says_it_was_done(tmp_path, redis_url,
                                                                 monkeypatch):
    monkeypatch.delenv("HELPLINE_ENV", raising=False)
    app = setup_app(tmp_path, redis_url)
    with app.app_context(), pytest.raises(Refusal, match="not migrated, .*run `flask"):
        setup.check_database()  # what serve and worker refuse before the set-up
    first = app.test_cli_runner().invoke(args=["setup"])
    assert first.exit_code == 0, first.output
    lines = first.stdout.splitlines()
    head = ScriptDirectory(setup.MIGRATIONS).get_current_head()
    assert lines[0] == f"database: migrated to {head}"
    assert lines[1].startswith("supervisor: created 'supervisor', one-time password ")
    assert lines[2] == f"opening hours: copied from {ROOT / 'config' / 'hours.toml'}"
    assert lines[3] == "ready texts: 11 added"
    after_first = dump(tmp_path)
    second = app.test_cli_runner().invoke(args=["setup", "--supervisor", "other"])
    assert second.exit_code == 0, second.output
    assert second.stdout.splitlines() == [
        f"database: already at {head}",
        "supervisor: 1 staff account exists, none created",
        "opening hours: already set, none copied",
        "ready texts: 11 exist, none added"]
    assert dump(tmp_path) == after_first
    with app.app_context():
        assert setup.check_database() is None
        db.engine.dispose()


def test_production_writes_the_password_to_an_owner_only_file_and_never_prints_it(
        tmp_path, redis_url, monkeypatch, caplog):
    monkeypatch.setenv("HELPLINE_ENV", "production")
    app = setup_app(tmp_path, redis_url)
    app.instance_path = str(tmp_path / "instance")
    caplog.set_level(logging.DEBUG)
    result = app.test_cli_runner().invoke(args=["setup", "--supervisor", "boss"])
    assert result.exit_code == 0, result.output
    written = tmp_path / "instance" / "first-run-password"
    password = written.read_text().strip()
    assert oct(written.stat().st_mode & 0o777) == "0o600"
    assert f"supervisor: created 'boss', one-time password in {written} (owner-only" \
        in result.output
    assert password not in result.output and password not in caplog.text
    with app.app_context():
        from helpline.records.models import Staff
        assert [s.username for s in db.session.query(Staff)] == ["boss"]
        db.engine.dispose()


def test_a_password_file_left_without_any_account_is_refused_before_anything_is_made(
        tmp_path, redis_url, monkeypatch):
    """An earlier set-up's file on an emptied database: never overwritten, never an
    account whose password nobody can read."""
    monkeypatch.setenv("HELPLINE_ENV", "production")
    app = setup_app(tmp_path, redis_url)
    app.instance_path = str(tmp_path)
    (tmp_path / "first-run-password").write_text("old\n")
    result = app.test_cli_runner().invoke(args=["setup"])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"helpline: {tmp_path / 'first-run-password'} is left from an earlier set-up and there "
        f"is no staff account: delete it, then run {SETUP} again")
    assert (tmp_path / "first-run-password").read_text() == "old\n"
    with app.app_context():
        assert db.session.execute(db.text("SELECT count(*) FROM staff")).scalar() == 0
        db.engine.dispose()


# ---- refusals at start: the real entry point in a subprocess ----

def start_redis(directory: str, *args: str) -> tuple[subprocess.Popen, str]:
    """A private redis-server on a unix socket, with extra configuration."""
    sock = os.path.join(directory, "redis.sock")
    proc = subprocess.Popen([redis_server.redis_executable(), "--port", "0", "--unixsocket", sock,
                             "--unixsocketperm", "700", "--save", "", "--appendonly", "no",
                             "--dir", directory, *args], stdout=subprocess.DEVNULL)
    client = redis_lib.Redis(unix_socket_path=sock)
    deadline = time.monotonic() + 30
    while True:
        try:
            client.ping()
            return proc, f"unix://{sock}"
        except redis_lib.exceptions.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise
            time.sleep(0.05)


@pytest.fixture(scope="module")
def redises():
    """Three private Redis servers: with maxmemory, without, and with CONFIG disabled."""
    started, urls = [], {}
    for name, args in (("sized", ("--maxmemory", "64mb")), ("unsized", ("--maxmemory", "0")),
                       ("no_config", ("--maxmemory", "0", "--rename-command", "CONFIG", ""))):
        directory = tempfile.mkdtemp(prefix="hl-setup-")  # a short path for the socket
        proc, urls[name] = start_redis(directory, *args)
        started.append(proc)
    yield urls
    for proc in started:
        proc.kill()
        proc.wait()


def entry_env(**settings: str) -> dict[str, str]:
    """Only what a process needs, and the settings under test (no REDIS_URL or DATABASE_URL
    of the test run leaks in)."""
    base = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    return {**base, "PYTHONUNBUFFERED": "1", **settings}


def production(tmp_path, redis_url: str = "unix:///nonexistent/redis.sock", **more: str):
    return {"HELPLINE_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48),
            "TOTP_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite'}", "REDIS_URL": redis_url,
            "MESSAGE_KEYS_DIR": str(tmp_path / "message-keys"), **more}


def refused(args: list[str], env: dict[str, str]) -> str:
    """Run the entry point; it must exit non-zero with no traceback: its stderr."""
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    return done.stderr


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


NOT_MIGRATED = ("helpline: the database (DATABASE_URL) is not migrated, this release needs "
                f"{ScriptDirectory(setup.MIGRATIONS).get_current_head()}: run {SETUP}")


def test_settings_left_wrong_are_refused_in_one_line(tmp_path):
    serve = ["app.py", "serve"]
    changed = production(tmp_path)
    changed["DATABASE_URL"] = "postgresql://helpline:CHANGE_ME@127.0.0.1/helpline"
    placeholder = ("helpline: DATABASE_URL is still CHANGE_ME: put this install's own value "
                   "in the environment file (see deploy/helpline.env.example)")
    missing = production(tmp_path)
    del missing["DATABASE_URL"]
    cases = [  # (command, settings, the one line)
        *[(command, changed, placeholder)  # all, worker, serve
          for command in (["app.py"], ["app.py", "worker"], serve)],
        (serve, missing, "helpline: DATABASE_URL is not set: production needs it "
                         "(see deploy/helpline.env.example)"),
        (serve, production(tmp_path, HELPLINE_ENV="prod"),
         "helpline: HELPLINE_ENV must be one of development, testing, production, not 'prod'"),
        (serve, production(tmp_path, SECRET_KEY="x" * 40),  # its start
         "helpline: SECRET_KEY must use at least 10 different characters"),
        (serve, production(tmp_path, METRICS_PORT="94x"),
         "helpline: METRICS_PORT must be an integer, got '94x'"),
    ]
    # Each case is a process of its own: started side by side, they wait for each other less.
    with ThreadPoolExecutor(max_workers=len(cases)) as pool:
        said = list(pool.map(lambda case: one_line(refused(case[0], entry_env(**case[1]))),
                             cases))
    for (command, settings, expected), line in zip(cases, said, strict=True):
        whole = settings.get("SECRET_KEY") != "x" * 40  # (that line goes on with advice)
        assert line == expected if whole else line.startswith(expected), (command, line)


def test_setup_refuses_a_placeholder_too(tmp_path):
    env = entry_env(**production(tmp_path, HELPLINE_EMAIL="CHANGE_ME"))
    assert one_line(refused(["-m", "flask", "--app", "app", "setup"], env)) == (
        "helpline: HELPLINE_EMAIL is still CHANGE_ME: put this install's own value in the "
        "environment file (see deploy/helpline.env.example)")
    assert not (tmp_path / "empty.sqlite").exists()  # refused before anything was made


def test_production_refuses_a_redis_without_maxmemory(tmp_path, redises):
    env = entry_env(**production(tmp_path, redises["unsized"]))
    assert one_line(refused(["app.py", "serve"], env)) == (
        "helpline: the Redis at REDIS_URL has no maxmemory: set `maxmemory` (sized as in "
        "docs/operations.md, 'Redis memory') and `maxmemory-policy noeviction`")


def test_a_redis_that_refuses_config_is_a_warning_not_a_refusal(tmp_path, redises):
    """CONFIG renamed away: maxmemory cannot be checked, so the start goes on (here to
    the next refusal, the database)."""
    env = entry_env(**production(tmp_path, redises["no_config"]))
    lines = refused(["app.py", "serve"], env).strip().splitlines()
    assert lines == [
        "helpline: warning: cannot check the Redis maxmemory (CONFIG GET: ResponseError); "
        "make sure it is set (docs/operations.md, 'Redis memory')", NOT_MIGRATED]


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_a_database_behind_the_code_is_refused_until_setup_ran(tmp_path, redises, command):
    env = entry_env(**production(tmp_path, redises["sized"]))
    assert one_line(refused(["app.py", command], env)) == NOT_MIGRATED
