"""Rekapitulasi Hasil Pengukuran Data Kinerja (SOP steps 7-8) from the database.

`load` reads a period (indicators, units, figures, the year's earlier triwulan, the previous
period, the step runs); `compute` turns that into a `RecapInput` (pure: capaian per indicator,
aggregation up the tree, budget, predikat counts, compliance rows); `render` lays out the
workbook and the chart. `build` does the three, the heavy part off the event loop; the actions
below store the workbook as step 7's output and carry it to step 8 as the Draft Laporan.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import engine
from core.capaian import (
    NA_NO_REALISASI,
    CapaianRules,
    UnitCapaian,
    efisiensi,
    format_target,
    predikat,
    serapan,
    unit_capaian,
)
from core.compliance import period_compliance, workbook_table
from core.engine import SopError
from core.indicator_notices import display_code, shared_kodes, spec_of
from core.indicators import (
    MISSING,
    STATUS_LABELS,
    VALID,
    earlier_figures,
    has_indicators,
    open_run,
    periods_with_indicators,
)
from core.measure import measure, rules_text
from core.office import Office
from core.rekap_workbook import (
    SHEETS,
    ComplianceTable,
    IndicatorResult,
    RecapInput,
    TreeNode,
    Trend,
    TrendPeriod,
    TrendProgram,
    build_chart,
    build_recap,
)
from core.sop import step
from core.transitions import DRAFT, REPLACED, Choice, previous_output
from core.users import active_user, audit, to_actor
from storage.models import (
    Document,
    Figure,
    Indicator,
    IndicatorUnit,
    Opd,
    Period,
    StepRun,
    User,
)
from storage.scope import IDENTITY

RECAP_STEP, DRAFT_STEP = 7, 8
CHART_KIND = "Grafik Capaian Kinerja"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_LEVELS = ("Program", "Kegiatan", "Sub Kegiatan")
Progress = Callable[[str], Awaitable[None]]


@dataclass
class RecapSource:
    """Everything the recap reads from the database, as plain rows."""

    office: str
    period: Period
    units: Sequence[IndicatorUnit]
    indicators: Sequence[Indicator]
    figures: Mapping[int, Figure]
    names: Mapping[int, str]
    earlier: Mapping[str, Mapping[int, Decimal]]
    previous_period: str | None = None
    previous: Mapping[str, Decimal | None] = field(default_factory=dict)
    jabatan: Mapping[int, str] = field(default_factory=dict)
    last_year_period: str | None = None
    last_year: Mapping[str, Decimal | None] = field(default_factory=dict)
    trend: Sequence[_TrendPoint] = ()
    compliance: ComplianceTable = field(default_factory=ComplianceTable)
    timezone: str = "Asia/Jakarta"
    now: datetime | None = None


@dataclass(frozen=True)
class RecapFiles:
    period_id: int
    period: str
    workbook: bytes
    chart: bytes
    file_name: str
    chart_name: str
    indicators: int
    with_capaian: int
    averages: tuple[tuple[str, Decimal | None], ...]
    na: int = 0
    missing: int = 0


@dataclass(frozen=True)
class RecapTarget:
    """Which period /rekap works on, and what it does there."""

    period_id: int
    period: str
    step_no: int | None
    run_id: int | None
    # The period's OPD, which the recap is built in (core.recap.build).
    opd_id: int

    @property
    def stores(self) -> bool:
        return self.step_no == RECAP_STEP


@dataclass(frozen=True)
class Stored:
    period: str
    step_no: int
    run_id: int
    documents: tuple[int, ...]
    file_names: tuple[str, ...]
    replaced: bool


def file_names(period: str) -> tuple[str, str]:
    safe = "".join(c for c in period if c.isalnum() or c in " -_")
    return (
        f"Rekapitulasi Hasil Pengukuran Data Kinerja — {safe}.xlsx",
        f"Grafik Capaian Kinerja — {safe}.png",
    )


# ---------------------------------------------------------------------------------- load


def plain_rows(model, *where, order=None):
    """Plain rows of a table (attribute access like the model): no ORM instances, which cost
    most of the load time for 10,000 indicators."""
    q = sa_select(*model.__table__.columns).where(*where)
    return q.order_by(order) if order is not None else q


async def load(office: Office, session: AsyncSession, period: Period) -> RecapSource:
    """The period's rows, its compliance table, the earlier periods it is compared with and
    the year's trend."""
    source = await _load_own(office, session, period)
    # One compliance builder serves /kepatuhan and the workbook's Kepatuhan SOP sheet.
    cal = await office.calendar(session)
    source.timezone = cal.config.timezone
    source.compliance = workbook_table(await period_compliance(session, period.id, cal, source.now))
    measured: dict[int, _Earlier] = {}

    async def earlier(p: Period) -> _Earlier:  # each earlier period is measured once
        if p.id not in measured:
            measured[p.id] = await _measure_earlier(office, session, p)
        return measured[p.id]

    prev = await _previous_period(session, period)
    if prev is not None:
        source.previous_period = prev.name
        source.previous = (await earlier(prev)).capaian
    last_year = await _same_period_last_year(session, period)
    if last_year is not None:
        source.last_year_period = last_year.name
        source.last_year = (await earlier(last_year)).capaian
    source.trend = [
        _TrendPoint(TrendPeriod(p.name, p.year, p.triwulan or 0), (await earlier(p)).programs)
        for p in await _trend_periods(session, period)
    ]
    return source


