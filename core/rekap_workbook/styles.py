"""Number formats and cell styles of the recap, and the cells built with them.

A style is named `kind` or `kind@RRGGBB` (a body kind filled with a predikat's colour). Every
style is registered before the workbook frame is saved, because the rows are rendered only
afterwards, while the zip is written (core.xlsx_safe); each has a quote-prefix twin for user
text that a spreadsheet could otherwise read as a formula or an error value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from core.rekap_workbook.colors import (
    DEFAULT_PREDIKAT_COLORS,
    UNKNOWN_PREDIKAT_COLOR,
    hex_color,
    is_dark,
    predikat_color,
)
from core.xlsx_safe import StyleBook, StyleSpec

# --------------------------------------------------------------------------- styles

_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TOP = Alignment(vertical="top")
_BODY = StyleSpec(alignment=_TOP, border=_BORDER)
_WRAP = replace(_BODY, alignment=Alignment(wrap_text=True, vertical="top"))

NUMBER_FORMATS = {
    "pct": "0.00",
    "num": "#,##0.00",
    "money": "#,##0.00",
    "int": "#,##0",
    "ratio": "0.00",
    "datetime": "dd/mm/yyyy hh:mm",
}
"""Number formats by kind; the viewer's locale shows `#,##0.00` as 1.234,56 in Indonesia."""

_KINDS: Mapping[str, StyleSpec] = {
    "title": StyleSpec(font=Font(bold=True, size=14)),
    "subtitle": StyleSpec(font=Font(italic=True, color="404040")),
    "section": StyleSpec(font=Font(bold=True, size=12)),
    "label": StyleSpec(font=Font(bold=True)),
    "header": StyleSpec(
        font=Font(bold=True, color="FFFFFF"),
        fill=PatternFill("solid", fgColor="305496"),
        alignment=Alignment(wrap_text=True, vertical="center", horizontal="center"),
        border=_BORDER,
    ),
    "pctcap": replace(_BODY, font=Font(bold=True), number_format="0.00"),
}
"""Styles that are never filled with a predikat's colour."""

_BODY_KINDS: Mapping[str, StyleSpec] = {
    "text": _BODY,
    "range": replace(_BODY, alignment=Alignment(vertical="top", horizontal="right")),
    "wrap": _WRAP,
    **{kind: replace(_BODY, number_format=shown) for kind, shown in NUMBER_FORMATS.items()},
    "name0": replace(_WRAP, font=Font(bold=True)),
    "name1": replace(_WRAP, alignment=Alignment(wrap_text=True, vertical="top", indent=2)),
    "name2": replace(_WRAP, alignment=Alignment(wrap_text=True, vertical="top", indent=4)),
}
"""Table cell styles, each also registered in every predikat colour."""


def _filled(spec: StyleSpec, color: str) -> StyleSpec:
    """The style on a predikat's colour, with white text on a dark one."""
    bold = spec.font is not None and bool(spec.font.b)
    font = Font(bold=bold, color="FFFFFF") if is_dark(color) else spec.font
    return replace(spec, font=font, fill=PatternFill("solid", fgColor=color))


# --------------------------------------------------------------------------- cells

Cell = str | None
"""A cell fragment of core.xlsx_safe's StyleBook; None leaves the cell out."""


class Styles(StyleBook):
    """The recap's named styles, registered up front, and cells that use them."""

    def __init__(self, worksheet: Any, colors: Mapping[str, str] | None) -> None:
        super().__init__(worksheet)
        self._colors = colors
        self._suffix: dict[str | None, str] = {}
        for kind, spec in _KINDS.items():
            self.register(kind, spec)
        palette = colors if colors is not None else DEFAULT_PREDIKAT_COLORS
        for kind, spec in _BODY_KINDS.items():
            self.register(kind, spec)
            for color in {UNKNOWN_PREDIKAT_COLOR, *(hex_color(c) for c in palette.values())}:
                self.register(f"{kind}@{color}", _filled(spec, color))

    def tinted(self, kind: str, predikat: str | None) -> str:
        """Name of the `kind` style filled with the predikat's colour."""
        suffix = self._suffix.get(predikat)
        if suffix is None:
            color = predikat_color(predikat, self._colors)
            suffix = f"@{color}" if color else ""
            self._suffix[predikat] = suffix
        return kind + suffix
