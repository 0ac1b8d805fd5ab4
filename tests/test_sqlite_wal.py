"""The SQLite default is shared by the server processes and the worker: a reader in one
must never make a writer in another wait (SQLite's wait stops a whole gevent process)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from helpline import create_app
from helpline.admin import accounts
from helpline.extensions import db
from tests.conftest import PASSWORD

pytestmark = pytest.mark.once  # the same whatever the backends: tests/conftest.py


def test_a_reader_mid_transaction_never_holds_up_a_writer(tmp_path):
    path = tmp_path / "helpline.sqlite"
    app = create_app("testing", overrides={
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
        # fail at once instead of waiting: a blocked writer shows as an error
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 0.1}}})
    with app.app_context():
        db.create_all()
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    reader = sqlite3.connect(path)  # another process's read, its transaction still open
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM staff").fetchone() == (0,)
    with app.app_context():
        accounts.create_staff(db.session, "anna", "Anna", "therapist", PASSWORD)
        assert db.session.execute(text("SELECT count(*) FROM staff")).scalar() == 1
    assert reader.execute("SELECT count(*) FROM staff").fetchone() == (0,)  # its snapshot
    reader.rollback()
    reader.close()
