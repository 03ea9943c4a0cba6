"""Sheet Kepatuhan SOP: each step's standard time against the working time it took.

Printed for the file: A4 landscape, one page wide, the header row on every page, long texts
wrapped in columns sized to their content.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

from core.rekap_workbook.layout import Row, Titled, fit, headers, local, title_rows
from core.rekap_workbook.model import ComplianceTable
from core.rekap_workbook.styles import Cell, Styles

TITLE = "Kepatuhan SOP"
FREEZE, HEADER_ROW = "A6", 5
_DATETIME_CHARS = len("dd/mm/yyyy hh:mm")
_NARROWEST, _WIDEST = 6.0, 28.0


class WithCompliance(Titled, Protocol):
    """A recap, or the regency rekap whose table has every OPD's steps (core.kabupaten)."""

    compliance: ComplianceTable


def widths(data: WithCompliance) -> list[float]:
    """Each column as wide as its longest value or header word: headers wrap, values rarely."""
    table = data.compliance
    return [
        _width(header, [row[index] for row in table.rows if index < len(row)])
        for index, header in enumerate(table.headers)
    ] or [_WIDEST]


def _width(header: str, values: Sequence[object]) -> float:
    longest = max((len(word) for word in header.split()), default=0)
    for value in values:
        if isinstance(value, datetime):
            longest = max(longest, _DATETIME_CHARS)
        elif value is not None and not isinstance(value, bool):
            longest = max(longest, len(str(value)))
    return min(max(longest + 2.0, _NARROWEST), _WIDEST)


def rows(
    data: WithCompliance, st: Styles, zone: ZoneInfo, widths: Sequence[float]
) -> Iterator[Row]:
    table: ComplianceTable = data.compliance
    yield from title_rows(
        st,
        "Kepatuhan terhadap SOP: waktu standar dan waktu aktual",
        data,
        zone,
        "Waktu dihitung dalam jam kerja kantor.",
    )
    yield headers(st, table.headers, widths)
    for row in table.rows:
        cells = [_cell(st, value, zone) for value in row]
        texts = [
            (value, widths[index])
            for index, value in enumerate(row)
            if isinstance(value, str) and index < len(widths)
        ]
        yield fit(cells, texts)
    if not table.rows:
        yield [st.text("Belum ada langkah yang tercatat.", "subtitle")]


def _cell(st: Styles, value: object, zone: ZoneInfo) -> Cell:
    if value is None:
        return st.blank("text")
    if isinstance(value, bool):
        return st.text("Ya" if value else "Tidak", "text")
    if isinstance(value, datetime):
        return st.moment(local(value, zone), "datetime")
    if isinstance(value, int):
        return st.number(value, "int")
    if isinstance(value, (Decimal, float)):
        return st.number(value, "num")
    return st.text(value, "wrap")
