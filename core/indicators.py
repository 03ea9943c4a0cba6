"""Indicators and their figures (SOP steps 4-6), one transaction per action.

Step 4: a clean Kertas Kerja upload replaces the period's indicator set and is the step's draft.
Step 5: every PIC reports the realisation of their indicators (/lapor); the step ends by itself
when every indicator has one, or when Tim SAKIP closes it (the missing ones recorded).
Step 6: Tim SAKIP declares each figure valid or returns it with a note; the step ends when every
figure is valid. A step 9 rejection that names indicators reopens step 6 for those figures.
"""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import PurePath

from sqlalchemy import delete, func, insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import engine
from core.capaian import format_target, parse_target, target_to_text
from core.engine import Actor, SopError
from core.indicator_notices import by_pic, display_code, shared_kodes, spec_of, users_by_id
from core.kertas_kerja import XLSX_HINT, format_errors, parse_kertas_kerja
from core.measure import Measured, measure
from core.numbers import NumberError, check_for_unit, format_exact, parse_number
from core.office import Office
from core.outbox import enqueue_users
from core.sop import Role, step
from core.transitions import (
    Choice,
    DocInput,
    Done,
    apply_transition,
    check_document,
    load_period,
    store_document,
)
from core.users import active_user, audit, to_actor
from storage import queries
from storage.models import Document, Figure, Indicator, IndicatorUnit, Period, StepRun, User

KK_STEP, REPORT_STEP, EVAL_STEP = 4, 5, 6
REPORTED, RETURNED, VALID, MISSING = "dilaporkan", "dikembalikan", "valid", "kosong"
# Status of an evidence document: never listed in the archive, never sent by /arsip.
EVIDENCE = "bukti"
EVIDENCE_KIND = "Bukti dukung realisasi"
MAX_ROWS = 5000
MAX_FAKTOR = 1000
NO_REPORTING = "Tidak ada pelaporan realisasi (Langkah 5) yang sedang dibuka."
# Who may see a figure's evidence besides the person who reported it.
EVIDENCE_ROLES = (Role.TIM_SAKIP, Role.SEKRETARIS, Role.KEPALA_DINAS)
_CODE = re.compile(r"^[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*(?:#\d+)?$")
_NAMED = re.compile(r"^\s*\[([^\]]*)\]\s*(.*)$", re.DOTALL)
MARKS = {VALID: "✅", REPORTED: "📝", RETURNED: "↩️", MISSING: "✖️", None: "▫️"}
STATUS_LABELS = {
    VALID: "valid",
    REPORTED: "menunggu evaluasi",
    RETURNED: "dikembalikan",
    MISSING: "tidak ada realisasi",
    None: "belum dilaporkan",
}


# ------------------------------------------------------------------------------ values


@dataclass(frozen=True)
class ReportItem:
    """One of a PIC's indicators, as the /lapor list and /progres show it."""

    indicator_id: int
    period_id: int
    period: str
    code: str
    indikator: str
    satuan: str
    target: str
    status: str | None
    realisasi: Decimal | None
    note: str | None
    editable: bool


@dataclass(frozen=True)
class Preview:
    """A figure typed in /lapor, read and measured before the ASN confirms it."""

    indicator_id: int
    period: str
    code: str
    indikator: str
    satuan: str
    value: Decimal
    needs_confirmation: bool
    warning: str | None
    measured: Measured
    current: Decimal | None


@dataclass(frozen=True)
class Submitted:
    preview: Preview
    corrected: bool
    remaining: int
    done: Done | None


@dataclass(frozen=True)
class Card:
    """A submitted figure as Tim SAKIP evaluates it."""

    figure_id: int
    version: int
    period_id: int
    period: str
    code: str
    indikator: str
    satuan: str
    pic: str
    realisasi: Decimal | None
    measured: Measured
    pendukung: str | None
    penghambat: str | None
    has_evidence: bool
    note: str | None
    corrected: bool
    position: int
    pending: int


@dataclass(frozen=True)
class Idle:
    """Nothing for this member to evaluate now, and why."""

    period: str
    returned: int
    own: int


@dataclass(frozen=True)
class Decided:
    card: Card
    valid: bool
    by: str
    at: datetime
    done: Done | None


@dataclass(frozen=True)
class PicLine:
    nama: str
    total: int
    reported: int
    valid: int
    returned: int
    missing: int


@dataclass(frozen=True)
class Progress:
    period: str
    step_no: int | None
    mine: tuple[ReportItem, ...]
    per_pic: tuple[PicLine, ...]
    team_view: bool
    period_id: int = 0
    can_close: bool = False


