"""Alembic migrations build exactly the schema the models describe (SQLite and PostgreSQL)."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from cryptography.fernet import Fernet
from flask_migrate import downgrade, upgrade

from helpline import create_app
from helpline.extensions import db
from helpline.settings import ROOT
from tests import totp


def test_upgrade_matches_models_and_downgrades(tmp_path, redis_url):
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path / 'migrated.sqlite'}"
    app = create_app("testing", overrides={"REDIS_URL": redis_url,
                                           "SQLALCHEMY_DATABASE_URI": url})
    directory = str(ROOT / "migrations")
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(directory=directory)
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == []
        downgrade(directory=directory, revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_migrating_keeps_the_apps_own_loggers(tmp_path, redis_url):
    """`make run` migrates inside the platform: the app's log must still work after it."""
    import logging

    app = create_app("testing", overrides={
        "REDIS_URL": redis_url, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'log.sqlite'}"})
    ours = [logging.getLogger(name) for name in ("helpline", "helpline.jobs")]
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()
    assert [logger.disabled for logger in ours] == [False, False]


def test_one_time_passwords_issued_before_0009_expire_from_the_upgrade_on(tmp_path, redis_url):
    """Migration 0009 stamps the one-time passwords it finds, so none stays valid forever."""
    url = f"sqlite:///{tmp_path / 'stamp.sqlite'}"
    app = create_app("testing", overrides={"REDIS_URL": redis_url,
                                           "SQLALCHEMY_DATABASE_URI": url})
    directory = str(ROOT / "migrations")
    with app.app_context():
        upgrade(directory=directory, revision="0008")
        with db.engine.begin() as conn:
            for name, one_time in (("ben", True), ("anna", False)):
                conn.execute(sa.text(
                    "INSERT INTO staff (username, display_name, password_hash, role, active, "
                    "session_version, created_at, must_change_password) VALUES "
                    "(:n, :n, 'x', 'therapist', 1, 1, '2026-01-01', :m)"),
                    {"n": name, "m": one_time})
        upgrade(directory=directory)
        with db.engine.connect() as conn:
            stamped = dict(conn.execute(sa.text(
                "SELECT username, one_time_password_at IS NOT NULL FROM staff")).all())
        db.engine.dispose()
    assert stamped == {"ben": 1, "anna": 0}


def _schema(engine) -> dict:
    """Every table's columns with their types and nullability, as the database has them."""
    inspector = sa.inspect(engine)
    return {table: sorted((c["name"], str(c["type"]), c["nullable"])
                          for c in inspector.get_columns(table))
            for table in inspector.get_table_names() if table != "alembic_version"}


def _current(engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_every_migration_downgrades_one_step_and_upgrades_again(tmp_path, redis_url):
    """Up one revision at a time; at each, one step down must give back the schema it
    started from and the step up must then work again; at the top, down one step at a
    time to an empty database. A rollback may need any of these downgrades."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path / 'steps.sqlite'}"
    app = create_app("testing", overrides={"REDIS_URL": redis_url,
                                           "SQLALCHEMY_DATABASE_URI": url})
    directory = str(ROOT / "migrations")
    revisions = [(s.revision, s.down_revision)
                 for s in reversed(list(ScriptDirectory(directory).walk_revisions()))]
    assert [r for r, _ in revisions][:1] == ["0001"] and len(revisions) >= 10
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        for revision, previous in revisions:
            before = _schema(db.engine)
            upgrade(directory=directory, revision=revision)
            after = _schema(db.engine)
            downgrade(directory=directory, revision="-1")
            assert (_current(db.engine), _schema(db.engine)) == (previous, before), revision
            upgrade(directory=directory, revision=revision)
            assert (_current(db.engine), _schema(db.engine)) == (revision, after), revision
        for revision, previous in reversed(revisions):
            assert _current(db.engine) == revision
            downgrade(directory=directory, revision="-1")
            assert _current(db.engine) == previous
        assert _schema(db.engine) == {}
        db.engine.dispose()


@pytest.mark.once
def test_0010_encrypts_clear_two_factor_secrets_and_its_downgrade_decrypts_them(tmp_path,
                                                                                  redis_url):
    """With the key of the process that migrates; a downgrade without that key stops
    before it changes anything."""
    key = Fernet.generate_key().decode()
    app = create_app("testing", overrides={
        "REDIS_URL": redis_url, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 't.sqlite'}",
        "TOTP_ENCRYPTION_KEYS": key})
    directory = str(ROOT / "migrations")

    def secrets() -> dict:
        with db.engine.connect() as conn:
            return dict(conn.execute(sa.text("SELECT username, totp_secret FROM staff")).all())

    with app.app_context():
        upgrade(directory=directory, revision="0009")
        with db.engine.begin() as conn:
            for name, secret in (("sam", totp.SECRET), ("ben", None)):
                conn.execute(sa.text(
                    "INSERT INTO staff (username, display_name, password_hash, role, active, "
                    "session_version, created_at, must_change_password, totp_secret) VALUES "
                    "(:n, :n, 'x', 'supervisor', 1, 1, '2026-01-01', 0, :s)"),
                    {"n": name, "s": secret})
        upgrade(directory=directory, revision="0010")
        encrypted = secrets()
        upgrade(directory=directory, revision="0010")  # again: nothing encrypted twice
        assert secrets() == encrypted
        app.config["TOTP_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
        with pytest.raises(SystemExit, match="0010 downgrade: a two-factor secret cannot be"):
            downgrade(directory=directory, revision="0009")
        assert (_current(db.engine), secrets()) == ("0010", encrypted)
        app.config["TOTP_ENCRYPTION_KEYS"] = key
        downgrade(directory=directory, revision="0009")
        decrypted = secrets()
        db.engine.dispose()
    assert encrypted["ben"] is None and encrypted["sam"].startswith("gAAAAA")
    assert totp.SECRET not in encrypted["sam"]
    assert Fernet(key).decrypt(encrypted["sam"].encode()).decode() == totp.SECRET
    assert decrypted == {"sam": totp.SECRET, "ben": None}
