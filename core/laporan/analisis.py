"""BAB IV Analisis: a paragraph per indicator below target (the largest gaps first, at most
`analysis_limit`), every indicator not reported or returned, then those above target briefly.

Each sentence is made from the stored values; the faktor the PIC wrote in /lapor is quoted as
plain text and attributed to the PIC's jabatan, never to a NIP.
"""

from __future__ import annotations

from decimal import Decimal

from core.laporan.angka import amount, count, pct, points
from core.laporan.docx_parts import Report, bullet, clean, paragraph
from core.laporan.model import LaporanInput
from core.rekap_workbook import IndicatorResult, RecapInput

HEADING = "BAB IV ANALISIS CAPAIAN KINERJA"
RETURNED = "dikembalikan"
ABOVE_LISTED = 10


def below_target(recap: RecapInput) -> list[IndicatorResult]:
    """Indicators with a capaian under 100, the largest gap first (as the workbook's Analisis)."""
    rows = [r for r in recap.rows if r.capaian_capped is not None and r.capaian_capped < 100]
    return sorted(rows, key=lambda r: r.capaian_capped)


def _pic(row: IndicatorResult) -> str:
    return f"PIC ({clean(row.pic_jabatan)})" if row.pic_jabatan else "PIC"


def _change(now: Decimal, before: Decimal | None, period: str | None, which: str) -> str | None:
    """`Dibanding TW IV 2025 (periode sebelumnya, 90,00%), capaian turun 4,50 poin.`"""
    if before is None:
        return None
    diff = now - before
    if diff > 0:
        how = f"naik {points(diff)}"
    elif diff < 0:
        how = f"turun {points(diff)}"
    else:
        how = "tetap"
    return f"Dibanding {clean(period or '-')} ({which}, {pct(before)}), capaian {how}."


def indicator_sentences(row: IndicatorResult, recap: RecapInput) -> list[str]:
    """The analysis of one indicator with a capaian, sentence by sentence."""
    capped = row.capaian_capped
    assert capped is not None  # only indicators with a capaian are analysed this way
    gap = Decimal(100) - capped
    where = "di bawah" if gap > 0 else "di atas"
    out = [
        f"{clean(row.kode)} {clean(row.indikator)}: target {amount(row.target, row.satuan)}, "
        f"realisasi {amount(row.realisasi, row.satuan)}, capaian {pct(capped)} "
        f"(predikat {row.predikat}), {points(gap)} {where} 100%."
    ]
    for before, period, which in (
        (row.previous_capaian, recap.previous_period, "periode sebelumnya"),
        (row.last_year_capaian, recap.last_year_period, "periode yang sama tahun lalu"),
    ):
        change = _change(capped, before, period, which)
        if change:
            out.append(change)
    return out


def faktor_lines(row: IndicatorResult) -> list[str]:
    """The PIC's own words, quoted."""
    out = []
    for label, text in (
        ("Faktor penghambat", row.faktor_penghambat),
        ("Faktor pendukung", row.faktor_pendukung),
    ):
        if text and text.strip():
            out.append(f"{label} menurut {_pic(row)}: “{clean(text).strip()}”")
    return out


def add(document: Report, data: LaporanInput) -> None:
    recap = data.recap
    document.add_heading(HEADING, 1)
    below = below_target(recap)
    document.add_heading("4.1 Indikator di Bawah Target", 2)
    shown = below[: data.analysis_limit]
    if not below:
        paragraph(document, "Tidak ada indikator dengan capaian di bawah 100%.")
    elif len(below) > len(shown):
        paragraph(
            document,
            f"{count(len(below))} indikator berada di bawah target. Berikut "
            f"{count(len(shown))} indikator dengan selisih terbesar; sisanya "
            f"({count(len(below) - len(shown))} indikator) tercantum pada Lampiran.",
        )
    for row in shown:
        _indicator(document, row, recap)
    _unreported(document, recap)
    _above(document, recap)


def _indicator(document: Report, row: IndicatorResult, recap: RecapInput) -> None:
    paragraph(document, " ".join(indicator_sentences(row, recap)))
    for line in faktor_lines(row):
        bullet(document, line)


def _unreported(document: Report, recap: RecapInput) -> None:
    rows = [r for r in recap.rows if r.missing or r.status == RETURNED]
    document.add_heading("4.2 Indikator Tanpa Realisasi atau Dikembalikan", 2)
    if not rows:
        paragraph(document, "Semua indikator telah dilaporkan dan divalidasi.")
        return
    for row in rows:
        what = (
            "realisasi tidak dilaporkan"
            if row.missing
            else f"realisasi {amount(row.realisasi, row.satuan)} dikembalikan untuk diperbaiki"
        )
        bullet(
            document,
            f"{clean(row.kode)} {clean(row.indikator)} (target "
            f"{amount(row.target, row.satuan)}): {what}; penanggung jawab {_pic(row)}.",
        )
        for line in faktor_lines(row):
            paragraph(document, line)


def above_target(recap: RecapInput) -> list[IndicatorResult]:
    rows = [r for r in recap.rows if r.capaian_capped is not None and r.capaian_capped > 100]
    return sorted(rows, key=lambda r: r.capaian_capped, reverse=True)


def _above(document: Report, recap: RecapInput) -> None:
    above = above_target(recap)
    met = sum(1 for r in recap.rows if r.capaian_capped == 100)
    document.add_heading("4.3 Indikator yang Mencapai atau Melampaui Target", 2)
    paragraph(
        document,
        f"{count(met)} indikator tepat mencapai target dan {count(len(above))} melampauinya.",
    )
    for row in above[:ABOVE_LISTED]:
        bullet(
            document,
            f"{clean(row.kode)} {clean(row.indikator)}: capaian {pct(row.capaian_capped)}.",
        )
    if len(above) > ABOVE_LISTED:
        paragraph(document, f"… dan {count(len(above) - ABOVE_LISTED)} indikator lainnya.")
