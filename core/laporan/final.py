"""The Laporan Hasil from the approved draft (generated or edited in Word): the draft mark
removed, the signature block filled with the Sekretaris and the Kepala Dinas as registered, and
the approval record (each round's /tolak note and who answered it, who approved and when) as
the last section. Also the check an uploaded draft must pass."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO

from docx import Document
from docx.document import Document as DocumentObject
from docx.text.paragraph import Paragraph

from core.engine import SopError
from core.laporan import tanda_tangan
from core.laporan.angka import count, local_time
from core.laporan.cover import DRAFT_MARK
from core.laporan.docx_parts import Column, Report, add_table, clean, paragraph
from core.laporan.model import DRAFT_TITLE, FINAL_TITLE, Approval, Decision, Person
from core.ooxml_upload import DOCX, MAX_UPLOAD, PackageError, check_package

RECORD_HEADING = "CATATAN PERSETUJUAN"
RECORD_COLUMNS = (
    Column("Putaran", 16, numeric=True),
    Column("Keputusan", 22),
    Column("Catatan Sekretaris", 56),
    Column("Oleh / Waktu", 33),
    Column("Ditindaklanjuti oleh", 33),
)


def check_docx(content: bytes, max_bytes: int = MAX_UPLOAD) -> None:
    """An uploaded draft must be a .docx that python-docx opens (so /setuju can finish it)."""
    try:
        check_package(content, max_bytes, DOCX)
        Document(BytesIO(content))
    except PackageError as exc:
        raise SopError(str(exc)) from exc
    except Exception as exc:  # python-docx and lxml raise many types on malformed parts
        raise SopError("File .docx ini rusak dan tidak dapat dibuka. " + DOCX.hint) from exc


def finalize(draft: bytes, approval: Approval) -> bytes:
    report = Report.open(draft)
    _remove_draft_marks(report.document)
    _sign(report, approval.sekretaris, approval.kepala_dinas)
    _record(report, approval)
    props = report.document.core_properties
    props.title = (props.title or "").replace(DRAFT_TITLE, FINAL_TITLE) or FINAL_TITLE
    return report.save()


def _page_parts(document: DocumentObject) -> Iterator[Paragraph]:
    """The body's own paragraphs (not the table cells: the appendix has tens of thousands) and
    those of the headers and footers."""
    yield from document.paragraphs
    for section in document.sections:
        for part in (
            section.header,
            section.footer,
            section.first_page_header,
            section.first_page_footer,
        ):
            if not part.is_linked_to_previous:
                yield from part.paragraphs


def _holding(document: Report, text: str) -> list[Paragraph]:
    """Every paragraph, table cells included, holding `text`, even split over runs by an edit
    (found by XPath, which is quick where python-docx's cell objects are not)."""
    found = document.element.body.xpath(f'.//w:p[contains(string(.), "{text}")]')
    return [Paragraph(p, document.document) for p in found]


def _replace(p: Paragraph, old: str, new: str) -> bool:
    """Replace text in a paragraph, in its runs where Word kept the text in one run."""
    if old not in p.text:
        return False
    for run in p.runs:
        if old in run.text:
            run.text = run.text.replace(old, new)
    if old in p.text:  # split across runs by an edit: the paragraph's text in its first run
        text = p.text.replace(old, new)
        for run in p.runs[1:]:
            run._r.getparent().remove(run._r)
        p.runs[0].text = text
    return True


def _remove_draft_marks(document: DocumentObject) -> None:
    for p in list(_page_parts(document)):
        if p.text.strip().upper() == DRAFT_MARK:
            p._p.getparent().remove(p._p)
        else:
            _replace(p, DRAFT_TITLE, FINAL_TITLE)


def _sign(document: Report, sekretaris: Person | None, kepala: Person | None) -> None:
    values = {
        tanda_tangan.SEKRETARIS_NAME: sekretaris.nama if sekretaris else "",
        tanda_tangan.SEKRETARIS_NIP: (sekretaris.nip or "-") if sekretaris else "-",
        tanda_tangan.KEPALA_NAME: kepala.nama if kepala else "",
        tanda_tangan.KEPALA_NIP: (kepala.nip or "-") if kepala else "-",
    }
    found = False
    for placeholder, value in values.items():
        for p in _holding(document, placeholder):
            found |= _replace(p, placeholder, clean(value))
    if not found:  # the edit removed the block: the Laporan Hasil still carries one
        tanda_tangan.add(document, tanda_tangan.signatories(None, sekretaris, kepala))


def _heading(document: Report, text: str) -> None:
    try:
        document.add_heading(text, 1)
    except KeyError:  # a draft saved without the heading styles
        paragraph(document, text, bold=True)


def _record(document: Report, approval: Approval) -> None:
    zone = approval.timezone
    _heading(document, RECORD_HEADING)
    final = next((d for d in reversed(approval.decisions) if d.approved), None)
    rejections = [d for d in approval.decisions if not d.approved]
    if final is not None:
        paragraph(
            document,
            f"Draft laporan periode {clean(approval.period)} disetujui oleh {clean(final.by)} "
            f"(Sekretaris) pada {local_time(final.at, zone)}, pada putaran ke-{final.round}, "
            f"setelah {count(len(rejections))} kali dikembalikan untuk diperbaiki.",
        )
    add_table(document, RECORD_COLUMNS, [_record_row(d, zone) for d in approval.decisions])


def _record_row(d: Decision, zone: str) -> tuple[str, ...]:
    answered = (
        f"{d.answered_by}, {local_time(d.answered_at, zone)}"
        if d.answered_by and d.answered_at
        else "-"
    )
    return (
        str(d.round),
        "Disetujui" if d.approved else "Dikembalikan",
        d.note or "-",
        f"{d.by}, {local_time(d.at, zone)}",
        "-" if d.approved else answered,
    )
