"""What every recap sheet shares: page setup, title lines, header rows and cell helpers.

openpyxl (write-only) writes each sheet's frame here: widths, frozen rows, print setup and the
header row repeated on every printed page. A sheet module yields its rows top to bottom as
core.xlsx_safe fragments; those are streamed into the saved frame (`build_recap`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from core.rekap_workbook.model import RecapInput
from core.rekap_workbook.styles import Cell, Styles
from core.xlsx_safe import TallRow, wrapped_height

A4 = 9
"""The OOXML paper size code for A4."""

Row = list[Cell]


def add_sheet(
    workbook: Workbook,
    title: str,
    widths: Sequence[float],
    *,
    freeze: str,
    print_title_row: int | None = None,
) -> None:
    """Empty sheet with widths, frozen rows and A4 landscape printing one page wide."""
    ws = workbook.create_sheet(title)
    for index, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = freeze
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    if print_title_row is not None:
        ws.print_title_rows = f"{print_title_row}:{print_title_row}"


def local(moment: datetime, zone: ZoneInfo) -> datetime:
    """An aware time shown in the office zone; Excel cells hold no time zone."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(zone).replace(tzinfo=None)


def fmt(value: Decimal | None, places: int = 2) -> str:
    """Indonesian display of a number for text lines (1.234,56)."""
    if value is None:
        return "-"
    exact = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{exact:,.{places}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def zone_label(zone: str) -> str:
    return {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}.get(zone, zone)


class Titled(Protocol):
    """What a sheet's title lines name: a recap, or the regency rekap (core.kabupaten_workbook)."""

    office: str
    period: str
    generated_at: datetime
    generated_by: str
    timezone: str


def title_rows(
    st: Styles, title: str, data: Titled, zone: ZoneInfo, note: str = ""
) -> Iterator[Row]:
    """Title, office and period, who made it when (and `note`), then a blank line."""
    made = local(data.generated_at, zone).strftime("%d/%m/%Y %H:%M")
    yield [st.text(title, "title")]
    yield [st.text(f"{data.office} — Periode {data.period}", "label")]
    made_line = f"Dibuat {made} {zone_label(data.timezone)} oleh {data.generated_by}."
    yield [st.text(f"{made_line} {note}".strip(), "subtitle")]
    yield []


def cap_note(data: RecapInput) -> str:
    return f"Capaian dibatasi {fmt(data.cap, 0)}% untuk rata-rata dan predikat."


def headers(st: Styles, names: Sequence[str], widths: Sequence[float]) -> Row:
    cells = [st.text(name, "header") for name in names]
    height = wrapped_height(zip(names, widths, strict=False), slack=1.35)
    return TallRow(cells, height) if height else cells


def fit(cells: Row, texts: Iterable[tuple[str | None, float]]) -> Row:
    """The row, made tall enough for its wrapped texts."""
    height = wrapped_height(texts)
    return TallRow(cells, height) if height else cells


def section(st: Styles, title: str, names: Sequence[str], widths: Sequence[float]) -> Iterator[Row]:
    """A blank line, a section title and its header row."""
    yield []
    yield [st.text(title, "section")]
    yield headers(st, names, widths)


def target(st: Styles, value: Decimal | str, number_style: str) -> Cell:
    """A one-value target as a number in the realisasi's style beside it; a range as text,
    aligned with the numbers above and below it."""
    if isinstance(value, str):
        return st.text(value, "range")
    return st.number(value, number_style)
