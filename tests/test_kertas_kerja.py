"""Kertas Kerja template and importer: real .xlsx bytes in, exact errors out."""

from __future__ import annotations

import os
import zipfile
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from core.kertas_kerja import (
    COLUMNS,
    DATA_SHEET,
    EXAMPLE_PIC_NIP,
    GUIDE_SHEET,
    RowError,
    build_template,
    format_errors,
    parse_kertas_kerja,
)
from core.numbers import NumberError, parse_number
from tests.kinerja_flow import kertas_kerja, kk_row, kk_structure

DATA = Path(__file__).parent / "data"
NIP = "198501012010011002"
OTHER = "199001012020121003"
SAVE_AS = "Simpan sebagai Excel Workbook (.xlsx)"


def row(
    level: str = "Program",
    kode: str = "1.02",
    nama: str = "Program Penempatan Tenaga Kerja",
    indikator: str = "Persentase pencari kerja ditempatkan",
    *,
    tahunan: Any = 80,
    cara: str | None = None,
    sumber: str | None = None,
    pic: Any = NIP,
    **columns: Any,
) -> list[Any]:
    """A Data sheet row with this file's defaults: the optional texts left blank."""
    return kk_row(
        level, kode, nama, indikator, pic, tahunan=tahunan, cara=cara, sumber=sumber, **columns
    )


def make_xlsx(
    rows: list[list[Any]], *, headers: list[str] | None = None, sheet: str = DATA_SHEET
) -> bytes:
    """As typed by hand: kode and NIP cells without the template's text format."""
    return kertas_kerja(rows, headers=headers, sheet=sheet, codes_as_text=False)


def number_problem(text: str) -> str:
    """The shared number parser's own message, so these tests do not pin its wording."""
    with pytest.raises(NumberError) as caught:
        parse_number(text)
    return str(caught.value)


# --------------------------------------------------------------------------- template


def test_template_has_guide_and_data_with_headers_and_dropdowns() -> None:
    wb = load_workbook(BytesIO(build_template()))
    assert wb.sheetnames == [GUIDE_SHEET, DATA_SHEET]
    ws = wb[DATA_SHEET]
    assert [cell.value for cell in ws[1]] == [column.header for column in COLUMNS]
    assert ws.freeze_panes == "A2"
    lists = {
        str(validation.sqref).split(":")[0]: validation.formula1
        for validation in ws.data_validations.dataValidation
    }
    assert lists == {
        "A2": '"Program,Kegiatan,Sub Kegiatan"',
        "E2": '"IKU,IKI,Lainnya"',
        "L2": '"Positif,Negatif"',
        "M2": '"Angka,Rentang"',
        "N2": '"Kumulatif,Nilai Akhir"',
    }
    guide_text = " ".join(
        str(cell.value) for line in wb[GUIDE_SHEET].iter_rows() for cell in line if cell.value
    )
    for phrase in ("NIP", "5.000 baris", "20 MB", ".xlsx", "kode Programnya", "#1"):
        assert phrase in guide_text
    # Both kinds of row are explained, each with an example.
    assert "Baris struktur: isi hanya Level, Kode dan Nama" in guide_text
    assert "Contoh: Level Kegiatan, Kode 2.07.03.2.02" in guide_text
    assert "Baris indikator: isi semua kolom yang wajib" in guide_text
    assert "Contoh: Level Sub Kegiatan, Kode 2.07.03.2.02.0001" in guide_text
    assert "rata-rata capaian indikatornya sendiri" in guide_text
    required = {r[0].value: r[1].value for r in wb[GUIDE_SHEET].iter_rows() if r[1].value}
    assert (required["Kode"], required["PIC (NIP)"]) == ("Ya", "Ya (baris indikator)")
    assert ws.column_dimensions["S"].number_format == "@"  # NIPs stay text in Excel


