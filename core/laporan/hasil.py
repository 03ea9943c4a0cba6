"""BAB III Hasil: the Program → Kegiatan → Sub Kegiatan table, the charts, the counts per
predikat and the budget serapan, with the numbers the workbook's Rekap sheet holds."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from docx.shared import Mm

from core.laporan.angka import amount, count, money, num, pct
from core.laporan.docx_parts import TEXT_WIDTH_MM, Column, Report, add_table, paragraph
from core.laporan.model import LaporanInput
from core.rekap_workbook import predikat_color

HEADING = "BAB III HASIL PENGUKURAN"
TREE_COLUMNS = (
    Column("Kode", 24),
    Column("Program / Kegiatan / Sub Kegiatan", 62),
    Column("Capaian (%)", 17, numeric=True),
    Column("Predikat", 22),
    Column("Jumlah Indikator", 17, numeric=True),
    Column("Serapan (%)", 18, numeric=True),
)
"""The tree table; the capaian, predikat, indicator count and serapan are the Rekap sheet's."""
INDENT = "    "


def add(document: Report, data: LaporanInput) -> None:
    recap = data.recap
    document.add_heading(HEADING, 1)
    document.add_heading("3.1 Capaian per Program, Kegiatan dan Sub Kegiatan", 2)
    paragraph(
        document,
        "Capaian unit = rata-rata capaian indikatornya sendiri bila ada; bila tidak ada, "
        f"rata-rata capaian unit di bawahnya. Capaian dibatasi {amount(recap.cap, '%')} untuk "
        "rata-rata dan predikat.",
    )
    colors = recap.predikat_colors
    rows, fills, bolds = [], [], []
    for node in recap.tree:
        rows.append(
            (
                node.kode,
                INDENT * node.depth + node.nama,
                num(node.capaian),
                node.predikat or "N/A",
                count(node.n_indicators),
                num(node.serapan) if node.serapan is not None else "-",
            )
        )
        color = predikat_color(node.predikat, colors)
        fills.append({2: color, 3: color} if color else None)
        bolds.append(node.depth == 0)
    add_table(document, TREE_COLUMNS, rows, fills, bold_rows=bolds)
    document.add_heading("3.2 Grafik Capaian", 2)
    document.add_picture(BytesIO(data.chart), width=Mm(TEXT_WIDTH_MM))
    if data.trend is not None:
        document.add_heading("3.3 Tren Capaian per Program", 2)
        paragraph(
            document,
            "Capaian tiap program pada periode-periode tahun ini, dibandingkan dengan periode "
            "yang sama tahun sebelumnya (garis putus-putus).",
        )
        document.add_picture(BytesIO(data.trend), width=Mm(TEXT_WIDTH_MM))
    _predikat_counts(document, data)
    _budget(document, data)


def _predikat_counts(document: Report, data: LaporanInput) -> None:
    recap = data.recap
    document.add_heading("Jumlah Indikator per Predikat", 2)
    total = sum(recap.predikat_counts.values())
    rows, fills = [], []
    for name, n in recap.predikat_counts.items():
        share = Decimal(n) * 100 / total if total else None
        rows.append((name, count(n), num(share) if share is not None else "-"))
        color = predikat_color(name, recap.predikat_colors)
        fills.append({0: color} if color else None)
    rows += [
        ("Jumlah berpredikat", count(total), ""),
        ("N/A (tanpa capaian, mis. target 0)", count(recap.n_na), ""),
        ("Tidak dilaporkan", count(recap.n_missing), ""),
        ("Jumlah indikator", count(len(recap.rows)), ""),
    ]
    columns = (Column("Predikat", 70), Column("Jumlah", 25, True), Column("%", 25, True))
    add_table(document, columns, rows, fills)


def _budget(document: Report, data: LaporanInput) -> None:
    programs = [n for n in data.recap.tree if n.depth == 0 and n.pagu is not None]
    if not programs:
        return
    document.add_heading("Serapan Anggaran per Program", 2)
    columns = (
        Column("Program", 60),
        Column("Pagu (Rp)", 34, True),
        Column("Realisasi (Rp)", 34, True),
        Column("Serapan (%)", 18, True),
    )
    rows = [
        (
            f"{n.kode} {n.nama}",
            money(n.pagu),
            money(n.realisasi_anggaran),
            num(n.serapan) if n.serapan is not None else "-",
        )
        for n in programs
    ]
    add_table(document, columns, rows)
    spent = [n for n in programs if n.serapan is not None]
    if spent:
        lowest = min(spent, key=lambda n: n.serapan)
        paragraph(
            document,
            f"Serapan terendah: {lowest.kode} {lowest.nama} ({pct(lowest.serapan)}).",
        )
