"""Reading an uploaded workbook cell by cell: file checks, headers, rows and typed values."""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO
from typing import Any

from core.kertas_kerja.schema import (
    BY_FIELD,
    CHOICES,
    COLUMNS,
    DATA_SHEET,
    INDICATOR_FIELDS,
    INVALID,
    TW_FIELDS,
    UNIT_FIELDS,
    XLSX_HINT,
    Column,
    ParsedRow,
    ParseResult,
    RowContext,
    RowError,
    echo,
    norm_header,
)
from core.kertas_kerja.validate import (
    check_file,
)
from core.lazy import load
from core.numbers import NumberError, parse_number
from core.ooxml_upload import XLSX, PackageError, check_package

# --------------------------------------------------------------------------- numbers


log = logging.getLogger(__name__)

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


def _norm_key(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", text).lower()


_CHOICE_KEYS = {
    name: {_norm_key(option): option for option in options} for name, options in CHOICES.items()
}
_KODE = re.compile(r"[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*")


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
    wanted = {norm_header(spec.header): spec for spec in COLUMNS}
    found: dict[str, int] = {}
    errors: list[str] = []
    for index, value in enumerate(header_row):
        if not isinstance(value, str) or not value.strip():
            continue
        spec = wanted.get(norm_header(value))
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
                    f"Terlalu banyak baris: lebih dari {limit}; batasnya {limit} baris.",
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
        check_package(content, max_bytes, XLSX)
        return _parse_workbook(content, known_pics, max_rows)
    except (PackageError, _ReadFailure) as failure:
        return ParseResult(errors=[RowError(None, None, None, str(failure))])


def _parse_workbook(
    content: bytes, known_pics: Mapping[str, str] | AbstractSet[str], max_rows: int
) -> ParseResult:
    load_workbook = load("openpyxl").load_workbook  # imported on first use: core.lazy
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
    known = {normalize_nip(str(nip)) for nip in known_pics}
    return check_file(parsed, known, errors)


def _parse_row(
    excel_row: int, raws: list[_Raw], columns: Mapping[str, int], errors: list[RowError]
) -> ParsedRow:
    ctx = RowContext(excel_row, errors)
    values: dict[str, Any] = {}
    empty = _Raw(None, None, False, False)
    cells = {
        spec.field: raws[columns[spec.field]] if columns[spec.field] < len(raws) else empty
        for spec in COLUMNS
    }
    without_indicator = not _filled(cells["indikator"])
    structure = without_indicator and _check_structure_row(cells, ctx)
    for spec in COLUMNS:
        raw = cells[spec.field]
        if raw.uncached_formula:
            ctx.add(spec, "Rumus tanpa nilai tersimpan; buka file di Excel lalu simpan ulang.")
            values[spec.field] = INVALID
            continue
        if raw.error_literal and raw.value is not None:
            ctx.add(spec, f"Sel berisi galat Excel {echo(raw.value)}; perbaiki rumusnya.")
            values[spec.field] = INVALID
            continue
        if raw.value is None:
            if spec.required and not (without_indicator and spec.field not in UNIT_FIELDS):
                ctx.add(spec, f"{spec.header} wajib diisi.")
                values[spec.field] = INVALID
            else:
                values[spec.field] = None
            continue
        if spec.kind == "target":
            continue  # needs tipe_target, read below
        values[spec.field] = _READERS[spec.kind](raw, spec, ctx)
    tipe = values.get("tipe_target")
    numbers: dict[str, Decimal | None] = {}
    for name in ("target_tahunan", *TW_FIELDS):
        spec = BY_FIELD[name]
        if name in values:  # missing or unreadable, already reported
            numbers[name] = None
            continue
        text, number = _read_target(cells[name], spec, tipe, ctx)
        values[name] = text
        numbers[name] = number
    return ParsedRow(excel_row, values, numbers, structure)


def _filled(raw: _Raw) -> bool:
    return raw.value is not None or raw.uncached_formula


def _check_structure_row(cells: Mapping[str, _Raw], ctx: RowContext) -> bool:
    """A row without Indikator is a structure row only if every indicator cell is empty too;
    otherwise one error says which cells to empty (instead of one per missing column)."""
    filled = [BY_FIELD[name].header for name in INDICATOR_FIELDS if _filled(cells[name])]
    if not filled:
        return True
    shown = ", ".join(f'"{header}"' for header in filled[:3])
    if len(filled) > 3:
        shown += f" dan {len(filled) - 3} kolom lain"
    ctx.add(
        BY_FIELD["indikator"],
        f"Indikator kosong, tetapi kolom {shown} terisi. Isi Indikator bila baris ini "
        "indikator; bila baris ini hanya menempatkan program/kegiatan/sub kegiatan dalam "
        "pohon (baris struktur), kosongkan kolom-kolom itu.",
    )
    return False


def _read_text(raw: _Raw, spec: Column, ctx: RowContext) -> Any:
    value = raw.value
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    if isinstance(value, (int, float)):
        return _decimal_text(_cell_decimal(value, None))
    if isinstance(value, (datetime, date, time, timedelta)):
        return str(value)
    text = str(value).strip()
    return " ".join(text.split()) if spec.kind != "longtext" else text


def _read_choice(raw: _Raw, spec: Column, ctx: RowContext) -> Any:
    options = _CHOICE_KEYS[spec.field]
    text = str(raw.value)
    option = options.get(_norm_key(text))
    if option is None:
        ctx.add(
            spec,
            f'"{echo(text)}" bukan pilihan {spec.header}; pilih salah satu: '
            + ", ".join(CHOICES[spec.field])
            + ".",
        )
        return INVALID
    return option


def _read_kode(raw: _Raw, spec: Column, ctx: RowContext) -> Any:
    value = raw.value
    if isinstance(value, float) and not value.is_integer():
        ctx.add(
            spec,
            f"Kode {echo(value)} tersimpan sebagai angka (1.10 menjadi 1.1); "
            "format kolom Kode sebagai Teks lalu ketik ulang.",
        )
        return INVALID
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = int(value)
    text = "".join(str(value).split()).rstrip(".")
    if not _KODE.fullmatch(text):
        ctx.add(
            spec,
            f'Kode "{echo(value)}" tidak sah; pakai angka/huruf dipisah titik, '
            "misalnya 2.07.03.2.01.",
        )
        return INVALID
    return text


def normalize_nip(text: str) -> str:
    return "".join(text.split()).lstrip("'")


def _read_nip(raw: _Raw, spec: Column, ctx: RowContext) -> Any:
    value = raw.value
    if isinstance(value, float):
        if not value.is_integer() or abs(value) >= 1e15:
            ctx.add(
                spec,
                "NIP tersimpan sebagai angka sehingga digit terakhirnya hilang; format kolom "
                "PIC sebagai Teks lalu ketik ulang NIP-nya.",
            )
            return INVALID
        value = int(value)
    return normalize_nip(str(value))


def _read_money(raw: _Raw, spec: Column, ctx: RowContext) -> Any:
    value = raw.value
    number: Decimal | None
    if isinstance(value, (bool, datetime, date, time, timedelta)):
        number = None
    elif isinstance(value, (int, float)):
        number = _cell_decimal(value, None)
    else:
        number, problem = _number_from_text(str(value))
        if problem:
            ctx.add(spec, f'"{echo(value)}" tidak terbaca sebagai rupiah: {problem}')
            return INVALID
    if number is None:
        ctx.add(spec, f'"{echo(value)}" bukan angka rupiah; tulis misalnya 250000000.')
        return INVALID
    if number < 0:
        ctx.add(spec, f"{spec.header} tidak boleh negatif.")
        return INVALID
    return number


def _read_target(raw: _Raw, spec: Column, tipe: Any, ctx: RowContext) -> tuple[Any, Decimal | None]:
    """Normalized target text and, for a single number, its value; errors name the rule."""
    value = raw.value
    if isinstance(value, (bool, datetime, date, time, timedelta)):
        ctx.add(spec, f'"{echo(value)}" bukan angka; format sel sebagai Angka atau Teks.')
        return INVALID, None
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
            ctx.add(spec, f'"{echo(text)}" tidak terbaca sebagai target: {problem}')
            return INVALID, None
    if bounds is not None:
        if tipe == "Angka":
            ctx.add(
                spec,
                f'Target "{echo(value)}" berupa rentang padahal Tipe Target Angka; '
                "isi satu angka atau ubah Tipe Target menjadi Rentang.",
            )
            return INVALID, None
        low, high = bounds
        if low > high:
            ctx.add(
                spec,
                f'Rentang "{echo(value)}" terbalik: batas bawah lebih besar dari batas atas.',
            )
            return INVALID, None
        return f"{_target_text(low)}-{_target_text(high)}", None
    assert single is not None
    if tipe == "Rentang":
        ctx.add(
            spec,
            f'Tipe Target Rentang memerlukan rentang a-b (misalnya 80-90), bukan "{echo(value)}".',
        )
        return INVALID, None
    return _target_text(single), single


_READERS = {
    "choice": _read_choice,
    "kode": _read_kode,
    "text": _read_text,
    "longtext": _read_text,
    "money": _read_money,
    "nip": _read_nip,
}
