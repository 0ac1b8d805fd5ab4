"""The anonymity scan of anonymous messages (issue 20): every kind of conversation end,
through the real HTTP pages of a live server (its gevent server, its logs, its worker),
then a search for the writer's address, user agent, code and text everywhere they must
not be: every log line of the servers and the worker, every Redis key and value, the RQ
job records, every column of every table outside the encrypted ones, and the database
file's raw bytes.

The four ends: answered then closed by the therapist; ended by the writer; expired by the
daily job (run by the live worker); handed over with a note, then ended by the writer.
Each is registered afterwards, as the inbox asks.
"""

from __future__ import annotations

import json
import re
import secrets
import time
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis as redis_lib
import requests
import sqlalchemy as sa

from helpline import timers
from helpline.chat import proofofwork
from helpline.extensions import db
from helpline.messages import codes
from helpline.messages.models import Conversation
from tests.conftest import eventually
from tests.peers import sign_in
from tests.test_anonymity import held_text

pytestmark = pytest.mark.timeout(240)

ADDRESS = "203.0.113.77"  # TEST-NET-3: nobody's address
AGENT = "ScanAgent/7.3 (sentinel-ua-5d1e)"
WRITER = {"User-Agent": AGENT, "X-Forwarded-For": ADDRESS, "X-Real-IP": ADDRESS,
          "Forwarded": f"for={ADDRESS}"}
# The only columns that may hold a text, a note or a key: encrypted.
ENCRYPTED = {("message_texts", "ciphertext"), ("message_notes", "ciphertext"),
             ("message_conversations", "wrapped_key")}
REGISTRATION = {"target_group": "self", "subcategory": "sexual_feelings_minors",
                "help_given": "listening", "age_band": "unknown", "gender": "unknown",
                "contacted_before": "unknown", "note": "", "follow_up": "none",
                "risk": "no_indication"}


def sentinel(what: str) -> str:
    return f"SENTINEL-{what}-{secrets.token_hex(4)}"


class Writer:
    """A writer's browser without a cookie: every post with a solved proof of work, the
    fake address and agent on every request."""

    def __init__(self, base: str):
        self.base = base
        self.code = ""

    def _post(self, path: str, **data) -> requests.Response:
        challenge = requests.get(self.base + "/challenge", headers=WRITER, timeout=10).json()
        data["pow"] = json.dumps(proofofwork.solve(challenge))
        response = requests.post(f"{self.base}{path}?lang=nl", data=data, headers=WRITER,
                                 timeout=20, allow_redirects=False)
        assert response.status_code == 200, (path, response.status_code)
        return response

    def write(self, text: str) -> str:
        body = self._post("/messages/new", message=text, age_band="26_35", gender="x").text
        self.code = re.search(r'id="message-code"[^>]*>([^<]+)<', body).group(1).strip()
        return self.code

    def typed(self) -> str:
        """The code as someone types it on a phone."""
        return self.code.lower().replace("-", " ")

    def read(self) -> str:
        return self._post("/messages/open", code=self.typed()).text

    def reply(self, text: str) -> None:
        self._post("/messages/reply", code=self.typed(), message=text)

    def end(self) -> None:
        self._post("/messages/end", code=self.typed(), confirm="yes")


class Therapist:
    """A signed-in staff browser on the inbox pages (every form with its CSRF token)."""

    def __init__(self, base: str, username: str):
        self.base = base
        self.http, _ = sign_in(base, username)

    def post(self, conversation_id: int, action: str, **data) -> None:
        page = self.http.get(f"{self.base}/staff/messages/{conversation_id}", timeout=20).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = self.http.post(f"{self.base}/staff/messages/{conversation_id}/{action}",
                                  data={"csrf_token": token, **data}, timeout=20,
                                  allow_redirects=False)
        assert response.status_code == 302, (action, response.status_code)
        shown = self.http.get(requests.compat.urljoin(self.base, response.headers["Location"]),
                              timeout=20).text
        assert 'class="error-line"' not in shown, (action, shown[:2000])


def conversation_id(live, code: str) -> int:
    """What no page shows the test: which row a code opens (by its verifier)."""
    with live.app.app_context():
        verifier = codes.verifier(live.env["SECRET_KEY"], code)
        return db.session.scalars(sa.select(Conversation.id).where(
            Conversation.code_hash == verifier)).one()


