"""The Draft Laporan and the Laporan Hasil, read back with python-docx: sections and Word
structure, the Hasil numbers against the workbook's, the PIC's faktor quoted as plain text, a
golden analysis, the approval record and signatures, and the checks on an uploaded .docx."""

from __future__ import annotations

import zipfile
from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal
from io import BytesIO

import pytest
from docx import Document
from openpyxl import load_workbook

from core.capaian import CapaianRules
from core.engine import SopError
from core.laporan import (
    Approval,
    Decision,
    LaporanInput,
    Person,
    build_draft,
    check_docx,
    finalize,
)
from core.laporan.analisis import indicator_sentences
from core.laporan.build import CHAPTERS
from core.laporan.docx_parts import Report
from core.rekap_workbook import (
    RecapInput,
    Trend,
    TrendPeriod,
    TrendProgram,
    build_chart,
    build_recap,
    build_trend_chart,
)
from tests.test_rekap_workbook import indicator, sample

FAKTOR = "<b>Hujan</b> & banjir\x00 di lokasi"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
AT = datetime(2026, 4, 13, 2, 15, tzinfo=timezone.utc)  # 09:15 WIB


def recap_input() -> RecapInput:
    data = sample()
    rows = list(data.rows)
    rows[0] = replace(
        rows[0],
        faktor_penghambat=FAKTOR,
        faktor_pendukung="Dukungan mitra",
        pic_jabatan="Kepala Seksi Penempatan",
        last_year_capaian=Decimal(80),
    )
    return replace(data, rows=rows, last_year_period="TW I 2025")


def laporan_input(data: RecapInput | None = None, **kw) -> LaporanInput:
    data = data or recap_input()
    return LaporanInput(
        recap=data,
        rules=CapaianRules(),
        chart=build_chart(data),
        tim=(Person("Tono Sugiarto", "198001012005011003", "Analis Kinerja"),),
        prepared_by=Person("Tono Sugiarto", "198001012005011003"),
        **kw,
    )


@pytest.fixture(scope="module")
def draft() -> bytes:
    return build_draft(laporan_input())


def read(content: bytes):
    return Document(BytesIO(content))


def all_text(document) -> str:
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def part(content: bytes, name: str) -> str:
    with zipfile.ZipFile(BytesIO(content)) as archive:
        return archive.read(name).decode()


def test_sections_are_word_headings_in_a4_portrait_with_fields(draft: bytes) -> None:
    document = read(draft)
    headings = {p.text: p.style.name for p in document.paragraphs if p.style.name != "Normal"}
    for chapter in CHAPTERS:
        assert headings.get(chapter) == "Heading 1", chapter
    assert "DRAFT" in [p.text for p in document.paragraphs]
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    body = part(draft, "word/document.xml")
    assert 'TOC \\o "1-2"' in body
    footers = "".join(
        part(draft, n) for n in zipfile.ZipFile(BytesIO(draft)).namelist() if "footer" in n
    )
    assert " PAGE " in footers and " NUMPAGES " in footers
    # Every row of the tables from data stays on one page; their header rows repeat.
    data_tables = [t for t in document.tables if not t.rows[0].cells[0].text.startswith("Disus")]
    assert len(data_tables) == 4  # tree, predikat counts, serapan, appendix
    for table in data_tables:
        assert table.rows[0]._tr.trPr.find(f"{W}tblHeader") is not None
        assert all(row._tr.trPr.find(f"{W}cantSplit") is not None for row in table.rows)


def test_hasil_numbers_equal_the_workbook(draft: bytes) -> None:
    data = recap_input()
    sheet = load_workbook(BytesIO(build_recap(data)))["Rekap"]
    workbook = [r for r in sheet.iter_rows(min_row=6, values_only=True) if r[1]][: len(data.tree)]
    table = next(t for t in read(draft).tables if t.rows[0].cells[1].text.startswith("Program"))
    shown = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert len(shown) == len(workbook) == len(data.tree)

    def two(value) -> str:
        if value is None:
            return "N/A"
        return f"{Decimal(str(value)):.2f}".replace(".", ",")

    for cells, row in zip(shown, workbook, strict=True):
        kode, nama, capaian, predikat, count, serapan = cells
        assert kode == row[1] and nama.strip() == row[2]
        assert capaian == two(row[3]) and predikat == row[4]
        assert count == str(row[8])
        assert serapan == (two(row[13]) if row[13] is not None else "-")


