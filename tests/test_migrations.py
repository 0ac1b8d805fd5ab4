"""Alembic migrations build exactly the schema the models describe (SQLite and PostgreSQL)."""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from helpline import create_app
from helpline.extensions import db
from helpline.settings import ROOT


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
