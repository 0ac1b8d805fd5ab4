"""The staff side of anonymous messages: the inbox, who may read a conversation, taking,
handing over, asking a supervisor, closing, and the registration once it has ended.

Plain functions on the SQL session and the clock's `now`, like conversations.py; the
pages (views.py) only translate. Every staff look at a conversation's text and every act
on it is audited (helpline/audit.py: who, when, "message-<id>", never a text).

Who may read: a supervisor always (shared professional secrecy, audited with the holder
as the colleague concerned); a therapist a conversation nobody has taken yet, or their
own. A conversation another therapist took shows only who took it.

A hand-over note is professional text about a live conversation, read by one colleague
while the conversation lives: it is encrypted with the conversation's data key and
deleted (and shredded) with it, like the messages themselves. It is NOT passed through
the identity scrubber: nothing of it outlives the conversation, and a note such as "he
named his nephew, see his second message" must reach the colleague whole. What does
outlive the conversation, the registration's note, is scrubbed as for every channel.

After filing, the stub is forgotten (conversations.forget): the registration holds all
the reports need (channel "message", the contact hour, age band and gender, the time to
the first answer in whole minutes and whether it came by the promised day). A stub nobody
files is turned into a "missing" registration when the retention job deletes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .. import audit
from ..availability import missed
from ..records.models import Registration, Staff, to_hour
from ..records.registrations import prepare
from ..records.taxonomy import Taxonomy
from ..settings import setting
from . import conversations, keys, texts
from .errors import NotEnded, NotYours
from .models import ENDED_STATES, LIVE_STATES, Conversation, HandoverNote, Message

PAGE_SIZE = 25
BATCH = conversations.BATCH  # rows per transaction in the daily job
NOTE_MAX_CHARS = 1000
OVERDUE_REASON = "message_overdue"  # the missed ledger's reason (availability/models.py)


def ref(conversation: Conversation) -> str:
    """The audit trail's reference of a conversation: its row number, never its code."""
    return f"message-{conversation.id}"


def _today(now: float) -> date:
    return conversations.local_today(now)


# ---------- the inbox ----------

@dataclass
class Row:
    """One line of the inbox."""

    conversation: Conversation
    waiting_since: datetime | None  # naive UTC: the first unanswered writer message
    overdue: bool  # waiting for an answer past the promised day
    due_today: bool
    holder: str | None  # display name of who took it


def waiting_count(session: Session) -> int:
    """Conversations waiting for an answer (the nav's count)."""
    return session.scalar(select(func.count()).select_from(Conversation)
                          .where(Conversation.state == "open")) or 0


def _order():
    """Waiting for an answer first, by promised day, then by how long they have waited;
    then the answered ones (waiting for the writer), the oldest activity first."""
    return (Conversation.state != "open", Conversation.answer_due,
            Conversation.last_activity_at, Conversation.id)


def _waiting_since(session: Session, ids: list[int]) -> dict[int, datetime]:
    """Per conversation, the writer's first message after the last answer (two grouped
    queries for one page of rows, whatever the inbox's size)."""
    if not ids:
        return {}
    answered = dict(session.execute(
        select(Message.conversation_id, func.max(Message.at))
        .where(Message.conversation_id.in_(ids), Message.author == "staff")
        .group_by(Message.conversation_id)).all())
    firsts: dict[int, datetime] = {}
    for cid, at in session.execute(
            select(Message.conversation_id, Message.at)
            .where(Message.conversation_id.in_(ids), Message.author == "writer")
            .order_by(Message.conversation_id, Message.at)):
        if cid not in firsts and (cid not in answered or at > answered[cid]):
            firsts[cid] = at
    return firsts


