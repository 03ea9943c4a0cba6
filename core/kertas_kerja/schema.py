"""The Kertas Kerja's columns and the values its reader and checks pass between them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from core.ooxml_upload import XLSX

DATA_SHEET = "Data"
GUIDE_SHEET = "Petunjuk"
EXAMPLE_PIC_NIP = "198001012005011001"
XLSX_HINT = XLSX.hint

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
PARENT_LEVEL = {"Kegiatan": "Program", "Sub Kegiatan": "Kegiatan"}
TEMPLATE_ROWS = 5000  # rows covered by the template's dropdowns


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
    Column(
        "Indikator",
        "indikator",
        True,
        "text",
        45,
        "Rumusan indikator kinerja (SMART). Kosong bersama semua kolom indikator lain: baris "
        "struktur (lihat petunjuk).",
    ),
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
BY_FIELD = {column.field: column for column in COLUMNS}
TW_FIELDS = ("target_tw1", "target_tw2", "target_tw3", "target_tw4")
UNIT_FIELDS = frozenset({"level", "kode", "nama", "pagu", "realisasi_anggaran"})
"""Columns that describe the program/kegiatan/sub kegiatan itself; a structure row fills only
these, every other column belongs to an indicator."""
INDICATOR_FIELDS = tuple(column.field for column in COLUMNS if column.field not in UNIT_FIELDS)


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
    """Indicators and units only when the whole file is clean; otherwise only errors.

    `structure_rows` counts the rows that only place a unit in the tree (no indicator).
    """

    indicators: list[IndicatorRow] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    structure_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def echo(value: object, limit: int = 40) -> str:
    """A user's value quoted back in an error message, cut so messages stay short."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class RowContext:
    row: int
    errors: list[RowError]

    def add(self, spec: Column | None, message: str) -> None:
        self.errors.append(RowError(DATA_SHEET, self.row, spec.header if spec else None, message))


def _norm_key(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", text).lower()


def norm_header(text: str) -> str:
    return " ".join(text.split()).lower()


@dataclass
class ParsedRow:
    """A row as read; `structure` when it names a unit without an indicator."""

    row: int
    values: dict[str, Any]
    target_numbers: dict[str, Decimal | None]
    structure: bool = False


class _Invalid:
    """Marker for a value already reported as wrong (keeps later checks quiet)."""

    def __repr__(self) -> str:
        return "<invalid>"


INVALID: Any = _Invalid()
