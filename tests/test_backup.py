"""deploy/backup and deploy/restore against a real PostgreSQL (127.0.0.1:5432, user
postgres, trust): a staff account with two-factor sign-in and a follow-up code survive a
dump into a new database, with the same SECRET_KEY, through the sign-in and the chatter's
`start`. Two databases of its own, dropped at the end. Skipped only when PostgreSQL or its
client tools are missing and CI is not set."""

from __future__ import annotations

import os
import secrets
import shutil
import stat
import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from helpline import create_app
from helpline.availability import gate
from helpline.extensions import db
from helpline.records import followup
from tests import totp
from tests.clock import Clock
from tests.conftest import PASSWORD, ROOT, add_staff, chatter_client

pytestmark = [pytest.mark.timeout(240), pytest.mark.once]  # once: see tests/conftest.py
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
BACKUP, RESTORE = ROOT / "deploy" / "backup", ROOT / "deploy" / "restore"


def psql(sql: str) -> None:
    subprocess.run(["psql", "-X", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres",
                    "-v", "ON_ERROR_STOP=1", "-c", sql],
                   check=True, capture_output=True, timeout=60)


@pytest.fixture
def two_databases():
    """Two new, empty databases (their URLs); dropped afterwards."""
    missing = [tool for tool in ("psql", "pg_dump", "pg_restore") if not shutil.which(tool)]
    problem = f"{', '.join(missing)} not installed (postgresql-client)" if missing else None
    names = [f"hl_backup_{secrets.token_hex(4)}_{side}" for side in "ab"]
    if not problem:
        try:
            for name in names:
                psql(f'CREATE DATABASE "{name}"')
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            problem = f"no PostgreSQL on 127.0.0.1:5432 for user postgres ({type(exc).__name__})"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    try:
        yield [f"{SERVER}/{name}" for name in names]
    finally:
        for name in names:
            psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(script, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """A deploy script as an operator runs it: umask 022, so only the script keeps it private."""
    return subprocess.run(["bash", "-c", 'umask 022 && exec "$@"', "-", str(script), *args],
                          env={**os.environ, **(env or {})}, capture_output=True, text=True,
                          timeout=120, check=False)


def test_a_restored_backup_signs_in_with_two_factor_and_keeps_follow_up_codes(
        two_databases, redis_url, tmp_path):
    original, copy = two_databases
    secret = secrets.token_urlsafe(48)
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": original,
                                           "REDIS_URL": redis_url, "SECRET_KEY": secret})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        staff = add_staff("restored_sup", "supervisor", None, True)  # with tests.totp.SECRET
        today = gate.today()
        issued = followup.issue(db.session, secret, staff.id, today - timedelta(days=1),
                                today + timedelta(days=1))
        db.session.remove()
        db.engine.dispose()

    env_file = tmp_path / "helpline.env"
    env_file.write_text(f"HELPLINE_ENV=production\nDATABASE_URL={original}\n"
                        f"SECRET_KEY={secret}\nexport TOTP_ENCRYPTION_KEYS='k1:abc'\n")
    dumps = tmp_path / "dumps"
    dumps.mkdir(mode=0o755)
    dumps.chmod(0o755)  # world-readable: the file itself must not be
    made = run(BACKUP, "--env", str(env_file), str(dumps))
    assert made.returncode == 0, made.stderr
    [dump] = list(dumps.iterdir())  # no partial file left beside it
    assert dump.name.startswith("helpline-") and dump.name.endswith("Z.dump")
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    assert "SECRET_KEY, TOTP_ENCRYPTION_KEYS" in made.stdout  # names, never values
    assert secret not in made.stdout + made.stderr
    assert "Nothing from Redis" in made.stdout

    refused = run(RESTORE, str(dump), env={"DATABASE_URL": original})
    assert refused.returncode == 1 and "refusing" in refused.stderr
    restored = run(RESTORE, str(dump), env={"DATABASE_URL": copy})
    assert restored.returncode == 0, restored.stderr

    clock = Clock()
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": copy, "CLOCK": clock,
                                           "REDIS_URL": redis_url, "SECRET_KEY": secret})
    r = app.extensions["helpline_redis"]
    r.flushdb()
    try:
        http = app.test_client()
        asked = http.post("/staff/login", data={"username": "restored_sup",
                                                "password": PASSWORD})
        assert "/staff/login/code" in asked.headers["Location"]
        signed = http.post("/staff/login/code",
                           data={"code": totp.next_code("restored_sup", clock)})
        assert signed.status_code == 302 and "/staff/login" not in signed.headers["Location"]
        assert http.get("/staff/").status_code == 200

        chatter = chatter_client(app)
        back = chatter.emit("start", {"follow_up_code": issued.code}, namespace="/chat",
                            callback=True)
        assert back["ok"], back
        chatter.disconnect("/chat")
        with app.app_context():
            used = db.session.scalar(sa.select(followup.FollowUpCode.used_at))
            assert used is not None
    finally:
        r.flushdb()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
