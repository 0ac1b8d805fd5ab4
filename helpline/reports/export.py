"""Exports: one report table as CSV, the whole report as one XLSX workbook, and the
registrations row by row (without the notes unless asked); every statistics page's
downloads are sent by `attachment`, named for their period.

CSV is written for the reader's Excel: in Dutch and French (Belgian Excel) `;` between
fields and a decimal comma, in English `,` and a decimal point; always UTF-8 with a
byte-order mark, so Excel reads the accents. The registrations come with the labels people
read; `?machine=1` gives the same rows with the internal keys for scripts (`,`, ISO
times, no mark). The workbook's first sheet is the period at a glance; shares are
percentage cells and the main tables have native Excel charts beside them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC

import xlsxwriter
from flask import Response
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..availability.missed import Period
from ..i18n import current_language
from ..records.models import CHANNEL_NAMES, Registration
from ..records.taxonomy import Taxonomy
from .tables import UNKNOWN, Labels, Pct, Table

BOM = "\ufeff"
SEMICOLON_LANGUAGES = ("nl", "fr")  # Belgian Excel: list separator ";", decimal comma
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


def dialect(lang: str | None = None) -> tuple[str, str]:
    """(field separator, decimal mark) for the reader's Excel."""
    return (";", ",") if (lang or current_language()) in SEMICOLON_LANGUAGES else (",", ".")


def _csv_value(value, decimal: str):
    """A cell for CSV: decimals with the reader's decimal mark, text made safe."""
    if isinstance(value, float):  # the report's decimals all have one digit
        return f"{value:.1f}".replace(".", decimal)
    return _cell(value)


def table_csv(table: Table, lang: str | None = None) -> str:
    """One table as the page shows it, for the reader's Excel (a note comes last)."""
    separator, decimal = dialect(lang)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
    writer.writerow(table.headers)
    writer.writerows([[_csv_value(v, decimal) for v in row] for row in table.all_rows()])
    if table.note:
        writer.writerows([[], [table.note]])
    return BOM + out.getvalue()


def workbook(tables: list[Table], title: str) -> bytes:
    """The "at a glance" table (if any) first, then every other table on its own sheet,
    each with its native chart beside it."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False,
                                     "strings_to_urls": False})
    formats = {"bold": book.add_format({"bold": True}),
               "title": book.add_format({"bold": True, "font_size": 14}),
               "pct": book.add_format({"num_format": "0.0%"}),
               "dec": book.add_format({"num_format": "0.0"}),
               "note": book.add_format({"italic": True, "text_wrap": False})}
    glance = next((t for t in tables if t.key == "glance"), None)
    years = next((t for t in tables if t.key == "years"), None)
    names: set[str] = set()
    if glance is not None:
        sheet = book.add_worksheet(_sheet_name(glance.title, names))
        sheet.write(0, 0, title, formats["title"])
        end = _write_table(book, sheet, glance, 2, formats, chart=False)
        if years is not None and years.rows:
            _write_table(book, sheet, years, end + 2, formats)
    for table in tables:
        if table is glance:
            continue
        sheet = book.add_worksheet(_sheet_name(table.title, names))
        sheet.write(0, 0, title, formats["bold"])
        _write_table(book, sheet, table, 2, formats)
    book.close()
    return out.getvalue()


def _sheet_name(title: str, taken: set[str]) -> str:
    """A table's title as a sheet name: at most 31 characters, none of []:*?/\\, unique."""
    base = "".join(" " if c in "[]:*?/\\" else c for c in title).strip()[:31] or "sheet"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base[:28]} {n}"
    taken.add(name.lower())
    return name


def _write_table(book, sheet, table: Table, top: int, formats: dict, chart: bool = True) -> int:
    """Title, headers and rows from row `top` (shares as percentage cells), the note below
    and a chart to the right; returns the row after the table."""
    sheet.write(top, 0, table.title, formats["bold"])
    sheet.write_row(top + 1, 0, table.headers, formats["bold"])
    first = top + 2
    rows = table.all_rows()
    for r, row in enumerate(rows, start=first):
        for c, value in enumerate(row):
            if isinstance(value, Pct):
                sheet.write_number(r, c, value / 100, formats["pct"])
            elif isinstance(value, float):
                sheet.write_number(r, c, value, formats["dec"])
            else:
                sheet.write(r, c, _cell(value))
    end = first + len(rows)
    if table.note:
        sheet.write(end, 0, table.note, formats["note"])
        end += 1
    sheet.set_column(0, 0, 44)
    sheet.set_column(1, len(table.headers), 14)
    if chart and table.chart and table.rows:
        sheet.insert_chart(top, len(table.headers) + 1,
                           _chart(book, sheet.get_name(), table, first),
                           {"x_scale": 1.3, "y_scale": 1.2})
    return end


