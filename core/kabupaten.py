"""The regency's view across every OPD (issue 12): for one period name, each OPD's step, its
lateness, its reporting completeness and its capaian, sorted by what needs attention.

Bappeda, Inspektorat and the regency admins (ADMIN_IDS) read it; they hold no step of any OPD.
The whole regency is read in a handful of grouped queries (OPD, periods, step runs, days off,
indicators, units, figures, the year's earlier figures, names), never a round of queries per
OPD. Each number comes from the code the OPD's own reports use: capaian from
`core.recap.measured_tree` and the Laporan's overall mean, lateness from
`core.compliance.run_compliance` on that OPD's own working calendar, so an OPD's line says what
its own /rekap and /kepatuhan say.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import engine
from core.calendar import WorkingCalendar
from core.capaian import CapaianRules
from core.compliance import HEADERS as COMPLIANCE_HEADERS
from core.compliance import PeriodCompliance, run_compliance
from core.compliance import table as compliance_table
from core.engine import SopError
from core.indicators import earlier_across
from core.kabupaten_workbook import build_chart, build_workbook
from core.kabupaten_workbook.model import OpdLine, ProgramLine, Regency, SharedProgram
from core.laporan.figures import tree_overall
from core.office import Office
from core.periode import parse_period_name
from core.recap import counted, measured_tree, plain_rows
from core.rekap_workbook import ComplianceTable
from core.sop import REGENCY_ROLES, Role
from core.users import is_regency_admin
from storage import queries
from storage.models import (
    Figure,
    Indicator,
    IndicatorUnit,
    Opd,
    Period,
    StepRun,
)

# What measuring an indicator reads (core.indicator_notices.spec_of), and no long texts.
_MEASURED = (
    Indicator.id,
    Indicator.period_id,
    Indicator.ikode,
    Indicator.kode,
    Indicator.satuan,
    Indicator.polaritas,
    Indicator.konsolidasi,
    Indicator.target_tahunan,
    Indicator.target_tw1,
    Indicator.target_tw2,
    Indicator.target_tw3,
    Indicator.target_tw4,
)
REFUSED = (
    "Rekap kabupaten hanya untuk Bappeda, Inspektorat dan admin kabupaten. "
    "Hubungi admin kabupaten bila Anda memerlukannya."
)
NO_PERIODS = "Belum ada periode pengukuran di OPD mana pun."


def attention_order(line: OpdLine) -> tuple:
    """Not started or late first, then the lowest completeness, then the lowest capaian."""
    completeness = line.completeness if line.completeness is not None else Decimal(-1)
    capaian = line.capaian if line.capaian is not None else Decimal(-1)
    return (not line.needs_attention, completeness, capaian, line.kode)


# ------------------------------------------------------------------------------- access


async def _require_reader(office: Office, session: AsyncSession, telegram_id: int) -> str:
    """Bappeda, Inspektorat (active) and regency admins; everyone else is refused before
    anything of any OPD is read. The lookup is the regency-wide one by Telegram id, so the
    session stays regency-wide. Returns the reader's name, for the workbook."""
    user = await queries.user_by_telegram(session=session, telegram_id=telegram_id)
    if is_regency_admin(office, telegram_id):
        return user.nama if user is not None and user.status == queries.ACTIVE else "Admin"
    if user is None or user.status != queries.ACTIVE or Role(user.role) not in REGENCY_ROLES:
        raise SopError(REFUSED)
    return user.nama


async def check_reader(office: Office, telegram_id: int) -> None:
    """Before a long build: a refusal comes at once, not after a progress message."""
    async with office.db.session(across=True) as session:
        await _require_reader(office, session, telegram_id)


# --------------------------------------------------------------------------------- load


@dataclass
class _Source:
    """The regency's rows for one period name, grouped by OPD or by period."""

    period: str
    triwulan: int | None
    opds: Sequence[tuple[int, str, str]]
    periods: Mapping[int, Period]
    runs: Mapping[int, list[StepRun]]
    calendars: Mapping[int, WorkingCalendar]
    indicators: Mapping[int, list]
    units: Mapping[int, list]
    values: Mapping[int, dict[int, Decimal | None]]
    earlier: Mapping[tuple[int, str], Mapping[int, Decimal]]
    names: Mapping[int, str] = field(default_factory=dict)


