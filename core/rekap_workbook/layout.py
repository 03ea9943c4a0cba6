"""What every recap sheet shares: page setup, title lines, header rows and the row writer.

The sheets stream (XlsxWriter's constant_memory): each row is final once the next one starts,
so a sheet module yields its rows top to bottom and `write_rows` puts them in place.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from core.rekap_workbook.model import RecapInput
from core.rekap_workbook.styles import BLANK, MOMENT, NUMBER, STRING, Cell, Styles
from core.xlsx_safe import wrapped_height

A4 = 9
"""XlsxWriter's paper code for A4."""


class TallRow(list):  # type: ignore[type-arg]
    """A row of cells written with a fixed height in points (wrapped text, headers)."""

    def __init__(self, cells: Iterable[Cell], height: float) -> None:
        super().__init__(cells)
        self.height = height


Row = list[Cell]


def add_sheet(
    workbook: Workbook,
    title: str,
    widths: Sequence[float],
    *,
    freeze: str,
    print_title_row: int | None = None,
) -> Worksheet:
    """Sheet with widths, frozen rows and A4 landscape printing one page wide."""
    ws = workbook.add_worksheet(title)
    for index, width in enumerate(widths):
        ws.set_column(index, index, width)
    ws.freeze_panes(freeze)
    ws.set_landscape()
    ws.set_paper(A4)
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    if print_title_row is not None:
        ws.repeat_rows(print_title_row - 1)
    return ws


def write_rows(ws: Worksheet, rows: Iterable[Row]) -> None:
    """Write the rows from the top, in order (a row cannot be changed once the next starts)."""
    string, number, moment, blank = (
        ws.write_string,
        ws.write_number,
        ws.write_datetime,
        ws.write_blank,
    )
    writers = {STRING: string, NUMBER: number, MOMENT: moment, BLANK: blank}
    for row, cells in enumerate(rows):
        height = getattr(cells, "height", None)
        if height:
            ws.set_row(row, height)
        for column, cell in enumerate(cells):
            if cell is not None:
                what, value, cell_format = cell
                writers[what](row, column, value, cell_format)


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


def title_rows(
    st: Styles, title: str, data: RecapInput, zone: ZoneInfo, note: str = ""
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
