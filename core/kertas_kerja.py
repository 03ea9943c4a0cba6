"""Kertas Kerja Pengukuran Data Kinerja (SOP step 4): the template and the strict importer.

Tim SAKIP downloads the template, fills one row per indicator and uploads it; the upload is
validated whole and every problem is reported with sheet, row and column, so nothing half-valid
is ever stored. Pure module: bytes in, dataclasses out.

Rules written into the template's Petunjuk sheet and enforced here:
- Hierarchy by kode prefix: a Kegiatan's kode starts with its Program's kode plus a dot, a Sub
  Kegiatan's with its Kegiatan's (Program 2.07.03, Kegiatan 2.07.03.2.01, Sub Kegiatan
  2.07.03.2.01.0001). Row order does not matter; a missing parent row is an error.
- Identity: several indicators may share one kode; each gets `ikode` = "<kode>#<n>", n its
  position among the rows of that kode (1, 2, ...). The same (kode, indikator) twice is an error.
- Pagu and realisasi anggaran belong to Sub Kegiatan rows (rolled up by sum); rows of the same
  kode carry the same value (fill it once, or repeat it identically).
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO
from typing import Any, Literal

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.numbers import NumberError, parse_number
from core.xlsx_safe import set_text, wrapped_height

__all__ = [
    "CHOICES",
    "COLUMNS",
    "DATA_SHEET",
    "EXAMPLE_PIC_NIP",
    "GUIDE_SHEET",
    "XLSX_HINT",
    "Column",
    "IndicatorRow",
    "ParseResult",
    "RowError",
    "Unit",
    "build_template",
    "format_errors",
    "parse_kertas_kerja",
]

log = logging.getLogger(__name__)

DATA_SHEET = "Data"
GUIDE_SHEET = "Petunjuk"
EXAMPLE_PIC_NIP = "198001012005011001"
XLSX_HINT = (
    "Simpan sebagai Excel Workbook (.xlsx) (di Excel: File > Save As > Excel Workbook; "
    "di LibreOffice: Simpan Sebagai > Excel 2007-365), lalu kirim ulang."
)

Level = Literal["Program", "Kegiatan", "Sub Kegiatan"]
Jenis = Literal["IKU", "IKI", "Lainnya"]
Polaritas = Literal["Positif", "Negatif"]
TipeTarget = Literal["Angka", "Rentang"]
Konsolidasi = Literal["Kumulatif", "Nilai Akhir"]
Kind = Literal["choice", "kode", "text", "longtext", "target", "money", "nip"]

CHOICES: Mapping[str, tuple[str, ...]] = {
    "level": ("Program", "Kegiatan", "Sub Kegiatan"),
    "jenis": ("IKU", "IKI", "Lainnya"),
    "polaritas": ("Positif", "Negatif"),
    "tipe_target": ("Angka", "Rentang"),
    "konsolidasi": ("Kumulatif", "Nilai Akhir"),
}
_PARENT_LEVEL = {"Kegiatan": "Program", "Sub Kegiatan": "Kegiatan"}
_TEMPLATE_ROWS = 5000  # rows covered by the template's dropdowns


@dataclass(frozen=True)
class Column:
    """One column of the Data sheet: the template and the parser both read this."""

    header: str
    field: str
    required: bool
    kind: Kind
    width: float
    guide: str


COLUMNS: tuple[Column, ...] = (
    Column("Level", "level", True, "choice", 14, "Program, Kegiatan atau Sub Kegiatan."),
    Column(
        "Kode",
        "kode",
        True,
        "kode",
        20,
        "Kode program/kegiatan/sub kegiatan, angka/huruf dipisah titik. Kode Kegiatan diawali "
        "kode Programnya + titik; kode Sub Kegiatan diawali kode Kegiatannya + titik.",
    ),
    Column(
        "Nama Program/Kegiatan/Sub Kegiatan",
        "nama",
        True,
        "text",
        42,
        "Nama program, kegiatan atau sub kegiatan; sama persis pada setiap baris berkode sama.",
    ),
    Column("Indikator", "indikator", True, "text", 45, "Rumusan indikator kinerja (SMART)."),
    Column("Jenis", "jenis", True, "choice", 10, "IKU, IKI atau Lainnya."),
    Column("Satuan", "satuan", True, "text", 12, "Misalnya %, persen, orang, dokumen, kasus."),
    Column(
        "Target Tahunan",
        "target_tahunan",
        True,
        "target",
        14,
        "Tipe Angka: satu angka (85 atau 1.234,5). Tipe Rentang: a-b, a–b atau a s.d. b "
        "dengan a ≤ b (80-90).",
    ),
    Column("Target TW I", "target_tw1", False, "target", 12, "Target triwulan I (lihat catatan)."),
    Column("Target TW II", "target_tw2", False, "target", 12, "Target triwulan II."),
    Column("Target TW III", "target_tw3", False, "target", 12, "Target triwulan III."),
    Column("Target TW IV", "target_tw4", False, "target", 12, "Target triwulan IV."),
    Column(
        "Polaritas",
        "polaritas",
        True,
        "choice",
        11,
        "Positif (makin tinggi makin baik) atau Negatif (makin rendah makin baik, "
        "mis. tingkat pengangguran).",
    ),
    Column("Tipe Target", "tipe_target", True, "choice", 12, "Angka atau Rentang."),
    Column(
        "Konsolidasi",
        "konsolidasi",
        True,
        "choice",
        13,
        "Kumulatif (realisasi dijumlah dari TW I) atau Nilai Akhir (nilai triwulan terakhir).",
    ),
    Column("Cara Hitung", "cara_hitung", False, "longtext", 36, "Rumus atau cara mengukur."),
    Column(
        "Pagu Anggaran (Rp)",
        "pagu",
        False,
        "money",
        18,
        "Hanya pada baris Sub Kegiatan; Kegiatan dan Program dijumlahkan otomatis.",
    ),
    Column(
        "Realisasi Anggaran (Rp)",
        "realisasi_anggaran",
        False,
        "money",
        18,
        "Hanya pada baris Sub Kegiatan yang pagunya diisi.",
    ),
    Column("Sumber Data", "sumber_data", False, "longtext", 24, "Dokumen atau sistem sumber."),
    Column(
        "PIC (NIP)",
        "pic_nip",
        True,
        "nip",
        22,
        "NIP ASN penanggung jawab yang sudah terdaftar di bot (ketik sebagai teks).",
    ),
)
_BY_FIELD = {column.field: column for column in COLUMNS}
_TW_FIELDS = ("target_tw1", "target_tw2", "target_tw3", "target_tw4")


@dataclass(frozen=True)
class RowError:
    """One problem of an upload, located so the user can find and fix it."""

    sheet: str | None
    row: int | None
    column: str | None
    message: str


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator of a clean Kertas Kerja, with its place in the program tree.

    Targets are kept as normalized text for core.capaian.parse_target: "85", "0,125", "80-90",
    "4,5-5" (comma decimal mark, no thousands separator, one hyphen between range bounds; a dot
    would be ambiguous there); `target_tahunan_angka` holds the value when it is one number.
    """

    row: int
    ikode: str
    level: Level
    kode: str
    nama: str
    indikator: str
    jenis: Jenis
    satuan: str
    target_tahunan: str
    target_tahunan_angka: Decimal | None
    target_tw: tuple[str | None, str | None, str | None, str | None]
    polaritas: Polaritas
    tipe_target: TipeTarget
    konsolidasi: Konsolidasi
    cara_hitung: str
    pagu: Decimal | None
    realisasi_anggaran: Decimal | None
    sumber_data: str
    pic_nip: str
    program_kode: str
    kegiatan_kode: str | None
    sub_kegiatan_kode: str | None


