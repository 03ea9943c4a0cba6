"""The predikat colours, apart from the workbook's styles: the chart and callers use them without
importing openpyxl."""

from __future__ import annotations

from collections.abc import Mapping

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
            return hex_color(color)
    return UNKNOWN_PREDIKAT_COLOR


def hex_color(color: str) -> str:
    """ "#1e7b34" -> "1E7B34"; anything that is not six hex digits becomes the grey."""
    value = color.strip().lstrip("#").upper()
    if len(value) == 6 and all(c in "0123456789ABCDEF" for c in value):
        return value
    return UNKNOWN_PREDIKAT_COLOR


def is_dark(color: str) -> bool:
    """Whether white text reads better than black on this RGB hex fill."""
    red, green, blue = (int(color[i : i + 2], 16) for i in (0, 2, 4))
    return 0.299 * red + 0.587 * green + 0.114 * blue < 140