def test_faktor_quoted_by_jabatan_as_plain_text(draft: bytes) -> None:
    text = all_text(read(draft))
    assert (
        "Faktor penghambat menurut PIC (Kepala Seksi Penempatan): “<b>Hujan</b> & banjir di "
        "lokasi”" in text
    )
    assert "Faktor pendukung menurut PIC (Kepala Seksi Penempatan): “Dukungan mitra”" in text
    body = part(draft, "word/document.xml")
    assert "&lt;b&gt;Hujan&lt;/b&gt; &amp; banjir" in body and "<b>Hujan" not in body
    # The formula-like indicator name is text in Word too, and the signature names the preparer.
    assert '=HYPERLINK("http://contoh.invalid","klik")' in text
    assert "Tono Sugiarto" in text and "NIP. 198001012005011003" in text


def test_golden_analysis_sentences() -> None:
    """Hand-checked: 68,4 of 80 is 85,50%; 14,50 below 100; 4,50 below TW IV's 90; 5,50 above
    the 80 of a year earlier."""
    data = recap_input()
    assert indicator_sentences(data.rows[0], data) == [
        "1.02.01 Persentase A: target 80%, realisasi 68,4%, capaian 85,50% (predikat Tinggi), "
        "14,50 poin di bawah 100%.",
        "Dibanding TW IV 2025 (periode sebelumnya, 90,00%), capaian turun 4,50 poin.",
        "Dibanding TW I 2025 (periode yang sama tahun lalu, 80,00%), capaian naik 5,50 poin.",
    ]
    ranged = indicator("Rentang", "70", "Sedang", target="75–90", realisasi=Decimal("52.5"))
    assert indicator_sentences(ranged, data) == [
        "1.02.01 Rentang: target 75–90%, realisasi 52,5%, capaian 70,00% (predikat Sedang), "
        "30,00 poin di bawah 100%."
    ]


def test_summary_and_conclusions_from_the_figures(draft: bytes) -> None:
    text = all_text(read(draft))
    assert "mencakup 6 indikator pada 1 program" in text
    assert (
        "Capaian kinerja keseluruhan (rata-rata capaian program) sebesar 80,25% dengan "
        "predikat Tinggi." in text
    )
    assert "Semua program yang bercapaian berpredikat Tinggi atau lebih baik." in text
    assert "1.02 Program Penempatan: 80,25% (Tinggi)" in text  # below 100 in the summary


def test_many_below_target_keep_the_analysis_readable() -> None:
    data = recap_input()
    rows = [
        indicator(f"Indikator {n}", str(50 + n % 40), "Rendah", kode=f"1.02.01.{n}")
        for n in range(120)
    ]
    document = read(build_draft(laporan_input(replace(data, rows=rows), analysis_limit=50)))
    text = all_text(document)
    assert (
        "120 indikator berada di bawah target. Berikut 50 indikator dengan selisih "
        "terbesar; sisanya (70 indikator) tercantum pada Lampiran." in text
    )
    analysed = [p.text for p in document.paragraphs if "poin di bawah 100%" in p.text]
    assert len(analysed) == 50
    assert all("capaian 50,00%" in line for line in analysed[:3])  # the largest gaps first
    appendix = document.tables[-1]
    assert len(appendix.rows) == 121


def approval() -> Approval:
    later = AT.replace(hour=6)
    return Approval(
        period="TW I 2026",
        decisions=(
            Decision(1, False, "Data <IKU 2> & sumbernya", "Siti Aminah", AT, "Tono S.", later),
            Decision(2, True, "", "Siti Aminah", later.replace(day=14)),
        ),
        sekretaris=Person("Siti Aminah", "197501012000032002"),
        kepala_dinas=Person("Bambang Purwanto", "196909211996021001"),
    )


def test_laporan_hasil_signs_and_records_the_approval(draft: bytes) -> None:
    document = read(finalize(draft, approval()))
    text = all_text(document)
    assert "DRAFT" not in [p.text.strip() for p in document.paragraphs]
    header = document.sections[0].header.paragraphs[0].text
    assert header.startswith("Laporan Hasil Pengukuran Data Kinerja")
    assert "[Nama Sekretaris]" not in text and "[NIP Kepala Dinas]" not in text
    for line in (
        "Siti Aminah",
        "NIP. 197501012000032002",
        "Bambang Purwanto",
        "NIP. 196909211996021001",
        "Data <IKU 2> & sumbernya",
        "Tono S., 13 April 2026 pukul 13.15",
        "Draft laporan periode TW I 2026 disetujui oleh Siti Aminah (Sekretaris) pada 14 April "
        "2026 pukul 13.15, pada putaran ke-2, setelah 1 kali dikembalikan untuk diperbaiki.",
    ):
        assert line in text, line
    assert document.paragraphs[-2].text.startswith("Draft laporan periode")  # the last section
    assert document.core_properties.title.startswith("Laporan Hasil")


