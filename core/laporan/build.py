"""The Draft Laporan Hasil Pengukuran Data Kinerja (.docx), section by section."""

from __future__ import annotations

from docx import Document

from core.laporan import (
    analisis,
    cover,
    hasil,
    lampiran,
    metode,
    pendahuluan,
    penutup,
    ringkasan,
    tanda_tangan,
)
from core.laporan.docx_parts import Report, add_table_styles, clean, page_setup
from core.laporan.model import DRAFT_TITLE, LaporanInput

CHAPTERS = (
    ringkasan.HEADING,
    pendahuluan.HEADING,
    metode.HEADING,
    hasil.HEADING,
    analisis.HEADING,
    penutup.HEADING,
    lampiran.HEADING,
)


def build_draft(data: LaporanInput) -> bytes:
    """The draft as the office reads, edits and signs it; every number from `data`."""
    recap = data.recap
    document = Report(Document())
    page_setup(document, f"{DRAFT_TITLE} — {clean(recap.office)} — {clean(recap.period)}")
    add_table_styles(document)
    props = document.core_properties
    props.title = clean(f"{DRAFT_TITLE} — {recap.period}")
    props.author = clean(data.prepared_by.nama)
    props.language = "id-ID"
    cover.add_cover(document, data)
    cover.add_contents(document, list(CHAPTERS))
    ringkasan.add(document, data)
    pendahuluan.add(document, data)
    metode.add(document, data)
    hasil.add(document, data)
    analisis.add(document, data)
    penutup.add(document, data)
    tanda_tangan.add(document, tanda_tangan.signatories(data.prepared_by))
    lampiran.add(document, data)
    return document.save()
