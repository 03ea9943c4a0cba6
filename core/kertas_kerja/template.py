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
)
from core.xlsx_safe import set_text, wrapped_height

_PROGRAM = "Program Pelatihan Kerja dan Produktivitas Tenaga Kerja"
_KEGIATAN = "Pelaksanaan Pelatihan berdasarkan Unit Kompetensi"
_SUB = "Proses Pelaksanaan Pendidikan dan Pelatihan Keterampilan bagi Pencari Kerja"

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
)
# fmt: on


def _example_rows() -> list[tuple[Any, ...]]:
    """Rows that form a valid little tree, so parsing the template itself yields no error."""
    return [(*row, EXAMPLE_PIC_NIP) for row in _EXAMPLES]


def _guide_lines() -> list[str]:
    return [
        "Petunjuk Pengisian Kertas Kerja Pengukuran Data Kinerja",
        "",
        '1. Isi sheet "Data". Satu baris = satu indikator. Baris 1 (judul kolom) jangan diubah.',
        "2. Level Program untuk indikator program (outcome), Kegiatan untuk indikator kegiatan, "
        "Sub Kegiatan untuk indikator sub kegiatan.",
        "3. Hubungan Program → Kegiatan → Sub Kegiatan dibaca dari KODE: kode Kegiatan diawali "
        "kode Programnya ditambah titik, kode Sub Kegiatan diawali kode Kegiatannya ditambah "
        "titik. Contoh: Program 2.07.03, Kegiatan 2.07.03.2.01, Sub Kegiatan 2.07.03.2.01.0001. "
        "Setiap Kegiatan harus punya baris Program, setiap Sub Kegiatan harus punya baris "
        "Kegiatan. Urutan baris bebas.",
        "4. Satu kode boleh punya beberapa indikator (beberapa baris berkode sama, nama sama). "
        "Bot menomori indikatornya menurut urutan baris: 2.07.03#1, 2.07.03#2, dst. Pertahankan "
        "urutan ini dari triwulan ke triwulan agar perbandingan antarperiode tepat. Indikator "
        "yang sama persis pada kode yang sama tidak boleh ditulis dua kali.",
        "5. Angka: tulis 1234,5 atau 1.234,5 atau 1234.5. Persen ditulis angkanya saja (85 untuk "
        "85%); sel berformat persen juga dibaca benar. Target Rentang ditulis 80-90, 80–90 atau "
        "80 s.d. 90 (batas bawah ≤ batas atas).",
        "6. Target TW I–IV: isi keempatnya atau kosongkan semuanya (jika indikator hanya diukur "
        "tahunan). Pada konsolidasi Kumulatif, target TW adalah target triwulan itu saja; pada "
        "Nilai Akhir, target TW adalah nilai yang ingin dicapai pada akhir triwulan itu.",
        "7. PIC adalah NIP ASN penanggung jawab yang SUDAH mendaftar di bot. Ketik NIP sebagai "
        "teks (kolom ini sudah berformat teks) agar 18 digitnya tidak dibulatkan Excel.",
        "8. Pagu dan Realisasi Anggaran diisi hanya pada baris Sub Kegiatan (dalam rupiah, "
        "tanpa Rp); Kegiatan dan Program dijumlahkan otomatis.",
        "9. Batas: satu file paling besar 20 MB dan paling banyak 5.000 baris indikator. Kirim "
        "dalam format Excel Workbook (.xlsx); file .xls, .ods atau .csv ditolak.",
        "10. Rumus boleh dipakai, asalkan file disimpan dari Excel/LibreOffice (agar hasil "
        "rumusnya ikut tersimpan).",
        "11. Hapus baris contoh di sheet Data sebelum mengisi. File diperiksa utuh: bila ada "
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
            "Ya" if spec.required else "Tidak",
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


_GUIDE_WIDTHS = (34.0, 10.0, 70.0, 26.0)


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
