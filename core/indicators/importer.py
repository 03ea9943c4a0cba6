"""Step 4: a clean Kertas Kerja upload replaces the period's indicator set."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import PurePath

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.capaian import parse_target, target_to_text
from core.engine import SopError
from core.indicators.common import (
    MAX_ROWS,
    REPORT_STEP,
)
from core.kertas_kerja import XLSX_HINT, ParseResult, format_errors, parse_kertas_kerja
from core.office import Office
from core.transitions import (
    DocInput,
)
from core.users import audit
from storage import queries
from storage.models import Figure, Indicator, IndicatorUnit, Period, StepRun, User

KERTAS_KERJA_TYPES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")


@dataclass(frozen=True)
class Read:
    """A Kertas Kerja parsed and, when clean, its indicators' columns (targets normalised)."""

    result: ParseResult
    indicators: list[dict]


@dataclass(frozen=True)
class ReadAhead:
    """A Kertas Kerja read against the office's PICs of that moment."""

    known_pics: frozenset[str]
    read: Read


def _columns(position: int, row) -> dict:
    """An indicator's columns as the file gives them; the period's and the PIC's ids are added
    when it is stored."""
    tws = [target_to_text(parse_target(t)) if t else None for t in row.target_tw]
    return {
        "ikode": row.ikode,
        "kode": row.kode,
        "position": position,
        "excel_row": row.row,
        "level": row.level,
        "nama": row.nama,
        "indikator": row.indikator,
        "jenis": row.jenis,
        "satuan": row.satuan,
        "target_tahunan": target_to_text(parse_target(row.target_tahunan)),
        "target_tw1": tws[0],
        "target_tw2": tws[1],
        "target_tw3": tws[2],
        "target_tw4": tws[3],
        "polaritas": row.polaritas.lower(),
        "tipe_target": row.tipe_target.lower(),
        "konsolidasi": row.konsolidasi.lower(),
        "cara_hitung": row.cara_hitung,
        "sumber_data": row.sumber_data,
        "pic_nip": row.pic_nip,
        "program_kode": row.program_kode,
        "kegiatan_kode": row.kegiatan_kode,
        "sub_kegiatan_kode": row.sub_kegiatan_kode,
    }


def _parse(content: bytes, known_pics: frozenset[str]) -> Read:
    result = parse_kertas_kerja(content, known_pics=known_pics, max_rows=MAX_ROWS)
    clean = result.indicators if result.ok else []
    return Read(result, [_columns(position, row) for position, row in enumerate(clean)])


async def _read(doc: DocInput, known_pics: frozenset[str]) -> Read:
    """Parsed on a worker thread, targets normalised there too (thousands of rows)."""
    return await asyncio.to_thread(_parse, doc.content, known_pics)


async def read_ahead(session: AsyncSession, doc: DocInput) -> ReadAhead | None:
    """Read the upload before its unit of work: thousands of rows take seconds, and SQLite's
    writers, everyone's, would wait for them. None when it is no Kertas Kerja file."""
    if PurePath(doc.file_name).suffix.lower() not in KERTAS_KERJA_TYPES:
        return None
    known = frozenset(u.nip for u in await queries.active_users(session=session))
    return ReadAhead(known, await _read(doc, known))


async def import_kertas_kerja(
    office: Office,
    session: AsyncSession,
    user: User,
    period: Period,
    doc: DocInput,
    ahead: ReadAhead | None = None,
) -> str:
    """Validate the whole upload; only a clean file replaces the period's indicator set.

    Called by the workflow when a document arrives for step 4, inside its transaction: an
    error raises, so nothing (not even the document) is stored. The file is read again here
    only when it was not read ahead, or the office's PICs have changed since.
    """
    suffix = PurePath(doc.file_name).suffix.lower()
    if suffix not in KERTAS_KERJA_TYPES:
        raise SopError(
            "Langkah 4 menerima Kertas Kerja dalam format Excel (.xlsx), diisi dari template "
            "(ketik /template). " + XLSX_HINT
        )
    started = (
        await session.exec(
            select(StepRun.id).where(
                StepRun.period_id == period.id, col(StepRun.step_no) >= REPORT_STEP
            )
        )
    ).first()
    if started is not None:
        raise SopError(
            f"Indikator periode {period.name} tidak bisa diganti lagi: pelaporan realisasi "
            "(Langkah 5) sudah dimulai."
        )
    people = {u.nip: u for u in await queries.active_users(session=session)}
    known = frozenset(people)
    read = ahead.read if ahead and ahead.known_pics == known else await _read(doc, known)
    result = read.result
    if not result.ok:
        raise SopError(format_errors(result.errors))
    for table in (Figure, Indicator, IndicatorUnit):
        await session.exec(delete(table).where(col(table.period_id) == period.id))
    units = [
        {
            "opd_id": period.opd_id,
            "period_id": period.id,
            "level": unit.level,
            "kode": unit.kode,
            "nama": unit.nama,
            "parent_kode": unit.parent_kode,
            "position": position,
            "pagu": unit.pagu,
            "realisasi_anggaran": unit.realisasi_anggaran,
        }
        for position, unit in enumerate(result.units)
    ]
    await queries.insert_rows(session=session, model=IndicatorUnit, rows=units)
    stored = {"opd_id": period.opd_id, "period_id": period.id, "year": period.year}
    rows = [
        {**stored, **columns, "pic_user_id": people[columns["pic_nip"]].id}
        for columns in read.indicators
    ]
    await queries.insert_rows(session=session, model=Indicator, rows=rows)
    await session.flush()
    programs = sum(1 for u in result.units if u.level == "Program")
    pics = len({row.pic_nip for row in result.indicators})
    await audit(
        session,
        "impor_kertas_kerja",
        office.clock(),
        user.id,
        period.id,
        indikator=len(result.indicators),
        program=programs,
        baris_struktur=result.structure_rows,
        file=doc.file_name,
    )
    structure = (
        f"; {result.structure_rows} baris struktur (tanpa indikator)"
        if result.structure_rows
        else ""
    )
    return (
        f"Kertas Kerja bersih: {len(result.indicators)} indikator, {programs} program, "
        f"{pics} PIC{structure}. Indikator periode ini diganti dengan isi file ini."
    )
