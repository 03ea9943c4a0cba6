"""Sheet Analisis: indicators below target, without data, counts per predikat, and the change
from the previous period."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from core.rekap_workbook.kertas_kerja import REALISASI
from core.rekap_workbook.layout import Row, fit, section, target
from core.rekap_workbook.model import IndicatorResult, RecapInput
from core.rekap_workbook.styles import Styles
from core.xlsx_safe import fit_width

TITLE = "Analisis"
FREEZE, HEADER_ROW = "A3", None
PICTURE_ANCHOR = "K3"
"""Where the trend chart sits, right of the tables (which use columns A-I)."""

NOT_REPORTED = "Tidak dilaporkan (tanpa realisasi)"
BELOW_HEADERS = (
    "No",
    "Kode",
    "Indikator",
    "PIC",
    "Target",
    "Realisasi",
    "Capaian (%)",
    "Selisih dari 100 (%)",
    "Predikat",
)
COMPARE_HEADERS = (
    "No",
    "Kode",
    "Indikator",
    "PIC",
    "Capaian Sebelumnya (%)",
    "Capaian Sekarang (%)",
    "Perubahan (poin)",
)


def widths(data: RecapInput) -> list[float]:
    rows = data.rows
    return [
        6,
        fit_width("Predikat", (r.kode for r in rows), minimum=16, maximum=24),
        fit_width("", (r.indikator for r in rows), minimum=34, maximum=50),
        fit_width("PIC", (r.pic for r in rows), minimum=16, maximum=28),
        13,
        13,
        13,
        14,
        15,
    ]


def _gap(row: IndicatorResult) -> Decimal:
    """How far below 100 the capped capaian is (rows without capaian never get here)."""
    return Decimal(100) - (row.capaian_capped if row.capaian_capped is not None else 0)


def _change(row: IndicatorResult) -> Decimal:
    if row.capaian_capped is None or row.previous_capaian is None:
        return Decimal(0)
    return row.capaian_capped - row.previous_capaian


def _none_line(st: Styles, items: Sequence[object], text: str = "Tidak ada.") -> Iterator[Row]:
    if not items:
        yield [None, st.text(text, "subtitle")]


def rows(data: RecapInput, st: Styles, zone: ZoneInfo, widths: Sequence[float]) -> Iterator[Row]:
    yield [st.text(f"Analisis Capaian — {data.office} — Periode {data.period}", "title")]
    yield [st.text("Capaian yang dibandingkan adalah capaian dibatasi (cap).", "subtitle")]
    yield from _below_target(data, st, widths)
    yield from _without_capaian(data, st, widths)
    yield from _per_predikat(data, st, widths)
    yield from _compared(data, st, widths)
    yield from _trend(data, st, widths)


def _below_target(data: RecapInput, st: Styles, widths: Sequence[float]) -> Iterator[Row]:
    below = sorted(
        (r for r in data.rows if r.capaian_capped is not None and r.capaian_capped < 100),
        key=_gap,
        reverse=True,
    )
    yield from section(
        st,
        "A. Indikator di bawah target (capaian < 100%), selisih terbesar lebih dulu",
        BELOW_HEADERS,
        widths,
    )
    for index, row in enumerate(below, 1):
        cells = [
            st.number(index, "int"),
            st.text(row.kode, "text"),
            st.text(row.indikator, "wrap"),
            st.text(row.pic, "text"),
            target(st, row.target, REALISASI),
            st.number(row.realisasi, REALISASI),
            st.number(row.capaian_capped, "pct"),
            st.number(_gap(row), "pct"),
            st.text(row.predikat or "N/A", st.tinted("text", row.predikat)),
        ]
        yield fit(cells, [(row.indikator, widths[2])])
    yield from _none_line(st, below)


def _without_capaian(data: RecapInput, st: Styles, widths: Sequence[float]) -> Iterator[Row]:
    missing = [r for r in data.rows if r.realisasi is None or r.capaian_capped is None]
    yield from section(
        st,
        "B. Indikator tanpa data atau tanpa capaian",
        ("No", "Kode", "Indikator", "PIC", "Status", "Keterangan"),
        widths,
    )
    for index, row in enumerate(missing, 1):
        reason = NOT_REPORTED if row.missing else (row.na_reason or "")
        cells = [
            st.number(index, "int"),
            st.text(row.kode, "text"),
            st.text(row.indikator, "wrap"),
            st.text(row.pic, "text"),
            st.text(row.status, "text"),
            st.text(reason, "wrap"),
        ]
        yield fit(cells, [(row.indikator, widths[2]), (reason, widths[5])])
    yield from _none_line(st, missing)


def _per_predikat(data: RecapInput, st: Styles, widths: Sequence[float]) -> Iterator[Row]:
    total = sum(data.predikat_counts.values())
    yield from section(
        st,
        "C. Jumlah indikator per predikat",
        ("No", "Predikat", "Jumlah Indikator", "%"),
        widths,
    )
    for index, (name, count) in enumerate(data.predikat_counts.items(), 1):
        share = Decimal(count) * 100 / total if total else None
        yield [
            st.number(index, "int"),
            st.text(name, st.tinted("text", name)),
            st.number(count, "int"),
            st.number(share, "pct"),
        ]
    yield [None, st.text("Jumlah berpredikat", "label"), st.number(total, "int")]
    yield [None, st.text("N/A (tanpa capaian, mis. target 0)", "text"), st.number(data.n_na, "int")]
    yield [None, st.text(NOT_REPORTED, "text"), st.number(data.n_missing, "int")]
    yield [None, st.text("Jumlah indikator", "label"), st.number(len(data.rows), "int")]


def _compared(data: RecapInput, st: Styles, widths: Sequence[float]) -> Iterator[Row]:
    compared = sorted(
        (r for r in data.rows if r.previous_capaian is not None and r.capaian_capped is not None),
        key=_change,
    )
    previous = f" ({data.previous_period})" if data.previous_period else ""
    yield from section(
        st,
        f"D. Perbandingan dengan periode sebelumnya{previous}, penurunan terbesar lebih dulu",
        COMPARE_HEADERS,
        widths,
    )
    for index, row in enumerate(compared, 1):
        cells = [
            st.number(index, "int"),
            st.text(row.kode, "text"),
            st.text(row.indikator, "wrap"),
            st.text(row.pic, "text"),
            st.number(row.previous_capaian, "pct"),
            st.number(row.capaian_capped, "pct"),
            st.number(_change(row), "pct"),
        ]
        yield fit(cells, [(row.indikator, widths[2])])
    yield from _none_line(st, compared, "Belum ada periode sebelumnya untuk dibandingkan.")


def _trend(data: RecapInput, st: Styles, widths: Sequence[float]) -> Iterator[Row]:
    """The capaian per program over the year's triwulan and the same ones a year earlier."""
    trend = data.trend
    if trend is None:
        return
    names = ("No", "Kode", "Program", *(p.name for p in trend.periods))
    yield from section(st, "E. Tren capaian per program (%)", names, widths)
    for index, program in enumerate(trend.programs, 1):
        cells = [
            st.number(index, "int"),
            st.text(program.kode, "text"),
            st.text(program.nama, "wrap"),
            *(st.number(value, "pct") for value in program.values),
        ]
        yield fit(cells, [(program.nama, widths[2])])
