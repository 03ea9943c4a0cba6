"""Ringkasan Eksekutif: one page of what the figures say, every number from the recap."""

from __future__ import annotations

from docx.enum.text import WD_BREAK

from core.laporan import figures
from core.laporan.angka import count, pct
from core.laporan.docx_parts import Report, bullet, clean, paragraph
from core.laporan.model import LaporanInput

HEADING = "Ringkasan Eksekutif"


def add(document: Report, data: LaporanInput) -> None:
    recap = data.recap
    document.add_heading(HEADING, 1)
    for line in summary_lines(data):
        paragraph(document, line)
    below = figures.programs_below(recap, 100)
    if below:
        paragraph(document, "Program dengan capaian di bawah target (100%):", bold=True)
        for node in below:
            bullet(document, f"{node.kode} {node.nama}: {pct(node.capaian)} ({node.predikat})")
    late = figures.late_steps(recap)
    paragraph(document, "Ketepatan waktu pelaksanaan SOP:", bold=True)
    if late:
        for step in late:
            bullet(document, figures.late_text([step]) + ".")
    else:
        bullet(document, "Tidak ada langkah SOP yang melewati standar waktunya.")
    document.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)


def summary_lines(data: LaporanInput) -> list[str]:
    recap = data.recap
    total = figures.overall(recap, data.rules)
    scored = sum(recap.predikat_counts.values())
    lines = [
        f"Pengukuran data kinerja {clean(recap.office)} periode {clean(recap.period)} mencakup "
        f"{count(len(recap.rows))} indikator pada {count(total.programs)} program.",
    ]
    if total.value is None:
        lines.append("Belum ada indikator yang memiliki capaian.")
    else:
        lines.append(
            f"Capaian kinerja keseluruhan (rata-rata capaian program) sebesar "
            f"{pct(total.value)} dengan predikat {total.predikat}."
        )
    counts = ", ".join(f"{name} {count(n)}" for name, n in recap.predikat_counts.items())
    lines.append(f"Dari {count(scored)} indikator yang berpredikat: {counts}.")
    below = sum(1 for r in recap.rows if r.capaian_capped is not None and r.capaian_capped < 100)
    lines.append(
        f"{count(below)} indikator berada di bawah target, {count(recap.n_missing)} tidak "
        f"dilaporkan realisasinya, dan {count(recap.n_na)} tanpa capaian (N/A)."
    )
    return lines
