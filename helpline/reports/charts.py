"""Server-rendered SVG charts for the reports (no script, no third-party host).

Each function turns a report Table into plain geometry that templates/admin/reports.html
draws; the table itself is shown beside the chart, so nothing is only in a picture.
"""

from __future__ import annotations

from .report import Table

CHANNEL_FILLS = ("#2171b5", "#6baed6", "#fd8d3c")  # chat, phone, e-mail
BAR_FILL = "#4292c6"
BAR_H, BAR_GAP, LABEL_W, BARS_W = 18, 6, 260, 520
MONTHS_H, MONTH_W_MAX, MONTHS_W = 180, 28, 720


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
    """Stacked columns per month, one colour per channel (columns 1..3 of the table)."""
    rows = table.rows
    peak = max((r[-1] for r in rows), default=0) or 1
    step = min(MONTH_W_MAX, (MONTHS_W - 40) / max(1, len(rows)))
    columns = []
    for i, row in enumerate(rows):
        y = MONTHS_H
        parts = []
        for c, count in enumerate(row[1:-1]):
            h = round(MONTHS_H * count / peak, 1)
            y -= h
            parts.append({"y": round(y, 1), "h": h, "fill": CHANNEL_FILLS[c], "count": count})
        columns.append({"x": round(40 + i * step, 1), "w": round(max(1.0, step - 2), 1),
                        "month": row[0], "total": row[-1], "parts": parts,
                        "tick": row[0].endswith("-01") or len(rows) <= 12})
    legend = [{"label": h, "fill": f} for h, f in zip(table.headers[1:-1], CHANNEL_FILLS,
                                                      strict=False)]
    return {"columns": columns, "width": MONTHS_W, "height": MONTHS_H + 30, "plot_h": MONTHS_H,
            "peak": peak, "legend": legend}


def chart(table: Table) -> dict | None:
    """The geometry for a table's chart, or None when it has none or nothing to draw."""
    if not table.rows or table.chart is None:
        return None
    return bars(table) if table.chart == "bars" else months(table)
