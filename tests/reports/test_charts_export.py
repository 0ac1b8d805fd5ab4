"""The reports' SVG geometry and exports, on hand-made tables."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from zoneinfo import ZoneInfo

import openpyxl

from helpline.availability.missed import Period, Report
from helpline.reports import charts, export
from helpline.reports.tables import Pct, Table


def test_bars_are_proportional_and_keep_every_row():
    table = Table("t", "T", ["Label", "Count", "%"], [["a", 10, 50.0], ["b", 5, 25.0],
                                                      ["c", 0, 0.0]], chart="bars")
    geometry = charts.chart(table)
    widths = [item["w"] for item in geometry["items"]]
    assert widths[0] == 2 * widths[1] and widths[2] == 0
    assert [item["label"] for item in geometry["items"]] == ["a", "b", "c"]
    assert charts.chart(Table("t", "T", ["x"], [], chart="bars")) is None


def test_months_stack_the_channels():
    table = Table("months", "M", ["Month", "Chat", "Phone", "E-mail", "Message", "Total"],
                  [["2021-01", 1, 2, 1, 0, 4], ["2021-02", 0, 0, 2, 0, 2]], chart="months")
    geometry = charts.chart(table)
    first, second = geometry["columns"]
    heights = [part["h"] for part in first["parts"]]
    assert sum(heights) == geometry["plot_h"]  # the peak month fills the plot
    assert heights == [45.0, 90.0, 45.0, 0.0]
    assert [part["h"] for part in second["parts"]] == [0.0, 0.0, 90.0, 0.0]
    assert [item["label"] for item in geometry["legend"]] == ["Chat", "Phone", "E-mail",
                                                              "Message"]


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
    body = export.table_csv(table, "en")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert rows == [["Label", "Count"], ["'=HYPERLINK(1)", "3"], ["'+1", ""], ["Total", "3"]]


def test_csv_for_a_dutch_or_french_excel():
    """Belgian Excel splits on ';' and reads a decimal comma; the mark says UTF-8."""
    table = Table("t", "Contacten", ["Kanaal", "Aantal", "%"],
                  [["Chat", 206, Pct(10.8)], ["Telefoon", 814, Pct(42.6)]],
                  footer=["Totaal", 1913, Pct(100.0)], note="Één noot")
    for lang in ("nl", "fr"):
        body = export.table_csv(table, lang)
        assert body.encode("utf-8")[:3] == b"\xef\xbb\xbf"
        rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff")), delimiter=";"))
        assert rows == [["Kanaal", "Aantal", "%"], ["Chat", "206", "10,8"],
                        ["Telefoon", "814", "42,6"], ["Totaal", "1913", "100,0"], [],
                        ["Één noot"]]


def test_the_workbook_opens_at_a_glance_with_percentages_and_charts():
    glance = Table("glance", "At a glance", ["Figure", "Value", "%"],
                   [["Contacts", 10, None], ["Chat", 3, Pct(30.0)]])
    years = Table("years", "Contacts per year", ["Year", "Chat", "Phone", "E-mail", "Total",
                                                 "Change (%)"],
                  [["2020", 1, 2, 3, 6, None], ["2021", 2, 2, 1, 5, Pct(-16.7)]],
                  chart="years")
    channels = Table("channels", "Contacts per channel", ["Channel", "Count", "%"],
                     [["Chat", 3, Pct(30.0)], ["Phone", 7, Pct(70.0)]], chart="bars",
                     footer=["Total", 10, Pct(100.0)])
    durations = Table("durations", "Durations", ["Channel", "Mean"], [["Phone", 20.5]])
    data = export.workbook([glance, years, channels, durations], "Helpline 2021")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["At a glance", "Contacts per year", "Contacts per channel",
                               "Durations"]
    first = book.worksheets[0]
    assert first["A1"].value == "Helpline 2021" and first["A3"].value == "At a glance"
    assert [c.value for c in first[6]][:3] == ["Chat", 3, 0.3]
    assert first["C6"].number_format == "0.0%"
    assert first["A9"].value == "Contacts per year"  # the years below the summary
    assert [c.value for c in first[12]][:6] == ["2021", 2, 2, 1, 5, -0.167]
    sheet = book["Contacts per channel"]
    assert [c.value for c in sheet[7]][:3] == ["Total", 10, 1.0]
    assert sheet["C5"].number_format == "0.0%" and sheet["B5"].number_format == "General"
    assert book["Durations"]["B5"].value == 20.5
    charts_in = sorted(n for n in zipfile.ZipFile(io.BytesIO(data)).namelist()
                       if n.startswith("xl/charts/"))
    assert charts_in == ["xl/charts/chart1.xml", "xl/charts/chart2.xml",
                         "xl/charts/chart3.xml"]  # years twice (glance, own sheet), channels
    kinds = [zipfile.ZipFile(io.BytesIO(data)).read(n).decode() for n in charts_in]
    assert "<c:barDir val=\"col\"/>" in kinds[0] and "stacked" in kinds[0]
    assert "<c:barDir val=\"bar\"/>" in kinds[2]


def test_sheet_names_are_valid_and_unique():
    taken: set[str] = set()
    assert export._sheet_name("Follow-up: made/kept [all]?", taken) == "Follow-up  made kept  all"
    assert export._sheet_name("Follow-up: made/kept [all]?", taken) == (
        "Follow-up  made kept  all 2")
    assert len(export._sheet_name("x" * 40, taken)) == 31


def test_a_download_is_named_for_its_period():
    period = Period(date(2021, 1, 1), date(2021, 12, 31), ZoneInfo("Europe/Brussels"))
    response = export.attachment(iter(["a,b\r\n", "1,2\r\n"]), "text/csv", "channels", period,
                                 "csv")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="channels-2021-01-01-to-2021-12-31.csv"')
    assert response.mimetype == "text/csv" and response.get_data() == b"a,b\r\n1,2\r\n"
