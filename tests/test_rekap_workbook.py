"""Recap workbook and chart, read back with openpyxl; and the safe-text helpers they rely on."""

from __future__ import annotations

import zipfile
from datetime import datetime, timezone
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from core.rekap_workbook import (
    SHEETS,
    ComplianceTable,
    IndicatorResult,
    RecapInput,
    TreeNode,
    build_chart,
    build_recap,
    predikat_color,
)
from core.xlsx_safe import MAX_CELL_CHARS, clean_text, needs_quote_prefix, set_text

FORMULA = '=HYPERLINK("http://contoh.invalid","klik")'
DDE = "=cmd|' /C calc'!A0"


def indicator(indikator: str, capaian: str | None, predikat: str | None, **extra: Any) -> Any:
    value = Decimal(capaian) if capaian is not None else None
    fields: dict[str, Any] = {
        "kode": "1.02.01",
        "nama": "Fasilitasi Penempatan",
        "indikator": indikator,
        "satuan": "%",
        "target": Decimal(80),
        "realisasi": Decimal("68.4") if value is not None else None,
        "capaian": value,
        "capaian_capped": value,
        "cap_applied": False,
        "rule": "R / T × 100",
        "predikat": predikat,
        "pic": "Budi Santoso",
        "evidence": True,
        "status": "Valid",
    }
    fields.update(extra)
    return IndicatorResult(**fields)


def sample() -> RecapInput:
    rows = [
        indicator("Persentase A", "85.5", "Tinggi", previous_capaian=Decimal(90)),
        indicator(FORMULA, "50", "Sangat Rendah", note="#N/A", pic="Budi\x00\x07 Santoso"),
        indicator(
            "Capaian di atas cap",
            "150",
            "Sangat Tinggi",
            capaian_capped=Decimal(120),
            cap_applied=True,
            previous_capaian=Decimal(100),
        ),
        indicator("Belum lapor", None, None, status="Belum lapor", evidence=False, missing=True),
        indicator(
            "Target nol",
            None,
            None,
            target=Decimal(0),
            realisasi=Decimal(3),
            na_reason="N/A (target 0)",
        ),
        indicator(
            "Persentase C",
            "70",
            "Sedang",
            note="+62 812 0000",
            status="-dikembalikan",
            target="75–90",
        ),
    ]
    tree = [
        TreeNode(
            "Program",
            "1.02",
            "Program Penempatan",
            0,
            Decimal("80.25"),
            "Tinggi",
            6,
            1,
            Decimal(1_000_000_000),
            Decimal(750_000_000),
            Decimal(75),
            Decimal("1.07"),
            own_capaian=Decimal("80.25"),
            children_capaian=Decimal(95),
            basis="indikator sendiri (2 indikator); bukan rata-rata kegiatan di bawahnya",
            n_missing=1,
        ),
        TreeNode("Kegiatan", "1.02.01", "Fasilitasi", 1, Decimal(95), "Sangat Tinggi", 4, 0),
        TreeNode("Sub Kegiatan", "1.02.01.2.01", "Bursa", 2, Decimal(99), "Luar Biasa", 2, 0),
        TreeNode("Sub Kegiatan", "1.02.01.2.02", "Kosong", 2, None, None, 1, 1),
    ]
    opened = datetime(2026, 4, 1, 1, 0, tzinfo=timezone.utc)  # 08:00 WIB
    compliance = ComplianceTable(
        headers=("No", "Kegiatan", "Pelaksana", "Standar", "Dibuka", "Batas Waktu", "Selesai",
                 "Waktu Kerja Aktual", "Status", "Pengingat"),
        rows=[
            (1, "Perintah pengukuran", "Kepala Dinas", "5 menit", opened, opened, opened,
             "3 menit", "Tepat waktu", 0),
            (2, "Rapat arahan", "Sekretaris", "60 menit", opened, opened, None,
             "2 jam 5 menit", "Terlambat 1 jam 5 menit", 2),
        ]
    )  # fmt: skip
    return RecapInput(
        office="Dinas Tenaga Kerja Kabupaten Mojokerto",
        period="TW I 2026",
        generated_at=datetime(2026, 4, 10, 2, 30, tzinfo=timezone.utc),
        generated_by=DDE,
        rows=rows,
        tree=tree,
        predikat_counts={
            "Sangat Tinggi": 1,
            "Tinggi": 1,
            "Sedang": 1,
            "Rendah": 0,
            "Sangat Rendah": 1,
        },
        compliance=compliance,
        cap=Decimal(120),
        rules_text="Positif: R / T × 100\nNegatif: (2 − R/T) × 100\n=bukan rumus",
        previous_period="TW IV 2025",
        n_na=1,
        n_missing=1,
    )


