"""The canned-response library: checks, changes (audited) and the list served to consoles.

No scrubber: these are the helpline's own public texts written by supervisors (a referral
text must be able to hold a centre's phone number, address and web site), never notes
about a chatter. What keeps chatter data out is who writes them (supervisors only), the
page saying so, and the audit trail naming who changed which text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, i18n
from ..realtime import protocol
from .models import TAG_MAX, TAGS_MAX, TEXT_MAX, TITLE_MAX, CannedResponse, utcnow

_TAG = re.compile(r"^[\w-]+$")


class InvalidCanned(ValueError):
    """The posted fields, with a message per field that is wrong."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("invalid canned response")
        self.errors = errors


@dataclass(frozen=True)
class Fields:
    language: str
    title: str
    text: str
    tags: list[str]


def parse_tags(raw: str) -> list[str]:
    """Tags typed as words separated by spaces or commas: lower case, each once, in order."""
    seen: list[str] = []
    for word in re.split(r"[\s,]+", protocol.strip_unsafe(raw or "").lower()):
        if word and word not in seen:
            seen.append(word)
    return seen


def check(language: str, title: str, text: str, tags: str) -> Fields:
    """Clean and check the form's fields; every problem found at once (InvalidCanned)."""
    errors: dict[str, str] = {}
    lang = i18n.known(language) if language in i18n.LANGUAGES else None
    clean_title = protocol.clean_name(title or "")
    clean = protocol.strip_unsafe((text or "").replace("\r\n", "\n").replace("\r", "\n")).strip()
    tag_list = parse_tags(tags)
    if lang is None:
        errors["language"] = str(_l("Choose a language."))
    if not clean_title:
        errors["title"] = str(_l("Give the text a title."))
    elif len(clean_title) > TITLE_MAX:
        errors["title"] = str(_l("A title can be at most %(n)s characters.", n=TITLE_MAX))
    if not clean:
        errors["text"] = str(_l("The text is empty."))
    elif len(clean) > TEXT_MAX:
        errors["text"] = str(_l("A text can be at most %(n)s characters.", n=TEXT_MAX))
    if len(tag_list) > TAGS_MAX or any(len(t) > TAG_MAX or not _TAG.match(t) for t in tag_list):
        errors["tags"] = str(_l("At most %(n)s tags of letters, digits and dashes, each at "
                                "most %(m)s characters.", n=TAGS_MAX, m=TAG_MAX))
    if errors:
        raise InvalidCanned(errors)
    return Fields(lang or "", clean_title, clean, tag_list)


def for_language(session: Session, language: str) -> list[CannedResponse]:
    """One language's texts, by title (what the picker and the page list)."""
    query = select(CannedResponse).where(CannedResponse.language == language)
    return list(session.scalars(query.order_by(CannedResponse.title, CannedResponse.id)))


def save(session: Session, actor_id: int, fields: Fields,
         row: CannedResponse | None = None) -> CannedResponse:
    """Create (row None) or change a text; the audit trail names who, not what."""
    created = row is None
    row = row or CannedResponse()
    row.language, row.title, row.text, row.tags = (fields.language, fields.title,
                                                   fields.text, fields.tags)
    row.updated_by, row.updated_at = actor_id, utcnow()
    session.add(row)
    session.commit()
    audit.record(session, actor_id, "canned_create" if created else "canned_edit")
    return row


def delete(session: Session, actor_id: int, row: CannedResponse) -> None:
    session.delete(row)
    session.commit()
    audit.record(session, actor_id, "canned_delete")
