"""The Laporan Hasil Pengukuran Data Kinerja (SOP steps 8-10) as a Word document.

`build_draft` writes the Draft Laporan from the recap's figures (the RecapInput the workbook is
laid out from, so both show the same numbers); `finalize` turns the approved draft, generated
or edited in Word, into the Laporan Hasil; `check_docx` refuses an upload that is not a usable
.docx. One module per section; numbers are written as the chat writes them (decimal comma,
half-up rounding) and user text only as plain run text. python-docx (and lxml) are imported on
first use (core.lazy), as the workbook libraries are: a bot that writes no report never loads
them.
"""

from __future__ import annotations

from core.laporan.model import (
    DOCX_MIME,
    DRAFT_TITLE,
    FINAL_TITLE,
    Approval,
    Decision,
    LaporanInput,
    Person,
    file_name,
)
from core.lazy import load
from core.ooxml_upload import MAX_UPLOAD

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


def build_draft(data: LaporanInput) -> bytes:
    """The Draft Laporan (.docx) from the recap's figures."""
    return load("core.laporan.build").build_draft(data)


def finalize(draft: bytes, approval: Approval) -> bytes:
    """The Laporan Hasil (.docx) from the approved draft."""
    return load("core.laporan.final").finalize(draft, approval)


def check_docx(content: bytes, max_bytes: int = MAX_UPLOAD) -> None:
    """Refuse (SopError) an upload that is not a .docx python-docx opens."""
    load("core.laporan.final").check_docx(content, max_bytes)
