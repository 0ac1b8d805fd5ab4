"""Exports: one report table as CSV, the whole report as one XLSX workbook, and the
registrations row by row (without the notes unless asked); every statistics page's
downloads are sent by `attachment`, named for their period."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC

import xlsxwriter
from flask import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..availability.missed import Period
from ..records.models import Registration
from .report import Table

ROW_FIELDS = (
    "id", "channel", "status", "contact_hour", "target_group", "subcategory", "help_given",
    "referral_target", "referral_region", "referral_accepted", "follow_up", "follow_up_kept",
    "risk", "contacted_before", "said_helpful", "age_band", "gender", "wait_seconds",
    "duration_seconds",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run these


def attachment(body, mimetype: str, stem: str, period: Period, ext: str) -> Response:
    """A download named for its period: channels-2021-01-01-to-2021-12-31.csv."""
    name = f"{stem}-{period.first.isoformat()}-to-{period.last.isoformat()}.{ext}"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _cell(value):
    """A value safe for a spreadsheet: text that looks like a formula is quoted."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def table_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headers)
    writer.writerows([[_cell(v) for v in row] for row in table.all_rows()])
    return out.getvalue()


def workbook(tables: list[Table], title: str) -> bytes:
    """Every table on its own sheet, plus a first sheet naming the period."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False,
                                     "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    cover = book.add_worksheet("report")
    cover.write(0, 0, title, bold)
    for i, table in enumerate(tables, start=2):
        cover.write(i, 0, table.title)
    for table in tables:
        sheet = book.add_worksheet(table.key[:31])
        sheet.write(0, 0, table.title, bold)
        sheet.write_row(2, 0, table.headers, bold)
        for r, row in enumerate(table.all_rows(), start=3):
            sheet.write_row(r, 0, [_cell(v) for v in row])
        sheet.set_column(0, 0, 40)
        sheet.set_column(1, len(table.headers), 14)
    book.close()
    return out.getvalue()


def registration_rows(session: Session, period: Period, notes: bool) -> Iterator[str]:
    """CSV lines of every registration in the period, streamed; the note only if asked."""
    fields = ROW_FIELDS + (("note",) if notes else ())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def flush() -> str:
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    writer.writerow(fields)
    yield flush()
    columns = [getattr(Registration, name) for name in fields]
    query = (select(*columns)
             .where(Registration.contact_hour >= period.start_utc,
                    Registration.contact_hour < period.end_utc)
             .order_by(Registration.contact_hour, Registration.id)
             .execution_options(yield_per=1000))
    hour_at = fields.index("contact_hour")
    local: dict = {}  # one time-zone conversion per distinct hour
    for n, row in enumerate(session.execute(query), start=1):
        hour = row[hour_at]
        if hour not in local:
            local[hour] = hour.replace(tzinfo=UTC).astimezone(period.tz).isoformat(
                timespec="minutes")
        writer.writerow([local[hour] if i == hour_at else _value(name, value)
                         for i, (name, value) in enumerate(zip(fields, row, strict=True))])
        if n % 1000 == 0:
            yield flush()
    yield flush()


def _value(name: str, value):
    if name == "help_given":
        return ";".join(value or [])
    if isinstance(value, bool):
        return "yes" if value else "no"
    return _cell(value)
