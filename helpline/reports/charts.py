"""Server-rendered SVG charts (no script, no third-party host): every chart's geometry.

Each function turns figures into plain geometry that a template draws: a report Table for
templates/admin/reports.html, the missed-chats report for templates/admin/missed.html.
The figures are shown beside each chart too, so nothing is only in a picture.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..availability.missed import Cell, Report
from ..i18n import WEEKDAY_NAMES, WEEKDAY_SHORT
from .tables import Table

CHANNEL_FILLS = ("#2171b5", "#6baed6", "#fd8d3c", "#31a354")  # chat, phone, e-mail, message
BAR_FILL = "#4292c6"
BAR_H, BAR_GAP, LABEL_W, BARS_W = 18, 6, 260, 520
MONTHS_H, MONTH_W_MAX, MONTHS_W = 180, 28, 720
HEAT_FILLS = ("#deebf7", "#9ecae1", "#4292c6", "#2171b5", "#08306b")  # light to dark blue
HEAT_EMPTY = "#ffffff"
CELL_W, CELL_H, DAY_LABEL_W, HEAD_H = 26, 24, 40, 18


def bars(table: Table) -> dict:
    """Horizontal bars of the table's first column (label) against its second (count)."""
    rows = [(str(r[0]), r[1] or 0) for r in table.rows]
    peak = max((n for _, n in rows), default=0) or 1
    span = BARS_W - LABEL_W - 50
    items = [{"label": label, "count": n, "y": i * (BAR_H + BAR_GAP),
              "w": round(span * n / peak, 1)} for i, (label, n) in enumerate(rows)]
    return {"items": items, "width": BARS_W, "label_w": LABEL_W, "bar_h": BAR_H,
            "height": max(1, len(items)) * (BAR_H + BAR_GAP), "fill": BAR_FILL}


def months(table: Table) -> dict:
    """Stacked columns per month or year, one colour per channel (columns 1..4 of the
    table, the total in column 5; a year table's change column is not drawn)."""
    rows = table.rows
    last = 1 + len(CHANNEL_FILLS)  # the total's column
    peak = max((r[last] for r in rows), default=0) or 1
    step = min(MONTH_W_MAX, (MONTHS_W - 40) / max(1, len(rows)))
    columns = []
    for i, row in enumerate(rows):
        y = MONTHS_H
        parts = []
        for c, count in enumerate(row[1:last]):
            h = round(MONTHS_H * count / peak, 1)
            y -= h
            parts.append({"y": round(y, 1), "h": h, "fill": CHANNEL_FILLS[c], "count": count})
        columns.append({"x": round(40 + i * step, 1), "w": round(max(1.0, step - 2), 1),
                        "month": row[0], "total": row[last], "parts": parts,
                        "tick": row[0].endswith("-01") or len(rows) <= 12})
    legend = [{"label": h, "fill": f} for h, f in zip(table.headers[1:last], CHANNEL_FILLS,
                                                      strict=True)]
    return {"columns": columns, "width": MONTHS_W, "height": MONTHS_H + 30, "plot_h": MONTHS_H,
            "peak": peak, "legend": legend}


def chart(table: Table) -> dict | None:
    """The geometry for a table's chart, or None when it has none or nothing to draw."""
    if not table.rows or table.chart is None:
        return None
    return bars(table) if table.chart == "bars" else months(table)


def hour_span(hour: int) -> str:
    """One hour of the day as the missed-chats page names it: 18:00–19:00."""
    return f"{hour:02d}:00–{hour + 1:02d}:00"


def _bins(peak: int) -> list[tuple[int, int]]:
    """Count ranges for the colours: one per value up to 5, else five equal bands."""
    if peak <= 0:
        return []
    if peak <= len(HEAT_FILLS):
        return [(n, n) for n in range(1, peak + 1)]
    bounds = [round(peak * i / len(HEAT_FILLS)) for i in range(len(HEAT_FILLS) + 1)]
    return [(bounds[i] + 1, bounds[i + 1]) for i in range(len(HEAT_FILLS))]


def _shades(count: int) -> list[int]:
    """Indexes into HEAT_FILLS for `count` bands, spread from light to dark."""
    if count <= 1:
        return [2] * count
    last = len(HEAT_FILLS) - 1
    return [round(i * last / (count - 1)) for i in range(count)]


def _heat_cell(cell: Cell, bands: list[tuple[tuple[int, int], int]]) -> dict:
    """One square: its place, its colour (white figures on the two darkest) and its title."""
    shade = next((s for (lo, hi), s in bands if lo <= cell.count <= hi), None)
    title = str(_l("%(day)s %(hour)s: %(n)s missed", day=WEEKDAY_NAMES[cell.weekday],
                   hour=hour_span(cell.hour), n=cell.count))
    return {
        "weekday": cell.weekday, "hour": cell.hour, "count": cell.count,
        "x": DAY_LABEL_W + cell.hour * CELL_W, "y": HEAD_H + cell.weekday * CELL_H,
        "fill": HEAT_EMPTY if shade is None else HEAT_FILLS[shade],
        "dark": shade is not None and shade >= 3, "chat": cell.in_chat_hours,
        "title": title + (str(_l(" (chat hours)")) if cell.in_chat_hours else ""),
    }


def heatmap(report: Report) -> dict:
    """The missed chats' weekday x hour chart, one square per hour of the week."""
    bins = _bins(report.peak)
    bands = list(zip(bins, _shades(len(bins)), strict=True))
    return {
        "cells": [_heat_cell(cell, bands) for cell in report.cells()],
        "cell_w": CELL_W, "cell_h": CELL_H, "label_w": DAY_LABEL_W,
        "head_h": HEAD_H, "width": DAY_LABEL_W + 24 * CELL_W + 2,
        "height": HEAD_H + 7 * CELL_H + 2,
        "rows": [{"y": HEAD_H + i * CELL_H + CELL_H / 2, "label": WEEKDAY_SHORT[i]}
                 for i in range(7)],
        "columns": [{"x": DAY_LABEL_W + h * CELL_W + CELL_W / 2, "label": f"{h:02d}"}
                    for h in range(0, 24, 2)],
        "legend": [{"fill": HEAT_FILLS[shade], "label": str(lo) if lo == hi else f"{lo}–{hi}"}
                   for (lo, hi), shade in bands],
    }
