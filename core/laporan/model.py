"""What the report shows, gathered by the caller: the sections only lay it out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.capaian import CapaianRules
from core.rekap_workbook import RecapInput

DRAFT_TITLE = "Draft Laporan Hasil Pengukuran Data Kinerja"
FINAL_TITLE = "Laporan Hasil Pengukuran Data Kinerja"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def file_name(title: str, period: str) -> str:
    """`Draft Laporan Hasil Pengukuran Data Kinerja — Triwulan I 2025.docx`."""
    safe = "".join(c for c in period if c.isalnum() or c in " -_")
    return f"{title} — {safe}.docx"


@dataclass(frozen=True)
class Person:
    """Someone named in the report: a signatory or a Tim SAKIP member, as registered."""

    nama: str
    nip: str = ""
    jabatan: str = ""


@dataclass(frozen=True)
class LaporanInput:
    """The recap's figures plus what only the report needs.

    `recap` is the same RecapInput the workbook is laid out from, so both show the same numbers;
    `chart` is the recap's PNG, `trend` the capaian per program over the year's periods (None
    with a single period). `analysis_limit` caps the indicators below target that get a
    paragraph each; the rest are counted and listed in the appendix.
    """

    recap: RecapInput
    rules: CapaianRules
    chart: bytes
    tim: tuple[Person, ...]
    prepared_by: Person
    trend: bytes | None = None
    analysis_limit: int = 50


@dataclass(frozen=True)
class Decision:
    """One step 9 decision: a /tolak with its note, or the /setuju.

    `answered_by` is the Tim SAKIP member who reported the corrected draft after a /tolak.
    """

    round: int
    approved: bool
    note: str
    by: str
    at: datetime
    answered_by: str | None = None
    answered_at: datetime | None = None


@dataclass(frozen=True)
class Approval:
    """What turns the approved draft into the Laporan Hasil."""

    period: str
    decisions: tuple[Decision, ...]
    sekretaris: Person | None
    kepala_dinas: Person | None
    timezone: str = "Asia/Jakarta"
