"""The reports' SVG geometry and exports, on hand-made tables."""

from __future__ import annotations

import csv
import io
import zipfile

from helpline.reports import charts, export
from helpline.reports.report import Table


def test_bars_are_proportional_and_keep_every_row():
    table = Table("t", "T", ["Label", "Count", "%"], [["a", 10, 50.0], ["b", 5, 25.0],
                                                      ["c", 0, 0.0]], chart="bars")
    geometry = charts.chart(table)
    widths = [item["w"] for item in geometry["items"]]
    assert widths[0] == 2 * widths[1] and widths[2] == 0
    assert [item["label"] for item in geometry["items"]] == ["a", "b", "c"]
    assert charts.chart(Table("t", "T", ["x"], [], chart="bars")) is None


def test_months_stack_the_channels():
    table = Table("months", "M", ["Month", "Chat", "Phone", "E-mail", "Total"],
                  [["2021-01", 1, 2, 1, 4], ["2021-02", 0, 0, 2, 2]], chart="months")
    geometry = charts.chart(table)
    first, second = geometry["columns"]
    heights = [part["h"] for part in first["parts"]]
    assert sum(heights) == geometry["plot_h"]  # the peak month fills the plot
    assert heights == [45.0, 90.0, 45.0]
    assert [part["h"] for part in second["parts"]] == [0.0, 0.0, 90.0]
    assert [item["label"] for item in geometry["legend"]] == ["Chat", "Phone", "E-mail"]


def test_csv_quotes_formula_like_text_and_keeps_the_footer():
    table = Table("t", "T", ["Label", "Count"], [["=HYPERLINK(1)", 3], ["+1", None]],
                  footer=["Total", 3])
    rows = list(csv.reader(io.StringIO(export.table_csv(table))))
    assert rows == [["Label", "Count"], ["'=HYPERLINK(1)", "3"], ["'+1", ""], ["Total", "3"]]


def test_the_workbook_has_a_sheet_per_table():
    tables = [Table("channels", "Contacts", ["Channel", "Count"], [["Chat", 1]]),
              Table("months", "Months", ["Month", "Total"], [["2021-01", 1]])]
    book = zipfile.ZipFile(io.BytesIO(export.workbook(tables, "Helpline 2021")))
    names = book.read("xl/workbook.xml").decode()
    assert all(f'name="{n}"' in names for n in ("report", "channels", "months"))
    strings = book.read("xl/sharedStrings.xml").decode()
    assert "Helpline 2021" in strings and "Contacts" in strings
