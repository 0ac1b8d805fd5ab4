"""Run the current scrubber over the notes already stored (`flask --app app notes rescan`).

After an upgrade of the scrubber, notes filed before it may still hold what the new one
finds. The rescan reports per kind how many notes it would change, never their text;
with `apply` it replaces them (markers in the language of the staff member who filed
each note, else the helpline's default) and writes one audit event with the count.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from .models import Registration, Staff
from .scrubber import scrub

BATCH = 500


@dataclass
class RescanReport:
    notes: int = 0  # notes read (non-empty)
    changed: int = 0  # notes the scrubber changes
    kinds: Counter = field(default_factory=Counter)  # notes changed, per kind found


def rescan(session: Session, default_language: str, apply: bool = False,
           actor_id: int | None = None) -> RescanReport:
    languages = dict(session.execute(select(Staff.id, Staff.language)).all())
    report = RescanReport()
    last_id = 0
    while True:
        rows = list(session.scalars(
            select(Registration).where(Registration.id > last_id, Registration.note != "")
            .order_by(Registration.id).limit(BATCH)))
        if not rows:
            break
        for row in rows:
            report.notes += 1
            result = scrub(row.note, languages.get(row.staff_id) or default_language)
            if result.changed:
                report.changed += 1
                report.kinds.update({r.kind for r in result.removed})
                if apply:
                    row.note = result.text
        last_id = rows[-1].id
        if apply:
            session.commit()
        else:
            session.expunge_all()
    if apply and actor_id is not None:
        audit.record(session, actor_id, "notes_rescan", count=report.changed)
    return report
