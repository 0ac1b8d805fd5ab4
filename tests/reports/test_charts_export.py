"""The reports' SVG geometry and exports, on hand-made tables."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from zoneinfo import ZoneInfo

from helpline.availability.missed import Period, Report
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


def heat(matrix) -> dict:
    period = Period(date(2026, 11, 2), date(2026, 11, 8), ZoneInfo("Europe/Brussels"))
    return charts.heatmap(Report(period, [], {}, {}, matrix, [[] for _ in range(7)]))


def test_the_heatmap_shades_one_colour_per_count_up_to_five(app):
    matrix = [[0] * 24 for _ in range(7)]
    matrix[3][18], matrix[0][9] = 2, 1
    with app.test_request_context():
        geometry = heat(matrix)
        monday_nine = geometry["cells"][9]
        assert monday_nine["title"] == "Monday 09:00–10:00: 1 missed"
    assert len(geometry["cells"]) == 7 * 24 and geometry["width"] == 40 + 24 * 26 + 2
    assert (monday_nine["x"], monday_nine["y"]) == (40 + 9 * 26, 18)
    assert [item["label"] for item in geometry["legend"]] == ["1", "2"]
    assert geometry["cells"][0]["fill"] == charts.HEAT_EMPTY
    assert monday_nine["fill"] == charts.HEAT_FILLS[0] and not monday_nine["dark"]
    assert geometry["cells"][3 * 24 + 18]["fill"] == charts.HEAT_FILLS[4]
    assert geometry["cells"][3 * 24 + 18]["dark"]


def test_the_heatmap_bands_larger_counts_in_five(app):
    matrix = [[0] * 24 for _ in range(7)]
    matrix[1][1], matrix[1][2] = 50, 11
    with app.test_request_context():
        geometry = heat(matrix)
    assert [item["label"] for item in geometry["legend"]] == [
        "1–10", "11–20", "21–30", "31–40", "41–50"]
    assert geometry["cells"][24 + 2]["fill"] == charts.HEAT_FILLS[1]


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


def test_a_download_is_named_for_its_period():
    period = Period(date(2021, 1, 1), date(2021, 12, 31), ZoneInfo("Europe/Brussels"))
    response = export.attachment(iter(["a,b\r\n", "1,2\r\n"]), "text/csv", "channels", period,
                                 "csv")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="channels-2021-01-01-to-2021-12-31.csv"')
    assert response.mimetype == "text/csv" and response.get_data() == b"a,b\r\n1,2\r\n"
