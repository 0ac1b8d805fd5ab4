"""What the writer's pages and the staff inbox do with a conversation (issue 20).

Every function takes the SQLAlchemy session and, where time matters, `now` (seconds
since the epoch, the app's clock: realtime.live.now), and commits its own work. The
settings are read from the app (settings.setting): MESSAGE_MAX_CHARS,
MESSAGE_MAX_PER_CONVERSATION, MESSAGE_MAX_OPEN, MESSAGE_RETENTION_DAYS,
MESSAGE_ANSWER_WORKING_DAYS, MESSAGE_KEYS_DIR. A refusal raises a subclass of
errors.Refused whose `code` the page translates.

Lifecycle: `write_new` opens a conversation (state "open") and returns its code once;
`open_with_code` finds it again; the writer adds messages (`add_writer_message`, back to
"open" with a new promised day) and a therapist answers (`add_staff_answer`, "answered").
`end_by_writer` and `expire_due` delete the text, the data key and the code's verifier
at once, leaving a stub without text ("ended" / "expired") for the registration;
`forget` deletes the stub (and `expire_due` does, a retention period after it ended).
`rotate_epochs` destroys old epoch keys (keys.py) so earlier backups can't be read.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from ..i18n import LANGUAGES
from ..records import taxonomy
from ..settings import setting
from . import codes, keys, texts, workdays
from .errors import BadProfile, ConversationFull, HelplineFull, NotLive, NotRead, TakenByOther
from .models import LIVE_STATES, Conversation, HandoverNote, Message

BATCH = 500  # rows per transaction in the daily job: live requests never wait long


def let_others_run() -> None:
    """Between two batches of the daily job. When a server process runs it on gevent's loop
    (no worker took the timer: jobs.take_over), SQLite's calls never yield, so without this
    every live socket of the process waits for the whole job (1.1 s for 10,000 expired
    conversations: bench/messages.py --takeover). In the worker it costs nothing."""
    # gevent's sleep once monkey-patched. Not sleep(0): that only runs ready greenlets,
    # while a timer, however short, lets the loop poll sockets and fire their timers.
    time.sleep(0.001)


class Entry(NamedTuple):
    """One message as the pages show it."""

    author: str  # writer | staff
    at: datetime  # naive UTC
    text: str


def utc(now: float) -> datetime:
    """`now` (the app's clock) as the database keeps times: naive UTC."""
    return datetime.fromtimestamp(now, UTC).replace(tzinfo=None)


def local_today(now: float) -> date:
    """The helpline's date at `now` (promised days are local days)."""
    return datetime.fromtimestamp(now, ZoneInfo(setting("HELPLINE_TIMEZONE"))).date()


def keys_dir():
    """The folder of the epoch keys (MESSAGE_KEYS_DIR, else under INSTANCE_PATH)."""
    return keys.directory({"MESSAGE_KEYS_DIR": setting("MESSAGE_KEYS_DIR"),
                           "INSTANCE_PATH": setting("INSTANCE_PATH")})


def retention_cutoff(now: float) -> datetime:
    """Conversations last active before this are due for deletion."""
    return utc(now) - timedelta(days=int(setting("MESSAGE_RETENTION_DAYS")))


def answer_due_at(session: Session, now: float) -> date:
    """The day promised to a message written at `now`."""
    return workdays.answer_due(session, local_today(now),
                               int(setting("MESSAGE_ANSWER_WORKING_DAYS")))


def _choice(value: str | None, allowed: set[str] | tuple[str, ...]) -> str | None:
    if value in (None, ""):
        return None
    if value not in allowed:
        raise BadProfile()
    return value


def open_count(session: Session) -> int:
    """Conversations open or answered, helpline-wide (the MESSAGE_MAX_OPEN bound)."""
    return session.scalar(select(func.count()).select_from(Conversation)
                          .where(Conversation.state.in_(LIVE_STATES)))


def _data_key(conversation: Conversation) -> bytes:
    if conversation.wrapped_key is None or conversation.key_epoch is None:
        raise NotLive()
    kek = keys.kek(keys_dir(), conversation.key_epoch)
    return keys.unwrap(kek, conversation.wrapped_key, conversation.id)


def ensure_live(conversation: Conversation, now: float) -> None:
    """NotLive unless the conversation is open or answered and not yet due for deletion."""
    if (conversation.state not in LIVE_STATES
            or conversation.last_activity_at < retention_cutoff(now)):
        raise NotLive()


def _add(session: Session, conversation: Conversation, author: str, text: object,
         now: float) -> Entry:
    clean = texts.clean(text, int(setting("MESSAGE_MAX_CHARS")))
    written = session.scalar(select(func.count()).select_from(Message).where(
        Message.conversation_id == conversation.id, Message.author == author))
    if written >= int(setting("MESSAGE_MAX_PER_CONVERSATION")):
        raise ConversationFull()
    at = utc(now)
    sealed = keys.encrypt_text(_data_key(conversation), clean, conversation.id, author)
    session.add(Message(conversation_id=conversation.id, author=author, at=at,
                        ciphertext=sealed))
    conversation.last_activity_at = at
    return Entry(author, at, clean)


def write_new(session: Session, now: float, text: object, language: str,
              age_band: str | None = None, gender: str | None = None
              ) -> tuple[Conversation, str]:
    """Open a conversation with its first message; the code is returned once, never kept."""
    lang = _choice(language, LANGUAGES)
    if lang is None:
        raise BadProfile()
    tax = taxonomy.current()
    age_band = _choice(age_band, tax.keys("age_bands"))
    gender = _choice(gender, tax.keys("genders"))
    clean = texts.clean(text, int(setting("MESSAGE_MAX_CHARS")))
    if open_count(session) >= int(setting("MESSAGE_MAX_OPEN")):
        raise HelplineFull()
    secret = setting("SECRET_KEY")
    while True:
        code = codes.new_code()
        digest = codes.verifier(secret, code)
        if session.scalar(select(Conversation.id).where(Conversation.code_hash == digest)) is None:
            break
    at = utc(now)
    conversation = Conversation(created_at=at, last_activity_at=at, state="open",
                                language=lang, age_band=age_band, gender=gender,
                                code_hash=digest, answer_due=answer_due_at(session, now))
    session.add(conversation)
    session.flush()  # the id is bound into the wrapped key and every ciphertext
    data_key = keys.new_data_key()
    epoch = keys.epoch_of(now)
    conversation.key_epoch = epoch
    conversation.wrapped_key = keys.wrap(keys.kek(keys_dir(), epoch, create=True), data_key,
                                         conversation.id)
    session.add(Message(conversation_id=conversation.id, author="writer", at=at,
                        ciphertext=keys.encrypt_text(data_key, clean, conversation.id,
                                                     "writer")))
    session.commit()
    return conversation, code


def open_with_code(session: Session, code: object, now: float) -> Conversation | None:
    """The live conversation of this code, or None: a malformed, wrong, ended or expired
    code all get None, after the same work (one HMAC, one indexed lookup, one
    constant-time comparison)."""
    digest = codes.verifier(setting("SECRET_KEY"), code)
    found = session.scalar(select(Conversation).where(
        Conversation.code_hash == digest, Conversation.state.in_(LIVE_STATES)))
    if not codes.same(found.code_hash if found is not None else None, digest):
        return None
    if found.last_activity_at < retention_cutoff(now):  # due for deletion, the job not yet run
        return None
    return found


def read(session: Session, conversation: Conversation) -> list[Entry]:
    """Every message of the conversation in order, decrypted; [] once it has ended."""
    if conversation.wrapped_key is None:
        return []
    data_key = _data_key(conversation)
    rows = session.execute(select(Message.author, Message.at, Message.ciphertext)
                           .where(Message.conversation_id == conversation.id)
                           .order_by(Message.at, Message.id))
    return [Entry(author, at, keys.decrypt_text(data_key, sealed, conversation.id, author))
            for author, at, sealed in rows]


def add_writer_message(session: Session, conversation: Conversation, text: object,
                       now: float) -> Entry:
    """The writer writes again: the conversation waits for an answer, by a new promised day
    when it had been answered."""
    ensure_live(conversation, now)
    entry = _add(session, conversation, "writer", text, now)
    if conversation.state == "answered":
        conversation.state = "open"
        conversation.answer_due = answer_due_at(session, now)
    session.commit()
    return entry


def take(session: Session, conversation: Conversation, staff_id: int, now: float) -> None:
    """One therapist takes the conversation (atomically: two at once, one wins); taking it
    again is harmless; another therapist's gets TakenByOther."""
    ensure_live(conversation, now)
    done = session.execute(update(Conversation).where(
        Conversation.id == conversation.id, Conversation.state.in_(LIVE_STATES),
        or_(Conversation.staff_id.is_(None), Conversation.staff_id == staff_id))
        .values(staff_id=staff_id)).rowcount
    session.commit()
    session.refresh(conversation)
    if done != 1:
        if conversation.state not in LIVE_STATES:
            raise NotLive()
        raise TakenByOther()


def add_staff_answer(session: Session, conversation: Conversation, staff_id: int,
                     text: object, now: float) -> Entry:
    """A therapist answers (taking the conversation if nobody has)."""
    take(session, conversation, staff_id, now)
    entry = _add(session, conversation, "staff", text, now)
    conversation.state = "answered"
    if conversation.first_answer_at is None:  # what the reports keep (answer times)
        conversation.first_answer_at = entry.at
        conversation.answered_in_time = local_today(now) <= conversation.answer_due
    session.commit()
    return entry


def _shred(session: Session, ids: list[int], state: str, at: datetime) -> None:
    """Delete the text, the data key and the code's verifier of these conversations."""
    session.execute(delete(Message).where(Message.conversation_id.in_(ids)))
    session.execute(delete(HandoverNote).where(HandoverNote.conversation_id.in_(ids)))
    session.execute(update(Conversation).where(Conversation.id.in_(ids)).values(
        state=state, ended_at=at, code_hash=None, wrapped_key=None, key_epoch=None))


def end_by_writer(session: Session, conversation: Conversation, now: float) -> None:
    """The writer ends it: text, key and code are deleted now; the stub waits for the
    registration."""
    ensure_live(conversation, now)
    _shred(session, [conversation.id], "ended", utc(now))
    conversation.last_activity_at = utc(now)
    session.commit()
    session.refresh(conversation)


def forget(session: Session, conversation: Conversation) -> None:
    """Delete a conversation altogether: its messages and its row with its wrapped key."""
    forget_many(session, [conversation.id])
    session.commit()


def forget_many(session: Session, ids: list[int]) -> list[int]:
    """Delete these conversations altogether, in the caller's transaction (not committed);
    returns the ids this call deleted (one that another transaction deleted first is not
    among them: on PostgreSQL this one waits for its row lock, then finds it gone)."""
    session.execute(delete(Message).where(Message.conversation_id.in_(ids)))
    session.execute(delete(HandoverNote).where(HandoverNote.conversation_id.in_(ids)))
    return list(session.scalars(delete(Conversation).where(Conversation.id.in_(ids))
                                .returning(Conversation.id)))


def expire_due(session: Session, now: float) -> dict[str, int]:
    """The daily retention: conversations inactive for MESSAGE_RETENTION_DAYS lose their
    text, key and code ("expired"); stubs that ended that long ago are deleted."""
    cutoff = retention_cutoff(now)
    expired = 0
    while ids := list(session.scalars(select(Conversation.id).where(
            Conversation.state.in_(LIVE_STATES), Conversation.last_activity_at < cutoff)
            .limit(BATCH))):
        _shred(session, ids, "expired", utc(now))
        session.commit()
        expired += len(ids)
        let_others_run()
    stubs = session.execute(delete(Conversation).where(
        Conversation.state.not_in(LIVE_STATES), Conversation.ended_at < cutoff)).rowcount
    session.commit()
    return {"expired": expired, "stubs_deleted": stubs}


def rotate_epochs(session: Session, now: float) -> dict[str, int]:
    """Destroy every epoch key older than the retention period plus a margin, after
    wrapping the data keys still under it with the current epoch's key."""
    folder = keys_dir()
    current = keys.epoch_of(now)
    keep_after = now - (int(setting("MESSAGE_RETENTION_DAYS")) + keys.EPOCH_MARGIN_DAYS) * 86400
    done = {"rewrapped": 0, "unreadable": 0, "epochs_destroyed": 0}
    for epoch in keys.epochs_on_disk(folder):
        if epoch >= current or keys.epoch_end(epoch) > keep_after:
            continue
        old = keys.kek(folder, epoch)
        last_id = 0
        while rows := session.execute(
                select(Conversation.id, Conversation.wrapped_key)
                .where(Conversation.key_epoch == epoch, Conversation.id > last_id)
                .order_by(Conversation.id).limit(BATCH)).all():
            new = keys.kek(folder, current, create=True)
            for conversation_id, wrapped in rows:
                last_id = conversation_id
                try:
                    data_key = keys.unwrap(old, wrapped, conversation_id)
                except keys.KeyGone:
                    done["unreadable"] += 1
                    continue
                # only if still under the old epoch (not ended meanwhile)
                done["rewrapped"] += session.execute(update(Conversation).where(
                    Conversation.id == conversation_id, Conversation.key_epoch == epoch)
                    .values(key_epoch=current,
                            wrapped_key=keys.wrap(new, data_key, conversation_id))).rowcount
            session.commit()
            let_others_run()
        keys.destroy(folder, epoch)
        done["epochs_destroyed"] += 1
    return done


def mark_read_by_writer(session: Session, conversation: Conversation, now: float) -> None:
    """The writer opened the conversation (and so saw every answer in it): a therapist may
    close it once its last answer was read (inbox.close)."""
    ensure_live(conversation, now)
    conversation.writer_read_at = utc(now)
    session.commit()


def last_answer_at(session: Session, conversation: Conversation) -> datetime | None:
    """When the staff side last answered, or None."""
    return session.scalar(select(func.max(Message.at)).where(
        Message.conversation_id == conversation.id, Message.author == "staff"))


def close_by_staff(session: Session, conversation: Conversation, now: float) -> None:
    """A therapist ends an answered conversation whose last answer the writer has read:
    text, key and code are deleted now, as when the writer ends it (state "closed")."""
    ensure_live(conversation, now)
    last = last_answer_at(session, conversation)
    if (conversation.state != "answered" or last is None
            or conversation.writer_read_at is None or conversation.writer_read_at < last):
        raise NotRead()
    _shred(session, [conversation.id], "closed", utc(now))
    conversation.last_activity_at = utc(now)
    session.commit()
    session.refresh(conversation)


def data_key(conversation: Conversation) -> bytes:
    """The conversation's data key (for texts kept beside its messages: hand-over notes)."""
    return _data_key(conversation)