def test_template_examples_parse_clean() -> None:
    result = parse_kertas_kerja(build_template(), known_pics={EXAMPLE_PIC_NIP})
    assert result.errors == []
    assert [i.ikode for i in result.indicators] == [
        "2.07.03#1",
        "2.07.03#2",
        "2.07.03.2.01#1",
        "2.07.03.2.01.0001#1",
        "2.07.03.2.02.0001#1",
    ]
    sub = result.indicators[3]
    assert (sub.program_kode, sub.kegiatan_kode, sub.sub_kegiatan_kode) == (
        "2.07.03",
        "2.07.03.2.01",
        "2.07.03.2.01.0001",
    )
    assert sub.pagu == Decimal(250_000_000)
    assert result.indicators[1].target_tahunan == "4,5-5"
    assert [(u.level, u.kode, u.parent_kode) for u in result.units] == [
        ("Program", "2.07.03", None),
        ("Kegiatan", "2.07.03.2.01", "2.07.03"),
        ("Sub Kegiatan", "2.07.03.2.01.0001", "2.07.03.2.01"),
        ("Kegiatan", "2.07.03.2.02", "2.07.03"),
        ("Sub Kegiatan", "2.07.03.2.02.0001", "2.07.03.2.02"),
    ]
    assert result.structure_rows == 1


def test_template_without_example_is_an_empty_upload() -> None:
    result = parse_kertas_kerja(build_template(example=False), known_pics={NIP})
    assert result.errors == [RowError(DATA_SHEET, None, None, "Sheet Data belum berisi indikator.")]
    assert result.indicators == []


# --------------------------------------------------------------------------- clean import


def test_clean_file_reads_indonesian_numbers_choices_and_tree() -> None:
    rows = [
        row(tahunan="1.234,5", tw=("300", "600", "900", "1.234,5"), konsolidasi="nilai_akhir"),
        row(indikator="Tingkat pengangguran", polaritas=" negatif ", tipe="rentang",
            tahunan="4,5 s.d. 5", tw=("80–90", "80-90", "80 - 90", "80%-90%")),
        row("kegiatan", "1.02.01", "Fasilitasi Penempatan", "Rasio kelulusan", jenis="iki",
            tahunan=0.1, satuan="rasio", konsolidasi="KUMULATIF", pic="19850101 201001 1 002"),
        row(" sub  kegiatan ", "1.02.01.2.01", "Bursa Kerja", "Jumlah lowongan", jenis="lainnya",
            satuan="lowongan", tahunan=120, tw=(30, 30, 30, 30), pagu="Rp 250.000.000",
            realisasi_anggaran=100_000_000.5, cara="  Hitung lowongan\nyang terisi ",
            sumber="SIAPkerja"),
    ]  # fmt: skip
    result = parse_kertas_kerja(make_xlsx(rows), known_pics={NIP: "Budi Santoso"})
    assert result.errors == []
    first, second, third, fourth = result.indicators
    assert (first.target_tahunan, first.target_tahunan_angka) == ("1234,5", Decimal("1234.5"))
    assert first.target_tw == ("300", "600", "900", "1234,5")
    assert first.konsolidasi == "Nilai Akhir"
    assert (second.polaritas, second.tipe_target) == ("Negatif", "Rentang")
    assert (second.target_tahunan, second.target_tahunan_angka) == ("4,5-5", None)
    assert second.target_tw == ("80-90", "80-90", "80-90", "80-90")
    assert (third.level, third.jenis, third.target_tahunan) == ("Kegiatan", "IKI", "0,1")
    assert third.pic_nip == NIP
    assert third.konsolidasi == "Kumulatif"
    assert fourth.level == "Sub Kegiatan"
    assert (fourth.pagu, fourth.realisasi_anggaran) == (
        Decimal(250_000_000),
        Decimal("100000000.5"),
    )
    assert fourth.cara_hitung == "Hitung lowongan\nyang terisi"
    assert (fourth.program_kode, fourth.kegiatan_kode, fourth.sub_kegiatan_kode) == (
        "1.02",
        "1.02.01",
        "1.02.01.2.01",
    )
    assert [i.ikode for i in result.indicators] == [
        "1.02#1",
        "1.02#2",
        "1.02.01#1",
        "1.02.01.2.01#1",
    ]


def test_percent_formatted_cell_is_read_as_shown_and_blank_rows_skipped() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    ws.append([column.header for column in COLUMNS])
    ws.append(row(tahunan=0.85))
    ws["G2"].number_format = "0%"
    ws.append([None] * len(COLUMNS))
    ws.append(["  "] + [None] * (len(COLUMNS) - 1))
    ws.append(row(indikator="Kedua", tahunan=70))
    buffer = BytesIO()
    wb.save(buffer)
    result = parse_kertas_kerja(buffer.getvalue(), known_pics={NIP})
    assert result.errors == []
    assert [(i.row, i.target_tahunan) for i in result.indicators] == [(2, "85"), (5, "70")]