KK_PRIVATE = (
    "Kertas Kerja memuat NIP para PIC, jadi hanya dapat dibuka Tim SAKIP dan pimpinan. "
    "Rekapitulasi dan Laporan Hasil dapat dibuka semua pengguna."
)


def may_read_document(actor: Actor, kind: str) -> bool:
    """The uploaded Kertas Kerja lists PIC NIPs: archive readers other than Tim SAKIP and the
    heads do not get it (the recap workbook names PICs without NIP)."""
    return kind != step(KK_STEP).output or actor.role in EVIDENCE_ROLES


# ---------------------------------------------------------------------------- helpers


def parse_named_codes(note: str | None) -> tuple[tuple[str, ...], str]:
    """`[1.02.01.2, 1.02.03#2] catatan` → the kode list and the note; no list → ((), note).

    A kode names every indicator of that kode; `kode#n` one of several sharing it.
    """
    text = (note or "").strip()
    m = _NAMED.match(text)
    if not m:
        return (), text
    codes = tuple(dict.fromkeys(c for c in re.split(r"[,;\s]+", m[1]) if c))
    wrong = [c for c in codes if not _CODE.match(c)]
    if not codes or wrong:
        raise SopError(
            "Daftar kode indikator tidak terbaca"
            + (f" ({', '.join(wrong)})" if wrong else "")
            + ". Tulis kode dalam kurung siku dipisah koma, lalu catatannya, misalnya: "
            "/tolak [1.02.01.2, 1.02.03#2] Realisasi belum sesuai data BPS"
        )
    return codes, m[2].strip()


def _pg(session: AsyncSession) -> bool:
    return session.bind.dialect.name == "postgresql"


async def open_run(
    session: AsyncSession, period_id: int, step_no: int, lock: bool = False
) -> StepRun | None:
    """The step's open run in the period, locked on PostgreSQL when asked (one writer)."""
    q = select(StepRun).where(
        StepRun.period_id == period_id, StepRun.step_no == step_no, StepRun.status == engine.OPEN
    )
    if lock and _pg(session):
        q = q.with_for_update()
    return (await session.exec(q)).first()


async def _periods_with_open(
    session: AsyncSession, steps: Sequence[int]
) -> list[tuple[Period, StepRun]]:
    rows = (
        await session.exec(
            select(Period, StepRun)
            .join(StepRun, col(StepRun.period_id) == Period.id)
            .where(
                Period.status == engine.RUNNING,
                StepRun.status == engine.OPEN,
                col(StepRun.step_no).in_(steps),
            )
            .order_by(col(Period.id))
        )
    ).all()
    return list(rows)


async def _pick(
    session: AsyncSession, step_no: int, period_id: int | None, nothing: str
) -> tuple[Period, StepRun] | Choice:
    """The one running period where the step is open (or that one), a choice, or `nothing`."""
    periods = await _periods_with_open(session, (step_no,))
    if period_id is not None:
        periods = [(p, r) for p, r in periods if p.id == period_id]
    if not periods:
        raise SopError(nothing)
    if len({p.id for p, _ in periods}) > 1:
        return Choice(tuple(dict((p.id, p.name) for p, _ in periods).items()))
    return periods[0]


async def _earlier(session: AsyncSession, period: Period, ikodes: Sequence[str]) -> dict:
    """Validated figures of the same year's other triwulan, by ikode: {ikode: {tw: value}}."""
    if not ikodes:
        return {}
    q = (
        select(Indicator.ikode, Period.triwulan, Period.id, Figure.realisasi)
        .join(Figure, col(Figure.indicator_id) == Indicator.id)
        .join(Period, col(Period.id) == Indicator.period_id)
        .where(
            Indicator.year == period.year,
            col(Period.triwulan).is_not(None),
            Period.id != period.id,
            Period.status != engine.CANCELLED,
            Figure.status == VALID,
            col(Figure.realisasi).is_not(None),
        )
        .order_by(col(Period.id))
    )
    if len(ikodes) <= 500:
        q = q.where(col(Indicator.ikode).in_(ikodes))
    wanted = set(ikodes)
    out: dict[str, dict[int, Decimal]] = defaultdict(dict)
    for ikode, tw, _pid, value in (await session.exec(q)).all():
        if ikode in wanted:
            out[ikode][tw] = value  # a later period of the same triwulan wins
    return out


def _measure(office: Office, ind: Indicator, period: Period, value, earlier: dict) -> Measured:
    return measure(spec_of(ind), period.triwulan, value, earlier.get(ind.ikode, {}), office.rules)


def _editable(status: str | None, step5_open: bool, step6_open: bool) -> bool:
    if step5_open:
        return status != VALID
    return step6_open and status in (REPORTED, RETURNED)