def test_an_edit_without_the_signature_block_still_gets_one(draft: bytes) -> None:
    document = read(draft)
    block = next(t for t in document.tables if t.rows[0].cells[0].text.startswith("Disusun"))
    block._tbl.getparent().remove(block._tbl)
    out = BytesIO()
    document.save(out)
    text = all_text(read(finalize(out.getvalue(), approval())))
    assert "NIP. 196909211996021001" in text and "Mengetahui," in text


def test_uploaded_docx_is_checked_before_use(draft: bytes) -> None:
    check_docx(draft)
    xlsx = build_recap(recap_input())
    bomb = BytesIO()
    with zipfile.ZipFile(BytesIO(draft)) as src, zipfile.ZipFile(bomb, "w") as out:
        for item in src.infolist():
            out.writestr(item, src.read(item.filename))
        out.writestr("word/media/kosong.bin", b"\0" * 5_000_000, zipfile.ZIP_DEFLATED)
    broken = BytesIO()
    with zipfile.ZipFile(broken, "w") as out:
        out.writestr("word/document.xml", "<w:document>tidak lengkap")
    for content, limit, message in (
        (b"", 10**6, "File kosong"),
        (draft, 1000, "File terlalu besar"),
        (xlsx, 10**6, "File ini bukan dokumen Word (.docx)."),
        (b"%PDF-1.4", 10**6, "File ini bukan dokumen Word (.docx)."),
        (bomb.getvalue(), 400_000, "Isi file terlalu besar setelah dibuka."),
        (broken.getvalue(), 10**6, "File .docx ini rusak"),
    ):
        with pytest.raises(SopError, match=message.replace("(", r"\(").replace(")", r"\)")):
            check_docx(content, limit)


def test_trend_over_the_year_in_report_and_workbook() -> None:
    periods = (
        TrendPeriod("Triwulan I 2025", 2025, 1),
        TrendPeriod("Triwulan I 2026", 2026, 1),
        TrendPeriod("Triwulan II 2026", 2026, 2),
    )
    trend = Trend(
        periods,
        (TrendProgram("1.02", "Program Penempatan", (Decimal(70), Decimal(75), Decimal("80.25"))),),
        2026,
    )
    data = replace(recap_input(), trend=trend)
    png = build_trend_chart(data)
    assert png is not None and png[:4] == b"\x89PNG"
    assert build_trend_chart(recap_input()) is None
    document = read(build_draft(laporan_input(data, trend=png)))
    assert "3.3 Tren Capaian per Program" in [p.text for p in document.paragraphs]
    assert len(document.inline_shapes) == 2  # the recap chart and the trend
    sheet = load_workbook(BytesIO(build_recap(data)))["Analisis"]
    assert len(sheet._images) == 1  # the trend chart beside the tables
    rows = [r for r in sheet.iter_rows(values_only=True) if any(v is not None for v in r)]
    title = next(i for i, r in enumerate(rows) if r[0] == "E. Tren capaian per program (%)")
    assert rows[title + 1][3:6] == tuple(p.name for p in periods)
    assert rows[title + 2][1:6] == ("1.02", "Program Penempatan", 70, 75, 80.25)


def test_a_placeholder_split_over_runs_by_word_is_still_filled(draft: bytes) -> None:
    document = read(draft)
    block = next(t for t in document.tables if t.rows[0].cells[0].text.startswith("Disusun"))
    name = next(p for p in block.rows[0].cells[1].paragraphs if p.text == "[Nama Sekretaris]")
    name.runs[0].text = "[Nama Sek"
    name.add_run("retaris]")
    out = BytesIO()
    document.save(out)
    text = all_text(read(finalize(out.getvalue(), approval())))
    assert "[Nama" not in text and text.count("Mengetahui,") == 1


def test_big_tables_set_aside_and_put_back_unchanged(draft: bytes) -> None:
    """What lets the Laporan Hasil of 10,000 indicators skip building the appendix's nodes."""
    report = Report.open(draft, limit=2000)
    assert len(report.document.tables) < len(read(draft).tables)  # some were set aside
    again = read(report.save())
    assert [[c.text for c in t.rows[-1].cells] for t in again.tables] == [
        [c.text for c in t.rows[-1].cells] for t in read(draft).tables
    ]