def page(session: Session, now: float, number: int = 1, size: int = PAGE_SIZE,
         overdue_only: bool = False) -> tuple[list[Row], int]:
    """One page of live conversations in inbox order, and how many there are in all."""
    where = [Conversation.state.in_(LIVE_STATES)]
    today = _today(now)
    if overdue_only:
        where = [Conversation.state == "open", Conversation.answer_due < today]
    total = session.scalar(select(func.count()).select_from(Conversation).where(*where)) or 0
    number = max(1, number)
    rows = session.execute(
        select(Conversation, Staff.display_name)
        .outerjoin(Staff, Conversation.staff_id == Staff.id)
        .where(*where).order_by(*_order()).offset((number - 1) * size).limit(size)).all()
    since = _waiting_since(session, [c.id for c, _ in rows if c.state == "open"])
    return [Row(c, since.get(c.id), c.state == "open" and c.answer_due < today,
                c.state == "open" and c.answer_due == today, name)
            for c, name in rows], total


def to_register(session: Session, staff: Staff) -> list[tuple[Conversation, str | None]]:
    """Ended conversations waiting for their registration: the holder's own and those
    nobody took (a supervisor sees all), oldest first, with the holder's name."""
    query = (select(Conversation, Staff.display_name)
             .outerjoin(Staff, Conversation.staff_id == Staff.id)
             .where(Conversation.state.in_(ENDED_STATES))
             .order_by(Conversation.ended_at, Conversation.id))
    if not staff.is_supervisor:
        query = query.where((Conversation.staff_id == staff.id)
                            | Conversation.staff_id.is_(None))
    return [(c, name) for c, name in session.execute(query)]


@dataclass
class Summary:
    """The inbox at a glance, for supervisors: how many wait, since when, how many late."""

    waiting: int
    oldest_waiting_since: datetime | None  # naive UTC
    overdue: int
    due_today: int
    asked: int  # conversations that ask a supervisor to look
    to_register: int


def summary(session: Session, now: float) -> Summary:
    today = _today(now)
    open_ = Conversation.state == "open"

    def count(*where) -> int:
        return session.scalar(select(func.count()).select_from(Conversation).where(*where)) or 0

    oldest_id = session.scalar(select(Conversation.id).where(open_)
                               .order_by(Conversation.last_activity_at).limit(1))
    # The oldest wait is the earliest first unanswered message among open conversations;
    # the one idle longest is a close bound, and exact for all but a writer who wrote twice.
    oldest = None
    if oldest_id is not None:
        candidates = list(session.scalars(select(Conversation.id).where(open_)
                                          .order_by(Conversation.created_at).limit(50)))
        since = _waiting_since(session, list({oldest_id, *candidates}))
        oldest = min(since.values()) if since else None
    return Summary(
        waiting=count(open_), oldest_waiting_since=oldest,
        overdue=count(open_, Conversation.answer_due < today),
        due_today=count(open_, Conversation.answer_due == today),
        asked=count(Conversation.state.in_(LIVE_STATES),
                    Conversation.supervisor_asked_at.is_not(None)),
        to_register=count(Conversation.state.in_(ENDED_STATES)))


# ---------- one conversation ----------

def may_read(staff: Staff, conversation: Conversation) -> bool:
    """Whether this staff member may see the conversation's text (see the module's note)."""
    return staff.is_supervisor or conversation.staff_id in (None, staff.id)


def _must_hold(staff: Staff, conversation: Conversation) -> None:
    if not (staff.is_supervisor or conversation.staff_id == staff.id):
        raise NotYours()


def open_for_staff(session: Session, staff: Staff, conversation: Conversation
                   ) -> list[conversations.Entry]:
    """The messages for this staff member, the look audited (None text in the trail);
    NotYours when another therapist holds it."""
    if not may_read(staff, conversation):
        raise NotYours()
    entries = conversations.read(session, conversation)
    holder = conversation.staff_id if conversation.staff_id not in (None, staff.id) else None
    audit.record(session, staff.id, "message_open", chat_ref=ref(conversation),
                 target_staff_id=holder)
    return entries


def take(session: Session, staff: Staff, conversation: Conversation, now: float) -> None:
    """Take the conversation (one therapist wins; conversations.take), audited."""
    held_before = conversation.staff_id == staff.id
    conversations.take(session, conversation, staff.id, now)
    if not held_before:
        audit.record(session, staff.id, "message_take", chat_ref=ref(conversation))


def answer(session: Session, staff: Staff, conversation: Conversation, text: object,
           now: float) -> conversations.Entry:
    """Answer (taking it when nobody has; refused with TakenByOther when another has)."""
    if conversation.staff_id is None:
        take(session, staff, conversation, now)
    return conversations.add_staff_answer(session, conversation, staff.id, text, now)