def test_file_saved_by_libreoffice_reads_cached_formula_values() -> None:
    """Fixture: the template with =SUM(H4:K4), =250000000/2 and a 60% cell, saved by LibreOffice."""
    content = (DATA / "kertas_kerja_libreoffice.xlsx").read_bytes()
    result = parse_kertas_kerja(content, known_pics={EXAMPLE_PIC_NIP})
    assert result.errors == []
    assert [i.target_tahunan for i in result.indicators] == ["60", "4,5-5", "200", "120"]
    assert result.indicators[3].pagu == Decimal(125_000_000)


def test_structure_row_saved_by_libreoffice_stays_a_structure_row() -> None:
    content = (DATA / "kertas_kerja_struktur_libreoffice.xlsx").read_bytes()
    result = parse_kertas_kerja(content, known_pics={EXAMPLE_PIC_NIP})
    assert result.errors == [] and result.structure_rows == 1
    assert len(result.indicators) == 5
    assert ("Kegiatan", "2.07.03.2.02") in [(u.level, u.kode) for u in result.units]


def test_formula_without_cached_value_is_an_error() -> None:
    content = make_xlsx([row(tahunan="=SUM(H2:K2)", tw=(20, 20, 20, 20))])
    result = parse_kertas_kerja(content, known_pics={NIP})
    assert result.errors == [
        RowError(
            DATA_SHEET,
            2,
            "Target Tahunan",
            "Rumus tanpa nilai tersimpan; buka file di Excel lalu simpan ulang.",
        )
    ]
    assert result.indicators == []


# --------------------------------------------------------------------------- errors


def test_file_with_many_errors_reports_each_with_sheet_row_column() -> None:
    rows = [
        row(),  # 2: fine
        row("Kegiatan", "1.02.01", "Fasilitasi", "Lowongan terisi", pic=OTHER),  # 3
        row("Kegiatan", "1.02.01", "Fasilitasi", "Peserta", tahunan=None),  # 4
        row("Sub Kegiatan", "1.03.01.2.01", "Bursa", "Lowongan"),  # 5
        row(),  # 6: duplicate of 2
        row(indikator="Indikator lain", polaritas="Naik"),  # 7
        row(indikator="Rentang terbalik", tipe="Rentang", tahunan="90-80"),  # 8
        row("Sub Kegiatan", "1.02.01.2.01", "Bursa", "Lowongan", pagu="banyak"),  # 9
        row(indikator="Angka tetapi rentang", tahunan="80-90"),  # 10
        row(indikator="Triwulan", tw=(10, None, None, None)),  # 11
        row(indikator="Teks", tahunan="delapan puluh"),  # 12
        row(indikator="NIP angka", pic=1.98501012010011e17),  # 13
        row("Kegiatan", "1.02", "Program Penempatan Tenaga Kerja", "Level lain"),  # 14
    ]
    result = parse_kertas_kerja(make_xlsx(rows), known_pics={NIP})
    assert result.indicators == []
    expected = [
        (3, "PIC (NIP)", f"PIC dengan NIP {OTHER} belum terdaftar di bot."),
        (4, "Target Tahunan", "Target Tahunan wajib diisi."),
        (
            5,
            "Kode",
            "Sub Kegiatan 1.03.01.2.01 tanpa Kegiatan: tidak ada baris Kegiatan yang kodenya "
            "menjadi awalan kode ini (Kegiatan 1.02.01 untuk Sub Kegiatan 1.02.01.2.01).",
        ),
        (6, "Indikator", "Indikator ganda: sama dengan baris 2 (kode 1.02)."),
        (7, "Polaritas", '"Naik" bukan pilihan Polaritas; pilih salah satu: Positif, Negatif.'),
        (
            8,
            "Target Tahunan",
            'Rentang "90-80" terbalik: batas bawah lebih besar dari batas atas.',
        ),
        (
            9,
            "Pagu Anggaran (Rp)",
            f'"banyak" tidak terbaca sebagai rupiah: {number_problem("banyak")}',
        ),
        (
            10,
            "Target Tahunan",
            'Target "80-90" berupa rentang padahal Tipe Target Angka; isi satu angka atau ubah '
            "Tipe Target menjadi Rentang.",
        ),
        (
            11,
            "Target TW II",
            "Isi keempat target triwulan (TW I–IV) atau kosongkan semuanya.",
        ),
        (
            12,
            "Target Tahunan",
            '"delapan puluh" tidak terbaca sebagai target: ' + number_problem("delapan puluh"),
        ),
        (
            13,
            "PIC (NIP)",
            "NIP tersimpan sebagai angka sehingga digit terakhirnya hilang; format kolom PIC "
            "sebagai Teks lalu ketik ulang NIP-nya.",
        ),
        (
            14,
            "Level",
            'Kode 1.02 pada baris 2 berlevel "Program"; baris berkode sama harus sama level '
            "dan namanya.",
        ),
    ]
    assert [(e.sheet, e.row, e.column, e.message) for e in result.errors] == [
        (DATA_SHEET, *item) for item in expected
    ]


