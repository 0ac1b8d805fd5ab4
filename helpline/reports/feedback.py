"""The chatter's own word: two optional questions on the closing screen, kept as counts.

Answers are added to a count per month, question and answer, and nothing else: no chat
id, no time finer than the month, no registration. One answer per chat socket.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..extensions import db

QUESTIONS = {"helped": ("yes", "a_bit", "no"), "again": ("yes", "no")}


class FeedbackCount(db.Model):
    """How many chatters gave one answer to one question in one month."""

    __tablename__ = "chatter_feedback_counts"
    __table_args__ = (sa.UniqueConstraint("month", "question", "answer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date, index=True)
    question: Mapped[str] = mapped_column(sa.String(16))
    answer: Mapped[str] = mapped_column(sa.String(16))
    count: Mapped[int]


def add(session: Session, month: date, question: str, answer: str) -> None:
    """Count one answer (safe when two processes add the month's first one at once)."""
    if answer not in QUESTIONS.get(question, ()):
        raise ValueError("unknown question or answer")
    where = (FeedbackCount.month == month, FeedbackCount.question == question,
             FeedbackCount.answer == answer)
    for _ in range(2):
        if session.execute(update(FeedbackCount).where(*where)
                           .values(count=FeedbackCount.count + 1)).rowcount:
            session.commit()
            return
        try:
            session.add(FeedbackCount(month=month, question=question, answer=answer, count=1))
            session.commit()
            return
        except IntegrityError:
            session.rollback()  # someone else created it: add to theirs


def counts(session: Session, first: date, last: date) -> dict[tuple[str, str], int]:
    """Answers per (question, answer) for the months that start in [first, last]."""
    start = first if first.day == 1 else date(first.year + first.month // 12,
                                              first.month % 12 + 1, 1)
    rows = session.execute(
        select(FeedbackCount.question, FeedbackCount.answer, sa.func.sum(FeedbackCount.count))
        .where(FeedbackCount.month >= start, FeedbackCount.month <= last)
        .group_by(FeedbackCount.question, FeedbackCount.answer))
    return {(q, a): int(n or 0) for q, a, n in rows}
