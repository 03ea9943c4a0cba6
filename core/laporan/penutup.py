"""BAB V Penutup: conclusions from the figures and room for the recommendations."""

from __future__ import annotations

from core.laporan import figures
from core.laporan.angka import pct
from core.laporan.docx_parts import Report, bullet, clean, paragraph
from core.laporan.model import LaporanInput

HEADING = "BAB V PENUTUP"
RECOMMENDATION_PLACEHOLDER = (
    "(Diisi oleh Tim SAKIP/Sekretaris: langkah perbaikan untuk indikator di bawah target dan "
    "untuk ketepatan waktu pelaksanaan SOP.)"
)


def conclusions(data: LaporanInput) -> list[str]:
    recap = data.recap
    total = figures.overall(recap, data.rules)
    out = []
    if total.value is None:
        out.append("Belum ada capaian yang dapat disimpulkan pada periode ini.")
    else:
        out.append(
            f"Capaian kinerja {clean(recap.office)} periode {clean(recap.period)} rata-rata "
            f"{pct(total.value)} dengan predikat {total.predikat}."
        )
    threshold, name = figures.tinggi_threshold(data.rules)
    below = figures.programs_below(recap, threshold)
    if below:
        listed = "; ".join(f"{n.kode} {n.nama} ({pct(n.capaian)}, {n.predikat})" for n in below)
        out.append(f"Program dengan predikat di bawah {name}: {clean(listed)}.")
    else:
        out.append(f"Semua program yang bercapaian berpredikat {name} atau lebih baik.")
    totals = figures.step_totals(recap)
    if totals is not None:
        actual, standard = totals
        out.append(
            f"Langkah SOP yang tercatat memakan waktu kerja {actual}, dengan standar {standard}."
        )
    late = figures.late_steps(recap)
    if late:
        out.append(f"Langkah yang melewati standar waktu: {figures.late_text(late)}.")
    else:
        out.append("Tidak ada langkah SOP yang melewati standar waktunya.")
    return out


def add(document: Report, data: LaporanInput) -> None:
    document.add_heading(HEADING, 1)
    document.add_heading("5.1 Kesimpulan", 2)
    for line in conclusions(data):
        bullet(document, line)
    document.add_heading("5.2 Rekomendasi", 2)
    paragraph(document, RECOMMENDATION_PLACEHOLDER)