@pytest.fixture(scope="module")
def recap() -> bytes:
    return build_recap(sample())


@pytest.fixture(scope="module")
def book(recap: bytes) -> Any:
    return load_workbook(BytesIO(recap))


def rows_of(ws: Any) -> list[list[Any]]:
    return [list(row) for row in ws.iter_rows()]


def find(ws: Any, value: Any) -> Any:
    for line in ws.iter_rows():
        for cell in line:
            if cell.value == value:
                return cell
    raise AssertionError(f"{value!r} not in {ws.title}")


def section(ws: Any, title_start: str) -> list[list[Any]]:
    """Rows of an Analisis section, after its title and header, up to the blank line."""
    rows = list(ws.iter_rows())
    start = next(i for i, r in enumerate(rows) if str(r[0].value or "").startswith(title_start))
    body = []
    for line in rows[start + 2 :]:
        if all(cell.value is None for cell in line):
            break
        body.append(line)
    return body


# --------------------------------------------------------------------------- layout


def test_sheets_frozen_headers_and_print_setup(book: Any) -> None:
    assert book.sheetnames == ["Rekap", "Kertas Kerja", "Analisis", "Kepatuhan SOP", "Info"]
    assert book.sheetnames == list(SHEETS)
    assert [ws.freeze_panes for ws in book] == ["A6", "C6", "A3", "A6", "A2"]
    for ws in book:
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert int(ws.page_setup.fitToWidth) == 1
        assert int(ws.page_setup.fitToHeight) == 0
        assert ws.column_dimensions["A"].width > 0
    assert book["Rekap"].print_title_rows == "$5:$5"
    assert book["Kepatuhan SOP"].print_title_rows == "$5:$5"
    assert int(book["Kepatuhan SOP"].page_setup.paperSize) == 9  # A4
    assert book["Kertas Kerja"]["D5"].value == "Indikator"
    assert book["Kertas Kerja"].column_dimensions["D"].width >= 30


def test_numbers_are_numbers_with_formats(book: Any) -> None:
    ws = book["Kertas Kerja"]
    first = [cell for cell in ws[6]]
    assert first[0].value == 1
    realisasi, capaian = first[6], first[7]
    assert (realisasi.value, realisasi.data_type, realisasi.number_format) == (
        68.4,
        "n",
        "#,##0.00",
    )
    assert (capaian.value, capaian.number_format) == (85.5, "0.00")
    assert ws["H5"].value == "Capaian (%)"
    over = find(ws, "Capaian di atas cap").row
    assert (ws.cell(over, 8).value, ws.cell(over, 9).value) == (150, 120)
    assert ws.cell(over, 9).font.b is True  # the capped value is marked
    rekap = book["Rekap"]
    assert (rekap["D6"].value, rekap["L6"].value, rekap["L6"].number_format) == (
        80.25,
        1_000_000_000,
        "#,##0.00",
    )


def test_user_text_is_never_a_formula_or_error(recap: bytes, book: Any) -> None:
    ws = book["Kertas Kerja"]
    cell = find(ws, FORMULA)
    assert (cell.data_type, cell.quotePrefix) == ("s", True)
    note = ws.cell(cell.row, 16)
    assert (note.value, note.data_type, note.quotePrefix) == ("#N/A", "s", True)
    assert ws.cell(cell.row, 13).value == "Budi Santoso"  # control characters stripped
    plus = find(ws, "+62 812 0000")
    assert plus.quotePrefix is True
    assert find(ws, "Persentase A").quotePrefix is False
    assert find(book["Info"], DDE).quotePrefix is True
    assert find(book["Info"], "=bukan rumus").data_type == "s"
    with zipfile.ZipFile(BytesIO(recap)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name)
                assert b"<f>" not in xml and b"<f " not in xml
                assert b't="e"' not in xml


def test_rekap_tree_is_indented_and_filled_by_predikat(book: Any) -> None:
    ws = book["Rekap"]
    rows = {row[1].value: row for row in ws.iter_rows(min_row=6, max_row=9)}
    assert rows["1.02"][2].alignment.indent == 0 and rows["1.02"][2].font.b is True
    assert rows["1.02.01"][2].alignment.indent == 2
    assert rows["1.02.01.2.01"][2].alignment.indent == 4
    assert rows["1.02"][3].fill.fgColor.rgb == "00A9D18E"  # Tinggi
    assert rows["1.02.01"][0].fill.fgColor.rgb == "001E7B34"  # Sangat Tinggi: dark green
    assert rows["1.02.01"][0].font.color.rgb == "00FFFFFF"  # white on dark
    assert rows["1.02.01.2.01"][4].fill.fgColor.rgb == "00D9D9D9"  # unknown band: grey
    assert rows["1.02.01.2.02"][4].value == "N/A"
    assert rows["1.02.01.2.02"][4].fill.fill_type is None
    assert rows["1.02.01.2.02"][3].value is None


