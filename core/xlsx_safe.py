"""Safe text and sizing for workbooks that carry user-supplied text.

A spreadsheet reads a text starting with "=" as a formula and an Excel error literal as an
error, and XML cannot hold control characters. User text is cleaned here and written as plain
text with a quote prefix where needed, never a visible apostrophe (OWASP ASVS V1.2.10 /
CWE-1236): by XlsxWriter in the recap (core.rekap_workbook), by openpyxl in the Kertas Kerja
template (`set_text`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from math import ceil

from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell

__all__ = [
    "MAX_CELL_CHARS",
    "clean_text",
    "fit_width",
    "needs_quote_prefix",
    "set_text",
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