def state(live, cid: int) -> str | None:
    with live.app.app_context():
        row = db.session.get(Conversation, cid)
        return row.state if row else None


def code_forms(code: str) -> set[str]:
    plain = codes.normalise(code)
    return {code, plain, code.lower(), plain.lower(), code.replace("-", " "),
            code.lower().replace("-", " ")}


def database_text(live) -> tuple[str, bytes]:
    """Every column of every table in the database (reflected: tables no model names
    too), as text, outside the encrypted columns; and those columns' bytes apart."""
    clear, sealed = [], []
    with live.app.app_context():
        meta = sa.MetaData()
        meta.reflect(bind=db.engine)
        assert {"message_conversations", "message_texts", "message_notes"} <= set(meta.tables)
        for table in meta.sorted_tables:
            for row in db.session.execute(sa.select(table)):
                for column, value in zip(table.columns, row, strict=True):
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value)
                    if (table.name, column.name) in ENCRYPTED:
                        sealed.append(value or b"")
                    else:
                        clear.append(f"{table.name}.{column.name}="
                                     + (value.decode("latin-1") if isinstance(value, bytes)
                                        else str(value)))
        db.session.rollback()
    return "\n".join(clear), b"\n".join(sealed)


def redis_text(url: str) -> tuple[str, str]:
    """Every key and value of the live servers' Redis database, RQ job records unpacked:
    (the helpline's own keys and RQ's job records, everything else)."""
    r = redis_lib.Redis.from_url(url)
    ours, rest = [], []
    for name in r.scan_iter("*"):
        text = held_text(r, name)
        if name.startswith(b"rq:job:"):
            data = r.hget(name, "data")
            if data:
                text += " " + zlib.decompress(data).decode("latin-1")
        (ours if name.startswith((b"hl:", b"rq:job:")) else rest).append(text)
    return "\n".join(ours), "\n".join(rest)


def database_files(live) -> bytes:
    """The SQLite file and its write-ahead log as they are on disk (none for PostgreSQL)."""
    url = live.env["DATABASE_URL"]
    if not url.startswith("sqlite:///"):
        return b""
    path = Path(url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal"))
                    if p.exists())


def scan(live, secrets_: set[str], texts: set[str]) -> None:
    """No secret (codes, the agent, the address) or text anywhere it must not be."""
    log = live.log.read_text(errors="replace")
    dump, sealed = database_text(live)
    ours, rest = redis_text(live.env["REDIS_URL"])
    raw = database_files(live)
    for needle in secrets_ | texts:
        assert needle not in log, f"in the servers' log: {needle}"
        assert needle not in dump, f"in the database: {needle}"
        assert needle not in ours and needle not in rest, f"in Redis: {needle}"
        assert needle.encode() not in sealed, f"in clear in an encrypted column: {needle}"
        assert needle.encode() not in raw, f"in the database file: {needle}"
    for needle in ("127.0.0.1",):  # the writer's real address (RQ's own worker record aside)
        assert needle not in dump and needle not in ours and needle not in log, needle


