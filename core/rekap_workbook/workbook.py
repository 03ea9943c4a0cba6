"""The recap workbook itself: openpyxl saves the frame, core.xlsx_safe streams the rows."""

from __future__ import annotations

from io import BytesIO
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.drawing.image import Image

from core.rekap_workbook import analisis, info, kepatuhan, kertas_kerja, rekap
from core.rekap_workbook.chart import build_trend_chart
from core.rekap_workbook.layout import add_sheet
from core.rekap_workbook.model import RecapInput
from core.rekap_workbook.styles import Styles
from core.xlsx_safe import render_rows, splice_rows

_SHEETS = (rekap, kertas_kerja, analisis, kepatuhan, info)
"""Each sheet module has TITLE, FREEZE, HEADER_ROW (repeated when printed), widths and rows;
in the order of core.rekap_workbook.SHEETS."""


def _add_trend_picture(workbook: Workbook, data: RecapInput) -> None:
    """With more than one period, the trend chart beside the Analisis sheet's tables."""
    png = build_trend_chart(data)
    if png is None:
        return
    picture = Image(BytesIO(png))
    picture.width, picture.height = picture.width * 0.6, picture.height * 0.6
    workbook[analisis.TITLE].add_image(picture, analisis.PICTURE_ANCHOR)


def build_recap(data: RecapInput) -> bytes:
    """The recap workbook (.xlsx): sheets Rekap, Kertas Kerja, Analisis, Kepatuhan SOP, Info.

    openpyxl saves the frame (styles, widths, frozen panes, print setup) with empty sheets;
    each sheet's rows are rendered while the zip is written, so memory stays flat.
    """
    zone = ZoneInfo(data.timezone)
    workbook = Workbook(write_only=True)
    planned = []
    for sheet in _SHEETS:
        widths = sheet.widths(data)
        add_sheet(
            workbook, sheet.TITLE, widths, freeze=sheet.FREEZE, print_title_row=sheet.HEADER_ROW
        )
        planned.append((sheet, widths))
    _add_trend_picture(workbook, data)
    st = Styles(workbook.worksheets[0], data.predikat_colors)
    frame = BytesIO()
    workbook.save(frame)
    return splice_rows(
        frame.getvalue(),
        {
            number: render_rows(sheet.rows(data, st, zone, widths))
            for number, (sheet, widths) in enumerate(planned, 1)
        },
    )
