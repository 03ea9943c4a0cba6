"""BAB II Metode: the capaian rules in force, in the words of the workbook's Info sheet."""

from __future__ import annotations

from core.laporan.docx_parts import Report, bullet, paragraph
from core.laporan.model import LaporanInput

HEADING = "BAB II METODE PENGUKURAN"


def add(document: Report, data: LaporanInput) -> None:
    document.add_heading(HEADING, 1)
    paragraph(
        document,
        "Capaian setiap indikator dihitung dari realisasi (R) dan target (T) dalam Perjanjian "
        "Kinerja dengan aturan yang ditetapkan kantor sebagai berikut:",
    )
    for line in data.recap.rules_text.splitlines():
        if line.strip():
            bullet(document, line)