def colleagues(session: Session, staff: Staff) -> list[Staff]:
    """Who a conversation can be handed to: every other active staff member."""
    return list(session.scalars(select(Staff).where(Staff.active.is_(True), Staff.id != staff.id)
                                .order_by(Staff.display_name)))


def hand_over(session: Session, staff: Staff, conversation: Conversation, to_staff_id: int,
              note: object, now: float) -> None:
    """Give the conversation to a colleague with a note (optional, encrypted with the
    conversation's key); the hand-over is audited with the colleague, never the note."""
    _must_hold(staff, conversation)
    conversations.ensure_live(conversation, now)
    colleague = session.get(Staff, int(to_staff_id))
    if colleague is None or not colleague.active or colleague.id == conversation.staff_id:
        raise NotYours()
    text = "" if note in (None, "") or (isinstance(note, str) and not note.strip()) else (
        texts.clean(note, NOTE_MAX_CHARS))
    done = session.execute(update(Conversation).where(
        Conversation.id == conversation.id, Conversation.state.in_(LIVE_STATES),
        Conversation.staff_id.is_(conversation.staff_id) if conversation.staff_id is None
        else Conversation.staff_id == conversation.staff_id)
        .values(staff_id=colleague.id)).rowcount
    if done != 1:  # someone else acted on it meanwhile
        session.rollback()
        raise NotYours()
    if text:
        session.add(HandoverNote(
            conversation_id=conversation.id, at=conversations.utc(now), from_staff_id=staff.id,
            to_staff_id=colleague.id, ciphertext=keys.encrypt_text(
                conversations.data_key(conversation), text, conversation.id, "note")))
    session.commit()
    session.refresh(conversation)
    audit.record(session, staff.id, "message_handover", chat_ref=ref(conversation),
                 target_staff_id=colleague.id)


@dataclass
class Note:
    at: datetime
    from_name: str
    to_name: str
    text: str


def notes(session: Session, conversation: Conversation) -> list[Note]:
    """The hand-over notes of a live conversation, decrypted, oldest first."""
    if conversation.wrapped_key is None:
        return []
    names = dict(session.execute(select(Staff.id, Staff.display_name)).all())
    key = conversations.data_key(conversation)
    return [Note(n.at, names.get(n.from_staff_id, "?"), names.get(n.to_staff_id, "?"),
                 keys.decrypt_text(key, n.ciphertext, conversation.id, "note"))
            for n in session.scalars(select(HandoverNote)
                                     .where(HandoverNote.conversation_id == conversation.id)
                                     .order_by(HandoverNote.at, HandoverNote.id))]


def ask_supervisor(session: Session, staff: Staff, conversation: Conversation,
                   now: float) -> None:
    """Ask a supervisor to look (shared professional secrecy): marked in the inbox for
    supervisors; audited. Asking again changes nothing."""
    if not may_read(staff, conversation):
        raise NotYours()
    conversations.ensure_live(conversation, now)
    if conversation.supervisor_asked_at is None:
        conversation.supervisor_asked_at = conversations.utc(now)
        session.commit()
        audit.record(session, staff.id, "message_consult", chat_ref=ref(conversation))


def close(session: Session, staff: Staff, conversation: Conversation, now: float) -> None:
    """Close an answered conversation once the writer read the last answer (audited)."""
    _must_hold(staff, conversation)
    conversations.close_by_staff(session, conversation, now)
    audit.record(session, staff.id, "message_close", chat_ref=ref(conversation))


def last_answer_read(session: Session, conversation: Conversation) -> bool:
    """Whether the writer has opened the conversation since its last answer."""
    last = conversations.last_answer_at(session, conversation)
    return (last is not None and conversation.writer_read_at is not None
            and conversation.writer_read_at >= last)


# ---------- the registration ----------

def _local_day(moment: datetime) -> date:
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(setting("HELPLINE_TIMEZONE"))).date()


