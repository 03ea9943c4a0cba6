"""Kertas Kerja Pengukuran Data Kinerja (SOP step 4): the template and the strict importer.

Tim SAKIP downloads the template, fills one row per indicator (or per unit, see structure rows)
and uploads it; the upload is validated whole and every problem is reported with sheet, row and
column, so nothing half-valid is ever stored. Pure module: bytes in, dataclasses out.

Rules written into the template's Petunjuk sheet and enforced here:
- Structure rows: a row with Level, Kode and Nama (and, on a Sub Kegiatan, budget) but Indikator
  and every other indicator cell empty places the unit in the tree and nothing more (no PIC, no
  figure). Indikator empty while another indicator cell is filled is one error naming those
  cells. A file without any indicator is refused.
- Hierarchy by kode prefix: a Kegiatan's kode starts with its Program's kode plus a dot, a Sub
  Kegiatan's with its Kegiatan's (Program 2.07.03, Kegiatan 2.07.03.2.01, Sub Kegiatan
  2.07.03.2.01.0001). Row order does not matter; a missing parent row is an error.
- Identity: several indicators may share one kode; each gets `ikode` = "<kode>#<n>", n its
  position among the rows of that kode (1, 2, ...). The same (kode, indikator) twice is an error.
- Pagu and realisasi anggaran belong to Sub Kegiatan rows (rolled up by sum); rows of the same
  kode carry the same value (fill it once, or repeat it identically).
"""

from core.kertas_kerja.errors import format_errors
from core.kertas_kerja.reader import parse_kertas_kerja
from core.kertas_kerja.schema import (
    CHOICES,
    COLUMNS,
    DATA_SHEET,
    EXAMPLE_PIC_NIP,
    GUIDE_SHEET,
    XLSX_HINT,
    Column,
    IndicatorRow,
    ParseResult,
    RowError,
    Unit,
)
from core.lazy import load

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


def build_template(example: bool = True) -> bytes:
    """The template workbook; its module (openpyxl) is imported on first use (core.lazy)."""
    return load("core.kertas_kerja.template").build_template(example)