def test_every_end_of_a_conversation_leaves_no_address_agent_code_or_text(live, live_staff):
    base = live.urls[0]
    live_staff("anna", name="Anna")
    live_staff("ben", name="Ben")
    anna, ben = Therapist(base, "anna"), Therapist(base, "ben")
    texts: set[str] = set()
    secrets_ = {ADDRESS, AGENT}

    def new(kind: str) -> tuple[Writer, int]:
        writer = Writer(base)
        text = sentinel(f"{kind}-first")
        writer.write(text)
        texts.add(text)
        secrets_.update(code_forms(writer.code))
        return writer, conversation_id(live, writer.code)

    def said(value: str) -> str:
        texts.add(value)
        return value

    # Answered, read by the writer, closed by the therapist.
    answered, answered_id = new("answered")
    anna.post(answered_id, "take")
    answer = said(sentinel("answered-answer"))
    anna.post(answered_id, "answer", text=answer)
    assert answer in answered.read()  # read: the therapist may close it
    # Ended by the writer after writing again.
    ended, ended_id = new("ended")
    ended.reply(said(sentinel("ended-reply")))
    anna.post(ended_id, "answer", text=said(sentinel("ended-answer")))
    # Expired: answered, then nothing for longer than the retention period.
    expired, expired_id = new("expired")
    anna.post(expired_id, "answer", text=said(sentinel("expired-answer")))
    # Handed over with a note, answered by the colleague, ended by the writer.
    handed, handed_id = new("handed")
    anna.post(handed_id, "take")
    anna.post(handed_id, "hand-over", colleague=str(_staff_id(live, "ben")),
              note=said(sentinel("handover-note")))
    ben.post(handed_id, "answer", text=said(sentinel("handed-answer")))
    handed.reply(said(sentinel("handed-reply")))

    # Every text is live now, each in an encrypted column only.
    scan(live, secrets_, texts)

    anna.post(answered_id, "close")
    ended.read()
    ended.end()
    handed.read()
    handed.end()
    _age(live, expired_id, days=live.app.config["MESSAGE_RETENTION_DAYS"] + 1)
    with live.app.app_context():  # the daily job, due now: the live worker runs it
        timers.at(time.time(), "retention", datetime.now(UTC).date().isoformat(),
                  timer_id=f"retention:scan-{secrets.token_hex(4)}")
    eventually(lambda: state(live, expired_id) == "expired", 60, "the daily job's expiry")
    assert [state(live, c) for c in (answered_id, ended_id, handed_id)] == [
        "closed", "ended", "ended"]

    for cid, who in ((answered_id, anna), (ended_id, anna), (expired_id, anna),
                     (handed_id, ben)):
        who.post(cid, "register", **REGISTRATION)
    assert [state(live, c) for c in (answered_id, ended_id, expired_id, handed_id)] == [
        None, None, None, None]  # registered: forgotten
    scan(live, secrets_, texts)
    for writer in (answered, ended, expired, handed):  # and every code is dead
        assert "Deze code opent geen gesprek" in _wrong(writer)


# The tables of anonymous messages, every column by name: a new one must be added here,
# after thinking about what it could hold.
MESSAGE_COLUMNS = {
    "message_conversations": {
        "id", "created_at", "last_activity_at", "ended_at", "state", "language", "age_band",
        "gender", "code_hash", "staff_id", "answer_due", "key_epoch", "wrapped_key",
        "first_answer_at", "answered_in_time", "writer_read_at", "overdue_counted",
        "supervisor_asked_at"},
    "message_texts": {"id", "conversation_id", "author", "at", "ciphertext"},
    "message_notes": {"id", "conversation_id", "at", "from_staff_id", "to_staff_id",
                      "ciphertext"},
}


def test_no_column_of_the_message_tables_can_hold_a_text_or_an_identity(app):
    for name, allowed in MESSAGE_COLUMNS.items():
        table = db.metadata.tables[name]
        assert {c.name for c in table.columns} == allowed, name
        for column in table.columns:
            if (name, column.name) in ENCRYPTED:
                assert isinstance(column.type, sa.LargeBinary), column.name
                continue
            assert not isinstance(column.type, sa.LargeBinary | sa.Text), column.name
            if isinstance(column.type, sa.String):  # room for a key, never for a message
                assert column.type.length <= 64, column.name
            assert not any(word in column.name for word in (
                "ip", "addr", "agent", "token", "cookie", "name", "email", "phone",
                "text", "note", "code")) or column.name == "code_hash", column.name


def _staff_id(live, username: str) -> int:
    from helpline.records.models import Staff

    with live.app.app_context():
        return db.session.scalars(sa.select(Staff.id).where(Staff.username == username)).one()


def _age(live, cid: int, days: int) -> None:
    """Time passing for one conversation: its last activity `days` ago (the live worker
    keeps the wall clock)."""
    with live.app.app_context():
        row = db.session.get(Conversation, cid)
        row.last_activity_at = row.last_activity_at - timedelta(days=days)
        db.session.commit()


def _wrong(writer: Writer) -> str:
    challenge = requests.get(writer.base + "/challenge", headers=WRITER, timeout=10).json()
    response = requests.post(writer.base + "/messages/open?lang=nl", headers=WRITER, timeout=20,
                             data={"code": writer.typed(),
                                   "pow": json.dumps(proofofwork.solve(challenge))})
    assert response.status_code == 404
    return response.text
