"""Unbound extensions, bound to an app in create_app (no app exists at import time)."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base for every SQL model."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
socketio = SocketIO()


@event.listens_for(Engine, "connect")
def _sqlite_write_ahead_log(dbapi_connection, _record) -> None:
    """SQLite files in WAL mode: the server processes and the worker share one file, and in
    the default rollback journal a reader in one blocks a writer in another. SQLite waits
    for a lock inside C, which stops every greenlet of the waiting process, and after its
    timeout fails the step (`internal`). With WAL, readers and the one writer never wait
    for each other. In-memory databases keep their own mode; other databases are untouched."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")  # kept in the file; synchronous stays FULL
    finally:
        cursor.close()