def _chart(book, sheet: str, table: Table, first: int):
    """A native chart of the table's rows (the totals row left out): bars for a share
    table, stacked columns per channel for months and years."""
    last = first + len(table.rows) - 1
    if table.chart == "bars":
        chart = book.add_chart({"type": "bar"})
        chart.add_series({"name": table.headers[1],
                          "categories": [sheet, first, 0, last, 0],
                          "values": [sheet, first, 1, last, 1], "fill": {"color": "#4292c6"}})
        chart.set_y_axis({"reverse": True})  # the first row on top, as in the table
        chart.set_legend({"none": True})
    else:
        chart = book.add_chart({"type": "column", "subtype": "stacked"})
        for c, colour in enumerate(("#2171b5", "#6baed6", "#fd8d3c"), start=1):
            chart.add_series({"name": [sheet, first - 1, c],
                              "categories": [sheet, first, 0, last, 0],
                              "values": [sheet, first, c, last, c], "fill": {"color": colour}})
        chart.set_legend({"position": "bottom"})
    chart.set_title({"name": table.title, "name_font": {"size": 11}})
    return chart


FIELD_LABELS = {
    "id": _l("Number"), "channel": _l("Channel"), "status": _l("Status"),
    "contact_hour": _l("Date and hour"), "target_group": _l("Target group"),
    "subcategory": _l("Subcategory"), "help_given": _l("Help given"),
    "referral_target": _l("Referred to"), "referral_region": _l("Region"),
    "referral_accepted": _l("Referral accepted"), "follow_up": _l("Follow-up"),
    "follow_up_kept": _l("Follow-up appointment kept"), "risk": _l("Risk"),
    "contacted_before": _l("Contacted the helpline before"),
    "said_helpful": _l("Said the contact was helpful"), "age_band": _l("Age band"),
    "gender": _l("Gender"), "wait_seconds": _l("Wait (seconds)"),
    "duration_seconds": _l("Duration (seconds)"), "note": _l("Note"),
}
STATUS_LABELS = {"filed": _l("Filed"), "missing": _l("Summary missing"),
                 "no_conversation": _l("No conversation")}
SECTIONS = {"target_group": "target_groups", "subcategory": "subcategories",
            "referral_target": "referral_targets", "referral_region": "regions",
            "follow_up": "follow_up", "risk": "risk", "age_band": "age_bands",
            "gender": "genders"}


def registration_rows(session: Session, period: Period, notes: bool,
                      taxonomy: Taxonomy | None = None, machine: bool = False) -> Iterator[str]:
    """CSV lines of every registration in the period, streamed; the note only if asked.

    For people (the default): labels in the reader's language and the reader's Excel
    dialect (needs `taxonomy`). `machine`: the internal keys, `,`, ISO times, no mark.
    """
    fields = ROW_FIELDS + (("note",) if notes else ())
    human = not machine
    separator = dialect()[0] if human else ","
    labels = Labels(taxonomy) if human else None
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")

    def flush() -> str:
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    writer.writerow([str(FIELD_LABELS[f]) for f in fields] if human else fields)
    yield (BOM if human else "") + flush()
    columns = [getattr(Registration, name) for name in fields]
    query = (select(*columns)
             .where(Registration.contact_hour >= period.start_utc,
                    Registration.contact_hour < period.end_utc)
             .order_by(Registration.contact_hour, Registration.id)
             .execution_options(yield_per=1000))
    hour_at = fields.index("contact_hour")
    local: dict = {}  # one time-zone conversion per distinct hour
    value = _value if machine else _human(labels)
    for n, row in enumerate(session.execute(query), start=1):
        hour = row[hour_at]
        if hour not in local:
            moment = hour.replace(tzinfo=UTC).astimezone(period.tz)
            local[hour] = (moment.strftime("%Y-%m-%d %H:%M") if human
                           else moment.isoformat(timespec="minutes"))
        writer.writerow([local[hour] if i == hour_at else value(name, v)
                         for i, (name, v) in enumerate(zip(fields, row, strict=True))])
        if n % 1000 == 0:
            yield flush()
    yield flush()


def _value(name: str, value):
    if name == "help_given":
        return ";".join(value or [])
    if isinstance(value, bool):
        return "yes" if value else "no"
    return _cell(value)


def _human(labels: Labels):
    """A value as people read it: the taxonomy's label, Yes/No, the channel's name."""
    yes, no = str(_l("Yes")), str(_l("No"))
    words = {"yes": yes, "no": no, "unknown": str(UNKNOWN)}

    def value(name: str, value):
        if value is None or value == "":
            return ""
        if isinstance(value, bool):
            return yes if value else no
        if name == "help_given":
            return ", ".join(labels("help_given", k) for k in value or [])
        if name == "channel":
            return str(CHANNEL_NAMES.get(value, value))
        if name == "status":
            return str(STATUS_LABELS.get(value, value))
        if name == "contacted_before":
            return words.get(value, value)
        if name in SECTIONS:
            return _cell(labels(SECTIONS[name], value))
        return _cell(value)
    return value
