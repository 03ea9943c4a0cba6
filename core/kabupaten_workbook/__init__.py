"""Rekapitulasi Kabupaten — <periode>.xlsx: every OPD of the regency in one period name.

Laid out as core.rekap_workbook lays out an OPD's recap (its styles, title lines, streamed
rows), from numbers core.kabupaten computed: sheet Ringkasan (one row per OPD), a sheet per
program kode that several OPD share, Kepatuhan SOP (core.rekap_workbook's sheet, one block of
rows per OPD) and Grafik (capaian per OPD). openpyxl and matplotlib are imported on first use.
"""

from __future__ import annotations

from core.kabupaten_workbook.model import OpdLine, ProgramLine, Regency, SharedProgram
from core.lazy import load

__all__ = [
    "OpdLine",
    "ProgramLine",
    "Regency",
    "SharedProgram",
    "build_chart",
    "build_workbook",
]


def build_workbook(data: Regency, chart: bytes) -> bytes:
    """The workbook (.xlsx) with `chart` (PNG) on its Grafik sheet."""
    return load("core.kabupaten_workbook.workbook").build_workbook(data, chart)


def build_chart(data: Regency) -> bytes:
    """Capaian per OPD (PNG)."""
    return load("core.kabupaten_workbook.chart").build_chart(data)