async def _load_own(office: Office, session: AsyncSession, period: Period) -> RecapSource:
    """The period's own rows: units, indicators, figures, users, the year's earlier figures."""
    units = (
        await session.exec(
            plain_rows(
                IndicatorUnit,
                IndicatorUnit.period_id == period.id,
                order=col(IndicatorUnit.position),
            )
        )
    ).all()
    indicators = (
        await session.exec(
            plain_rows(Indicator, Indicator.period_id == period.id, order=col(Indicator.position))
        )
    ).all()
    figures = {
        f.indicator_id: f
        for f in (await session.exec(plain_rows(Figure, Figure.period_id == period.id))).all()
    }
    # Only the PICs named in the report (their name and, for the analysis, their jabatan),
    # found across the regency: a PIC who moved to another OPD is still named here.
    pics = {i.pic_user_id for i in indicators if i.pic_user_id is not None}
    users = (
        await session.exec(
            sa_select(User.id, User.nama, User.jabatan)
            .where(col(User.id).in_(pics))
            .execution_options(**IDENTITY)
        )
    ).all()
    names = {u.id: u.nama for u in users}
    earlier = await earlier_figures(session, period, [i.ikode for i in indicators])
    return RecapSource(
        office=(await office.opd(session)).office_name,
        period=period,
        units=units,
        indicators=indicators,
        figures=figures,
        names=names,
        earlier=earlier,
        jabatan={u.id: u.jabatan for u in users},
        now=office.clock(),
    )


def _order(period: Period) -> tuple[int, int]:
    return (period.year, period.triwulan or 5)


async def _live_periods(session: AsyncSession, *where) -> Sequence[Period]:
    """Periods not cancelled that match `where`, the latest first."""
    q = select(Period).where(Period.status != engine.CANCELLED, *where)
    return (await session.exec(q.order_by(col(Period.id).desc()))).all()


async def _first_with_indicators(session: AsyncSession, periods) -> Period | None:
    for p in periods:
        if await has_indicators(session, p.id):
            return p
    return None


async def _previous_period(session: AsyncSession, period: Period) -> Period | None:
    """The latest earlier period (by year and triwulan, Tahunan last) that has indicators."""
    rows = await _live_periods(session, Period.id != period.id, col(Period.year) <= period.year)
    before = sorted(
        (p for p in rows if _order(p) < _order(period)), key=lambda p: (_order(p), p.id)
    )
    return await _first_with_indicators(session, reversed(before))


async def _same_period_last_year(session: AsyncSession, period: Period) -> Period | None:
    """The same triwulan (or Tahunan) a year earlier, the latest of that name with indicators."""
    rows = await _live_periods(
        session, Period.year == period.year - 1, Period.triwulan == period.triwulan
    )
    return await _first_with_indicators(session, rows)