@dataclass(frozen=True)
class Unit:
    """A program, kegiatan or sub kegiatan named by the file (first row of its kode)."""

    level: Level
    kode: str
    nama: str
    parent_kode: str | None
    pagu: Decimal | None
    realisasi_anggaran: Decimal | None


@dataclass(frozen=True)
class ParseResult:
    """Indicators and units only when the whole file is clean; otherwise only errors."""

    indicators: list[IndicatorRow] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --------------------------------------------------------------------------- template


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
    last = _TEMPLATE_ROWS + 1
    for field_name, options in CHOICES.items():
        spec = _BY_FIELD[field_name]
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


# --------------------------------------------------------------------------- numbers


_NUMBER_PART = r"[-−+]?\s*\d[\d.,]*"
_RANGE = re.compile(
    rf"^\s*({_NUMBER_PART})\s*%?\s*(?:[-–—]|s\.?\s*d\.?|sampai(?:\s+dengan)?|hingga)\s*"
    rf"({_NUMBER_PART})\s*(?:%|persen)?\s*$",
    re.IGNORECASE,
)


def _number_from_text(text: str) -> tuple[Decimal | None, str | None]:
    """Read number text by the same rules as figures typed in chat (core.numbers)."""
    try:
        return parse_number(text).value, None
    except NumberError as exc:
        return None, str(exc)