async def _figure(session: AsyncSession, indicator_id: int) -> Figure | None:
    return (await session.exec(select(Figure).where(Figure.indicator_id == indicator_id))).first()


async def _names(session: AsyncSession) -> dict[int, str]:
    return {u.id: u.nama for u in (await session.exec(select(User))).all()}


# ------------------------------------------------------------------------------ step 4


async def import_kertas_kerja(
    office: Office, session: AsyncSession, user: User, period: Period, doc: DocInput
) -> str:
    """Validate the whole upload; only a clean file replaces the period's indicator set.

    Called by the workflow when a document arrives for step 4, inside its transaction: an
    error raises, so nothing (not even the document) is stored.
    """
    suffix = PurePath(doc.file_name).suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".xls", ".ods", ".csv"):
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
    result = await asyncio.to_thread(
        parse_kertas_kerja, doc.content, known_pics=set(people), max_rows=MAX_ROWS
    )
    if not result.ok:
        raise SopError(format_errors(result.errors))
    for table in (Figure, Indicator, IndicatorUnit):
        await session.exec(delete(table).where(col(table.period_id) == period.id))
    # Core bulk inserts: up to 5,000 rows, where ORM objects would cost seconds.
    conn = await session.connection()
    await conn.execute(
        insert(IndicatorUnit.__table__),
        [
            {
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
        ],
    )
    rows = []
    for position, row in enumerate(result.indicators):
        tws = [target_to_text(parse_target(t)) if t else None for t in row.target_tw]
        rows.append(
            {
                "period_id": period.id,
                "year": period.year,
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
                "pic_user_id": people[row.pic_nip].id,
                "program_kode": row.program_kode,
                "kegiatan_kode": row.kegiatan_kode,
                "sub_kegiatan_kode": row.sub_kegiatan_kode,
            }
        )
    await conn.execute(insert(Indicator.__table__), rows)
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
        file=doc.file_name,
    )
    return (
        f"Kertas Kerja bersih: {len(result.indicators)} indikator, {programs} program, "
        f"{pics} PIC. Indikator periode ini diganti dengan isi file ini."
    )


# ------------------------------------------------------------------------------ step 5


async def reporting_targets(session: AsyncSession, period_id: int) -> set[int]:
    """Users who still owe a figure in a period: PICs of indicators without one, or returned."""
    q = (
        select(Indicator.pic_user_id)
        .join(Figure, col(Figure.indicator_id) == Indicator.id, isouter=True)
        .where(
            Indicator.period_id == period_id,
            (col(Figure.id).is_(None)) | (Figure.status == RETURNED),
        )
        .distinct()
    )
    return {uid for uid in (await session.exec(q)).all() if uid is not None}


async def has_data_work(session: AsyncSession, actor: Actor, run: StepRun) -> bool:
    """Whether a data step waits on this user: in step 5 only PICs with figures still owed."""
    if run.step_no == REPORT_STEP:
        return actor.user_id in await reporting_targets(session, run.period_id)
    return True


async def my_indicators(office: Office, telegram_id: int) -> list[ReportItem]:
    """The user's indicators in running periods where reporting or evaluation is open."""
    async with office.db.session() as session:
        user = await active_user(session, telegram_id)
        return await _items_of(session, user, await _periods_with_open(session, (5, 6)))


async def _items_of(
    session: AsyncSession, user: User, periods: Sequence[tuple[Period, StepRun]]
) -> list[ReportItem]:
    open_steps: dict[int, set[int]] = defaultdict(set)
    names: dict[int, Period] = {}
    for p, r in periods:
        open_steps[p.id].add(r.step_no)
        names[p.id] = p
    if not names:
        return []
    rows = (
        await session.exec(
            select(Indicator, Figure)
            .join(Figure, col(Figure.indicator_id) == Indicator.id, isouter=True)
            .where(col(Indicator.period_id).in_(list(names)), Indicator.pic_user_id == user.id)
            .order_by(col(Indicator.period_id), col(Indicator.position))
        )
    ).all()
    shared_by_period: dict[int, set[str]] = {}
    for pid in names:
        kodes = (
            await session.exec(
                select(Indicator.kode)
                .where(Indicator.period_id == pid)
                .group_by(Indicator.kode)
                .having(func.count() > 1)
            )
        ).all()
        shared_by_period[pid] = set(kodes)
    items = []
    for ind, fig in rows:
        period = names[ind.period_id]
        status = fig.status if fig else None
        steps = open_steps[ind.period_id]
        items.append(
            ReportItem(
                ind.id,
                period.id,
                period.name,
                display_code(ind, ind.kode in shared_by_period[period.id]),
                ind.indikator,
                ind.satuan,
                format_target(spec_of(ind).period_target(period.triwulan)),
                status,
                fig.realisasi if fig else None,
                fig.note if fig else None,
                _editable(status, REPORT_STEP in steps, EVAL_STEP in steps),
            )
        )
    return items