def answer_figures(conversation: Conversation) -> dict:
    """What the reports keep of a conversation: the time to its first answer (whole
    minutes, in seconds) and whether it came by the promised day; unanswered, it is
    late once the promised day passed, and neither late nor on time before."""
    wait = None
    if conversation.first_answer_at is not None:
        minutes = round((conversation.first_answer_at - conversation.created_at)
                        .total_seconds() / 60)
        wait = max(0, minutes) * 60
    in_time = conversation.answered_in_time
    if in_time is None and conversation.first_answer_at is None:
        end = conversation.ended_at or conversation.last_activity_at
        if conversation.overdue_counted or _local_day(end) > conversation.answer_due:
            in_time = False
    return {"wait_seconds": wait, "answered_in_time": in_time}


def _may_register(staff: Staff, conversation: Conversation) -> None:
    if conversation.state not in ENDED_STATES:
        raise NotEnded()
    if not (staff.is_supervisor or conversation.staff_id in (None, staff.id)):
        raise NotYours()


def register(session: Session, taxonomy: Taxonomy, staff: Staff, conversation: Conversation,
             values: dict, confirmed_note: str | None = None,
             language: str = "nl") -> Registration:
    """File the identity-free registration of an ended conversation (channel "message",
    the same fields, rules and scrubber as every channel), then forget the stub."""
    _may_register(staff, conversation)
    clean = prepare(values, taxonomy, confirmed_note, language=language)
    row = Registration(status="filed", channel="message", staff_id=staff.id,
                       contact_hour=to_hour(conversation.created_at), duration_seconds=None,
                       **answer_figures(conversation), **clean)
    session.add(row)
    session.flush()
    conversations.forget(session, conversation)  # commits the registration with it
    return row


def record_unfiled(session: Session, now: float) -> int:
    """Stubs ended a retention period ago and never filed become "missing" registrations
    (times and answer figures only) and are deleted: run before conversations.expire_due.

    A batch at a time, each stub's registration in the transaction that deletes it (so a
    run at the same time cannot register it twice). One stub per transaction, with every
    loaded stub expired at each commit, took 253 s for 10,000 on SQLite
    (bench/messages.py)."""
    cutoff = conversations.retention_cutoff(now)
    done = 0
    while stubs := list(session.scalars(select(Conversation).where(
            Conversation.state.in_(ENDED_STATES), Conversation.ended_at < cutoff)
            .order_by(Conversation.id).limit(BATCH))):
        rows = {stub.id: Registration(
            status="missing", channel="message", staff_id=stub.staff_id,
            contact_hour=to_hour(stub.created_at), age_band=stub.age_band or "unknown",
            gender=stub.gender or "unknown", **answer_figures(stub)) for stub in stubs}
        deleted = conversations.forget_many(session, list(rows))
        session.add_all(rows[cid] for cid in deleted)
        session.commit()
        done += len(deleted)
        conversations.let_others_run()
    return done


def mark_overdue(session: Session, now: float) -> int:
    """Count once in the missed ledger each conversation still waiting for an answer after
    its promised day (at the hour that day ended); returns how many were counted.

    A batch at a time: one UPDATE ... RETURNING claims up to BATCH conversations not yet
    counted, and their missed rows are written in the same transaction. A run at the same
    time waits for those row locks, then finds them counted: each is counted once. (Row by
    row, with two commits each, 10,000 late conversations took 46 s on PostgreSQL, past the
    daily job's 30 s timeout: bench/messages.py.)"""
    today = _today(now)
    tz = ZoneInfo(setting("HELPLINE_TIMEZONE"))
    late = (Conversation.state == "open", Conversation.answer_due < today,
            Conversation.overdue_counted.is_(False))
    counted = 0
    while ids := list(session.scalars(select(Conversation.id).where(*late)
                                      .order_by(Conversation.id).limit(BATCH))):
        won = session.execute(update(Conversation).where(Conversation.id.in_(ids), *late)
                              .values(overdue_counted=True)
                              .returning(Conversation.answer_due)).scalars().all()
        missed.record_many(session, OVERDUE_REASON, [
            datetime.combine(due + timedelta(days=1), time(0), tz) for due in won])
        session.commit()
        counted += len(won)
        conversations.let_others_run()
    return counted