def test_kegiatan_without_program_and_budget_rules() -> None:
    rows = [
        row("Kegiatan", "2.01.01", "Tanpa program", "Indikator"),  # 2
        row(pagu=1000),  # 3: pagu on a Program row
        row("Kegiatan", "1.02.01", "Keg", "Ind"),  # 4
        row("Sub Kegiatan", "1.02.01.2.01", "Sub", "A", pagu=1000),  # 5
        row("Sub Kegiatan", "1.02.01.2.01", "Sub", "B", pagu=2000),  # 6: different pagu
        row("Sub Kegiatan", "1.02.01.2.02", "Sub 2", "C", realisasi_anggaran=5),  # 7: no pagu
        row("Sub Kegiatan", "1.02.01.2.03", "Sub beda", "D"),  # 8
        row("Sub Kegiatan", "1.02.01.2.03", "Nama lain", "E"),  # 9: other nama, same kode
    ]
    result = parse_kertas_kerja(make_xlsx(rows), known_pics={NIP})
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (
            2,
            "Kode",
            "Kegiatan 2.01.01 tanpa Program: tidak ada baris Program yang kodenya menjadi awalan "
            "kode ini (Program 1.02 untuk Kegiatan 1.02.01).",
        ),
        (
            3,
            "Pagu Anggaran (Rp)",
            "Pagu Anggaran (Rp) hanya diisi pada baris Sub Kegiatan; Kegiatan dan Program "
            "dijumlahkan otomatis.",
        ),
        (6, "Pagu Anggaran (Rp)", "Berbeda dengan baris 5 yang berkode sama (1.02.01.2.01)."),
        (
            7,
            "Realisasi Anggaran (Rp)",
            "Realisasi anggaran diisi tetapi pagu kode 1.02.01.2.02 kosong.",
        ),
        (
            9,
            "Nama Program/Kegiatan/Sub Kegiatan",
            'Kode 1.02.01.2.03 pada baris 8 bernama "Sub beda"; baris berkode sama harus sama '
            "level dan namanya.",
        ),
    ]


def test_pagu_given_once_applies_to_every_indicator_of_the_kode() -> None:
    rows = [
        row(),
        row("Kegiatan", "1.02.01", "Keg", "Ind"),
        row("Sub Kegiatan", "1.02.01.2.01", "Sub", "A", pagu=1000, realisasi_anggaran=400),
        row("Sub Kegiatan", "1.02.01.2.01", "Sub", "B"),
    ]
    result = parse_kertas_kerja(make_xlsx(rows), known_pics={NIP})
    assert result.errors == []
    assert [(i.ikode, i.pagu, i.realisasi_anggaran) for i in result.indicators[2:]] == [
        ("1.02.01.2.01#1", Decimal(1000), Decimal(400)),
        ("1.02.01.2.01#2", Decimal(1000), Decimal(400)),
    ]


def test_structure_rows_place_units_without_indicators() -> None:
    rows = [
        kk_structure("Program", "1.02", "Program Penempatan Tenaga Kerja"),  # 2
        row("Kegiatan", "1.02.01", "Keg", "Ind"),  # 3
        kk_structure("Kegiatan", "1.02.02", "Keg tanpa indikator"),  # 4
        kk_structure("Sub Kegiatan", "1.02.02.2.01", "Sub", pagu=1000, realisasi_anggaran=400),
        row("Sub Kegiatan", "1.02.02.2.01", "Sub", "A"),  # 6: same kode, with an indicator
        kk_structure("Program", "1.03", "Program Lain"),  # 7: a unit with nothing below
    ]
    result = parse_kertas_kerja(make_xlsx(rows), known_pics={NIP})
    assert result.errors == []
    assert result.structure_rows == 4
    assert [(i.ikode, i.program_kode, i.kegiatan_kode) for i in result.indicators] == [
        ("1.02.01#1", "1.02", "1.02.01"),
        ("1.02.02.2.01#1", "1.02", "1.02.02"),
    ]
    assert result.indicators[1].pagu == Decimal(1000)
    assert [(u.level, u.kode, u.parent_kode, u.pagu) for u in result.units] == [
        ("Program", "1.02", None, None),
        ("Kegiatan", "1.02.01", "1.02", None),
        ("Kegiatan", "1.02.02", "1.02", None),
        ("Sub Kegiatan", "1.02.02.2.01", "1.02.02", Decimal(1000)),
        ("Program", "1.03", None, None),
    ]