def _by(rows, key: str) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    for row in rows:
        out[getattr(row, key)].append(row)
    return out


async def _period_name(session: AsyncSession, typed: str | None) -> str:
    """The canonical name typed, or the latest name any OPD has."""
    if typed:
        return parse_period_name(typed).name
    latest = (await session.exec(select(Period.name).order_by(col(Period.id).desc()))).first()
    if latest is None:
        raise SopError(NO_PERIODS)
    return latest


async def _calendars(
    office: Office, session: AsyncSession, opd_ids: Sequence[int]
) -> dict[int, WorkingCalendar]:
    """Each OPD's working calendar (its hours, its admins' days off), read for all at once."""
    await office.keep_opds(session, opd_ids)
    return {opd_id: await office.calendar(opd_id=opd_id) for opd_id in opd_ids}


async def _load(office: Office, session: AsyncSession, typed: str | None) -> _Source:
    name = await _period_name(session, typed)
    opds = (await session.exec(select(Opd.id, Opd.kode, Opd.nama).order_by(col(Opd.kode)))).all()
    periods: dict[int, Period] = {}
    for p in (
        await session.exec(select(Period).where(Period.name == name).order_by(col(Period.id)))
    ).all():
        periods[p.opd_id] = p  # the latest of that name in each OPD
    if not periods:
        raise SopError(
            f"Belum ada OPD yang memulai periode {name}. Ketik /kabupaten untuk periode terbaru."
        )
    ids = [p.id for p in periods.values()]
    runs = _by(
        (
            await session.exec(
                select(StepRun)
                .where(col(StepRun.period_id).in_(ids))
                .order_by(col(StepRun.opened_at), col(StepRun.id))
            )
        ).all(),
        "period_id",
    )
    indicators = _by(
        (
            await session.exec(
                sa_select(*_MEASURED)
                .where(col(Indicator.period_id).in_(ids))
                .order_by(col(Indicator.position))
            )
        ).all(),
        "period_id",
    )
    units = _by(
        (
            await session.exec(
                plain_rows(
                    IndicatorUnit,
                    col(IndicatorUnit.period_id).in_(ids),
                    order=IndicatorUnit.position,
                )
            )
        ).all(),
        "period_id",
    )
    values: dict[int, dict[int, Decimal | None]] = defaultdict(dict)
    figures = sa_select(Figure.period_id, Figure.indicator_id, Figure.status, Figure.realisasi)
    for f in (await session.exec(figures.where(col(Figure.period_id).in_(ids)))).all():
        values[f.period_id][f.indicator_id] = counted(f.status, f.realisasi)
    parsed = parse_period_name(name)
    # TW I has no earlier triwulan to sum; any other period reads the year's once for all OPD.
    earlier = (
        await earlier_across(session, parsed.year, parsed.triwulan) if parsed.triwulan != 1 else {}
    )
    doers = select(StepRun.done_by).where(col(StepRun.period_id).in_(ids))
    return _Source(
        period=name,
        triwulan=parsed.triwulan,
        opds=[(o.id, o.kode, o.nama) for o in opds],
        periods=periods,
        runs=runs,
        calendars=await _calendars(office, session, [o.id for o in opds]),
        indicators=indicators,
        units=units,
        values=values,
        earlier=earlier,
        names=await queries.user_names(session=session, among=doers),
    )


# ------------------------------------------------------------------------------ compute


def _line(src: _Source, opd: tuple[int, str, str], rules: CapaianRules, now: datetime) -> OpdLine:
    opd_id, kode, nama = opd
    period = src.periods.get(opd_id)
    if period is None:
        return OpdLine(kode, nama, None, None, 0, 0, 0, 0, None, None)
    cal = src.calendars[opd_id]
    runs = src.runs.get(period.id, [])
    measured = {r.id: run_compliance(r, cal, now, src.names) for r in runs}
    timed = tuple(m for m in measured.values() if m is not None)
    open_runs = [r for r in runs if r.status == engine.OPEN]
    current = open_runs[-1] if open_runs and period.status == engine.RUNNING else None
    now_measured = measured.get(current.id) if current is not None else None
    late_now = now_measured.late_minutes if now_measured is not None else 0
    indicators = src.indicators.get(period.id, [])
    values = src.values.get(period.id, {})
    earlier = {i.ikode: src.earlier.get((opd_id, i.ikode), {}) for i in indicators}
    _, tree = measured_tree(
        src.triwulan, src.units.get(period.id, []), indicators, values, earlier, rules, True
    )
    total = tree_overall(tree, rules)
    return OpdLine(
        kode=kode,
        nama=nama,
        status=period.status,
        step_no=current.step_no if current else None,
        late_minutes=late_now,
        late_steps=sum(1 for m in timed if m.late_minutes > 0),
        indicators=len(indicators),
        reported=sum(1 for i in indicators if values.get(i.id) is not None),
        capaian=total.value if indicators else None,
        predikat=total.predikat if indicators else None,
        programs=tuple(
            ProgramLine(n.kode, n.nama, n.capaian, n.predikat, n.n_indicators)
            for n in tree
            if n.depth == 0
        ),
        runs=timed,
    )