def _decimal_text(number: Decimal) -> str:
    """Plain decimal text without exponent or trailing zeros: 100, 0.1, 1234.5."""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _target_text(number: Decimal) -> str:
    """A target as text core.numbers reads back unambiguously: comma decimal, no grouping.

    "0.125" would be refused there (a dot before three digits may be a thousands separator),
    "0,125" is not: 85 -> "85", 4.5 -> "4,5", 1234.5 -> "1234,5".
    """
    return _decimal_text(number).replace(".", ",")


def _cell_decimal(value: int | float, number_format: str | None) -> Decimal:
    """A numeric cell as Decimal without binary noise; a cell shown as % becomes 85, not 0.85."""
    number = Decimal(value) if isinstance(value, int) else Decimal(str(value))
    if number_format and "%" in number_format:
        number *= 100
    return number


def _echo(value: object, limit: int = 40) -> str:
    """A user's value quoted back in an error message, cut so messages stay short."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- parsing


class _ReadFailure(Exception):
    """The upload cannot be read as a Kertas Kerja; the message says why, in Indonesian."""


@dataclass
class _Raw:
    """A cell as read: cached value, number format, and whether it holds an uncached formula."""

    value: Any
    number_format: str | None
    error_literal: bool
    uncached_formula: bool


@dataclass
class _Ctx:
    row: int
    errors: list[RowError]

    def add(self, spec: Column | None, message: str) -> None:
        self.errors.append(RowError(DATA_SHEET, self.row, spec.header if spec else None, message))


def _norm_key(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", text).lower()


def _norm_header(text: str) -> str:
    return " ".join(text.split()).lower()


_CHOICE_KEYS = {
    name: {_norm_key(option): option for option in options} for name, options in CHOICES.items()
}
_KODE = re.compile(r"[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*")


def _sniff(content: bytes, max_bytes: int) -> None:
    """Refuse early what is not an .xlsx, with the instruction to save as one."""
    if not content:
        raise _ReadFailure("File kosong (0 byte). Kirim file Kertas Kerja yang sudah diisi.")
    if len(content) > max_bytes:
        raise _ReadFailure(
            f"File terlalu besar ({len(content) / 1_048_576:.1f} MB); "
            f"batasnya {max_bytes / 1_048_576:.0f} MB."
        )
    if content.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise _ReadFailure(
            "File ini berformat .xls (Excel 97-2003) atau terkunci kata sandi (buka dulu "
            "kuncinya). " + XLSX_HINT
        )
    if not content.startswith(b"PK"):
        raise _ReadFailure("File ini bukan workbook Excel (.xlsx). " + XLSX_HINT)
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and b"opendocument" in archive.read("mimetype"):
                raise _ReadFailure("File ini berformat OpenDocument (.ods). " + XLSX_HINT)
            if "xl/workbook.xml" not in names:
                raise _ReadFailure("File ini bukan workbook Excel (.xlsx). " + XLSX_HINT)
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise _ReadFailure("File rusak atau bukan workbook Excel (.xlsx). " + XLSX_HINT) from exc
    if unpacked > 10 * max_bytes:
        raise _ReadFailure(
            "Isi file terlalu besar setelah dibuka. Hapus baris/format yang tidak perlu."
        )


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formulas(content: bytes) -> bool:
    """Whether any worksheet holds a formula element (a cheap scan; sizes were checked)."""
    with zipfile.ZipFile(BytesIO(content)) as archive:
        return any(
            _FORMULA_TAG.search(archive.read(name))
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and name.endswith(".xml")
        )


def _find_sheet(wb: Any) -> Any:
    for ws in wb.worksheets:
        if ws.title.strip().lower() == DATA_SHEET.lower():
            return ws
    raise _ReadFailure(
        f'Sheet "{DATA_SHEET}" tidak ditemukan. Gunakan template dari /template dan isi '
        f'sheet "{DATA_SHEET}".'
    )


def _map_headers(header_row: Sequence[Any]) -> dict[str, int]:
    """Column index (0-based) of each field, found by header text so column order may vary."""
    wanted = {_norm_header(spec.header): spec for spec in COLUMNS}
    found: dict[str, int] = {}
    errors: list[str] = []
    for index, value in enumerate(header_row):
        if not isinstance(value, str) or not value.strip():
            continue
        spec = wanted.get(_norm_header(value))
        if spec is None:
            continue
        if spec.field in found:
            errors.append(f'Judul kolom "{spec.header}" muncul dua kali.')
        found[spec.field] = index
    missing = [spec.header for spec in COLUMNS if spec.field not in found]
    if missing:
        errors.append(
            "Judul kolom tidak ditemukan di baris 1: "
            + ", ".join(f'"{name}"' for name in missing)
            + ". Gunakan template dari /template tanpa mengubah baris judul."
        )
    if errors:
        raise _ReadFailure(" ".join(errors))
    return found


def _rows(
    values_ws: Any, formulas_ws: Any, width: int, max_rows: int, errors: list[RowError]
) -> Iterator[tuple[int, list[_Raw]]]:
    """Non-empty data rows with their Excel row number; stops past the row limit."""
    filled = 0
    value_rows = values_ws.iter_rows(min_row=2, max_col=width)
    if formulas_ws is None:  # no formula anywhere: the values are all there is
        pairs: Iterator[tuple[Any, Any]] = (
            (cells, [cell.value for cell in cells]) for cells in value_rows
        )
    else:
        pairs = zip(
            value_rows,
            formulas_ws.iter_rows(min_row=2, max_col=width, values_only=True),
            strict=False,
        )
    for excel_row, (cells, formulas) in enumerate(pairs, 2):
        # The formula pass holds the value or the formula of every filled cell: a cheap test
        # that skips the blank (possibly formatted) rows below the data.
        if all(formula is None for formula in formulas):
            continue
        raws = [_raw(cell, formula) for cell, formula in zip(cells, formulas, strict=False)]
        if all(raw.value is None and not raw.uncached_formula for raw in raws):
            continue
        filled += 1
        if filled > max_rows:
            limit = f"{max_rows:,}".replace(",", ".")
            errors.append(
                RowError(
                    DATA_SHEET,
                    None,
                    None,
                    f"Terlalu banyak baris indikator: lebih dari {limit}; batasnya {limit} baris.",
                )
            )
            return
        yield excel_row, raws


def _raw(cell: Any, formula: Any) -> _Raw:
    value = cell.value
    if isinstance(value, str) and not value.strip():
        value = None
    if isinstance(formula, str) and not formula.strip():
        formula = None
    return _Raw(
        value=value,
        number_format=getattr(cell, "number_format", None),
        error_literal=cell.data_type == "e",
        # Content in the formula pass but no cached value: a formula nobody calculated.
        uncached_formula=value is None and formula is not None,
    )


def parse_kertas_kerja(
    content: bytes,
    *,
    known_pics: Mapping[str, str] | AbstractSet[str],
    max_rows: int = 5000,
    max_bytes: int = 20 * 1024 * 1024,
) -> ParseResult:
    """Validate a whole uploaded Kertas Kerja; indicators come back only if there is no error."""
    try:
        _sniff(content, max_bytes)
        return _parse_workbook(content, known_pics, max_rows)
    except _ReadFailure as failure:
        return ParseResult(errors=[RowError(None, None, None, str(failure))])


def _parse_workbook(
    content: bytes, known_pics: Mapping[str, str] | AbstractSet[str], max_rows: int
) -> ParseResult:
    values_wb = formulas_wb = None
    try:
        # Cached values, plus (only if the file has formulas) a second read-only pass over
        # the formulas, so a formula saved without its value is reported, not read as empty.
        values_wb = load_workbook(BytesIO(content), read_only=True, data_only=True)
        values_ws = _find_sheet(values_wb)
        # A wrong <dimension> would cut rows off; read what the sheet really holds.
        values_ws.reset_dimensions()
        formulas_ws = None
        if _has_formulas(content):
            formulas_wb = load_workbook(BytesIO(content), read_only=True, data_only=False)
            formulas_ws = formulas_wb[values_ws.title]
            formulas_ws.reset_dimensions()
        header = next(values_ws.iter_rows(min_row=1, max_row=1, max_col=200, values_only=True), ())
        columns = _map_headers(header)
        width = max(columns.values()) + 1
        errors: list[RowError] = []
        parsed = [
            _parse_row(excel_row, raws, columns, errors)
            for excel_row, raws in _rows(values_ws, formulas_ws, width, max_rows, errors)
        ]
    except _ReadFailure:
        raise
    except Exception as exc:  # openpyxl raises many types on malformed files
        log.info("Kertas Kerja unreadable: %s: %s", type(exc).__name__, exc)
        raise _ReadFailure(
            "File tidak dapat dibaca sebagai workbook Excel (.xlsx). " + XLSX_HINT
        ) from exc
    finally:
        for wb in (values_wb, formulas_wb):
            if wb is not None:
                wb.close()
    file_level = [error for error in errors if error.row is None]
    if file_level:  # e.g. too many rows: fix that first, row details would only distract
        return ParseResult(errors=file_level)
    if not parsed:
        return ParseResult(
            errors=[RowError(DATA_SHEET, None, None, "Sheet Data belum berisi indikator.")]
        )
    known = {_normalize_nip(str(nip)) for nip in known_pics}
    return _check_file(parsed, known, errors)


# ------------------------------------------------------------------ one row at a time


@dataclass
class _Parsed:
    row: int
    values: dict[str, Any]
    target_numbers: dict[str, Decimal | None]


def _parse_row(
    excel_row: int, raws: list[_Raw], columns: Mapping[str, int], errors: list[RowError]
) -> _Parsed:
    ctx = _Ctx(excel_row, errors)
    values: dict[str, Any] = {}
    cells: dict[str, _Raw] = {}
    for spec in COLUMNS:
        index = columns[spec.field]
        raw = raws[index] if index < len(raws) else _Raw(None, None, False, False)
        cells[spec.field] = raw
        if raw.uncached_formula:
            ctx.add(spec, "Rumus tanpa nilai tersimpan; buka file di Excel lalu simpan ulang.")
            values[spec.field] = _INVALID
            continue
        if raw.error_literal and raw.value is not None:
            ctx.add(spec, f"Sel berisi galat Excel {_echo(raw.value)}; perbaiki rumusnya.")
            values[spec.field] = _INVALID
            continue
        if raw.value is None:
            if spec.required:
                ctx.add(spec, f"{spec.header} wajib diisi.")
                values[spec.field] = _INVALID
            else:
                values[spec.field] = None
            continue
        if spec.kind == "target":
            continue  # needs tipe_target, read below
        values[spec.field] = _READERS[spec.kind](raw, spec, ctx)
    tipe = values.get("tipe_target")
    numbers: dict[str, Decimal | None] = {}
    for name in ("target_tahunan", *_TW_FIELDS):
        spec = _BY_FIELD[name]
        if name in values:  # missing or unreadable, already reported
            numbers[name] = None
            continue
        text, number = _read_target(cells[name], spec, tipe, ctx)
        values[name] = text
        numbers[name] = number
    return _Parsed(excel_row, values, numbers)


class _Invalid:
    """Marker for a value already reported as wrong (keeps later checks quiet)."""

    def __repr__(self) -> str:
        return "<invalid>"


_INVALID: Any = _Invalid()


def _read_text(raw: _Raw, spec: Column, ctx: _Ctx) -> Any:
    value = raw.value
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    if isinstance(value, (int, float)):
        return _decimal_text(_cell_decimal(value, None))
    if isinstance(value, (datetime, date, time, timedelta)):
        return str(value)
    text = str(value).strip()
    return " ".join(text.split()) if spec.kind != "longtext" else text


def _read_choice(raw: _Raw, spec: Column, ctx: _Ctx) -> Any:
    options = _CHOICE_KEYS[spec.field]
    text = str(raw.value)
    option = options.get(_norm_key(text))
    if option is None:
        ctx.add(
            spec,
            f'"{_echo(text)}" bukan pilihan {spec.header}; pilih salah satu: '
            + ", ".join(CHOICES[spec.field])
            + ".",
        )
        return _INVALID
    return option


def _read_kode(raw: _Raw, spec: Column, ctx: _Ctx) -> Any:
    value = raw.value
    if isinstance(value, float) and not value.is_integer():
        ctx.add(
            spec,
            f"Kode {_echo(value)} tersimpan sebagai angka (1.10 menjadi 1.1); "
            "format kolom Kode sebagai Teks lalu ketik ulang.",
        )
        return _INVALID
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = int(value)
    text = "".join(str(value).split()).rstrip(".")
    if not _KODE.fullmatch(text):
        ctx.add(
            spec,
            f'Kode "{_echo(value)}" tidak sah; pakai angka/huruf dipisah titik, '
            "misalnya 2.07.03.2.01.",
        )
        return _INVALID
    return text


def _normalize_nip(text: str) -> str:
    return "".join(text.split()).lstrip("'")


def _read_nip(raw: _Raw, spec: Column, ctx: _Ctx) -> Any:
    value = raw.value
    if isinstance(value, float):
        if not value.is_integer() or abs(value) >= 1e15:
            ctx.add(
                spec,
                "NIP tersimpan sebagai angka sehingga digit terakhirnya hilang; format kolom "
                "PIC sebagai Teks lalu ketik ulang NIP-nya.",
            )
            return _INVALID
        value = int(value)
    return _normalize_nip(str(value))


def _read_money(raw: _Raw, spec: Column, ctx: _Ctx) -> Any:
    value = raw.value
    number: Decimal | None
    if isinstance(value, (bool, datetime, date, time, timedelta)):
        number = None
    elif isinstance(value, (int, float)):
        number = _cell_decimal(value, None)
    else:
        number, problem = _number_from_text(str(value))
        if problem:
            ctx.add(spec, f'"{_echo(value)}" tidak terbaca sebagai rupiah: {problem}')
            return _INVALID
    if number is None:
        ctx.add(spec, f'"{_echo(value)}" bukan angka rupiah; tulis misalnya 250000000.')
        return _INVALID
    if number < 0:
        ctx.add(spec, f"{spec.header} tidak boleh negatif.")
        return _INVALID
    return number


def _read_target(raw: _Raw, spec: Column, tipe: Any, ctx: _Ctx) -> tuple[Any, Decimal | None]:
    """Normalized target text and, for a single number, its value; errors name the rule."""
    value = raw.value
    if isinstance(value, (bool, datetime, date, time, timedelta)):
        ctx.add(spec, f'"{_echo(value)}" bukan angka; format sel sebagai Angka atau Teks.')
        return _INVALID, None
    single: Decimal | None = None
    bounds: tuple[Decimal, Decimal] | None = None
    if isinstance(value, (int, float)):
        single = _cell_decimal(value, raw.number_format)
    else:
        text = str(value)
        single, problem = _number_from_text(text)
        if single is None:
            match = _RANGE.match(text)
            if match:
                low, _ = _number_from_text(match.group(1))
                high, _ = _number_from_text(match.group(2))
                if low is not None and high is not None:
                    bounds = (low, high)
        if single is None and bounds is None:
            if tipe == "Rentang":
                problem = "tulis rentang a-b, misalnya 80-90 atau 4,5 s.d. 5."
            ctx.add(spec, f'"{_echo(text)}" tidak terbaca sebagai target: {problem}')
            return _INVALID, None
    if bounds is not None:
        if tipe == "Angka":
            ctx.add(
                spec,
                f'Target "{_echo(value)}" berupa rentang padahal Tipe Target Angka; '
                "isi satu angka atau ubah Tipe Target menjadi Rentang.",
            )
            return _INVALID, None
        low, high = bounds
        if low > high:
            ctx.add(
                spec,
                f'Rentang "{_echo(value)}" terbalik: batas bawah lebih besar dari batas atas.',
            )
            return _INVALID, None
        return f"{_target_text(low)}-{_target_text(high)}", None
    assert single is not None
    if tipe == "Rentang":
        ctx.add(
            spec,
            f'Tipe Target Rentang memerlukan rentang a-b (misalnya 80-90), bukan "{_echo(value)}".',
        )
        return _INVALID, None
    return _target_text(single), single


_READERS = {
    "choice": _read_choice,
    "kode": _read_kode,
    "text": _read_text,
    "longtext": _read_text,
    "money": _read_money,
    "nip": _read_nip,
}


# ------------------------------------------------------------------ the file as a whole


def _check_file(
    parsed: list[_Parsed], known: AbstractSet[str], errors: list[RowError]
) -> ParseResult:
    """Rules across rows: kode consistency, parents, duplicates, budget, PIC registration."""
    first_of_kode: dict[str, _Parsed] = {}
    seen_indicator: dict[tuple[str, str], int] = {}
    budget: dict[str, dict[str, tuple[Decimal, int]]] = {"pagu": {}, "realisasi_anggaran": {}}
    for item in parsed:
        ctx = _Ctx(item.row, errors)
        v = item.values
        kode, level = v.get("kode"), v.get("level")
        valid_kode = kode is not None and kode is not _INVALID
        if valid_kode:
            first = first_of_kode.setdefault(kode, item)
            if first is not item:
                _check_same_unit(item, first, ctx)
        indikator = v.get("indikator")
        if valid_kode and indikator not in (None, _INVALID):
            key = (kode, _norm_header(indikator))
            if key in seen_indicator:
                ctx.add(
                    _BY_FIELD["indikator"],
                    f"Indikator ganda: sama dengan baris {seen_indicator[key]} (kode {kode}).",
                )
            else:
                seen_indicator[key] = item.row
        _check_tw_complete(item, ctx)
        for name in ("pagu", "realisasi_anggaran"):
            amount = v.get(name)
            if amount is None or amount is _INVALID:
                continue
            spec = _BY_FIELD[name]
            if level not in (None, _INVALID, "Sub Kegiatan"):
                ctx.add(
                    spec,
                    f"{spec.header} hanya diisi pada baris Sub Kegiatan; Kegiatan dan Program "
                    "dijumlahkan otomatis.",
                )
                continue
            if not valid_kode:
                continue
            earlier = budget[name].setdefault(kode, (amount, item.row))
            if earlier[0] != amount:
                ctx.add(spec, f"Berbeda dengan baris {earlier[1]} yang berkode sama ({kode}).")
        pic = v.get("pic_nip")
        if pic not in (None, _INVALID) and pic not in known:
            ctx.add(_BY_FIELD["pic_nip"], f"PIC dengan NIP {pic} belum terdaftar di bot.")
    for kode, (_, row) in budget["realisasi_anggaran"].items():
        if kode not in budget["pagu"]:
            errors.append(
                RowError(
                    DATA_SHEET,
                    row,
                    _BY_FIELD["realisasi_anggaran"].header,
                    f"Realisasi anggaran diisi tetapi pagu kode {kode} kosong.",
                )
            )
    parents = _resolve_parents(parsed, first_of_kode, errors)
    if errors:
        return ParseResult(errors=_sorted(errors))
    return _build_result(parsed, parents, budget)


def _check_same_unit(item: _Parsed, first: _Parsed, ctx: _Ctx) -> None:
    for name in ("level", "nama"):
        mine, theirs = item.values.get(name), first.values.get(name)
        if mine in (None, _INVALID) or theirs in (None, _INVALID):
            continue
        if _norm_header(mine) != _norm_header(theirs):
            what = "level" if name == "level" else "nama"
            ctx.add(
                _BY_FIELD[name],
                f'Kode {item.values["kode"]} pada baris {first.row} ber{what} "{_echo(theirs)}"; '
                "baris berkode sama harus sama level dan namanya.",
            )


def _check_tw_complete(item: _Parsed, ctx: _Ctx) -> None:
    filled = [item.values.get(name) is not None for name in _TW_FIELDS]
    if any(filled) and not all(filled):
        first_empty = _TW_FIELDS[filled.index(False)]
        ctx.add(
            _BY_FIELD[first_empty],
            "Isi keempat target triwulan (TW I–IV) atau kosongkan semuanya.",
        )


def _prefixes(kode: str) -> Iterator[str]:
    """Dot prefixes of a kode, longest first: 1.02.01.2 -> 1.02.01, 1.02, 1."""
    parts = kode.split(".")
    for end in range(len(parts) - 1, 0, -1):
        yield ".".join(parts[:end])


def _resolve_parents(
    parsed: list[_Parsed], first_of_kode: Mapping[str, _Parsed], errors: list[RowError]
) -> dict[str, str | None]:
    """Parent kode of every kode: the longest kode prefix that is a row of the level above."""
    level_of = {
        kode: item.values.get("level")
        for kode, item in first_of_kode.items()
        if item.values.get("level") not in (None, _INVALID)
    }
    parents: dict[str, str | None] = {}
    for kode, item in first_of_kode.items():
        level = level_of.get(kode)
        if level is None:
            continue
        wanted = _PARENT_LEVEL.get(level)
        if wanted is None:
            parents[kode] = None
            continue
        parent = next((p for p in _prefixes(kode) if level_of.get(p) == wanted), None)
        parents[kode] = parent
        if parent is None:
            example = "Program 1.02 untuk Kegiatan 1.02.01"
            if level == "Sub Kegiatan":
                example = "Kegiatan 1.02.01 untuk Sub Kegiatan 1.02.01.2.01"
            errors.append(
                RowError(
                    DATA_SHEET,
                    item.row,
                    _BY_FIELD["kode"].header,
                    f"{level} {kode} tanpa {wanted}: tidak ada baris {wanted} yang kodenya "
                    f"menjadi awalan kode ini ({example}).",
                )
            )
    return parents


def _sorted(errors: list[RowError]) -> list[RowError]:
    order = {spec.header: index for index, spec in enumerate(COLUMNS)}
    return sorted(
        errors, key=lambda e: (e.row or 0, order.get(e.column or "", -1) if e.column else -1)
    )


def _build_result(
    parsed: list[_Parsed],
    parents: Mapping[str, str | None],
    budget: Mapping[str, Mapping[str, tuple[Decimal, int]]],
) -> ParseResult:
    counters: dict[str, int] = {}
    indicators: list[IndicatorRow] = []
    units: dict[str, Unit] = {}
    for item in parsed:
        v = item.values
        kode: str = v["kode"]
        level: Level = v["level"]
        counters[kode] = counters.get(kode, 0) + 1
        chain = [kode]
        while (parent := parents.get(chain[-1])) is not None:
            chain.append(parent)
        by_level = dict(
            zip(("Program", "Kegiatan", "Sub Kegiatan")[: len(chain)], reversed(chain), strict=True)
        )
        pagu = budget["pagu"].get(kode, (None, 0))[0]
        realisasi = budget["realisasi_anggaran"].get(kode, (None, 0))[0]
        if kode not in units:
            units[kode] = Unit(level, kode, v["nama"], parents.get(kode), pagu, realisasi)
        indicators.append(
            IndicatorRow(
                row=item.row,
                ikode=f"{kode}#{counters[kode]}",
                level=level,
                kode=kode,
                nama=v["nama"],
                indikator=v["indikator"],
                jenis=v["jenis"],
                satuan=v["satuan"],
                target_tahunan=v["target_tahunan"],
                target_tahunan_angka=item.target_numbers["target_tahunan"],
                target_tw=(
                    v["target_tw1"],
                    v["target_tw2"],
                    v["target_tw3"],
                    v["target_tw4"],
                ),
                polaritas=v["polaritas"],
                tipe_target=v["tipe_target"],
                konsolidasi=v["konsolidasi"],
                cara_hitung=v["cara_hitung"] or "",
                pagu=pagu,
                realisasi_anggaran=realisasi,
                sumber_data=v["sumber_data"] or "",
                pic_nip=v["pic_nip"],
                program_kode=by_level["Program"],
                kegiatan_kode=by_level.get("Kegiatan"),
                sub_kegiatan_kode=by_level.get("Sub Kegiatan"),
            )
        )
    return ParseResult(indicators=indicators, units=list(units.values()))


# --------------------------------------------------------------------------- messages


def format_errors(errors: Sequence[RowError], limit: int = 30, max_chars: int = 3500) -> str:
    """Plain-text error list for a chat message, kept under Telegram's 4096 characters."""
    if not errors:
        return "Kertas Kerja bersih, tidak ada kesalahan."
    lines = [
        f"Kertas Kerja belum dapat diimpor: {len(errors)} kesalahan. "
        "Perbaiki lalu kirim ulang file-nya; belum ada yang disimpan."
    ]
    used = len(lines[0])
    shown = 0
    for error in errors[:limit]:
        line = "• " + _locate(error) + error.message
        if len(line) > 300:
            line = line[:299] + "…"
        if used + len(line) + 60 > max_chars:
            break
        lines.append(line)
        used += len(line) + 1
        shown += 1
    rest = len(errors) - shown
    if rest:
        lines.append(f"… dan {rest} kesalahan lain.")
    return "\n".join(lines)


def _locate(error: RowError) -> str:
    parts = []
    if error.sheet:
        parts.append(f"Sheet {error.sheet}")
    if error.row is not None:
        parts.append(f"baris {error.row}")
    if error.column:
        parts.append(f'kolom "{error.column}"')
    return (", ".join(parts) + ": ") if parts else ""