async def _reportable(
    session: AsyncSession, user: User, indicator_id: int, lock: bool = False
) -> tuple[Indicator, Period, Figure | None, StepRun]:
    """The indicator, if this user is its PIC and may (still) report or correct its figure."""
    ind = await session.get(Indicator, indicator_id)
    if ind is None:
        raise SopError("Indikator tidak ditemukan. Ketik /lapor untuk memilih lagi.")
    if ind.pic_user_id != user.id:
        raise SopError("Anda bukan PIC indikator ini. Ketik /lapor untuk melihat indikator Anda.")
    period = await session.get(Period, ind.period_id)
    if period is None or period.status != engine.RUNNING:
        raise SopError("Periode indikator ini sudah tidak berjalan.")
    # The open run is locked first (PostgreSQL), so the figure read below is the latest one:
    # a double press, a validation or the last figure of another PIC cannot interleave.
    run5 = await open_run(session, period.id, REPORT_STEP, lock)
    run6 = None if run5 else await open_run(session, period.id, EVAL_STEP, lock)
    fig = await _figure(session, ind.id)
    status = fig.status if fig else None
    if not _editable(status, run5 is not None, run6 is not None):
        if status == VALID:
            raise SopError("Angka indikator ini sudah divalidasi Tim SAKIP; tidak bisa diubah.")
        if run6 is not None and status == MISSING:
            raise SopError(
                "Pelaporan sudah ditutup Tim SAKIP; indikator ini tercatat tanpa realisasi."
            )
        raise SopError(
            f"Pelaporan realisasi periode {period.name} sedang tidak dibuka. Ketik /status."
        )
    return ind, period, fig, (run5 or run6)  # type: ignore[return-value]


async def preview(
    office: Office,
    telegram_id: int,
    indicator_id: int,
    text: str | None = None,
    value: Decimal | None = None,
) -> Preview:
    """Read a typed figure the way Indonesians write it, check it against the unit, measure it."""
    async with office.db.session() as session:
        user = await active_user(session, telegram_id)
        ind, period, fig, _ = await _reportable(session, user, indicator_id)
        warning, confirm = None, False
        if value is None:
            try:
                parsed = parse_number(text or "")
            except NumberError as exc:
                raise SopError(str(exc)) from exc
            check = check_for_unit(parsed, ind.satuan)
            if not check.ok:
                raise SopError(check.message or "Angka tidak sesuai satuannya.")
            value, confirm, warning = parsed.value, check.needs_confirmation, check.message
        earlier = await _earlier(session, period, [ind.ikode])
        shared = await _is_shared(session, ind)
        return Preview(
            ind.id,
            period.name,
            display_code(ind, shared),
            ind.indikator,
            ind.satuan,
            value,
            confirm,
            warning,
            _measure(office, ind, period, value, earlier),
            fig.realisasi if fig else None,
        )


async def _is_shared(session: AsyncSession, ind: Indicator) -> bool:
    n = (
        await session.exec(
            select(func.count())
            .select_from(Indicator)
            .where(Indicator.period_id == ind.period_id, Indicator.kode == ind.kode)
        )
    ).one()
    return n > 1


def _clean_faktor(text: str | None) -> str | None:
    text = (text or "").strip()
    return text[:MAX_FAKTOR] or None