@dataclass(frozen=True)
class _TrendPoint:
    """Another period's capaian per program (kode → (nama, capaian)), for the trend."""

    period: TrendPeriod
    programs: Mapping[str, tuple[str, Decimal | None]]


async def _trend_periods(session: AsyncSession, period: Period) -> list[Period]:
    """The other triwulan of the year up to this one and the same ones a year earlier, the
    latest period of each that has indicators, in time order (this period's own values come
    from its computation, in `compute`)."""
    last = period.triwulan or 4
    rows = await _live_periods(
        session,
        col(Period.year).in_([period.year, period.year - 1]),
        col(Period.triwulan).is_not(None),
        col(Period.triwulan) <= last,
    )
    chosen: dict[tuple[int, int], Period] = {(period.year, period.triwulan or 0): period}
    for p in rows:
        key = (p.year, p.triwulan or 0)
        if key not in chosen and await has_indicators(session, p.id):
            chosen[key] = p
    return [p for p in sorted(chosen.values(), key=_order) if p.id != period.id]


def _with_trend(period: Period, tree: Sequence[TreeNode], others: Sequence[_TrendPoint]):
    """The trend with this period's programs in their place; None with no other period."""
    if not others:
        return None
    own = _TrendPoint(
        TrendPeriod(period.name, period.year, period.triwulan or 4),
        {n.kode: (n.nama, n.capaian) for n in tree if n.depth == 0},
    )
    points = sorted([*others, own], key=lambda t: (t.period.year, t.period.triwulan))
    names: dict[str, str] = {}
    for point in points:
        for kode, (nama, _) in point.programs.items():
            names.setdefault(kode, nama)
    return Trend(
        periods=tuple(t.period for t in points),
        programs=tuple(
            TrendProgram(kode, nama, tuple(t.programs.get(kode, ("", None))[1] for t in points))
            for kode, nama in names.items()
        ),
        year=period.year,
    )


@dataclass(frozen=True)
class _Earlier:
    """An earlier period's capped capaian by ikode (for the comparison) and per program as
    kode → (nama, capaian) (for the trend), from its validated figures."""

    capaian: Mapping[str, Decimal | None]
    programs: Mapping[str, tuple[str, Decimal | None]]


async def _measure_earlier(office: Office, session: AsyncSession, period: Period) -> _Earlier:
    units = (
        await session.exec(plain_rows(IndicatorUnit, IndicatorUnit.period_id == period.id))
    ).all()
    indicators = (await session.exec(plain_rows(Indicator, Indicator.period_id == period.id))).all()
    figures = {
        f.indicator_id: f
        for f in (
            await session.exec(
                sa_select(Figure.indicator_id, Figure.realisasi, Figure.status).where(
                    Figure.period_id == period.id
                )
            )
        ).all()
    }
    earlier = await earlier_figures(session, period, [i.ikode for i in indicators])
    return await asyncio.to_thread(
        _earlier_capaian, period, units, indicators, figures, earlier, office.rules
    )


def _earlier_capaian(period, units, indicators, figures, earlier, rules) -> _Earlier:
    values = {i: f.realisasi for i, f in figures.items() if f.status == VALID}
    capaian, tree = measured_tree(
        period.triwulan, units, indicators, values, earlier, rules, roots_only=True
    )
    return _Earlier(capaian, {n.kode: (n.nama, n.capaian) for n in tree if n.depth == 0})


