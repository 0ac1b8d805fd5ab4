"""Crypto-shredding on a real SQLite file: the file never holds a message's text, and a
backup taken earlier cannot be read once its conversation ended and its epoch was
destroyed, with any key left in the key folder (helpline/messages/keys.py)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpline import create_app
from helpline.extensions import db
from helpline.messages import conversations as msg
from helpline.messages import keys
from tests.clock import Clock

pytestmark = pytest.mark.once

DAY = 86400
SENTINEL = "quokka-sentinel-5e7a je me fais du souci"
JANUARY = datetime(2027, 1, 10, 12, tzinfo=UTC).timestamp()


@pytest.fixture
def file_app(redis_url, tmp_path):
    app = create_app("testing", overrides={
        "REDIS_URL": redis_url, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'h.sqlite'}",
        "CLOCK": Clock(), "MESSAGE_KEYS_DIR": str(tmp_path / "keys")})
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def backup(app, to: Path) -> Path:
    """A consistent copy of the live database file, as a backup tool would take it."""
    source = sqlite3.connect(app.config["SQLALCHEMY_DATABASE_URI"][len("sqlite:///"):])
    target = sqlite3.connect(to)
    source.backup(target)
    source.close()
    target.close()
    return to


def readable_texts(copy: Path, folder: Path) -> list[str]:
    """Every message text of a database copy that some key file in `folder` opens, trying
    every key on disk against every conversation (an attacker's way, not the app's)."""
    keks = [path.read_bytes() for path in folder.iterdir() if path.is_file()]
    found = []
    with sqlite3.connect(copy) as conn:
        wrapped = dict(conn.execute("SELECT id, wrapped_key FROM message_conversations "
                                    "WHERE wrapped_key IS NOT NULL"))
        rows = conn.execute("SELECT conversation_id, author, ciphertext FROM message_texts")
        for conversation_id, author, sealed in rows:
            for kek in keks:
                try:
                    data_key = keys.unwrap(kek, wrapped[conversation_id], conversation_id)
                except (keys.KeyGone, KeyError):
                    continue
                found.append(keys.decrypt_text(data_key, sealed, conversation_id, author))
    return found


def raw_bytes(app) -> bytes:
    path = Path(app.config["SQLALCHEMY_DATABASE_URI"][len("sqlite:///"):])
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_the_database_file_never_holds_the_text(file_app):
    with file_app.app_context():
        conv, code = msg.write_new(db.session, JANUARY, SENTINEL, "fr")
        msg.add_writer_message(db.session, conv, SENTINEL + " encore", JANUARY + 60)
        assert len(msg.read(db.session, conv)) == 2
        db.session.remove()
        db.engine.dispose()  # closes the file: the journal is folded in
    stored = raw_bytes(file_app)
    for needle in (SENTINEL, "quokka", code, code.replace("-", "")):
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert needle.encode(encoding) not in stored


def test_an_earlier_backup_is_unreadable_after_deletion_and_epoch_destruction(file_app, tmp_path):
    folder = tmp_path / "keys"
    with file_app.app_context():
        ended, _ = msg.write_new(db.session, JANUARY, SENTINEL, "nl")
        kept, kept_code = msg.write_new(db.session, JANUARY, "blijft leesbaar", "nl")
        copy = backup(file_app, tmp_path / "backup.sqlite")
        # the test can read a backup while its key exists: it is not blind
        assert sorted(readable_texts(copy, folder)) == sorted([SENTINEL, "blijft leesbaar"])

        msg.end_by_writer(db.session, ended, JANUARY + DAY)
        assert SENTINEL in readable_texts(copy, folder)  # the epoch key still exists

        # the kept conversation stays active; January's key outlives retention + margin
        msg.add_writer_message(db.session, kept, "in februari", JANUARY + 30 * DAY)
        too_early = keys.epoch_end("2027-01") + 31 * DAY  # retention 30 + margin 2 not over
        assert msg.rotate_epochs(db.session, too_early)["epochs_destroyed"] == 0
        assert SENTINEL in readable_texts(copy, folder)

        destroy_at = keys.epoch_end("2027-01") + (30 + keys.EPOCH_MARGIN_DAYS) * DAY
        msg.add_writer_message(db.session, kept, "nog steeds", destroy_at - DAY)
        done = msg.rotate_epochs(db.session, destroy_at)
        assert done == {"rewrapped": 1, "unreadable": 0, "epochs_destroyed": 1}
        assert keys.epochs_on_disk(folder) == ["2027-03"]  # the month of destroy_at

        assert readable_texts(copy, folder) == []  # no key left opens the backup
        live = msg.open_with_code(db.session, kept_code, destroy_at)
        assert [e.text for e in msg.read(db.session, live)] == [
            "blijft leesbaar", "in februari", "nog steeds"]
        assert msg.rotate_epochs(db.session, destroy_at) == {
            "rewrapped": 0, "unreadable": 0, "epochs_destroyed": 0}


def test_a_backup_of_a_conversation_expired_by_retention_is_unreadable_too(file_app, tmp_path):
    folder = tmp_path / "keys"
    with file_app.app_context():
        msg.write_new(db.session, JANUARY, SENTINEL, "en")
        copy = backup(file_app, tmp_path / "backup.sqlite")
        later = keys.epoch_end("2027-01") + (30 + keys.EPOCH_MARGIN_DAYS) * DAY
        assert msg.expire_due(db.session, later)["expired"] == 1
        assert SENTINEL in readable_texts(copy, folder)
        assert msg.rotate_epochs(db.session, later)["epochs_destroyed"] == 1
        assert readable_texts(copy, folder) == []
        assert list(folder.iterdir()) == []  # nothing live: no new epoch was made


def test_two_processes_making_an_epoch_key_agree(tmp_path):
    """Both callers get the same key: the file is linked into place only if absent."""
    first = keys.kek(tmp_path / "k", "2027-01", create=True)
    assert keys.kek(tmp_path / "k", "2027-01", create=True) == first
    assert [p.name for p in (tmp_path / "k").iterdir()] == ["2027-01.key"]
    with pytest.raises(keys.KeyGone):
        keys.kek(tmp_path / "k", "2027-02")
