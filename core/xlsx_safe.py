"""Safe and fast cell writing for workbooks that carry user-supplied text.

openpyxl turns any string starting with "=" into a formula and any Excel error literal into an
error cell, and raises on control characters. Everything here writes user text as plain text
(quotePrefix, never a visible apostrophe: OWASP ASVS V1.2.10 / CWE-1236).

Big reports: openpyxl spends about 8 µs per cell serializing (write-only mode included) and
XlsxWriter about 14 µs (bench/README.md), so a recap of 10,000 indicators (300,000 cells) would
take seconds. `StyleBook` + `render_rows` + `splice_rows` let openpyxl write the package
(styles, sheet setup, print titles) with empty sheets and stream the rows' SpreadsheetML
straight into the zip, about ten times faster and with flat memory.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from math import ceil, isfinite
from typing import Any

from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Fill, Font
from openpyxl.utils import get_column_letter

__all__ = [
    "MAX_CELL_CHARS",
    "StyleBook",
    "StyleSpec",
    "TallRow",
    "clean_text",
    "fit_width",
    "needs_quote_prefix",
    "render_rows",
    "set_text",
    "splice_rows",
    "wrapped_height",
]

MAX_CELL_CHARS = 32_767
"""Excel's limit on the characters of one cell (UTF-16 code units)."""

_QUOTE_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ERROR_LITERALS = frozenset(ERROR_CODES)
# Lone surrogates and U+FFFE/U+FFFF are not XML characters either (and break UTF-8 encoding).
_NON_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def _cut_to_excel_limit(text: str) -> str:
    """Cut at 32,767 UTF-16 units, never inside a surrogate pair, as Excel counts them."""
    if len(text) <= MAX_CELL_CHARS // 2:
        return text
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > MAX_CELL_CHARS:
            return text[:index]
    return text


def clean_text(value: object) -> str:
    """Text an xlsx cell can hold: control characters removed and cut to Excel's limit."""
    text = value if isinstance(value, str) else str(value)
    if ILLEGAL_CHARACTERS_RE.search(text):
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if _NON_XML.search(text):
        text = _NON_XML.sub("", text)
    return _cut_to_excel_limit(text)


def needs_quote_prefix(text: str) -> bool:
    """True when a spreadsheet could read the text as a formula or an error value."""
    return text.startswith(_QUOTE_STARTS) or text.strip() in _ERROR_LITERALS


def set_text(cell: Cell, value: object) -> None:
    """Put user text into a normal-mode openpyxl cell as a string, never a formula or error."""
    text = clean_text(value)
    cell.value = text
    cell.data_type = "s"
    if needs_quote_prefix(text):
        cell.quotePrefix = True


def fit_width(header: str, values: Iterable[object], *, minimum: float, maximum: float) -> float:
    """Column width from the longest header line or value, bounded so long text wraps."""
    longest = max((len(line) for line in header.splitlines()), default=0)
    for value in values:
        if value is None:
            continue
        length = len(value) if isinstance(value, str) else len(str(value))
        if length > longest:
            longest = length
            if longest >= maximum:
                break
    return float(min(max(longest + 2, minimum), maximum))


# --------------------------------------------------------------------------- fast rows


@dataclass(frozen=True)
class StyleSpec:
    """The parts of a cell style a report uses."""

    font: Font | None = None
    fill: Fill | None = None
    alignment: Alignment | None = None
    border: Border | None = None
    number_format: str | None = None


_EXCEL_EPOCH = datetime(1899, 12, 30)


def _xml_text(text: str) -> str:
    """Escape for an XML text node (CR as a reference, or parsers turn it into LF)."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _number_text(value: Any) -> str | None:
    """A number as SpreadsheetML writes it (xsd:double); None for NaN/infinity."""
    if isinstance(value, bool):
        raise TypeError("a bool is not a number cell")
    if isinstance(value, int):
        return str(value)
    number = float(value)
    if not isfinite(number):
        return None
    return repr(number)


class StyleBook:
    """Named cell styles of one openpyxl workbook, and cell fragments that use them.

    `register` puts a style into the workbook's style table (through a probe cell, so
    openpyxl writes styles.xml as usual) and remembers its index; each style also gets a
    quotePrefix twin for user text. The fragment methods return the part of a `<c>` element
    after its `r` attribute; `render_rows` adds the cell references.
    """

    def __init__(self, worksheet: Any) -> None:
        self._ws = worksheet
        self._ids: dict[str | None, tuple[int, int]] = {}
        self.register(None, StyleSpec())

    def register(self, name: str | None, spec: StyleSpec) -> None:
        """Add `name` (and its quotePrefix twin) to the workbook's styles, before it is saved."""
        self._ids[name] = (self._style_id(spec, False), self._style_id(spec, True))

    def _style_id(self, spec: StyleSpec, quoted: bool) -> int:
        # A fresh probe per id: the workbook's style table keeps the probe's own style array.
        probe = Cell(self._ws, 1, 1)
        if spec.font is not None:
            probe.font = spec.font
        if spec.fill is not None:
            probe.fill = spec.fill
        if spec.alignment is not None:
            probe.alignment = spec.alignment
        if spec.border is not None:
            probe.border = spec.border
        if spec.number_format is not None:
            probe.number_format = spec.number_format
        if quoted:
            probe.quotePrefix = True
        return probe.style_id

    def __contains__(self, name: object) -> bool:
        return name in self._ids

    def _attr(self, style: str | None, quoted: bool = False) -> str:
        index = self._ids[style][1 if quoted else 0]
        return f' s="{index}"' if index else ""

    def text(self, value: object, style: str | None = None) -> str | None:
        """User text as a string cell, whatever it starts with (quotePrefix when needed)."""
        if value is None:
            return self.blank(style)
        text = clean_text(value)
        if not text:
            return self.blank(style)
        attr = self._attr(style, needs_quote_prefix(text))
        return f'{attr} t="inlineStr"><is><t xml:space="preserve">{_xml_text(text)}</t></is></c>'

    def number(self, value: Decimal | float | None, style: str | None = None) -> str | None:
        """A number cell (int, float or Decimal); empty when None."""
        if value is None:
            return self.blank(style)
        shown = _number_text(value)
        if shown is None:
            return self.blank(style)
        return f"{self._attr(style)}><v>{shown}</v></c>"

    def moment(self, value: datetime | date | None, style: str | None = None) -> str | None:
        """A naive date/time as an Excel serial number (give it a date number format)."""
        if value is None:
            return self.blank(style)
        if not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day)
        if value.tzinfo is not None:
            raise ValueError("convert to local time and drop tzinfo first")
        serial = (value - _EXCEL_EPOCH).total_seconds() / 86_400
        return f"{self._attr(style)}><v>{serial!r}</v></c>"

    def blank(self, style: str | None = None) -> str | None:
        """An empty cell that still shows its style (fill, border); None when unstyled."""
        attr = self._attr(style)
        return f"{attr}/>" if attr else None


