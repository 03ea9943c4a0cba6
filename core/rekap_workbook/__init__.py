"""Rekapitulasi Hasil Pengukuran Data Kinerja (SOP steps 7-8): the workbook and its chart.

The caller computes every number (capaian, aggregates, predikat, compliance); this package only
lays them out, so the same values appear in chat, workbook and chart. One module per sheet;
XlsxWriter streams the rows (constant_memory), so 10,000 indicators stay flat in memory, and
every text that came from a user is written as a string (`Styles.text`: control characters
removed, a quote prefix where a spreadsheet would read a formula or an error value).
"""

from __future__ import annotations

from io import BytesIO
from zoneinfo import ZoneInfo

from xlsxwriter.workbook import Workbook

from core.rekap_workbook import analisis, info, kepatuhan, kertas_kerja, rekap
from core.rekap_workbook.chart import build_chart
from core.rekap_workbook.layout import add_sheet, write_rows
from core.rekap_workbook.model import ComplianceTable, IndicatorResult, RecapInput, TreeNode
from core.rekap_workbook.styles import (
    DEFAULT_PREDIKAT_COLORS,
    UNKNOWN_PREDIKAT_COLOR,
    Styles,
    predikat_color,
)

__all__ = [
    "DEFAULT_PREDIKAT_COLORS",
    "SHEETS",
    "UNKNOWN_PREDIKAT_COLOR",
    "ComplianceTable",
    "IndicatorResult",
    "RecapInput",
    "TreeNode",
    "build_chart",
    "build_recap",
    "predikat_color",
]

_SHEETS = (rekap, kertas_kerja, analisis, kepatuhan, info)
"""Each sheet module has TITLE, FREEZE, HEADER_ROW (repeated when printed), widths and rows."""
SHEETS = tuple(sheet.TITLE for sheet in _SHEETS)

_OPTIONS = {
    # Rows go to a temporary file as they are finished: memory stays flat for any size.
    "constant_memory": True,
    # User text is only ever written with write_string; these keep `write` from guessing too.
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def build_recap(data: RecapInput) -> bytes:
    """The recap workbook (.xlsx): sheets Rekap, Kertas Kerja, Analisis, Kepatuhan SOP, Info."""
    zone = ZoneInfo(data.timezone)
    buffer = BytesIO()
    workbook = Workbook(buffer, _OPTIONS)
    st = Styles(workbook, data.predikat_colors)

    for sheet in _SHEETS:
        widths = sheet.widths(data)
        ws = add_sheet(
            workbook, sheet.TITLE, widths, freeze=sheet.FREEZE, print_title_row=sheet.HEADER_ROW
        )
        write_rows(ws, sheet.rows(data, st, zone, widths))
    workbook.close()
    return buffer.getvalue()