async def submit(
    office: Office,
    telegram_id: int,
    indicator_id: int,
    value: Decimal,
    pendukung: str | None = None,
    penghambat: str | None = None,
    evidence: DocInput | None = None,
) -> Submitted:
    """File (or correct) a figure; the last figure in ends step 5 by itself."""
    now = office.clock()
    if evidence is not None:
        check_document(evidence)
    async with office.db.transaction() as session:
        user = await active_user(session, telegram_id)
        actor = to_actor(user, office)
        ind, period, fig, run = await _reportable(session, user, indicator_id, lock=True)
        earlier = await _earlier(session, period, [ind.ikode])
        measured = _measure(office, ind, period, value, earlier)
        corrected = fig is not None
        was_returned = fig is not None and fig.status == RETURNED
        if fig is None:
            fig = Figure(indicator_id=ind.id, period_id=period.id, version=0)
        if evidence is not None:
            fig.evidence_document_id = (
                await store_document(
                    office,
                    session,
                    evidence,
                    period_id=period.id,
                    kind=EVIDENCE_KIND,
                    status=EVIDENCE,
                    uploaded_by=user.id,
                )
            ).id
        fig.realisasi = value
        fig.faktor_pendukung = _clean_faktor(pendukung)
        fig.faktor_penghambat = _clean_faktor(penghambat)
        fig.status, fig.version = REPORTED, fig.version + 1
        fig.capaian, fig.capaian_rule = measured.capaian.raw, measured.rule
        fig.reported_by, fig.reported_at = user.id, now
        fig.decided_by = fig.decided_at = None
        session.add(fig)
        await session.flush()
        await audit(
            session,
            "perbaiki_realisasi" if corrected else "lapor_realisasi",
            now,
            user.id,
            period.id,
            indikator=ind.ikode,
            nilai=format(value, "f"),
            versi=fig.version,
        )
        if run.step_no == EVAL_STEP:
            tim = [
                u
                for u in await queries.active_users(session=session, role=Role.TIM_SAKIP.value)
                if u.id != user.id
            ]
            await enqueue_users(
                session,
                tim,
                key=f"diperbaiki:{fig.id}:{fig.version}",
                kind="figure_corrected",
                payload={
                    "period": period.name,
                    "period_id": period.id,
                    "code": display_code(ind, await _is_shared(session, ind)),
                    "indikator": ind.indikator,
                    "by": user.nama,
                    "returned": was_returned,
                },
                now=now,
            )
        remaining, done = 0, None
        if run.step_no == REPORT_STEP:
            remaining = await _missing_count(session, period.id)
            if remaining == 0:
                done = await _complete(office, session, period, REPORT_STEP, actor, 0, now)
        prev = Preview(
            ind.id,
            period.name,
            display_code(ind, await _is_shared(session, ind)),
            ind.indikator,
            ind.satuan,
            value,
            False,
            None,
            measured,
            None,
        )
        return Submitted(prev, corrected, remaining, done)


async def _missing_count(session: AsyncSession, period_id: int) -> int:
    q = (
        select(func.count())
        .select_from(Indicator)
        .join(Figure, col(Figure.indicator_id) == Indicator.id, isouter=True)
        .where(Indicator.period_id == period_id, col(Figure.id).is_(None))
    )
    return (await session.exec(q)).one()


async def _complete(
    office: Office,
    session: AsyncSession,
    period: Period,
    step_no: int,
    actor: Actor,
    remaining: int,
    now: datetime,
    close: bool = False,
) -> Done:
    """Through the engine, so transition, notices and rounds stay in one place."""
    period, view = await load_period(session, period.id)
    tr = engine.complete(
        view, step_no, actor, remaining, now, await office.due_fn(session), close=close
    )
    done = await apply_transition(office, session, period, tr, actor, now)
    await audit(
        session,
        "tutup_langkah" if close else "langkah_lengkap",
        now,
        actor.user_id,
        period.id,
        step=step_no,
        tanpa_realisasi=remaining,
    )
    return Done(period.name, step_no, done.outcome, done.opened, done.finished, done.round)


async def reporting_gaps(office: Office, telegram_id: int) -> list[tuple[int, str, int, int]]:
    """Periods whose reporting is open: (id, name, indicators without a figure, indicators)."""
    async with office.db.session() as session:
        _require_closer(to_actor(await active_user(session, telegram_id), office))
        out = []
        for period, _ in await _periods_with_open(session, (REPORT_STEP,)):
            total = (
                await session.exec(
                    select(func.count())
                    .select_from(Indicator)
                    .where(Indicator.period_id == period.id)
                )
            ).one()
            out.append((period.id, period.name, await _missing_count(session, period.id), total))
        if not out:
            raise SopError(NO_REPORTING)
        return out


async def close_reporting(
    office: Office, telegram_id: int, period_id: int | None = None
) -> Done | Choice:
    """Tim SAKIP ends step 5 early; indicators without a figure are recorded as missing."""
    now = office.clock()
    async with office.db.transaction() as session:
        user = await active_user(session, telegram_id)
        actor = to_actor(user, office)
        _require_closer(actor)
        picked = await _pick(session, REPORT_STEP, period_id, NO_REPORTING)
        if isinstance(picked, Choice):
            return picked
        period, run = picked
        await open_run(session, period.id, REPORT_STEP, lock=True)
        missing = await _record_missing(session, period, user, now)
        done = await _complete(
            office, session, period, REPORT_STEP, actor, len(missing), now, close=True
        )
        await _tell_closed(session, period, run, user, missing, now)
        return done


def _require_closer(actor: Actor) -> None:
    """Only the role the SOP names may end step 5 before every figure is in."""
    if actor.role is not step(REPORT_STEP).closable_by:
        raise SopError("Pelaporan realisasi hanya dapat ditutup oleh Tim SAKIP.")


