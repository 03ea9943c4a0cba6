"""Rules across the rows of a Kertas Kerja: kode consistency, parents, duplicates, budget, PIC."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from decimal import Decimal

from core.kertas_kerja.schema import (
    BY_FIELD,
    COLUMNS,
    DATA_SHEET,
    INVALID,
    PARENT_LEVEL,
    TW_FIELDS,
    IndicatorRow,
    Level,
    ParsedRow,
    ParseResult,
    RowContext,
    RowError,
    Unit,
    echo,
    norm_header,
)


def check_file(
    parsed: list[ParsedRow], known: AbstractSet[str], errors: list[RowError]
) -> ParseResult:
    """Rules across rows: kode consistency, parents, duplicates, budget, PIC registration."""
    first_of_kode: dict[str, ParsedRow] = {}
    seen_indicator: dict[tuple[str, str], int] = {}
    budget: dict[str, dict[str, tuple[Decimal, int]]] = {"pagu": {}, "realisasi_anggaran": {}}
    for item in parsed:
        ctx = RowContext(item.row, errors)
        v = item.values
        kode, level = v.get("kode"), v.get("level")
        valid_kode = kode is not None and kode is not INVALID
        if valid_kode:
            first = first_of_kode.setdefault(kode, item)
            if first is not item:
                _check_same_unit(item, first, ctx)
        indikator = v.get("indikator")
        if valid_kode and indikator not in (None, INVALID):
            key = (kode, norm_header(indikator))
            if key in seen_indicator:
                ctx.add(
                    BY_FIELD["indikator"],
                    f"Indikator ganda: sama dengan baris {seen_indicator[key]} (kode {kode}).",
                )
            else:
                seen_indicator[key] = item.row
        _check_tw_complete(item, ctx)
        for name in ("pagu", "realisasi_anggaran"):
            amount = v.get(name)
            if amount is None or amount is INVALID:
                continue
            spec = BY_FIELD[name]
            if level not in (None, INVALID, "Sub Kegiatan"):
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
        if pic not in (None, INVALID) and pic not in known:
            ctx.add(BY_FIELD["pic_nip"], f"PIC dengan NIP {pic} belum terdaftar di bot.")
    for kode, (_, row) in budget["realisasi_anggaran"].items():
        if kode not in budget["pagu"]:
            errors.append(
                RowError(
                    DATA_SHEET,
                    row,
                    BY_FIELD["realisasi_anggaran"].header,
                    f"Realisasi anggaran diisi tetapi pagu kode {kode} kosong.",
                )
            )
    parents = _resolve_parents(parsed, first_of_kode, errors)
    if not errors and all(item.structure for item in parsed):
        errors.append(
            RowError(
                DATA_SHEET,
                None,
                None,
                f"Kertas Kerja belum berisi indikator: {len(parsed)} baris semuanya baris "
                "struktur (tanpa Indikator). Isi paling sedikit satu indikator beserta target "
                "dan PIC-nya.",
            )
        )
    if errors:
        return ParseResult(errors=_sorted(errors))
    return _build_result(parsed, parents, budget)


def _check_same_unit(item: ParsedRow, first: ParsedRow, ctx: RowContext) -> None:
    for name in ("level", "nama"):
        mine, theirs = item.values.get(name), first.values.get(name)
        if mine in (None, INVALID) or theirs in (None, INVALID):
            continue
        if norm_header(mine) != norm_header(theirs):
            what = "level" if name == "level" else "nama"
            ctx.add(
                BY_FIELD[name],
                f'Kode {item.values["kode"]} pada baris {first.row} ber{what} "{echo(theirs)}"; '
                "baris berkode sama harus sama level dan namanya.",
            )


def _check_tw_complete(item: ParsedRow, ctx: RowContext) -> None:
    filled = [item.values.get(name) is not None for name in TW_FIELDS]
    if any(filled) and not all(filled):
        first_empty = TW_FIELDS[filled.index(False)]
        ctx.add(
            BY_FIELD[first_empty],
            "Isi keempat target triwulan (TW I–IV) atau kosongkan semuanya.",
        )


def _prefixes(kode: str) -> Iterator[str]:
    """Dot prefixes of a kode, longest first: 1.02.01.2 -> 1.02.01, 1.02, 1."""
    parts = kode.split(".")
    for end in range(len(parts) - 1, 0, -1):
        yield ".".join(parts[:end])


def _resolve_parents(
    parsed: list[ParsedRow], first_of_kode: Mapping[str, ParsedRow], errors: list[RowError]
) -> dict[str, str | None]:
    """Parent kode of every kode: the longest kode prefix that is a row of the level above."""
    level_of = {
        kode: item.values.get("level")
        for kode, item in first_of_kode.items()
        if item.values.get("level") not in (None, INVALID)
    }
    parents: dict[str, str | None] = {}
    for kode, item in first_of_kode.items():
        level = level_of.get(kode)
        if level is None:
            continue
        wanted = PARENT_LEVEL.get(level)
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
                    BY_FIELD["kode"].header,
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
    parsed: list[ParsedRow],
    parents: Mapping[str, str | None],
    budget: Mapping[str, Mapping[str, tuple[Decimal, int]]],
) -> ParseResult:
    """Units from every row (first row of a kode), indicators from the rows that have one."""
    counters: dict[str, int] = {}
    indicators: list[IndicatorRow] = []
    units: dict[str, Unit] = {}
    for item in parsed:
        v = item.values
        kode: str = v["kode"]
        level: Level = v["level"]
        pagu = budget["pagu"].get(kode, (None, 0))[0]
        realisasi = budget["realisasi_anggaran"].get(kode, (None, 0))[0]
        if kode not in units:
            units[kode] = Unit(level, kode, v["nama"], parents.get(kode), pagu, realisasi)
        if item.structure:
            continue
        counters[kode] = counters.get(kode, 0) + 1
        chain = [kode]
        while (parent := parents.get(chain[-1])) is not None:
            chain.append(parent)
        by_level = dict(
            zip(("Program", "Kegiatan", "Sub Kegiatan")[: len(chain)], reversed(chain), strict=True)
        )
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
    return ParseResult(
        indicators=indicators,
        units=list(units.values()),
        structure_rows=sum(1 for item in parsed if item.structure),
    )