def test_rekap_shows_own_and_children_capaian_side_by_side(book: Any) -> None:
    ws = book["Rekap"]
    header = [cell.value for cell in ws[5]]
    assert header[3:11] == [
        "Capaian (%)",
        "Predikat",
        "Dasar Capaian dan Predikat",
        "Capaian Indikator Sendiri (%)",
        "Rata-rata Capaian di Bawahnya (%)",
        "Jumlah Indikator",
        "Indikator N/A",
        "Tidak Dilaporkan",
    ]
    program = [cell.value for cell in ws[6]]
    assert program[3:11] == [
        80.25,
        "Tinggi",
        "indikator sendiri (2 indikator); bukan rata-rata kegiatan di bawahnya",
        80.25,
        95,
        6,
        1,
        1,
    ]
    notes = " ".join(str(c.value) for c in ws["C"] if c.value)
    assert "rata-rata capaian indikatornya sendiri bila ada" in notes
    assert "Tidak Dilaporkan = realisasinya tidak pernah dilaporkan" in notes


def test_wrapped_rows_are_made_tall_and_short_rows_keep_the_default(book: Any) -> None:
    ws = book["Rekap"]
    heights = {number: dimension.height for number, dimension in ws.row_dimensions.items()}
    assert heights[5] >= 45  # the header's long names wrap
    assert heights[6] == 45  # the program's basis needs three lines
    assert all(number not in heights for number in (7, 8, 9))  # one line each
    assert ws.row_dimensions[6].customHeight is True


def test_analisis_sections(book: Any) -> None:
    ws = book["Analisis"]
    below = section(ws, "A.")
    assert [line[2].value for line in below] == [FORMULA, "Persentase C", "Persentase A"]
    assert [line[7].value for line in below] == [50, 30, 14.5]
    missing = section(ws, "B.")
    assert [(line[2].value, line[5].value) for line in missing] == [
        ("Belum lapor", "Tidak dilaporkan (tanpa realisasi)"),
        ("Target nol", "N/A (target 0)"),
    ]
    counts = section(ws, "C.")
    assert [(line[1].value, line[2].value) for line in counts] == [
        ("Sangat Tinggi", 1),
        ("Tinggi", 1),
        ("Sedang", 1),
        ("Rendah", 0),
        ("Sangat Rendah", 1),
        ("Jumlah berpredikat", 4),
        ("N/A (tanpa capaian, mis. target 0)", 1),
        ("Tidak dilaporkan (tanpa realisasi)", 1),
        ("Jumlah indikator", 6),
    ]
    assert counts[0][1].fill.fgColor.rgb == "001E7B34"
    compared = section(ws, "D.")
    title = next(c.value for c in ws["A"] if str(c.value or "").startswith("D."))
    assert "(TW IV 2025)" in title
    assert [(line[2].value, line[4].value, line[5].value, line[6].value) for line in compared] == [
        ("Persentase A", 90, 85.5, -4.5),
        ("Capaian di atas cap", 100, 120, 20),
    ]


def test_info_sheet_holds_period_and_rules(book: Any) -> None:
    ws = book["Info"]
    values = [[cell.value for cell in line] for line in ws.iter_rows()]
    assert values[2][:2] == ["Periode", "TW I 2026"]
    made = find(ws, "Dibuat pada (WIB)")
    assert ws.cell(made.row, 2).value == datetime(2026, 4, 10, 9, 30)
    assert ws.cell(made.row, 2).number_format == "dd/mm/yyyy hh:mm"
    assert find(ws, "Positif: R / T × 100").column == 2
    pointer = find(ws, "Kepatuhan SOP")
    assert "sheet Kepatuhan SOP" in ws.cell(pointer.row, 2).value
    with pytest.raises(AssertionError):
        find(ws, "Waktu Kerja Aktual")  # the compliance table has its own sheet


