"""SQL model of a canned response (public helpline texts, never chatter data)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..records.models import utcnow

TITLE_MAX = 120
TEXT_MAX = 2000
TAG_MAX = 32
TAGS_MAX = 8


class CannedResponse(db.Model):
    """One ready text in one language: a title to find it by, the text, a few tags."""

    __tablename__ = "canned_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(sa.String(8), index=True)
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    text: Mapped[str] = mapped_column(sa.Text)
    # Lower-case words, space-separated in the form, a list here.
    tags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    updated_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def as_json(self) -> dict:
        return {"id": self.id, "title": self.title, "text": self.text, "tags": list(self.tags)}
