"""Lampiran: the Kertas Kerja table, every indicator with the workbook's figures."""

from __future__ import annotations

from docx.enum.text import WD_BREAK

from core.laporan.angka import amount, num
from core.laporan.docx_parts import Column, Report, add_table
from core.laporan.model import LaporanInput
from core.rekap_workbook import predikat_color

HEADING = "LAMPIRAN: KERTAS KERJA PENGUKURAN DATA KINERJA"
COLUMNS = (
    Column("No", 9, numeric=True),
    Column("Kode", 20),
    Column("Indikator", 50),
    Column("Target", 18, numeric=True),
    Column("Realisasi", 18, numeric=True),
    Column("Capaian (%)", 15, numeric=True),
    Column("Predikat", 17),
    Column("Status", 13),
)


def add(document: Report, data: LaporanInput) -> None:
    recap = data.recap
    document.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
    document.add_heading(HEADING, 1)
    colors = recap.predikat_colors
    rows, fills = [], []
    for index, row in enumerate(recap.rows, 1):
        rows.append(
            (
                str(index),
                row.kode,
                row.indikator,
                amount(row.target, row.satuan),
                amount(row.realisasi, row.satuan),
                num(row.capaian_capped),
                row.predikat or "N/A",
                row.status,
            )
        )
        color = predikat_color(row.predikat, colors)
        fills.append({6: color} if color else None)
    add_table(document, COLUMNS, rows, fills, font_half_points=14)