async def _record_missing(
    session: AsyncSession, period: Period, user: User, now: datetime
) -> list[Indicator]:
    """Indicators without a figure get a missing one, so the recap says why it is empty."""
    missing = (
        await session.exec(
            select(Indicator)
            .join(Figure, col(Figure.indicator_id) == Indicator.id, isouter=True)
            .where(Indicator.period_id == period.id, col(Figure.id).is_(None))
            .order_by(col(Indicator.position))
        )
    ).all()
    for ind in missing:
        session.add(
            Figure(
                indicator_id=ind.id,
                period_id=period.id,
                status=MISSING,
                decided_by=user.id,
                decided_at=now,
                note="Pelaporan ditutup Tim SAKIP tanpa realisasi",
            )
        )
    await session.flush()
    return list(missing)


async def _tell_closed(
    session: AsyncSession,
    period: Period,
    run: StepRun,
    user: User,
    missing: Sequence[Indicator],
    now: datetime,
) -> None:
    """Each PIC learns which of their indicators were closed without a figure."""
    grouped = by_pic(missing)
    for pic in (await users_by_id(session, grouped)).values():
        await enqueue_users(
            session,
            [pic],
            key=f"lapor_ditutup:{period.id}:{run.id}",
            kind="report_closed",
            payload={
                "period": period.name,
                "by": user.nama,
                "items": [[i.ikode, i.indikator] for i in grouped[pic.id][:30]],
                "total": len(grouped[pic.id]),
            },
            now=now,
        )


# ------------------------------------------------------------------------------ progres


