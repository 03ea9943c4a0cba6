"""The Word building blocks of the report: page setup, fields, plain text runs and fast tables.

Text from users goes in only as run text: python-docx escapes it, and the table rows written
here as XML go through `xml_text`, so a `<b>` or `&` typed in /lapor stays those characters.
Characters XML 1.0 forbids (NUL, other controls, unpaired surrogates) are dropped first.
Tables are written as XML in one piece because python-docx adds cells one object at a time
(the 10,000-row appendix would take most of a minute); every row is kept on one page and the
header row repeats on each page.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from io import BytesIO
from xml.sax.saxutils import escape
from zipfile import ZIP_DEFLATED, ZipFile

from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from core.rekap_workbook.styles import is_dark
from core.text import strip_invisible

HEADER_FILL = "305496"
PAGE_WIDTH, PAGE_HEIGHT, MARGIN = Mm(210), Mm(297), Mm(25)
TEXT_WIDTH_MM = 160
_TWIPS_PER_MM = 56.6929


def clean(text: object) -> str:
    """User text as XML may hold it: invisible and control characters (except line breaks and
    tabs) and lone surrogates removed."""
    out = strip_invisible("" if text is None else str(text))
    if out.isprintable():
        return out
    return "".join(c for c in out if unicodedata.category(c) not in ("Cs", "Cn"))


def xml_text(text: object) -> str:
    return escape(clean(text))


class Report:
    """A python-docx document whose large tables are written into the saved XML as text.

    python-docx builds every element as a Python-visible node, and moving a parsed 10,000-row
    table into the document costs seconds and hundreds of MB; here a marker paragraph holds the
    table's place and `save` puts the table's XML there. Everything else is the document's own
    API (attribute access falls through to it).
    """

    def __init__(self, document: DocumentObject) -> None:
        self.document = document
        self._tables: dict[str, str] = {}

    def __getattr__(self, name: str):
        return getattr(self.document, name)

    def hold(self, table_xml: str) -> None:
        marker = f"\u27e6tabel-{len(self._tables)}\u27e7"
        self._tables[marker] = table_xml
        self.document.add_paragraph(marker)

    def save(self) -> bytes:
        saved = BytesIO()
        self.document.save(saved)
        if not self._tables:
            return saved.getvalue()
        out = BytesIO()
        with ZipFile(saved) as src, ZipFile(out, "w", ZIP_DEFLATED) as dst:
            for item in src.infolist():
                content = src.read(item.filename)
                if item.filename == "word/document.xml":
                    content = self._splice(content.decode()).encode()
                dst.writestr(item, content)
        return out.getvalue()

    def _splice(self, xml: str) -> str:
        def table(match: re.Match[str]) -> str:
            return self._tables[match.group(1)]

        return _MARKER_PARAGRAPH.sub(table, xml)


_MARKER_PARAGRAPH = re.compile(r"<w:p>(?:(?!<w:p[ >]).)*?(\u27e6tabel-\d+\u27e7).*?</w:p>", re.S)
Target = DocumentObject | Report
"""Where the helpers write: the report being built, or a document opened again."""


def page_setup(document: Target, header: str) -> None:
    """A4 portrait with Indonesian as the proofing language, the title in the header and
    "Halaman X dari Y" in the footer (fields, so Word and LibreOffice count the pages)."""
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.left_margin = section.right_margin = MARGIN
    section.top_margin = section.bottom_margin = Mm(20)
    section.different_first_page_header_footer = True  # the cover carries neither
    head = section.header.paragraphs[0]
    head.add_run(clean(header)).font.size = Pt(8)
    head.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    foot.add_run("Halaman ")
    add_field(foot, "PAGE", "1")
    foot.add_run(" dari ")
    add_field(foot, "NUMPAGES", "1")
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "id-ID")
    normal.element.get_or_add_rPr().append(lang)


def add_field(paragraph: Paragraph, instruction: str, shown: str) -> None:
    """A Word field (PAGE, NUMPAGES…) with the value shown until the viewer updates it."""
    run = paragraph._p.add_r()
    run.append(_fld_char("begin"))
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    paragraph._p.add_r().append(instr)
    paragraph._p.add_r().append(_fld_char("separate"))
    paragraph._p.add_r().text = shown
    paragraph._p.add_r().append(_fld_char("end"))


def _fld_char(kind: str):
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    return element


def add_toc(document: Target, entries: Sequence[str]) -> None:
    """A table-of-contents field whose shown result already lists the chapters: readable as
    is, and Word's "Update Field" (F9) adds the page numbers."""
    first = document.add_paragraph()
    first._p.add_r().append(_fld_char("begin"))
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = ' TOC \\o "1-2" \\h \\z \\u '
    first._p.add_r().append(instr)
    first._p.add_r().append(_fld_char("separate"))
    first.add_run(clean(entries[0]) if entries else "")
    last = first
    for entry in entries[1:]:
        last = document.add_paragraph(clean(entry))
    last._p.add_r().append(_fld_char("end"))
    note = document.add_paragraph(
        "Nomor halaman: klik kanan daftar isi lalu pilih Perbarui Field (Update Field)."
    )
    note.runs[0].italic = True
    note.runs[0].font.size = Pt(8)


