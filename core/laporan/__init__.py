"""The Laporan Hasil Pengukuran Data Kinerja (SOP steps 8-10) as a Word document.

`build_draft` writes the Draft Laporan from the recap's figures (the RecapInput the workbook is
laid out from, so both show the same numbers); `finalize` turns the approved draft, generated
or edited in Word, into the Laporan Hasil; `check_docx` refuses an upload that is not a usable
.docx. One module per section; numbers are written as the chat writes them (decimal comma,
half-up rounding) and user text only as plain run text.
"""

from __future__ import annotations

from core.laporan.build import DOCX_MIME, DRAFT_TITLE, FINAL_TITLE, build_draft, file_name
from core.laporan.final import check_docx, finalize
from core.laporan.model import Approval, Decision, LaporanInput, Person

__all__ = [
    "DOCX_MIME",
    "DRAFT_TITLE",
    "FINAL_TITLE",
    "Approval",
    "Decision",
    "LaporanInput",
    "Person",
    "build_draft",
    "check_docx",
    "file_name",
    "finalize",
]