def _compliance(lines: Sequence[OpdLine], period: str) -> ComplianceTable:
    """Every OPD's step runs in one table, each row led by its OPD (core.compliance.table)."""
    rows = []
    for line in lines:
        report = PeriodCompliance(0, period, line.status or "", line.runs)
        rows += [(line.kode, line.nama, *row) for row in compliance_table(report)[1]]
    return ComplianceTable(("Kode OPD", "OPD", *COMPLIANCE_HEADERS), tuple(rows))


def _shared(lines: Sequence[OpdLine]) -> tuple[SharedProgram, ...]:
    """Program kode found in two OPD or more, each with every OPD's program of that kode."""
    by_kode: dict[str, list[tuple[OpdLine, ProgramLine]]] = defaultdict(list)
    for line in sorted(lines, key=lambda line: line.kode):
        for program in line.programs:
            by_kode[program.kode].append((line, program))
    return tuple(
        SharedProgram(kode, tuple(opds)) for kode, opds in sorted(by_kode.items()) if len(opds) > 1
    )


def compute(
    src: _Source, rules: CapaianRules, now: datetime, timezone: str, generated_by: str = ""
) -> Regency:
    """Every OPD's line, in the order that puts what needs attention first (pure)."""
    lines = sorted((_line(src, opd, rules, now) for opd in src.opds), key=attention_order)
    return Regency(
        src.period,
        tuple(lines),
        now,
        timezone,
        rules.cap,
        generated_by=generated_by,
        compliance=_compliance(lines, src.period),
        shared=_shared(lines),
    )


async def regency(office: Office, telegram_id: int, period: str | None = None) -> Regency:
    """/kabupaten [periode]: every OPD in that period (default: the latest name any OPD has),
    for Bappeda, Inspektorat and the regency admins."""
    async with office.db.session(across=True) as session:
        await _require_reader(office, session, telegram_id)
        src = await _load(office, session, period)
    zone = office.calendar_config.timezone
    return await asyncio.to_thread(compute, src, office.rules, office.clock(), zone)


Progress = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class RegencyFiles:
    period: str
    opds: int
    workbook: bytes
    chart: bytes
    file_name: str
    chart_name: str


def file_names(period: str) -> tuple[str, str]:
    safe = "".join(c for c in period if c.isalnum() or c in " -_")
    return f"Rekapitulasi Kabupaten — {safe}.xlsx", f"Grafik Capaian OPD — {safe}.png"


async def build(
    office: Office, telegram_id: int, period: str | None, progress: Progress | None = None
) -> RegencyFiles:
    """/kabupaten rekap <periode>: the Rekapitulasi Kabupaten workbook and its chart, the CPU
    work off the event loop. It belongs to no OPD, so it is sent, not stored in an archive."""

    async def say(text: str) -> None:
        if progress is not None:
            await progress(text)

    await say("memuat data seluruh OPD")
    async with office.db.session(across=True) as session:
        name = await _require_reader(office, session, telegram_id)
        src = await _load(office, session, period)
    await say(f"menghitung capaian {len(src.opds)} OPD")
    zone = office.calendar_config.timezone
    data = await asyncio.to_thread(compute, src, office.rules, office.clock(), zone, name)
    await say("menyusun workbook dan grafik")
    workbook, chart = await asyncio.to_thread(render, data)
    xlsx, png = file_names(data.period)
    return RegencyFiles(data.period, len(data.lines), workbook, chart, xlsx, png)


def render(data: Regency) -> tuple[bytes, bytes]:
    chart = build_chart(data)
    return build_workbook(data, chart), chart