def measured_tree(
    triwulan: int | None,
    units: Sequence[IndicatorUnit],
    indicators: Sequence[Indicator],
    values: Mapping[int, Decimal | None],
    earlier: Mapping[str, Mapping[int, Decimal]],
    rules: CapaianRules,
    roots_only: bool = False,
) -> tuple[dict[str, Decimal | None], list[TreeNode]]:
    """Each indicator's capped capaian (by ikode) for the realisations in `values` (by
    indicator id), and the tree built from them (its programs alone with `roots_only`): what a
    comparison with an earlier period and the regency's view (core.kabupaten) need of a
    period, without the recap's rows."""
    capaian: dict[str, Decimal | None] = {}
    by_unit: dict[str, list[_Measured]] = defaultdict(list)
    for ind in indicators:
        m = measure(spec_of(ind), triwulan, values.get(ind.id), earlier.get(ind.ikode, {}), rules)
        capaian[ind.ikode] = m.capaian.capped
        by_unit[ind.kode].append(
            _Measured(m.capaian.capped, m.capaian.na_reason == NA_NO_REALISASI)
        )
    return capaian, _tree(units, by_unit, rules, roots_only)


def counted(status: str, realisasi: Decimal | None) -> Decimal | None:
    """The realisation a recap measures: any reported figure, not one closed as missing."""
    return realisasi if status != MISSING else None


# ------------------------------------------------------------------------------- compute


def _note(fig: Figure | None) -> str:
    if fig is None:
        return ""
    parts = []
    if fig.faktor_pendukung:
        parts.append(f"Faktor pendukung: {fig.faktor_pendukung}")
    if fig.faktor_penghambat:
        parts.append(f"Faktor penghambat: {fig.faktor_penghambat}")
    if fig.note:
        parts.append(f"Catatan: {fig.note}")
    return "\n".join(parts)


def compute(src: RecapSource, rules: CapaianRules, generated_by: str) -> RecapInput:
    """Every number of the recap, from the loaded rows and the office's rules."""
    period = src.period
    shared = shared_kodes(src.indicators)
    rows: list[IndicatorResult] = []
    by_unit: dict[str, list[_Measured]] = defaultdict(list)
    counts = {name: 0 for _, name in rules.bands}
    for ind in src.indicators:
        fig = src.figures.get(ind.id)
        reported = counted(fig.status, fig.realisasi) if fig is not None else None
        m = measure(spec_of(ind), period.triwulan, reported, src.earlier.get(ind.ikode, {}), rules)
        c = m.capaian
        if m.predikat is not None:
            counts[m.predikat] += 1
        missing = c.na_reason == NA_NO_REALISASI
        by_unit[ind.kode].append(_Measured(c.capped, missing))
        rows.append(
            IndicatorResult(
                kode=display_code(ind, ind.kode in shared),
                nama=ind.nama,
                indikator=ind.indikator,
                satuan=ind.satuan,
                target=m.target if isinstance(m.target, Decimal) else format_target(m.target),
                realisasi=m.compared,
                capaian=c.raw,
                capaian_capped=c.capped,
                cap_applied=c.cap_applied,
                rule=m.rule,
                predikat=m.predikat,
                level=ind.level,
                na_reason=c.na_reason,
                pic=src.names.get(ind.pic_user_id or 0, ind.pic_nip),
                evidence=fig is not None and fig.evidence_document_id is not None,
                status=STATUS_LABELS.get(fig.status if fig else None, ""),
                note=_note(fig),
                previous_capaian=src.previous.get(ind.ikode),
                missing=missing,
                faktor_pendukung=(fig.faktor_pendukung or "") if fig else "",
                faktor_penghambat=(fig.faktor_penghambat or "") if fig else "",
                pic_jabatan=src.jabatan.get(ind.pic_user_id or 0, ""),
                last_year_capaian=src.last_year.get(ind.ikode),
            )
        )
    tree = _tree(src.units, by_unit, rules)
    n_missing = sum(1 for r in rows if r.missing)
    return RecapInput(
        office=src.office,
        period=period.name,
        generated_at=src.now or datetime.now().astimezone(),
        generated_by=generated_by,
        rows=rows,
        tree=tree,
        predikat_counts=counts,
        compliance=src.compliance,
        cap=rules.cap,
        rules_text=rules_text(rules),
        previous_period=src.previous_period,
        timezone=src.timezone,
        n_na=sum(1 for r in rows if r.capaian_capped is None) - n_missing,
        n_missing=n_missing,
        last_year_period=src.last_year_period,
        trend=_with_trend(period, tree, src.trend),
    )