def paragraph(document: Target, text: str, *, bold: bool = False, style=None) -> Paragraph:
    """A paragraph of plain text (line breaks kept)."""
    p = document.add_paragraph(style=style)
    run = p.add_run(clean(text))
    run.bold = bold
    return p


def bullet(document: Target, text: str) -> Paragraph:
    """A "List Bullet" paragraph, by the style's id: a lookup by name scans every style."""
    p = paragraph(document, text)
    p._p.style = "ListBullet"
    return p


@dataclass(frozen=True)
class Column:
    """A table column: header, width in millimetres, and right alignment for numbers."""

    header: str
    width_mm: float
    numeric: bool = False


Row = Sequence[object]
"""One row's cell texts; a row may carry fills as {column index: RGB hex}."""


def add_table(
    document: Target,
    columns: Sequence[Column],
    rows: Iterable[Row],
    fills: Iterable[Mapping[int, str] | None] | None = None,
    *,
    bold_rows: Iterable[bool] | None = None,
    font_half_points: int = 18,
) -> None:
    """A bordered table: header row repeated on every page, no row split across pages."""
    grid = "".join(f'<w:gridCol w:w="{_twips(c.width_mm)}"/>' for c in columns)
    header = _row(
        [c.header for c in columns],
        columns,
        {i: HEADER_FILL for i in range(len(columns))},
        bold=True,
        header=True,
        size=font_half_points,
    )
    fill_rows = iter(fills) if fills is not None else None
    bolds = iter(bold_rows) if bold_rows is not None else None
    body = "".join(
        _row(
            row,
            columns,
            next(fill_rows, None) if fill_rows else None,
            bold=bool(next(bolds, False)) if bolds else False,
            size=font_half_points,
        )
        for row in rows
    )
    borders = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    xml = (
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="0" w:type="auto"/>'
        f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/>'
        f"</w:tblCellMar></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{header}{body}</w:tbl>"
    )
    document.element.body.sectPr.addprevious(parse_xml(xml))
    document.add_paragraph()


def _twips(mm: float) -> int:
    return round(mm * _TWIPS_PER_MM)


def _row(
    cells: Row,
    columns: Sequence[Column],
    fills: Mapping[int, str] | None,
    *,
    bold: bool = False,
    header: bool = False,
    size: int = 18,
) -> str:
    props = "<w:cantSplit/><w:tblHeader/>" if header else "<w:cantSplit/>"
    out = [f"<w:tr><w:trPr>{props}</w:trPr>"]
    for index, (value, column) in enumerate(zip(cells, columns, strict=False)):
        fill = (fills or {}).get(index)
        shade = f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else ""
        color = '<w:color w:val="FFFFFF"/>' if fill and is_dark(fill) else ""
        weight = "<w:b/>" if bold else ""
        run_props = f'<w:rPr>{weight}{color}<w:sz w:val="{size}"/></w:rPr>'
        align = '<w:jc w:val="right"/>' if column.numeric and not header else ""
        lines = clean(value).split("\n")
        runs = "".join(
            f"<w:r>{run_props}{'<w:br/>' if i else ''}"
            f'<w:t xml:space="preserve">{escape(line)}</w:t></w:r>'
            for i, line in enumerate(lines)
        )
        out.append(
            f'<w:tc><w:tcPr><w:tcW w:w="{_twips(column.width_mm)}" w:type="dxa"/>{shade}'
            f'</w:tcPr><w:p><w:pPr><w:spacing w:before="0" w:after="0"/>{align}</w:pPr>'
            f"{runs}</w:p></w:tc>"
        )
    out.append("</w:tr>")
    return "".join(out)


def color_run(paragraph: Paragraph, text: str, rgb: str, size: int, bold: bool = True) -> None:
    run = paragraph.add_run(clean(text))
    run.bold = bold
    run.font.size = Pt(size)
    run.font.color.rgb = RGBColor.from_string(rgb)
