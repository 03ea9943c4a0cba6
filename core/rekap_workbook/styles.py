"""Colours, number formats and cell styles of the recap; cells are built here, written by layout.

A style is named `kind` or `kind@RRGGBB` (the kind filled with a predikat's colour); its
XlsxWriter format is made the first time a cell asks for it, with a quote-prefix twin for user
text that a spreadsheet could otherwise read as a formula or an error value.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from math import isfinite
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

from core.xlsx_safe import clean_text, needs_quote_prefix

DEFAULT_PREDIKAT_COLORS: Mapping[str, str] = {
    "Sangat Tinggi": "1E7B34",
    "Tinggi": "A9D18E",
    "Sedang": "FFE699",
    "Rendah": "F4B183",
    "Sangat Rendah": "C0392B",
}
"""Fill colours (RGB hex) of the default Permendagri 86/2017 bands, dark green to red."""

UNKNOWN_PREDIKAT_COLOR = "D9D9D9"
"""Grey for a band name without a colour (offices may configure their own scale)."""


def predikat_color(predikat: str | None, colors: Mapping[str, str] | None = None) -> str | None:
    """RGB hex fill for a predikat (case-insensitive); grey when unknown, None when absent."""
    if not predikat:
        return None
    table = colors if colors is not None else DEFAULT_PREDIKAT_COLORS
    wanted = " ".join(predikat.split()).lower()
    for name, color in table.items():
        if " ".join(name.split()).lower() == wanted:
            return _hex(color)
    return UNKNOWN_PREDIKAT_COLOR


def _hex(color: str) -> str:
    """ "#1e7b34" -> "1E7B34"; anything that is not six hex digits becomes the grey."""
    value = color.strip().lstrip("#").upper()
    if len(value) == 6 and all(c in "0123456789ABCDEF" for c in value):
        return value
    return UNKNOWN_PREDIKAT_COLOR


def _is_dark(color: str) -> bool:
    red, green, blue = (int(color[i : i + 2], 16) for i in (0, 2, 4))
    return 0.299 * red + 0.587 * green + 0.114 * blue < 140


# --------------------------------------------------------------------------- formats

_BORDER = {"border": 1, "border_color": "#A6A6A6"}
_BODY = {**_BORDER, "valign": "top"}
_WRAP = {**_BODY, "text_wrap": True}

NUMBER_FORMATS = {
    "pct": "0.00",
    "num": "#,##0.00",
    "money": "#,##0.00",
    "int": "#,##0",
    "ratio": "0.00",
    "datetime": "dd/mm/yyyy hh:mm",
}
"""Number formats by kind; the viewer's locale shows `#,##0.00` as 1.234,56 in Indonesia."""

_KINDS: Mapping[str, Mapping[str, Any]] = {
    "plain": {},
    "title": {"bold": True, "font_size": 14},
    "subtitle": {"italic": True, "font_color": "#404040"},
    "section": {"bold": True, "font_size": 12},
    "label": {"bold": True},
    "header": {
        **_BORDER,
        "bold": True,
        "font_color": "#FFFFFF",
        "bg_color": "#305496",
        "pattern": 1,
        "text_wrap": True,
        "valign": "vcenter",
        "align": "center",
    },
    "pctcap": {**_BODY, "bold": True, "num_format": "0.00"},
    "text": _BODY,
    "range": {**_BODY, "align": "right"},
    "wrap": _WRAP,
    **{kind: {**_BODY, "num_format": shown} for kind, shown in NUMBER_FORMATS.items()},
    "name0": {**_WRAP, "bold": True},
    "name1": {**_WRAP, "indent": 2},
    "name2": {**_WRAP, "indent": 4},
}


def _properties(style: str, quoted: bool) -> dict[str, Any]:
    """XlsxWriter format properties of `kind` or `kind@RRGGBB`."""
    kind, _, color = style.partition("@")
    properties = dict(_KINDS[kind])
    if color:
        properties.update(bg_color=f"#{color}", pattern=1)
        if _is_dark(color):
            properties["font_color"] = "#FFFFFF"
    if quoted:
        properties["quote_prefix"] = True
    return properties


# --------------------------------------------------------------------------- cells

STRING, NUMBER, MOMENT, BLANK = range(4)
Cell = tuple[int, Any, Format | None] | None
"""(what to write, value, format); None leaves the cell out."""


class Styles:
    """The workbook's formats by style name, and cells that use them."""

    def __init__(self, workbook: Workbook, colors: Mapping[str, str] | None) -> None:
        self._workbook = workbook
        self._colors = colors
        self._formats: dict[tuple[str, bool], Format] = {}
        self._suffix: dict[str | None, str] = {}

    def format(self, style: str, quoted: bool = False) -> Format:
        """The format of a style name, made on first use."""
        key = (style, quoted)
        found = self._formats.get(key)
        if found is None:
            found = self._workbook.add_format(_properties(style, quoted))
            self._formats[key] = found
        return found

    def tinted(self, kind: str, predikat: str | None) -> str:
        """Name of the `kind` style filled with the predikat's colour."""
        suffix = self._suffix.get(predikat)
        if suffix is None:
            color = predikat_color(predikat, self._colors)
            suffix = f"@{color}" if color else ""
            self._suffix[predikat] = suffix
        return kind + suffix

    def text(self, value: object, style: str = "plain") -> Cell:
        """User text as a string cell, whatever it starts with (quote prefix when needed)."""
        if value is None:
            return self.blank(style)
        text = clean_text(value)
        if not text:
            return self.blank(style)
        return (STRING, text, self.format(style, needs_quote_prefix(text)))

    def number(self, value: Decimal | float | None, style: str = "plain") -> Cell:
        """A number cell (int, float or Decimal); empty when None, NaN or infinite."""
        if value is None:
            return self.blank(style)
        if isinstance(value, bool):
            raise TypeError("a bool is not a number cell")
        number = value if isinstance(value, int) else float(value)
        if not isfinite(number):
            return self.blank(style)
        return (NUMBER, number, self.format(style))

    def moment(self, value: datetime | None, style: str = "datetime") -> Cell:
        """A naive local date and time (convert aware ones to the office zone first)."""
        if value is None:
            return self.blank(style)
        return (MOMENT, value, self.format(style))

    def blank(self, style: str = "plain") -> Cell:
        """An empty cell that still shows its style (fill, border); None when unstyled."""
        return None if style == "plain" else (BLANK, None, self.format(style))
