"""The cover page and the contents list."""

from __future__ import annotations

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Pt

from core.laporan.angka import local_date
from core.laporan.docx_parts import Report, add_toc, clean, color_run
from core.laporan.model import LaporanInput

TITLE = "LAPORAN HASIL PENGUKURAN DATA KINERJA"
DRAFT_MARK = "DRAFT"
"""The cover's draft mark: a paragraph of this text alone, removed in the Laporan Hasil."""


def add_cover(document: Report, data: LaporanInput) -> None:
    recap = data.recap
    for _ in range(4):
        document.add_paragraph()
    _centered(document, clean(recap.office).upper(), 16)
    document.add_paragraph()
    _centered(document, TITLE, 20)
    _centered(document, f"Periode {clean(recap.period)}", 16)
    document.add_paragraph()
    mark = document.add_paragraph()
    mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
    color_run(mark, DRAFT_MARK, "C0392B", 28)
    for _ in range(6):
        document.add_paragraph()
    _centered(document, "Disusun oleh Tim SAKIP", 12, bold=False)
    _centered(document, local_date(recap.generated_at, recap.timezone), 12, bold=False)
    document.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)


def _centered(document: Report, text: str, size: int, bold: bool = True) -> None:
    p = document.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)


def add_contents(document: Report, chapters: list[str]) -> None:
    p = document.add_paragraph()
    run = p.add_run("DAFTAR ISI")
    run.bold = True
    run.font.size = Pt(14)
    add_toc(document, chapters)
    document.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
