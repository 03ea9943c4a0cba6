"""The Word building blocks of the report: page setup, fields, plain text runs and fast tables.

Text from users goes in only as run text: python-docx escapes it, and the table rows written
here as XML are escaped the same way, so a `<b>` or `&` typed in /lapor stays those characters.
Characters XML 1.0 forbids (NUL, other controls, unpaired surrogates) are dropped first.
Tables are written as XML text (see `Report`); every row is kept on one page and the header
row repeats on each page.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from io import BytesIO
from xml.sax.saxutils import escape
from zipfile import ZIP_DEFLATED, ZipFile

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from core.rekap_workbook.colors import is_dark
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


class Report:
    """A python-docx document whose large tables are written into the saved XML as bytes.

    python-docx keeps every element as a node: a 10,000-row appendix parsed into the document
    cost seconds and over 300 MB. Here a marker paragraph holds each table's place and `save`
    puts the table's XML there. Everything else is the document's own API (attribute access
    falls through to it).
    """

    def __init__(
        self, document: DocumentObject, tables: Sequence[bytes] = (), token: str = ""
    ) -> None:
        self.document = document
        self._tables = list(tables)
        self._token = token or uuid.uuid4().hex

    @classmethod
    def open(cls, content: bytes, limit: int = 1_000_000) -> Report:
        """A saved .docx opened again with its top-level tables over `limit` bytes of XML
        (the appendix) set aside, so python-docx never builds their nodes."""
        with ZipFile(BytesIO(content)) as archive:
            xml = archive.read(_BODY)
        token, tables, pieces, position = uuid.uuid4().hex, [], [], 0
        for start, end in _top_level_tables(xml):
            if end - start > limit:
                marker = _marker(token, len(tables))
                pieces += [
                    xml[position:start],
                    f"<w:p><w:r><w:t>{marker}</w:t></w:r></w:p>".encode(),
                ]
                tables.append(xml[start:end])
                position = end
        if tables:
            content = _with_body(content, b"".join([*pieces, xml[position:]]))
        return cls(Document(BytesIO(content)), tables, token)

    def __getattr__(self, name: str):
        return getattr(self.document, name)

    def hold(self, table_xml: bytes) -> None:
        self.document.add_paragraph(_marker(self._token, len(self._tables)))
        self._tables.append(table_xml)

    def save(self) -> bytes:
        saved = BytesIO()
        self.document.save(saved)
        if not self._tables:
            return saved.getvalue()
        with ZipFile(saved) as archive:
            xml = archive.read(_BODY)
        return _with_body(saved.getvalue(), self._splice(xml))

    def _splice(self, xml: bytes) -> bytes:
        """Each marker's whole paragraph gives way to its table."""
        pieces, position = [], 0
        for index, table in enumerate(self._tables):
            at = xml.index(_marker(self._token, index).encode(), position)
            start = xml.rindex(b"<w:p>", position, at)
            end = xml.index(b"</w:p>", at) + len(b"</w:p>")
            pieces += [xml[position:start], table]
            position = end
        pieces.append(xml[position:])
        return b"".join(pieces)


_BODY = "word/document.xml"
_TABLE_TAG = re.compile(rb"<w:tbl[ >]|</w:tbl>")


def _marker(token: str, index: int) -> str:
    return f"tabel-{token}-{index}"


def _with_body(package: bytes, body: bytes) -> bytes:
    """The .docx package with another main document part, every other part as it was."""
    out = BytesIO()
    with ZipFile(BytesIO(package)) as src, ZipFile(out, "w", ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, body if item.filename == _BODY else src.read(item.filename))
    return out.getvalue()


def _top_level_tables(xml: bytes) -> Iterator[tuple[int, int]]:
    """Byte spans of the tables directly in the body (nested ones stay inside theirs)."""
    depth, start = 0, 0
    for match in _TABLE_TAG.finditer(xml):
        if match.group() == b"</w:tbl>":
            depth -= 1
            if depth == 0:
                yield start, match.end()
        else:
            if depth == 0:
                start = match.start()
            depth += 1


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


TABLE_STYLES = {18: "TabelIsi", 14: "TabelKecil"}
"""Paragraph styles of table cells by font size (half-points): size and no spacing come from
the style, so each cell carries one property instead of four (memory and file size)."""


def add_table_styles(document: Target) -> None:
    for half_points, style_id in TABLE_STYLES.items():
        style = document.styles.add_style(style_id, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = document.styles["Normal"]
        style.font.size = Pt(half_points / 2)
        style.paragraph_format.space_before = style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.line_spacing = 1.0


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
    style = TABLE_STYLES.get(font_half_points, TABLE_STYLES[18])
    grid = "".join(f'<w:gridCol w:w="{_twips(c.width_mm)}"/>' for c in columns)
    borders = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    head = (
        '<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/>'
        f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/>'
        f"</w:tblCellMar></w:tblPr><w:tblGrid>{grid}</w:tblGrid>"
    ) + _row(
        [c.header for c in columns],
        columns,
        {i: HEADER_FILL for i in range(len(columns))},
        style,
        bold=True,
        header=True,
    )
    fill_rows = iter(fills) if fills is not None else None
    bolds = iter(bold_rows) if bold_rows is not None else None
    body = (
        _row(
            row,
            columns,
            next(fill_rows, None) if fill_rows else None,
            style,
            bold=bool(next(bolds, False)) if bolds else False,
        ).encode()
        for row in rows
    )
    xml = b"".join([head.encode(), *body, b"</w:tbl>"])
    if isinstance(document, Report):
        document.hold(xml)
    else:
        declared = xml.replace(b"<w:tbl>", f"<w:tbl {nsdecls('w')}>".encode(), 1)
        document.element.body.sectPr.addprevious(parse_xml(declared))
    document.add_paragraph()


def _twips(mm: float) -> int:
    return round(mm * _TWIPS_PER_MM)


def _row(
    cells: Row,
    columns: Sequence[Column],
    fills: Mapping[int, str] | None,
    style: str,
    *,
    bold: bool = False,
    header: bool = False,
) -> str:
    props = "<w:cantSplit/><w:tblHeader/>" if header else "<w:cantSplit/>"
    out = [f"<w:tr><w:trPr>{props}</w:trPr>"]
    for index, (value, column) in enumerate(zip(cells, columns, strict=False)):
        fill = (fills or {}).get(index)
        shade = f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else ""
        color = '<w:color w:val="FFFFFF"/>' if fill and is_dark(fill) else ""
        weight = "<w:b/>" if bold else ""
        run_props = f"<w:rPr>{weight}{color}</w:rPr>" if weight or color else ""
        align = '<w:jc w:val="right"/>' if column.numeric and not header else ""
        runs = "".join(
            f"<w:r>{run_props}{'<w:br/>' if i else ''}"
            f'<w:t xml:space="preserve">{escape(line)}</w:t></w:r>'
            for i, line in enumerate(clean(value).split("\n"))
        )
        out.append(
            f'<w:tc><w:tcPr><w:tcW w:w="{_twips(column.width_mm)}" w:type="dxa"/>{shade}'
            f'</w:tcPr><w:p><w:pPr><w:pStyle w:val="{style}"/>{align}</w:pPr>{runs}</w:p></w:tc>'
        )
    out.append("</w:tr>")
    return "".join(out)


def color_run(paragraph: Paragraph, text: str, rgb: str, size: int, bold: bool = True) -> None:
    run = paragraph.add_run(clean(text))
    run.bold = bold
    run.font.size = Pt(size)
    run.font.color.rgb = RGBColor.from_string(rgb)
