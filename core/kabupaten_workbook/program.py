"""A sheet per program kode that several OPD share: each OPD's capaian for that program."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from core.kabupaten_workbook.model import Regency, SharedProgram
from core.rekap_workbook.layout import Row, cap_note, fit, headers, title_rows
from core.rekap_workbook.styles import Styles
from core.xlsx_safe import fit_width

FREEZE, HEADER_ROW = "A6", 5
HEADERS = (
    "No",
    "Kode OPD",
    "OPD",
    "Nama Program di OPD",
    "Jumlah Indikator",
    "Capaian (%)",
    "Predikat",
)
# Excel's limit on a sheet's name, and the characters it refuses in one.
_TITLE_LIMIT = 31
_REFUSED = re.compile(r"[\[\]:*?/\\]")


def titles(shared: Sequence[SharedProgram], taken: Sequence[str]) -> list[str]:
    """`Program 1.02.01` for each shared kode: within Excel's 31 characters, never one of
    `taken` nor twice (a kode cut short gets a number)."""
    used = {t.casefold() for t in taken}
    out = []
    for program in shared:
        base = _REFUSED.sub("-", f"Program {program.kode}")[:_TITLE_LIMIT]
        title, n = base, 2
        while title.casefold() in used:
            suffix = f" ({n})"
            title, n = base[: _TITLE_LIMIT - len(suffix)] + suffix, n + 1
        used.add(title.casefold())
        out.append(title)
    return out


def widths(program: SharedProgram) -> list[float]:
    return [
        5,
        fit_width("Kode OPD", (line.kode for line, _ in program.opds), minimum=9, maximum=16),
        fit_width("", (line.nama for line, _ in program.opds), minimum=30, maximum=50),
        fit_width("", (p.nama for _, p in program.opds), minimum=30, maximum=60),
        11,
        12,
        15,
    ]


def rows(
    data: Regency, program: SharedProgram, st: Styles, zone: ZoneInfo, widths: Sequence[float]
) -> Iterator[Row]:
    yield from title_rows(st, f"Program {program.kode} di seluruh OPD", data, zone, cap_note(data))
    yield headers(st, HEADERS, widths)
    tint = st.tinted
    for number, (line, own) in enumerate(program.opds, 1):
        band = own.predikat
        cells = [
            st.number(number, "int"),
            st.text(line.kode, "text"),
            st.text(line.nama, "wrap"),
            st.text(own.nama, "wrap"),
            st.number(own.indicators, "int"),
            st.number(own.capaian, tint("pct", band)),
            st.text(band or "N/A", tint("text", band)),
        ]
        yield fit(cells, [(line.nama, widths[2]), (own.nama, widths[3])])