@dataclass(frozen=True)
class _Measured:
    """What the tree needs of one indicator: its capped capaian and whether it is missing."""

    capped: Decimal | None
    missing: bool


@dataclass
class _Node:
    unit: IndicatorUnit
    children: list[_Node] = field(default_factory=list)
    result: UnitCapaian = field(default_factory=lambda: unit_capaian([], [], ""))
    count: int = 0
    na: int = 0
    missing: int = 0
    pagu: Decimal | None = None
    realisasi: Decimal | None = None


def _tree(
    units: Sequence[IndicatorUnit],
    by_unit: Mapping[str, list[_Measured]],
    rules: CapaianRules,
    roots_only: bool = False,
) -> list[TreeNode]:
    """Program → Kegiatan → Sub Kegiatan: a node's capaian is its own indicators' mean, or
    without them its children's (core.capaian.unit_capaian); counts and budgets add up.
    `roots_only` lists the programs alone (computed from the whole tree all the same)."""
    nodes = {u.kode: _Node(u) for u in units}
    roots: list[_Node] = []
    for u in units:
        parent = nodes.get(u.parent_kode) if u.parent_kode else None
        (parent.children if parent else roots).append(nodes[u.kode])

    def fill(node: _Node) -> None:
        own = by_unit.get(node.unit.kode, [])
        for child in node.children:
            fill(child)
        node.count = len(own) + sum(c.count for c in node.children)
        node.missing = sum(1 for m in own if m.missing) + sum(c.missing for c in node.children)
        node.na = sum(1 for m in own if m.capped is None and not m.missing) + sum(
            c.na for c in node.children
        )
        if node.children:
            node.pagu = _sum(c.pagu for c in node.children)
            node.realisasi = _sum(c.realisasi for c in node.children)
        else:
            node.pagu, node.realisasi = node.unit.pagu, node.unit.realisasi_anggaran
        counted = [c for c in node.children if c.count]
        node.result = unit_capaian(
            [m.capped for m in own],
            [(c.result.value, c.pagu) for c in counted],
            counted[0].unit.level.lower() if counted else "",
            rules,
        )

    out: list[TreeNode] = []

    def flatten(node: _Node, depth: int) -> None:
        spent = serapan(node.pagu, node.realisasi)
        result = node.result
        out.append(
            TreeNode(
                level=node.unit.level,
                kode=node.unit.kode,
                nama=node.unit.nama,
                depth=depth,
                capaian=result.value,
                predikat=predikat(result.value, rules),
                n_indicators=node.count,
                n_na=node.na,
                pagu=node.pagu,
                realisasi_anggaran=node.realisasi,
                serapan=spent,
                efisiensi=efisiensi(result.value, spent),
                own_capaian=result.own.value if result.own else None,
                children_capaian=result.children.value if result.children else None,
                basis=result.rule,
                n_missing=node.missing,
            )
        )
        for child in () if roots_only else node.children:
            flatten(child, depth + 1)

    for root in roots:
        fill(root)
        flatten(root, _LEVELS.index(root.unit.level) if root.unit.level in _LEVELS else 0)
    return out


def _sum(values) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


def render(data: RecapInput) -> tuple[bytes, bytes]:
    return build_recap(data), build_chart(data)


async def prepare(
    office: Office,
    period_id: int,
    generated_by: str,
    progress: Progress | None = None,
    *,
    opd_id: int,
) -> RecapInput:
    """Load and compute one period's recap (the CPU work off the event loop): the figures the
    workbook, the chart and the Draft Laporan all lay out. `opd_id` is the OPD of the user the
    caller checked, so a period of another OPD is not found."""

    async def say(text: str) -> None:
        if progress is not None:
            await progress(text)

    await say("memuat data dari basis data")
    async with office.db.session(opd_id) as session:
        period = await session.get(Period, period_id)
        if period is None:
            raise SopError("Periode tidak ditemukan.")
        src = await load(office, session, period)
    if not src.indicators:
        raise SopError(
            f"Periode {period.name} belum memiliki indikator: Kertas Kerja (Langkah 4) "
            "belum diimpor."
        )
    await say(f"menghitung capaian {len(src.indicators)} indikator")
    return await asyncio.to_thread(compute, src, office.rules, generated_by)