def test_kepatuhan_sheet_prints_its_table_one_page_wide(book: Any) -> None:
    ws = book["Kepatuhan SOP"]
    assert find(ws, "Kepatuhan terhadap SOP: waktu standar dan waktu aktual").row == 1
    header = find(ws, "Waktu Kerja Aktual")
    assert header.row == 5 and header.alignment.wrap_text is True
    assert ws.print_title_rows == "$5:$5" and ws.freeze_panes == "A6"
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (int(ws.page_setup.fitToWidth), int(ws.page_setup.fitToHeight)) == (1, 0)
    late = find(ws, "Terlambat 1 jam 5 menit").row
    assert late == header.row + 2
    line = [cell.value for cell in ws[late]]
    assert line[:4] == [2, "Rapat arahan", "Sekretaris", "60 menit"]
    assert line[4] == datetime(2026, 4, 1, 8, 0)  # 01:00 UTC shown in WIB
    assert ws.cell(late, 5).number_format == "dd/mm/yyyy hh:mm"
    assert line[6] is None
    assert line[9] == 2
    assert ws.cell(late, 2).alignment.wrap_text is True
    widths = [ws.column_dimensions[letter].width for letter in "ABCDEFGHIJ"]
    assert widths[0] < 10 and all(width >= 16 for width in widths[4:7])  # dates fit
    assert sum(widths) < 200  # one page wide stays readable


def test_targets_are_numbers_beside_realisasi_and_ranges_stay_text(book: Any) -> None:
    ws = book["Kertas Kerja"]
    first = ws[6]
    target, realisasi = first[5], first[6]
    assert (target.value, target.data_type) == (80, "n")
    assert target.number_format == realisasi.number_format == "#,##0.00"
    ranged = ws[find(ws, "Persentase C").row]
    assert (ranged[5].value, ranged[5].data_type) == ("75–90", "s")
    assert ranged[5].alignment.horizontal == "right"  # in line with the numbers
    assert ws.cell(find(ws, "Target nol").row, 6).value == 0
    below = {line[2].value: line for line in section(book["Analisis"], "A.")}
    assert (below["Persentase A"][4].value, below["Persentase A"][4].number_format) == (
        80,
        below["Persentase A"][5].number_format,
    )
    assert below["Persentase C"][4].value == "75–90"


def test_empty_recap_still_builds() -> None:
    data = RecapInput(
        office="Dinas",
        period="TW I",
        generated_at=datetime(2026, 1, 5, tzinfo=timezone.utc),
        generated_by="Tim SAKIP",
        rows=[],
        tree=[],
        predikat_counts={},
    )
    book = load_workbook(BytesIO(build_recap(data)))
    assert book.sheetnames == ["Rekap", "Kertas Kerja", "Analisis", "Kepatuhan SOP", "Info"]
    assert find(book["Rekap"], "Belum ada indikator.")
    assert find(book["Kepatuhan SOP"], "Belum ada langkah yang tercatat.")
    assert build_chart(data).startswith(b"\x89PNG\r\n\x1a\n")


def test_predikat_colors_case_insensitive_and_custom() -> None:
    assert predikat_color(" sangat  tinggi ") == "1E7B34"
    assert predikat_color("AA") == "D9D9D9"
    assert predikat_color(None) is None
    assert predikat_color("AA", {"AA": "#00ff00"}) == "00FF00"
    assert predikat_color("AA", {"AA": "merah"}) == "D9D9D9"


# --------------------------------------------------------------------------- chart


def test_chart_is_a_png_of_some_substance() -> None:
    data = sample()
    tree = [*data.tree, TreeNode("Program", "1.03", "Biaya $5 $ juta", 0, None, None)]
    png = build_chart(RecapInput(**{**data.__dict__, "tree": tree}))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 20_000


# --------------------------------------------------------------------------- safe text


def test_quote_prefix_rules() -> None:
    for text in ("=1+1", "+62", "-5", "@SUM(A1)", "\tx", "\rx", "#N/A", "#DIV/0!", "#REF!"):
        assert needs_quote_prefix(text), text
    for text in ("Budi", "1=1", "a-b", "#tag", ""):
        assert not needs_quote_prefix(text), text


def test_clean_text_strips_controls_and_cuts_at_excel_limit() -> None:
    assert clean_text("a\x00b\x1fc\td\ne") == "abc\td\ne"
    assert clean_text("x\ud800y") == "xy"
    assert len(clean_text("a" * 40_000)) == MAX_CELL_CHARS
    emoji = clean_text("😀" * 20_000)  # two UTF-16 units each, as Excel counts
    assert len(emoji) == MAX_CELL_CHARS // 2


def test_set_text_in_a_normal_workbook_round_trips_as_text() -> None:
    wb = Workbook()
    ws = wb.active
    set_text(ws["A1"], FORMULA)
    set_text(ws["A2"], "#NULL!")
    set_text(ws["A3"], "biasa")
    buffer = BytesIO()
    wb.save(buffer)
    ws = load_workbook(BytesIO(buffer.getvalue())).active
    assert [(c.value, c.data_type, c.quotePrefix) for c in ws["A"]] == [
        (FORMULA, "s", True),
        ("#NULL!", "s", True),
        ("biasa", "s", False),
    ]