class TallRow(list):  # type: ignore[type-arg]
    """A row of fragments rendered with a fixed height in points (wrapped text, headers)."""

    def __init__(self, cells: Iterable[str | None], height: float) -> None:
        super().__init__(cells)
        self.height = height


LINE_HEIGHT = 15.0
"""Points per line of the default 11 pt font."""

MAX_ROW_HEIGHT = 409.0
"""Excel's largest row height in points."""


def wrapped_height(
    texts: Iterable[tuple[str | None, float]], *, slack: float = 1.15
) -> float | None:
    """Height for a row whose wrapped cells hold these (text, column width) pairs.

    Excel and LibreOffice do not reliably grow rows on opening a generated file, so wrapped
    text would be cut off. `slack` allows for words that do not fill a line (more for bold
    headers); None when one line is enough.
    """
    lines = 1
    for text, width in texts:
        if not text:
            continue
        usable = max(width - 1.5, 1.0)
        count = sum(max(1, ceil(len(part) * slack / usable)) for part in text.split("\n"))
        lines = max(lines, count)
    if lines == 1:
        return None
    return min(lines * LINE_HEIGHT, MAX_ROW_HEIGHT)


_LETTERS = [get_column_letter(index) for index in range(1, 257)]


def render_rows(rows: Iterable[Sequence[str | None]]) -> Iterator[str]:
    """SpreadsheetML `<row>` elements, numbered from 1, from rows of StyleBook fragments."""
    letters = _LETTERS
    for number, cells in enumerate(rows, 1):
        parts = [
            f'<c r="{letters[index]}{number}"{fragment}'
            for index, fragment in enumerate(cells)
            if fragment is not None
        ]
        height = getattr(cells, "height", None)
        if height:
            yield f'<row r="{number}" ht="{height:g}" customHeight="1">{"".join(parts)}</row>'
        elif parts:  # a blank row needs no element
            yield f'<row r="{number}">{"".join(parts)}</row>'


_SHEET_DATA = re.compile(rb"<sheetData\s*/>|<sheetData>\s*</sheetData>")


def splice_rows(
    package: bytes, rows_by_sheet: Mapping[int, Iterable[str]], *, compresslevel: int = 6
) -> bytes:
    """Put rendered rows into the empty sheets of an openpyxl-saved package.

    `rows_by_sheet` maps the 1-based sheet number (xl/worksheets/sheetN.xml, the order
    openpyxl creates them in) to `render_rows` output; the rows are generated while the zip is
    written, so memory stays flat however many there are.
    """
    source = zipfile.ZipFile(BytesIO(package))
    output = BytesIO()
    paths = {f"xl/worksheets/sheet{number}.xml": rows for number, rows in rows_by_sheet.items()}
    with zipfile.ZipFile(
        output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
    ) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            rows = paths.pop(info.filename, None)
            if rows is None:
                target.writestr(info.filename, content)
                continue
            match = _SHEET_DATA.search(content)
            if match is None:
                raise ValueError(f"{info.filename} has no empty sheetData to fill")
            with target.open(info.filename, "w", force_zip64=True) as stream:
                stream.write(content[: match.start()] + b"<sheetData>")
                batch: list[str] = []
                for row in rows:
                    batch.append(row)
                    if len(batch) == 500:
                        stream.write("".join(batch).encode("utf-8"))
                        batch.clear()
                stream.write("".join(batch).encode("utf-8"))
                stream.write(b"</sheetData>" + content[match.end() :])
    if paths:
        raise ValueError(f"sheets not in the package: {sorted(paths)}")
    return output.getvalue()