def test_row_without_indikator_but_with_indicator_cells_is_one_error() -> None:
    half = kk_structure("Kegiatan", "1.02.01", "Keg")
    half[5], half[6], half[18] = "%", 80, NIP  # Satuan, Target Tahunan, PIC
    pagu_only = kk_structure("Program", "1.03", "Prog", pagu=1000)
    many = row("Kegiatan", "1.02.02", "Keg 2", None)  # every indicator cell but Indikator
    result = parse_kertas_kerja(make_xlsx([row(), half, pagu_only, many]), known_pics={NIP})
    fix = (
        "terisi. Isi Indikator bila baris ini indikator; bila baris ini hanya menempatkan "
        "program/kegiatan/sub kegiatan dalam pohon (baris struktur), kosongkan kolom-kolom itu."
    )
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "Indikator", f'Indikator kosong, tetapi kolom "Satuan", "Target Tahunan", '
                         f'"PIC (NIP)" {fix}'),
        (
            4,
            "Pagu Anggaran (Rp)",
            "Pagu Anggaran (Rp) hanya diisi pada baris Sub Kegiatan; Kegiatan dan Program "
            "dijumlahkan otomatis.",
        ),
        (5, "Indikator", f'Indikator kosong, tetapi kolom "Jenis", "Satuan", "Target Tahunan" '
                         f"dan 4 kolom lain {fix}"),
    ]  # fmt: skip


def test_file_of_structure_rows_only_is_refused() -> None:
    rows = [
        kk_structure("Program", "1.02", "Program Penempatan"),
        kk_structure("Kegiatan", "1.02.01", "Kegiatan Pelatihan"),
    ]
    result = parse_kertas_kerja(make_xlsx(rows), known_pics={NIP})
    assert [e.message for e in result.errors] == [
        "Kertas Kerja belum berisi indikator: 2 baris semuanya baris struktur (tanpa Indikator). "
        "Isi paling sedikit satu indikator beserta target dan PIC-nya."
    ]
    assert result.indicators == [] and result.units == []


def test_wrong_headers_and_missing_sheet() -> None:
    headers = [column.header for column in COLUMNS]
    headers[3] = "Nama Indikator"
    result = parse_kertas_kerja(make_xlsx([row()], headers=headers), known_pics={NIP})
    assert len(result.errors) == 1
    assert result.errors[0].message.startswith(
        'Judul kolom tidak ditemukan di baris 1: "Indikator".'
    )

    result = parse_kertas_kerja(make_xlsx([row()], sheet="Sheet1"), known_pics={NIP})
    assert result.errors[0].message.startswith('Sheet "Data" tidak ditemukan.')


def test_headers_are_found_by_name_in_any_order() -> None:
    headers = [column.header.upper() for column in COLUMNS]
    values = row()
    order = list(reversed(range(len(headers))))
    content = make_xlsx([[values[i] for i in order]], headers=[headers[i] for i in order])
    result = parse_kertas_kerja(content, known_pics={NIP})
    assert result.errors == []
    assert result.indicators[0].kode == "1.02"


def test_too_many_rows() -> None:
    content = make_xlsx([row(indikator=f"Indikator {n}") for n in range(4)])
    result = parse_kertas_kerja(content, known_pics={NIP}, max_rows=3)
    assert result.errors == [
        RowError(
            DATA_SHEET,
            None,
            None,
            "Terlalu banyak baris: lebih dari 3; batasnya 3 baris.",
        )
    ]
    assert result.indicators == []