async def build(
    office: Office,
    period_id: int,
    generated_by: str,
    progress: Progress | None = None,
    *,
    opd_id: int,
) -> RecapFiles:
    """Load, compute and lay out one period's recap; the CPU work runs off the event loop."""
    data = await prepare(office, period_id, generated_by, progress, opd_id=opd_id)
    if progress is not None:
        await progress(f"menyusun workbook ({len(SHEETS)} sheet)")
    workbook = await asyncio.to_thread(build_recap, data)
    if progress is not None:
        await progress("membuat grafik")
    chart = await asyncio.to_thread(build_chart, data)
    xlsx_name, png_name = file_names(data.period)
    programs = tuple((n.kode, n.capaian) for n in data.tree if n.depth == 0)
    return RecapFiles(
        period_id,
        data.period,
        workbook,
        chart,
        xlsx_name,
        png_name,
        len(data.rows),
        sum(1 for r in data.rows if r.capaian_capped is not None),
        programs,
        data.n_na,
        data.n_missing,
    )


# ------------------------------------------------------------------------------- actions


async def tim_user(session: AsyncSession, office: Office, telegram_id: int) -> User:
    """The recap is Tim SAKIP's work (step 7): everyone else is refused before any query."""
    user = await active_user(session, telegram_id)
    if to_actor(user, office).role is not step(RECAP_STEP).actor:
        raise SopError("Rekapitulasi dibuat oleh Tim SAKIP (Langkah 7).")
    return user


async def target(office: Office, telegram_id: int, period_id: int | None = None):
    """The period /rekap works on: step 7 stores the recap, step 8 carries it to the Draft
    Laporan, any other running period with indicators gets a preview that is not stored."""
    async with office.db.session() as session:
        await tim_user(session, office, telegram_id)
        found = [
            RecapTarget(
                p.id, p.name, run.step_no if run else None, run.id if run else None, p.opd_id
            )
            for p, run in await periods_with_indicators(session, period_id)
        ]
        if not found:
            raise SopError(
                "Tidak ada periode berjalan yang memiliki indikator untuk direkap. Ketik /status."
            )
        if len(found) > 1:
            return Choice(tuple((t.period_id, t.period) for t in found))
        return found[0]


async def _replace_drafts(session: AsyncSession, run_id: int) -> bool:
    res = await session.exec(
        update(Document)
        .where(col(Document.step_run_id) == run_id, Document.status == DRAFT)
        .values(status=REPLACED)
    )
    return bool(res.rowcount)


def _document(period: Period, run: StepRun, user: User, now, **fields) -> Document:
    return Document(
        period_id=period.id,
        step_run_id=run.id,
        status=DRAFT,
        uploaded_by=user.id,
        uploaded_at=now,
        **fields,
    )


async def _store_drafts(
    session: AsyncSession,
    period: Period,
    run: StepRun,
    user: User,
    now: datetime,
    documents: Sequence[dict],
) -> Stored:
    """The run's drafts give way to these documents: one way for steps 7 and 8 alike."""
    replaced = await _replace_drafts(session, run.id)
    docs = [_document(period, run, user, now, **fields) for fields in documents]
    session.add_all(docs)
    await session.flush()
    return Stored(
        period.name,
        run.step_no,
        run.id,
        tuple(d.id for d in docs),
        tuple(d.file_name for d in docs),
        replaced,
    )


