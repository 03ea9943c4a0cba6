"""Uploaded Office Open XML files (.xlsx, .docx) are untrusted zips: size, format and unpacked
size are checked before any parser opens them, with one Indonesian reply per failure.

The Kertas Kerja (.xlsx) and the edited Draft Laporan (.docx) share these limits.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from io import BytesIO

MAX_UPLOAD = 20 * 1024 * 1024
"""The Bot API downloads at most 20 MB per file: the limit of every upload."""
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""Office 97-2003 files (.xls, .doc) and password-protected OOXML files start with this."""
UNPACKED_RATIO = 10
"""A package may unpack to at most this many times the upload limit (against zip bombs)."""


class PackageError(ValueError):
    """The upload is not a usable package of the expected kind; the message says why."""


@dataclass(frozen=True)
class PackageKind:
    """What the office calls the file and how to fix a wrong one, in Indonesian."""

    name: str
    main_part: str
    legacy: str
    opendocument: str
    empty: str
    hint: str
    trim: str


XLSX = PackageKind(
    name="workbook Excel (.xlsx)",
    main_part="xl/workbook.xml",
    legacy=".xls (Excel 97-2003)",
    opendocument="OpenDocument (.ods)",
    empty="File kosong (0 byte). Kirim file Kertas Kerja yang sudah diisi.",
    hint=(
        "Simpan sebagai Excel Workbook (.xlsx) (di Excel: File > Save As > Excel Workbook; "
        "di LibreOffice: Simpan Sebagai > Excel 2007-365), lalu kirim ulang."
    ),
    trim="Hapus baris/format yang tidak perlu.",
)
DOCX = PackageKind(
    name="dokumen Word (.docx)",
    main_part="word/document.xml",
    legacy=".doc (Word 97-2003)",
    opendocument="OpenDocument (.odt)",
    empty="File kosong (0 byte). Kirim draft laporan yang sudah disunting.",
    hint=(
        "Simpan sebagai Word Document (.docx) (di Word: File > Save As > Word Document; "
        "di LibreOffice: Simpan Sebagai > Word 2007-365), lalu kirim ulang."
    ),
    trim="Perkecil gambar atau hapus isi yang tidak perlu.",
)


def check_package(content: bytes, max_bytes: int, kind: PackageKind) -> None:
    """Refuse early what is not a package of `kind`, with the instruction to save as one."""
    if not content:
        raise PackageError(kind.empty)
    if len(content) > max_bytes:
        raise PackageError(
            f"File terlalu besar ({len(content) / 1_048_576:.1f} MB); "
            f"batasnya {max_bytes / 1_048_576:.0f} MB."
        )
    if content.startswith(OLE_MAGIC):
        raise PackageError(
            f"File ini berformat {kind.legacy} atau terkunci kata sandi (buka dulu kuncinya). "
            + kind.hint
        )
    if not content.startswith(b"PK"):
        raise PackageError(f"File ini bukan {kind.name}. " + kind.hint)
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and b"opendocument" in archive.read("mimetype"):
                raise PackageError(f"File ini berformat {kind.opendocument}. " + kind.hint)
            if kind.main_part not in names:
                raise PackageError(f"File ini bukan {kind.name}. " + kind.hint)
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise PackageError(f"File rusak atau bukan {kind.name}. " + kind.hint) from exc
    if unpacked > UNPACKED_RATIO * max_bytes:
        raise PackageError("Isi file terlalu besar setelah dibuka. " + kind.trim)
