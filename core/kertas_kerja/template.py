"""The Kertas Kerja template (.xlsx): a Petunjuk sheet and the Data sheet with dropdowns."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.kertas_kerja.schema import (
    BY_FIELD,
    CHOICES,
    COLUMNS,
    DATA_SHEET,
    EXAMPLE_PIC_NIP,
    GUIDE_SHEET,
    TEMPLATE_ROWS,
    UNIT_FIELDS,
    Column,
)
from core.xlsx_safe import set_text, wrapped_height

_PROGRAM = "Program Pelatihan Kerja dan Produktivitas Tenaga Kerja"
_KEGIATAN = "Pelaksanaan Pelatihan berdasarkan Unit Kompetensi"
_SUB = "Proses Pelaksanaan Pendidikan dan Pelatihan Keterampilan bagi Pencari Kerja"
_KEGIATAN_LPK = "Pembinaan Lembaga Pelatihan Kerja Swasta"
_SUB_LPK = "Pengawasan dan Pembinaan Lembaga Pelatihan Kerja Swasta"

# fmt: off
_EXAMPLES: tuple[tuple[Any, ...], ...] = (
    # level, kode, nama, indikator, jenis, satuan, tahunan, TW I-IV, polaritas, tipe,
    # konsolidasi, cara hitung, pagu, realisasi anggaran, sumber data
    ("Program", "2.07.03", _PROGRAM,
     "Persentase lulusan pelatihan yang bersertifikat kompetensi", "IKU", "%",
     60, 15, 30, 45, 60, "Positif", "Angka", "Nilai Akhir",
     "Lulusan bersertifikat / seluruh lulusan pelatihan × 100", None, None,
     "Laporan LSP dan UPT Pelatihan"),
    ("Program", "2.07.03", _PROGRAM,
     "Tingkat pengangguran terbuka", "IKU", "%",
     "4,5-5", "4,5-5", "4,5-5", "4,5-5", "4,5-5", "Negatif", "Rentang", "Nilai Akhir",
     "Angka TPT hasil Sakernas BPS", None, None, "BPS Kabupaten"),
    ("Kegiatan", "2.07.03.2.01", _KEGIATAN,
     "Jumlah peserta pelatihan berbasis kompetensi", "IKI", "orang",
     200, 50, 50, 50, 50, "Positif", "Angka", "Kumulatif",
     "Jumlah peserta yang menyelesaikan pelatihan", None, None, "Daftar hadir pelatihan"),
    ("Sub Kegiatan", "2.07.03.2.01.0001", _SUB,
     "Jumlah pencari kerja yang dilatih keterampilan", "Lainnya", "orang",
     120, 30, 30, 30, 30, "Positif", "Angka", "Kumulatif",
     "Jumlah pencari kerja peserta pelatihan", 250_000_000, None, "Daftar hadir pelatihan"),
    # A structure row: the kegiatan has no indicator of its own, its sub kegiatan has one.
    ("Kegiatan", "2.07.03.2.02", _KEGIATAN_LPK),
    ("Sub Kegiatan", "2.07.03.2.02.0001", _SUB_LPK,
     "Jumlah lembaga pelatihan kerja swasta yang dibina", "Lainnya", "lembaga",
     12, 3, 3, 3, 3, "Positif", "Angka", "Kumulatif",
     "Jumlah LPK swasta yang dikunjungi dan dibina", 75_000_000, None, "Laporan pembinaan LPK"),
)
# fmt: on


def _example_rows() -> list[tuple[Any, ...]]:
    """Rows that form a valid little tree, so parsing the template itself yields no error:
    indicator rows get the example PIC, structure rows (level, kode, nama) stay empty."""
    return [
        (*row, EXAMPLE_PIC_NIP) if len(row) > 3 else (*row, *[None] * (len(COLUMNS) - 3))
        for row in _EXAMPLES
    ]


def _guide_lines() -> list[str]:
    return [
        "Petunjuk Pengisian Kertas Kerja Pengukuran Data Kinerja",
        "",
        '1. Isi sheet "Data". Ada dua macam baris: BARIS INDIKATOR (satu baris = satu '
        "indikator) dan BARIS STRUKTUR (program, kegiatan atau sub kegiatan tanpa indikator "
        "sendiri). Baris 1 (judul kolom) jangan diubah.",
        "2. Baris indikator: isi semua kolom yang wajib, termasuk target dan PIC. Level Program "
        "untuk indikator program (outcome, sesuai Perjanjian Kinerja), Kegiatan untuk indikator "
        "kegiatan, Sub Kegiatan untuk indikator sub kegiatan. Contoh: Level Sub Kegiatan, Kode "
        f"2.07.03.2.02.0001, Nama {_SUB_LPK}, Indikator Jumlah lembaga pelatihan kerja swasta "
        "yang dibina, Jenis Lainnya, Satuan lembaga, Target Tahunan 12, Target TW I–IV 3, "
        f"Polaritas Positif, Tipe Target Angka, Konsolidasi Kumulatif, PIC {EXAMPLE_PIC_NIP}.",
        "3. Baris struktur: isi hanya Level, Kode dan Nama (baris Sub Kegiatan boleh ditambah "
        "Pagu dan Realisasi Anggaran); kosongkan Indikator dan semua kolom indikator lainnya, "
        "termasuk PIC. Baris ini hanya menempatkan unit di pohon program: tidak perlu PIC, "
        "tidak ada yang melaporkan atau mengevaluasi apa pun untuknya. Contoh: Level Kegiatan, "
        f"Kode 2.07.03.2.02, Nama {_KEGIATAN_LPK}, kolom lain kosong. Bila Indikator kosong "
        "tetapi kolom indikator lain terisi, baris ditolak: isi Indikatornya atau kosongkan "
        "kolom itu. Satu kode boleh punya baris struktur dan baris indikator; file tanpa satu "
        "indikator pun ditolak.",
        "4. Capaian program/kegiatan/sub kegiatan: bila punya indikator sendiri, capaiannya "
        "rata-rata capaian indikatornya sendiri (seperti dilaporkan di LKjIP); bila tidak, "
        "rata-rata capaian kegiatan/sub kegiatan di bawahnya. Rekap menampilkan keduanya bila "
        "keduanya ada, dan menyebut mana yang menentukan predikat.",
        "5. Hubungan Program → Kegiatan → Sub Kegiatan dibaca dari KODE: kode Kegiatan diawali "
        "kode Programnya ditambah titik, kode Sub Kegiatan diawali kode Kegiatannya ditambah "
        "titik. Contoh: Program 2.07.03, Kegiatan 2.07.03.2.01, Sub Kegiatan 2.07.03.2.01.0001. "
        "Setiap Kegiatan harus punya baris Program, setiap Sub Kegiatan harus punya baris "
        "Kegiatan (baris struktur pun cukup). Urutan baris bebas.",
        "6. Satu kode boleh punya beberapa indikator (beberapa baris berkode sama, nama sama). "
        "Bot menomori indikatornya menurut urutan baris: 2.07.03#1, 2.07.03#2, dst. Pertahankan "
        "urutan ini dari triwulan ke triwulan agar perbandingan antarperiode tepat. Indikator "
        "yang sama persis pada kode yang sama tidak boleh ditulis dua kali.",
        "7. Angka: tulis 1234,5 atau 1.234,5 atau 1234.5. Persen ditulis angkanya saja (85 untuk "
        "85%); sel berformat persen juga dibaca benar. Target Rentang ditulis 80-90, 80–90 atau "
        "80 s.d. 90 (batas bawah ≤ batas atas).",
        "8. Target TW I–IV: isi keempatnya atau kosongkan semuanya (jika indikator hanya diukur "
        "tahunan). Pada konsolidasi Kumulatif, target TW adalah target triwulan itu saja; pada "
        "Nilai Akhir, target TW adalah nilai yang ingin dicapai pada akhir triwulan itu.",
        "9. PIC adalah NIP ASN penanggung jawab yang SUDAH mendaftar di bot. Ketik NIP sebagai "
        "teks (kolom ini sudah berformat teks) agar 18 digitnya tidak dibulatkan Excel.",
        "10. Pagu dan Realisasi Anggaran diisi hanya pada baris Sub Kegiatan, baris indikator "
        "maupun baris struktur (dalam rupiah, tanpa Rp); Kegiatan dan Program dijumlahkan "
        "otomatis.",
        "11. Batas: satu file paling besar 20 MB dan paling banyak 5.000 baris. Kirim "
        "dalam format Excel Workbook (.xlsx); file .xls, .ods atau .csv ditolak.",
        "12. Rumus boleh dipakai, asalkan file disimpan dari Excel/LibreOffice (agar hasil "
        "rumusnya ikut tersimpan).",
        "13. Hapus baris contoh di sheet Data sebelum mengisi. File diperiksa utuh: bila ada "
        "kesalahan, bot menyebut sheet, baris dan kolomnya, dan tidak ada yang disimpan "
        "sampai file bersih.",
        "",
    ]


def build_template(example: bool = True) -> bytes:
    """The Kertas Kerja template (.xlsx): a Petunjuk sheet and the Data sheet with dropdowns."""
    wb = Workbook()
    guide = wb.active
    guide.title = GUIDE_SHEET
    _fill_guide(guide)
    data = wb.create_sheet(DATA_SHEET)
    _fill_data_sheet(data, example)
    wb.active = 1
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _fill_guide(ws: Any) -> None:
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCD", _GUIDE_WIDTHS, strict=True):
        ws.column_dimensions[letter].width = width
    _print_landscape(ws)
    row = 1
    for line in _guide_lines():
        cell = ws.cell(row=row, column=1)
        set_text(cell, line)
        if row == 1:
            cell.font = Font(bold=True, size=14)
        else:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
            cell.alignment = wrap
            height = wrapped_height([(line, sum(_GUIDE_WIDTHS))])
            if height:
                ws.row_dimensions[row].height = height
        row += 1
    for column, title in enumerate(("Kolom", "Wajib", "Isi yang diizinkan", "Pilihan"), 1):
        set_text(ws.cell(row=row, column=column), title)
        ws.cell(row=row, column=column).font = bold
    row += 1
    for spec in COLUMNS:
        values = (
            spec.header,
            _required_text(spec),
            spec.guide,
            " / ".join(CHOICES.get(spec.field, ())),
        )
        for column, value in enumerate(values, 1):
            cell = ws.cell(row=row, column=column)
            set_text(cell, value)
            cell.alignment = wrap
        height = wrapped_height(zip(values, _GUIDE_WIDTHS, strict=True))
        if height:
            ws.row_dimensions[row].height = height
        row += 1
    ws.freeze_panes = "A2"


_GUIDE_WIDTHS = (34.0, 14.0, 70.0, 26.0)


def _required_text(spec: Column) -> str:
    """Indicator columns are required on indicator rows only; structure rows leave them empty."""
    if not spec.required:
        return "Tidak"
    return "Ya" if spec.field in UNIT_FIELDS else "Ya (baris indikator)"


def _print_landscape(ws: Any) -> None:
    """A4 landscape, one page wide: how an office prints a worksheet for the file."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _fill_data_sheet(ws: Any, example: bool) -> None:
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="305496")
    for index, spec in enumerate(COLUMNS, 1):
        cell = ws.cell(row=1, column=index)
        set_text(cell, spec.header)
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = spec.width
        if spec.kind in ("kode", "nip"):
            ws.column_dimensions[letter].number_format = "@"
        elif spec.kind == "money":
            ws.column_dimensions[letter].number_format = "#,##0"
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    _print_landscape(ws)
    last = TEMPLATE_ROWS + 1
    for field_name, options in CHOICES.items():
        spec = BY_FIELD[field_name]
        letter = get_column_letter(COLUMNS.index(spec) + 1)
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(options) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=f"{spec.header} tidak dikenal",
            error="Pilih salah satu: " + ", ".join(options),
        )
        validation.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(validation)
    if not example:
        return
    for offset, values in enumerate(_example_rows(), 2):
        for index, value in enumerate(values, 1):
            if value is None:
                continue
            cell = ws.cell(row=offset, column=index)
            spec = COLUMNS[index - 1]
            if isinstance(value, str):
                set_text(cell, value)
            else:
                cell.value = value
            if spec.kind == "money":
                cell.number_format = "#,##0"
            elif spec.kind in ("kode", "nip"):
                cell.number_format = "@"