async def store(office: Office, telegram_id: int, files: RecapFiles) -> Stored:
    """The built recap (and its chart) becomes step 7's draft output, replacing earlier ones."""
    now = office.clock()
    async with office.db.transaction() as session:
        user = await tim_user(session, office, telegram_id)
        period = await session.get(Period, files.period_id)
        run = await open_run(session, files.period_id, RECAP_STEP)
        if period is None or period.status != engine.RUNNING or run is None:
            raise SopError(
                "Langkah 7 periode ini sudah tidak terbuka; rekap dikirim tanpa disimpan."
            )
        documents = [
            {
                "kind": kind,
                "file_name": name,
                "mime_type": mime,
                "size": len(content),
                "sha256": await office.files.write(content),
            }
            for content, name, mime, kind in (
                (files.workbook, files.file_name, XLSX_MIME, step(RECAP_STEP).output),
                (files.chart, files.chart_name, "image/png", CHART_KIND),
            )
        ]
        stored = await _store_drafts(session, period, run, user, now, documents)
        await audit(
            session, "rekap", now, user.id, period.id, step=RECAP_STEP, indikator=files.indicators
        )
        return stored


async def carry_to_draft(
    office: Office, telegram_id: int, period_id: int, laporan: tuple[bytes, str, str, str]
) -> tuple[Stored, tuple[tuple[bytes, str, str], ...]]:
    """Step 8: the Draft Laporan (`laporan`: content, file name, MIME type, kind) with the
    recap finished at step 7 (workbook and chart) beside it, as the step's drafts. Returns what
    was stored and the carried documents' bytes, to send them back beside the report."""
    now = office.clock()
    content, name, mime, kind = laporan
    async with office.db.transaction() as session:
        user = await tim_user(session, office, telegram_id)
        period = await session.get(Period, period_id)
        run = await open_run(session, period_id, DRAFT_STEP)
        if period is None or run is None:
            raise SopError("Langkah 8 periode ini sedang tidak terbuka. Ketik /status.")
        sources = await _documents(session, await previous_output(session, period_id, DRAFT_STEP))
        if not sources:
            raise SopError("Rekap Langkah 7 tidak ditemukan. Kirim draft laporan sebagai dokumen.")
        report = {
            "kind": kind,
            "file_name": name,
            "mime_type": mime,
            "size": len(content),
            "sha256": await office.files.write(content),
        }
        carried = [
            {
                "kind": src.kind,
                "file_name": src.file_name,
                "mime_type": src.mime_type,
                "size": src.size,
                "sha256": src.sha256,
                "telegram_file_id": src.telegram_file_id,
            }
            for src in sources
        ]
        # The report first: the Sekretaris opens it before the workbook and the chart.
        stored = await _store_drafts(session, period, run, user, now, [report, *carried])
        await audit(session, "draft_laporan", now, user.id, period.id, step=DRAFT_STEP)
        attached = [
            (await office.files.read(src.sha256), src.file_name, src.mime_type or "")
            for src in sources
        ]
        return stored, tuple(attached)


async def _documents(session: AsyncSession, ids: Sequence[int]) -> Sequence[Document]:
    """The documents with these ids in upload order, so the copies keep the recap's order."""
    if not ids:
        return []
    q = select(Document).where(col(Document.id).in_(list(ids))).order_by(col(Document.id))
    return (await session.exec(q)).all()


async def period_by_name(office: Office, name: str, kode: str | None = None) -> Period:
    """For the command line: the latest period of that name (any spelling /mulai accepts) of
    the OPD `kode`; without it, of the one OPD that has such a period, as OPD share names."""
    from core.opd import opd_by_kode
    from core.periode import parse_period_name

    canonical = parse_period_name(name).name
    async with office.db.session(across=True) as session:
        query = select(Period).where(Period.name == canonical)
        if kode is not None:
            query = query.where(Period.opd_id == (await opd_by_kode(session, kode)).id)
        found = (await session.exec(query.order_by(col(Period.id).desc()))).all()
        if not found:
            raise SopError(f"Periode {canonical} tidak ditemukan.")
        opds = {p.opd_id for p in found}
        if len(opds) > 1:
            having = select(Opd.kode).where(col(Opd.id).in_(opds)).order_by(col(Opd.kode))
            kodes = (await session.exec(having)).all()
            raise SopError(
                f"Periode {canonical} ada di beberapa OPD: sebutkan OPD-nya dengan --opd KODE "
                f"({', '.join(kodes)})."
            )
        return found[0]
