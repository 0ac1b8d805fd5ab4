"""SQL tables the reports read besides the registrations: aggregate counts only.

Nothing here can hold an identity: centre keys, dates, months and counts.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..records.models import utcnow


class ReferralArrival(db.Model):
    """How many referred people a treatment centre reports as arrived in a period.

    Entered by a supervisor from the centre's own aggregate report.
    """

    __tablename__ = "referral_arrivals"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre: Mapped[str] = mapped_column(sa.String(64))  # a referral_targets key
    first_day: Mapped[date] = mapped_column(sa.Date, index=True)
    last_day: Mapped[date] = mapped_column(sa.Date)
    arrived: Mapped[int]
    entered_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)


class MonthCount(db.Model):
    """Registrations folded into counts once their rows pass the retention period.

    One row per local month, channel, dimension (e.g. 'subcategory', 'duration_minute')
    and key: the same tally the reports make from rows, so "since the start" survives.
    """

    __tablename__ = "registration_month_counts"
    __table_args__ = (sa.UniqueConstraint("month", "channel", "dimension", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date, index=True)  # first day, helpline time
    channel: Mapped[str] = mapped_column(sa.String(16))
    dimension: Mapped[str] = mapped_column(sa.String(32))
    key: Mapped[str] = mapped_column(sa.String(64))
    count: Mapped[int] = mapped_column(sa.BigInteger)
