"""First-run set-up and the start-up checks that need the database or Redis.

`flask --app app setup` and `python app.py` (runner.run_all) run the same steps, so a
production install and `make run` are set up in one way. Each step is safe to run again:
it does its work once and afterwards says it was already done.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass

import click
import redis
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from ..admin import accounts
from ..availability.defaults import seed_if_empty
from ..canned.models import CannedResponse
from ..canned.seed import seed as seed_ready_texts
from ..extensions import db
from ..records.models import Staff
from ..settings import ROOT, Refusal, in_production

MIGRATIONS = str(ROOT / "migrations")
SETUP_COMMAND = "flask --app app setup"
PASSWORD_FILE = "first-run-password"


@dataclass(frozen=True)
class Step:
    """One step's report: the line printed, and whether it changed anything."""

    line: str
    changed: bool


def set_up(app: Flask, supervisor: str = "supervisor") -> list[Step]:
    """Every first-run step in order (inside an app context); run again, none changes a thing."""
    return [migrate_database(), first_supervisor(app, supervisor), opening_hours(app),
            ready_texts()]


def revisions() -> tuple[str | None, str]:
    """The database's Alembic revision (None: never migrated) and the code's head."""
    head = ScriptDirectory(MIGRATIONS).get_current_head()
    quiet = logging.getLogger("alembic.runtime.migration")  # "Context impl ..." at INFO
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        with db.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision(), head
    finally:
        quiet.setLevel(level)


def migrate_database() -> Step:
    current, head = revisions()
    if current == head:
        return Step(f"database: already at {head}", False)
    upgrade(directory=MIGRATIONS)
    since = f" from {current}" if current else ""
    return Step(f"database: migrated to {head}{since}", True)


def first_supervisor(app: Flask, username: str = "supervisor") -> Step:
    """A supervisor with a one-time password when there is no staff account at all."""
    count = db.session.scalar(select(func.count()).select_from(Staff))
    if count:
        accounts_exist = "1 staff account exists" if count == 1 else \
            f"{count} staff accounts exist"
        return Step(f"supervisor: {accounts_exist}, none created", False)
    path = password_path(app)
    if in_production() and os.path.exists(path):
        raise Refusal(f"{path} is left from an earlier set-up and there is no staff account: "
                      f"delete it, then run `{SETUP_COMMAND}` again")
    try:
        password = ensure_first_supervisor(username)
    except accounts.AccountError as exc:
        raise Refusal(f"--supervisor {username!r}: {exc}") from None
    return Step(f"supervisor: created {username!r}, {first_password_note(app, password)}", True)


def ensure_first_supervisor(username: str = "supervisor") -> str | None:
    """On an empty database create the supervisor and return its one-time password."""
    if db.session.scalar(select(func.count()).select_from(Staff)):
        return None
    password = accounts.generate_password()
    accounts.create_staff(db.session, username, "Supervisor", "supervisor", password,
                          must_change=True)
    return password


def password_path(app: Flask) -> str:
    return os.path.join(app.instance_path, PASSWORD_FILE)


def first_password_note(app: Flask, password: str) -> str:
    """Development prints the one-time password; production never puts it in a log: it is
    written once to an owner-only file (created, never overwritten) and the path is shown."""
    if not in_production():
        return f"one-time password {password}"
    path = password_path(app)
    os.makedirs(app.instance_path, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(password + "\n")
    return f"one-time password in {path} (owner-only; delete it after the first sign-in)"


def opening_hours(app: Flask) -> Step:
    path = app.config["HOURS_PATH"]
    if seed_if_empty(db.session, path):
        return Step(f"opening hours: copied from {path}", True)
    return Step("opening hours: already set, none copied", False)


def ready_texts() -> Step:
    """The first ready texts, only into an empty library: a supervisor's deletions stay."""
    count = db.session.scalar(select(func.count()).select_from(CannedResponse))
    if count:
        return Step(f"ready texts: {count} exist, none added", False)
    return Step(f"ready texts: {seed_ready_texts(db.session)} added", True)


def check_database() -> str | None:
    """A server or worker refuses a database behind the code (run the set-up first).
    None when it is at the head; a warning when the database cannot be asked (it may come
    up later: the process then waits for it, as for any outage)."""
    try:
        current, head = revisions()
    except SQLAlchemyError as exc:
        return (f"warning: cannot check the database's migration ({type(exc).__name__}); "
                f"make sure `{SETUP_COMMAND}` ran for this release")
    finally:
        db.engine.dispose()  # no connection of the check is inherited by anything later
    if current != head:
        where = f"at {current}" if current else "not migrated"
        raise Refusal(f"the database (DATABASE_URL) is {where}, this release needs {head}: "
                      f"run `{SETUP_COMMAND}`")
    return None


def check_redis_memory(app: Flask) -> str | None:
    """Production refuses a Redis without `maxmemory`: it would grow until the machine
    swaps or kills it. A Redis that will not answer CONFIG (renamed, an ACL, not up yet)
    cannot be checked: a warning, not a refusal."""
    client = app.extensions["helpline_redis"]
    try:
        maxmemory = int(client.config_get("maxmemory").get("maxmemory", 0))
    except (redis.exceptions.RedisError, ValueError) as exc:
        return (f"warning: cannot check the Redis maxmemory (CONFIG GET: "
                f"{type(exc).__name__}); make sure it is set (docs/operations.md, "
                f"'Redis memory')")
    if not maxmemory:
        raise Refusal("the Redis at REDIS_URL has no maxmemory: set `maxmemory` (sized as in "
                      "docs/operations.md, 'Redis memory') and `maxmemory-policy noeviction`")
    return None


def warn(line: str | None) -> None:
    if line:
        print(f"helpline: {line}", file=sys.stderr, flush=True)


@click.command("setup")
@with_appcontext
@click.option("--supervisor", default="supervisor", show_default=True,
              help="Username of the first supervisor, made only when there is no account.")
def setup_command(supervisor: str) -> None:
    """Set up a new install or a new release: migrate the database, create the first
    supervisor, copy the first opening hours and ready texts. Safe to run again."""
    # The environment, the settings and the Redis were checked as the CLI built the app
    # (runner.checked_app, app.py's create_app); the database is what this migrates.
    app = current_app._get_current_object()
    try:
        for step in set_up(app, supervisor):
            click.echo(step.line)
    except Refusal as exc:
        raise SystemExit(f"helpline: {exc}") from None


def register_cli(app: Flask) -> None:
    app.cli.add_command(setup_command)
