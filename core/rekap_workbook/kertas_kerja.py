"""Sheet Kertas Kerja: every indicator with target, realisasi, capaian and the rule behind it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from core.rekap_workbook.layout import Row, cap_note, fit, headers, target, title_rows
from core.rekap_workbook.model import RecapInput
from core.rekap_workbook.styles import Styles
from core.xlsx_safe import fit_width

TITLE = "Kertas Kerja"
FREEZE, HEADER_ROW = "C6", 5
REALISASI = "num"
"""The realisasi's style, which a one-value target beside it shares."""

HEADERS = (
    "No",
    "Kode",
    "Program / Kegiatan / Sub Kegiatan",
    "Indikator",
    "Satuan",
    "Target",
    "Realisasi",
    "Capaian (%)",
    "Capaian Dibatasi (%)",
    "Aturan / Rumus",
    "Predikat",
    "Keterangan N/A",
    "PIC",
    "Bukti",
    "Status Validasi",
    "Catatan",
)


def widths(data: RecapInput) -> list[float]:
    rows = data.rows
    return [
        6,
        fit_width("Kode", (r.kode for r in rows), minimum=10, maximum=24),
        fit_width("", (r.nama for r in rows), minimum=24, maximum=40),
        fit_width("", (r.indikator for r in rows), minimum=30, maximum=50),
        fit_width("Satuan", (r.satuan for r in rows), minimum=8, maximum=14),
        fit_width("Target", (r.target for r in rows), minimum=13, maximum=16),
        13,
        11,
        11,
        fit_width("", (r.rule for r in rows), minimum=18, maximum=40),
        15,
        fit_width("", (r.na_reason for r in rows), minimum=12, maximum=28),
        fit_width("PIC", (r.pic for r in rows), minimum=14, maximum=28),
        9,
        fit_width("", (r.status for r in rows), minimum=12, maximum=20),
        fit_width("Catatan", (r.note for r in rows), minimum=14, maximum=40),
    ]


def rows(data: RecapInput, st: Styles, zone: ZoneInfo, widths: Sequence[float]) -> Iterator[Row]:
    yield from title_rows(st, "Kertas Kerja Pengukuran Data Kinerja", data, zone, cap_note(data))
    yield headers(st, HEADERS, widths)
    text, number = st.text, st.number
    for index, row in enumerate(data.rows, 1):
        cells = [
            number(index, "int"),
            text(row.kode, "text"),
            text(row.nama, "wrap"),
            text(row.indikator, "wrap"),
            text(row.satuan, "text"),
            target(st, row.target, REALISASI),
            number(row.realisasi, REALISASI),
            number(row.capaian, "pct"),
            number(row.capaian_capped, "pctcap" if row.cap_applied else "pct"),
            text(row.rule, "wrap"),
            text(row.predikat or "N/A", st.tinted("text", row.predikat)),
            text(row.na_reason, "text"),
            text(row.pic, "text"),
            text("Ada" if row.evidence else "Tidak ada", "text"),
            text(row.status, "text"),
            text(row.note, "wrap"),
        ]
        yield fit(
            cells,
            [
                (row.nama, widths[2]),
                (row.indikator, widths[3]),
                (row.rule, widths[9]),
                (row.note, widths[15]),
            ],
        )
    if not data.rows:
        yield [None, None, None, st.text("Belum ada indikator.")]