async def progress(office: Office, telegram_id: int, period_id: int | None = None):
    """What is left: an ASN sees their own indicators; Tim SAKIP and the heads see every PIC."""
    async with office.db.session() as session:
        user = await active_user(session, telegram_id)
        actor = to_actor(user, office)
        periods = await periods_with_indicators(session, period_id)
        if not periods:
            raise SopError("Belum ada periode berjalan yang memiliki indikator.")
        if len(periods) > 1:
            return Choice(tuple((p.id, p.name) for p, _ in periods))
        period, run = periods[0]
        step_no = run.step_no if run else None
        runs = [(period, r) for r in await queries.runs_of(session=session, period_id=period.id)]
        open_runs = [(p, r) for p, r in runs if r.status == engine.OPEN]
        mine = await _items_of(session, user, open_runs or [(period, runs[-1][1])])
        team = actor.role in EVIDENCE_ROLES
        lines: list[PicLine] = []
        if team:
            rows = (
                await session.exec(
                    select(Indicator.pic_user_id, Figure.status)
                    .join(Figure, col(Figure.indicator_id) == Indicator.id, isouter=True)
                    .where(Indicator.period_id == period.id)
                )
            ).all()
            names = await _names(session)
            counts: dict[int | None, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
            for pic, status in rows:
                counts[pic][status] += 1
            for pic, c in counts.items():
                total = sum(c.values())
                lines.append(
                    PicLine(
                        names.get(pic, "-"),
                        total,
                        c[REPORTED] + c[VALID] + c[RETURNED],
                        c[VALID],
                        c[RETURNED],
                        c[MISSING],
                    )
                )
            lines.sort(key=lambda line: (line.reported - line.total, line.nama))
        can_close = step_no == REPORT_STEP and actor.role is step(REPORT_STEP).closable_by
        return Progress(period.name, step_no, tuple(mine), tuple(lines), team, period.id, can_close)


async def has_indicators(session: AsyncSession, period_id: int) -> bool:
    """Whether the period's Kertas Kerja was imported: progress and the recap need it."""
    q = select(Indicator.id).where(Indicator.period_id == period_id).limit(1)
    return (await session.exec(q)).first() is not None


async def periods_with_indicators(
    session: AsyncSession, period_id: int | None = None
) -> list[tuple[Period, StepRun | None]]:
    """Running periods that have indicators (or just that one), each with its open run."""
    out = []
    for p in await queries.running_periods(session=session):
        if period_id is not None and p.id != period_id:
            continue
        if not await has_indicators(session, p.id):
            continue
        run = (
            await session.exec(
                select(StepRun)
                .where(StepRun.period_id == p.id, StepRun.status == engine.OPEN)
                .order_by(col(StepRun.step_no))
            )
        ).first()
        out.append((p, run))
    return out


# ------------------------------------------------------------------------------ step 6


def _own(fig: Figure, ind: Indicator, actor: Actor) -> bool:
    return actor.user_id in (fig.reported_by, ind.pic_user_id)


async def _card(
    office: Office, session: AsyncSession, fig: Figure, ind: Indicator, period: Period
) -> Card:
    names = {
        u.id: u.nama
        for u in (
            await session.exec(select(User).where(col(User.id).in_([ind.pic_user_id or 0])))
        ).all()
    }
    earlier = await _earlier(session, period, [ind.ikode])
    pending = (
        await session.exec(
            select(func.count())
            .select_from(Figure)
            .where(Figure.period_id == period.id, Figure.status == REPORTED)
        )
    ).one()
    return Card(
        fig.id,
        fig.version,
        period.id,
        period.name,
        display_code(ind, await _is_shared(session, ind)),
        ind.indikator,
        ind.satuan,
        names.get(ind.pic_user_id or 0, ind.pic_nip),
        fig.realisasi,
        _measure(office, ind, period, fig.realisasi, earlier),
        fig.faktor_pendukung,
        fig.faktor_penghambat,
        fig.evidence_document_id is not None,
        fig.note,
        fig.version > 1,
        ind.position,
        pending,
    )


def _require_tim(actor: Actor) -> None:
    if actor.role is not step(EVAL_STEP).actor:
        raise SopError("Evaluasi capaian (Langkah 6) dilakukan oleh Tim SAKIP.")


async def next_card(
    office: Office, telegram_id: int, period_id: int | None = None, after: int | None = None
) -> Card | Idle | Done | Choice:
    """The next submitted figure this member may evaluate (never their own)."""
    now = office.clock()
    async with office.db.transaction() as session:
        user = await active_user(session, telegram_id)
        actor = to_actor(user, office)
        _require_tim(actor)
        nothing = (
            "Belum ada angka yang menunggu evaluasi: Langkah 6 sedang tidak dibuka. Ketik /status."
        )
        picked = await _pick(session, EVAL_STEP, period_id, nothing)
        if isinstance(picked, Choice):
            return picked
        period, _ = picked
        rows = (
            await session.exec(
                select(Figure, Indicator)
                .join(Indicator, col(Indicator.id) == Figure.indicator_id)
                .where(Figure.period_id == period.id, col(Figure.status).in_([REPORTED, RETURNED]))
                .order_by(col(Indicator.position))
            )
        ).all()
        waiting = [(f, i) for f, i in rows if f.status == REPORTED and not _own(f, i, actor)]
        if not rows:
            return await _complete(office, session, period, EVAL_STEP, actor, 0, now)
        if not waiting:
            returned = sum(1 for f, _ in rows if f.status == RETURNED)
            return Idle(period.name, returned, len(rows) - returned)
        later = [(f, i) for f, i in waiting if after is None or i.position > after]
        fig, ind = (later or waiting)[0]
        return await _card(office, session, fig, ind, period)


async def _decidable(
    session: AsyncSession, actor: Actor, figure_id: int
) -> tuple[Figure, Indicator, Period]:
    _require_tim(actor)
    fig = await session.get(Figure, figure_id)
    if fig is None:
        raise SopError("Angka ini tidak ditemukan.")
    ind = await session.get(Indicator, fig.indicator_id)
    period = await session.get(Period, fig.period_id)
    if period.status != engine.RUNNING or not await open_run(session, period.id, EVAL_STEP, True):
        raise SopError("Evaluasi (Langkah 6) periode ini sedang tidak dibuka.")
    if _own(fig, ind, actor):
        raise SopError("Angka yang Anda laporkan sendiri dievaluasi anggota Tim SAKIP lain.")
    return fig, ind, period


async def _refuse_stale(session: AsyncSession, fig: Figure, version: int) -> None:
    await session.refresh(fig)
    if fig.version != version and fig.status == REPORTED:
        raise SopError("Angka ini baru saja diperbaiki ASN; periksa versi terbarunya (/evaluasi).")
    who = (await _names(session)).get(fig.decided_by or 0, "anggota Tim lain")
    label = {VALID: "dinyatakan valid", RETURNED: "dikembalikan"}.get(fig.status, "diputuskan")
    raise SopError(f"Angka ini sudah {label} oleh {who}.")


async def decide_figure(
    office: Office,
    telegram_id: int,
    figure_id: int,
    version: int,
    valid: bool,
    note: str | None = None,
) -> Decided:
    """Valid, or back to the ASN with a note; a conditional update on the version shown."""
    now = office.clock()
    note = (note or "").strip() or None
    if not valid and not note:
        raise SopError("Tulis catatan untuk ASN: apa yang perlu diperbaiki.")
    async with office.db.transaction() as session:
        user = await active_user(session, telegram_id)
        actor = to_actor(user, office)
        fig, ind, period = await _decidable(session, actor, figure_id)
        res = await session.exec(
            update(Figure)
            .where(col(Figure.id) == fig.id, Figure.version == version, Figure.status == REPORTED)
            .values(
                status=VALID if valid else RETURNED,
                version=version + 1,
                decided_by=user.id,
                decided_at=now,
                # A validation keeps the last note (why it was returned or reopened).
                note=fig.note if valid else note[:MAX_FAKTOR],
            )
        )
        if res.rowcount != 1:
            await _refuse_stale(session, fig, version)
        await session.refresh(fig)
        card = await _card(office, session, fig, ind, period)
        await audit(
            session,
            "validasi" if valid else "kembalikan",
            now,
            user.id,
            period.id,
            indikator=ind.ikode,
            versi=version,
            catatan=note,
        )
        done = None
        if valid:
            left = (
                await session.exec(
                    select(func.count())
                    .select_from(Figure)
                    .where(
                        Figure.period_id == period.id, col(Figure.status).in_([REPORTED, RETURNED])
                    )
                )
            ).one()
            if left == 0:
                done = await _complete(office, session, period, EVAL_STEP, actor, 0, now)
        else:
            await _return_to_pic(session, period, ind, fig, card.code, note, user, now)
        return Decided(card, valid, user.nama, now, done)


async def evidence(office: Office, telegram_id: int, figure_id: int) -> tuple[Document, bytes]:
    """A figure's evidence: for the person who reported it, Tim SAKIP and the heads only."""
    async with office.db.session() as session:
        user = await active_user(session, telegram_id)
        actor = to_actor(user, office)
        fig = await session.get(Figure, figure_id)
        if fig is None or fig.evidence_document_id is None:
            raise SopError("Angka ini tidak memiliki bukti dukung.")
        ind = await session.get(Indicator, fig.indicator_id)
        if actor.role not in EVIDENCE_ROLES and user.id not in (fig.reported_by, ind.pic_user_id):
            raise SopError("Bukti dukung hanya dapat dilihat pelapor, Tim SAKIP dan pimpinan.")
        doc = await session.get(Document, fig.evidence_document_id)
        return doc, office.files.get(doc.sha256)


# ------------------------------------------------------------------------------ step 9


async def reopen_named(
    session: AsyncSession, period: Period, codes: Sequence[str], note: str, by: User, now
) -> int:
    """A rejection naming indicators: their figures go back to evaluation (step 6).

    A valid figure waits for Tim SAKIP again; a missing one goes back to its PIC to report.
    """
    indicators = (
        await session.exec(select(Indicator).where(Indicator.period_id == period.id))
    ).all()
    chosen = [i for i in indicators if i.kode in codes or i.ikode in codes]
    known = {i.kode for i in indicators} | {i.ikode for i in indicators}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise SopError(
            f"Kode indikator tidak ada di periode {period.name}: {', '.join(unknown)}. "
            "Lihat kolom Kode di sheet Kertas Kerja rekap."
        )
    figures = {
        f.indicator_id: f
        for f in (
            await session.exec(
                select(Figure).where(col(Figure.indicator_id).in_([i.id for i in chosen]))
            )
        ).all()
    }
    shared = shared_kodes(indicators)
    for ind in chosen:
        fig = figures.get(ind.id) or Figure(
            indicator_id=ind.id, period_id=period.id, status=MISSING, version=0
        )
        back_to_pic = fig.status == MISSING
        fig.status = RETURNED if back_to_pic else REPORTED
        fig.version += 1
        fig.note = f"Sekretaris: {note}"[:MAX_FAKTOR]
        fig.decided_by, fig.decided_at = by.id, now
        session.add(fig)
        await session.flush()
        if back_to_pic:
            code = display_code(ind, ind.kode in shared)
            await _return_to_pic(session, period, ind, fig, code, fig.note, by, now)
    return len(chosen)


async def _return_to_pic(
    session: AsyncSession,
    period: Period,
    ind: Indicator,
    fig: Figure,
    code: str,
    note: str | None,
    by: User,
    now: datetime,
) -> None:
    """The PIC hears that a figure came back to them, with the note, to report it again."""
    pic = await session.get(User, ind.pic_user_id) if ind.pic_user_id else None
    if pic is None:
        return
    await enqueue_users(
        session,
        [pic],
        key=f"kembali:{fig.id}:{fig.version}",
        kind="figure_returned",
        payload={
            "period": period.name,
            "indicator_id": ind.id,
            "code": code,
            "indikator": ind.indikator,
            "realisasi": format_exact(fig.realisasi) if fig.realisasi else "-",
            "satuan": ind.satuan,
            "note": note,
            "by": by.nama,
        },
        now=now,
    )
