"""The regency workbook itself: openpyxl saves the frame, core.xlsx_safe streams the rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from io import BytesIO
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.drawing.image import Image

from core.kabupaten_workbook import program, ringkasan
from core.kabupaten_workbook.model import Regency
from core.rekap_workbook import kepatuhan
from core.rekap_workbook.layout import Row, add_sheet
from core.rekap_workbook.styles import Styles
from core.xlsx_safe import render_rows, splice_rows

CHART_TITLE = "Grafik"
Rows = Callable[[Regency, Styles, ZoneInfo, list[float]], Iterator[Row]]


def _planned(data: Regency) -> list[tuple[str, str, int, list[float], Rows]]:
    """Each sheet with rows, in order: title, frozen cell, header row, widths, rows."""
    plan = [
        (
            ringkasan.TITLE,
            ringkasan.FREEZE,
            ringkasan.HEADER_ROW,
            ringkasan.widths(data),
            ringkasan.rows,
        ),
    ]
    taken = [ringkasan.TITLE, kepatuhan.TITLE, CHART_TITLE]
    for title, shared in zip(program.titles(data.shared, taken), data.shared, strict=True):
        rows = partial(_program_rows, shared)
        plan.append((title, program.FREEZE, program.HEADER_ROW, program.widths(shared), rows))
    plan.append(
        (
            kepatuhan.TITLE,
            kepatuhan.FREEZE,
            kepatuhan.HEADER_ROW,
            kepatuhan.widths(data),
            kepatuhan.rows,
        )
    )
    return plan


def _program_rows(shared, data: Regency, st: Styles, zone: ZoneInfo, widths) -> Iterator[Row]:
    return program.rows(data, shared, st, zone, widths)


def build_workbook(data: Regency, chart: bytes) -> bytes:
    """Ringkasan, a sheet per shared program, Kepatuhan SOP, and Grafik with the chart."""
    zone = ZoneInfo(data.timezone)
    workbook = Workbook(write_only=True)
    planned = _planned(data)
    for title, freeze, header_row, widths, _ in planned:
        add_sheet(workbook, title, widths, freeze=freeze, print_title_row=header_row)
    add_sheet(workbook, CHART_TITLE, [12], freeze="A1")
    picture = Image(BytesIO(chart))
    picture.width, picture.height = picture.width * 0.8, picture.height * 0.8
    workbook[CHART_TITLE].add_image(picture, "A1")
    st = Styles(workbook.worksheets[0], data.predikat_colors)
    frame = BytesIO()
    workbook.save(frame)
    return splice_rows(
        frame.getvalue(),
        {
            number: render_rows(rows(data, st, zone, widths))
            for number, (_, _, _, widths, rows) in enumerate(planned, 1)
        },
    )
