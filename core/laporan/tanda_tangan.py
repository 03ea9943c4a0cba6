"""The signature block: Tim SAKIP who prepared the report; the Sekretaris and the Kepala Dinas
as placeholders in the draft, filled with their registered names and NIP in the Laporan Hasil."""

from __future__ import annotations

from docx.enum.text import WD_ALIGN_PARAGRAPH

from core.laporan.docx_parts import Report, clean
from core.laporan.model import Person

SEKRETARIS_NAME, SEKRETARIS_NIP = "[Nama Sekretaris]", "[NIP Sekretaris]"
KEPALA_NAME, KEPALA_NIP = "[Nama Kepala Dinas]", "[NIP Kepala Dinas]"
"""Placeholders the Laporan Hasil replaces; where an edited draft lost them, a new block is added."""
HEADING = "Pengesahan"


Signatory = tuple[str, str, str, str]
"""One column: the verb line, the duty, the name and the NIP."""


def signatories(
    prepared_by: Person | None,
    sekretaris: Person | None = None,
    kepala_dinas: Person | None = None,
) -> list[Signatory]:
    """The columns of the block; without a person, the placeholders the Laporan Hasil fills."""
    out = []
    if prepared_by is not None:
        out.append(("Disusun oleh,", "Tim SAKIP", prepared_by.nama, prepared_by.nip or "-"))
    for verb, role, person, name, nip in (
        ("Diperiksa oleh,", "Sekretaris", sekretaris, SEKRETARIS_NAME, SEKRETARIS_NIP),
        ("Mengetahui,", "Kepala Dinas", kepala_dinas, KEPALA_NAME, KEPALA_NIP),
    ):
        if person is None:
            out.append((verb, role, name, nip))
        else:
            out.append((verb, role, person.nama, person.nip or "-"))
    return out


def add(document: Report, columns: list[Signatory]) -> None:
    """A borderless table, one column per signatory, with room to sign above each name."""
    document.add_heading(HEADING, 2)
    table = document.add_table(rows=1, cols=len(columns))
    for cell, (verb, role, name, nip) in zip(table.rows[0].cells, columns, strict=True):
        cell.paragraphs[0].add_run(verb)
        cell.add_paragraph(role)
        for _ in range(3):
            cell.add_paragraph()
        signed = cell.add_paragraph().add_run(clean(name))
        signed.bold = signed.underline = True
        cell.add_paragraph(f"NIP. {clean(nip)}")
        for p in cell.paragraphs:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph()