@pytest.mark.parametrize(
    ("content", "start"),
    [
        (b"", "File kosong"),
        (b"level;kode;nama\nProgram;1.02;Program A\n", "File ini bukan workbook Excel (.xlsx)."),
        (os.urandom(2048).replace(b"PK", b"pk"), "File ini bukan workbook Excel (.xlsx)."),
        (b"PK\x03\x04" + b"\x00" * 200, "File rusak atau bukan workbook Excel (.xlsx)."),
        ((DATA / "kertas_kerja.ods").read_bytes(), "File ini berformat OpenDocument (.ods)."),
        ((DATA / "kertas_kerja.xls").read_bytes(), "File ini berformat .xls (Excel 97-2003)"),
    ],
    ids=["empty", "csv", "random", "broken-zip", "ods", "xls"],
)
def test_non_xlsx_uploads_get_one_clear_error(content: bytes, start: str) -> None:
    result = parse_kertas_kerja(content, known_pics={NIP})
    assert len(result.errors) == 1
    error = result.errors[0]
    assert (error.sheet, error.row, error.column) == (None, None, None)
    assert error.message.startswith(start)
    if content:
        assert SAVE_AS in error.message


def test_zip_that_is_not_a_workbook_and_a_damaged_workbook() -> None:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    result = parse_kertas_kerja(buffer.getvalue(), known_pics={NIP})
    assert result.errors[0].message.startswith("File ini bukan workbook Excel (.xlsx).")

    damaged = BytesIO()
    with (
        zipfile.ZipFile(BytesIO(make_xlsx([row()]))) as source,
        zipfile.ZipFile(damaged, "w") as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # cut mid-XML
            target.writestr(info, data)
    result = parse_kertas_kerja(damaged.getvalue(), known_pics={NIP})
    assert len(result.errors) == 1
    assert result.errors[0].message.startswith("File tidak dapat dibaca sebagai workbook Excel")
    assert SAVE_AS in result.errors[0].message


def test_too_large_upload() -> None:
    content = make_xlsx([row()])
    result = parse_kertas_kerja(content, known_pics={NIP}, max_bytes=len(content) - 1)
    assert result.errors[0].message.startswith("File terlalu besar")


# --------------------------------------------------------------------------- messages


def test_format_errors_lists_locations_and_counts_the_rest() -> None:
    errors = [
        RowError(DATA_SHEET, n, "PIC (NIP)", f"PIC dengan NIP {n} belum terdaftar di bot.")
        for n in range(2, 50)
    ]
    text = format_errors(errors, limit=30)
    lines = text.splitlines()
    assert lines[0].startswith("Kertas Kerja belum dapat diimpor: 48 kesalahan.")
    assert (
        lines[1]
        == '• Sheet Data, baris 2, kolom "PIC (NIP)": PIC dengan NIP 2 belum terdaftar di bot.'
    )
    assert len(lines) == 1 + 30 + 1
    assert lines[-1] == "… dan 18 kesalahan lain."
    file_level = format_errors([RowError(None, None, None, "File kosong.")])
    assert file_level.splitlines()[1] == "• File kosong."


def test_format_errors_stays_within_a_telegram_message() -> None:
    errors = [RowError(DATA_SHEET, n, "Indikator", "x" * 1000) for n in range(2, 40)]
    text = format_errors(errors)
    assert len(text) < 4096
    assert text.endswith("kesalahan lain.")


def test_normalized_targets_read_back_exactly_by_capaian() -> None:
    """The importer's target text is what core.capaian.parse_target reads, value for value."""
    from core.capaian import Rentang, parse_target

    typed = ["0,125", "1.234.567,5", "-2,5", "85%", "0.5", "100", "4,5 s.d. 5", "-5 – -2", "80-90"]
    rows = [
        row(indikator=f"T{n}", tahunan=text, tipe="Rentang" if n >= 6 else "Angka")
        for n, text in enumerate(typed)
    ]
    wb_bytes = make_xlsx([*rows, row(indikator="float", tahunan=0.1 + 0.2)])
    result = parse_kertas_kerja(wb_bytes, known_pics={NIP})
    assert result.errors == []
    read = [parse_target(i.target_tahunan) for i in result.indicators]
    assert read == [
        Decimal("0.125"),
        Decimal("1234567.5"),
        Decimal("-2.5"),
        Decimal(85),
        Decimal("0.5"),
        Decimal(100),
        Rentang(Decimal("4.5"), Decimal(5)),
        Rentang(Decimal(-5), Decimal(-2)),
        Rentang(Decimal(80), Decimal(90)),
        Decimal("0.3"),  # a float cell becomes its shortest decimal text, no binary noise
    ]
    assert [i.target_tahunan_angka for i in result.indicators[:3]] == [
        Decimal("0.125"),
        Decimal("1234567.5"),
        Decimal("-2.5"),
    ]
