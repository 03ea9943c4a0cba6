"""Step 5: every PIC reports the realisation of their indicators (/lapor); the step ends by
itself when every indicator has one, or when Tim SAKIP closes it (the missing ones recorded)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import BindParameter, bindparam, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import engine
from core.engine import Actor, SopError
from core.indicator_notices import by_pic, display_code, users_by_id
from core.indicators.common import (
    EVAL_STEP,
    EVIDENCE,
    EVIDENCE_KIND,
    MAX_FAKTOR,
    MISSING,
    MISSING_IN_PERIOD,
    NO_REPORTING,
    REPORT_STEP,
    REPORTED,
    RETURNED,
    VALID,
    ClosingPreview,
    MissingLine,
    Preview,
    ReportItem,
    ScaleQuestion,
    Submitted,
    as_item,
    complete_step,
    earlier_of,
    editable,
    figure_of,
    measure_figure,
    missing_count,
    on_postgres,
    open_data_step,
    open_items_of,
    open_run,
    periods_with_open,
    pick_period,
    same_kode,
    shared_in_period,
)
from core.numbers import AmbiguousScale, NumberError, check_for_unit, parse_number
from core.office import Office
from core.outbox import enqueue_users
from core.sop import Output, Role, step
from core.text import strip_invisible
from core.transitions import (
    OPEN_RUNS,
    Choice,
    DocInput,
    Done,
    can_finish,
    check_document,
    store_document,
    written,
)
from core.users import active_user, audit, to_actor
from storage import queries
from storage.models import Document, Figure, Indicator, Period, StepRun, User


def _owed(period_id: int | BindParameter[int]):
    """Indicators of a period still without a figure, or with one returned to its PIC."""
    return (
        select(Indicator.pic_user_id)
        .join(Figure, col(Figure.indicator_id) == Indicator.id, isouter=True)
        .where(
            Indicator.period_id == period_id,
            (col(Figure.id).is_(None)) | (Figure.status == RETURNED),
        )
    )


def _owed_by_pic(period_id: int | BindParameter[int]):
    """The same, of one PIC (`user_id`)."""
    return _owed(period_id).where(Indicator.pic_user_id == bindparam("user_id"))


# This PIC's indicators of a period still owed, built once (storage/queries.py says why).
_OWED_BY_PIC = _owed_by_pic(bindparam("period_id"))


async def reporting_targets(session: AsyncSession, period_id: int) -> set[int]:
    """Users who still owe a figure in a period: PICs of indicators without one, or returned."""
    rows = (await session.exec(_owed(period_id).distinct())).all()
    return {uid for uid in rows if uid is not None}


# /tugas's read, built once: the open runs of running periods, each with whether this user
# still owes a figure in its period (step 5 waits only on PICs who do).
_RUNS_AND_OWED = OPEN_RUNS.add_columns(_owed_by_pic(StepRun.period_id).exists())


async def waiting_work(
    session: AsyncSession, actor: Actor, kinds: tuple[Output, ...]
) -> list[tuple[StepRun, Period]]:
    """The open runs this actor can finish (core.transitions.waiting_runs), in one read; step
    5's only while they owe a figure (asked of this user alone: a period may hold thousands)."""
    rows = (await session.exec(_RUNS_AND_OWED, params={"user_id": actor.user_id})).all()
    return [
        (run, period)
        for run, period, owes in rows
        if can_finish(actor, run, kinds) and (run.step_no != REPORT_STEP or owes)
    ]


async def my_indicators(office: Office, telegram_id: int) -> list[ReportItem]:
    """The user's indicators in running periods where reporting or evaluation is open."""
    async with office.db.session() as session:
        return await open_items_of(session, await active_user(session, telegram_id))


async def report_item(office: Office, telegram_id: int, indicator_id: int) -> ReportItem | None:
    """One of the user's indicators as the /lapor list shows it, read alone (a pick needs no
    list); None when it is not theirs or its period is not running."""
    async with office.db.session() as session:
        user = await active_user(session, telegram_id)
        row = (await session.exec(_INDICATOR, params={"indicator_id": indicator_id})).first()
        if row is None:
            return None
        ind, period, shared, fig, open_step = row
        if ind.pic_user_id != user.id or period.status != engine.RUNNING:
            return None
        return as_item(ind, fig, shared, period, open_step)


# The indicator with its period, whether its kode is shared, its figure and its period's open
# data step, in one statement (built once, see storage/queries.py).
_INDICATOR = (
    select(Indicator, Period, same_kode(Indicator) > 1, Figure, open_data_step(Indicator))
    .join(Period, col(Period.id) == Indicator.period_id)
    .join(Figure, col(Figure.indicator_id) == Indicator.id, isouter=True)
    .where(Indicator.id == bindparam("indicator_id"))
)


class Reportable(NamedTuple):
    ind: Indicator
    period: Period
    fig: Figure | None
    step_no: int  # the open data step it is reported under: 5, or 6 for a correction
    shared: bool


async def _reportable(
    session: AsyncSession, user: User, indicator_id: int, lock: bool = False
) -> Reportable:
    """The indicator, if this user is its PIC and may (still) report or correct its figure.
    Only PostgreSQL locks (several processes): SQLite's writers take turns in one process."""
    row = (await session.exec(_INDICATOR, params={"indicator_id": indicator_id})).first()
    if row is None:
        raise SopError("Indikator tidak ditemukan. Ketik /lapor untuk memilih lagi.")
    ind, period, shared, fig, step_no = row
    if ind.pic_user_id != user.id:
        raise SopError("Anda bukan PIC indikator ini. Ketik /lapor untuk melihat indikator Anda.")
    if period.status != engine.RUNNING:
        raise SopError("Periode indikator ini sudah tidak berjalan.")
    if lock and on_postgres(session):
        fig, step_no = await _locked(session, ind, period, fig, step_no)
    status = fig.status if fig else None
    if not editable(status, step_no == REPORT_STEP, step_no == EVAL_STEP):
        if status == VALID:
            raise SopError("Angka indikator ini sudah divalidasi Tim SAKIP; tidak bisa diubah.")
        if step_no == EVAL_STEP and status == MISSING:
            raise SopError(
                "Pelaporan sudah ditutup Tim SAKIP; indikator ini tercatat tanpa realisasi."
            )
        raise SopError(
            f"Pelaporan realisasi periode {period.name} sedang tidak dibuka. Ketik /status."
        )
    return Reportable(ind, period, fig, step_no, shared)  # type: ignore[arg-type]


async def _locked(
    session: AsyncSession, ind: Indicator, period: Period, fig: Figure | None, step_no: int | None
) -> tuple[Figure | None, int | None]:
    """The open data step locked until the commit, so that the last figure of two PICs, a
    closing of step 5 or a Tim SAKIP decision cannot interleave with this write. In step 5 the
    figure as read still holds once the run is locked (only its PIC, whose updates run one at a
    time, writes it; a closing ends the run first); otherwise the step and the figure are read
    again under the lock (step 5 closed since the read opens step 6). Every other PIC's Kirim
    waits on this lock, so it is held for as few statements as may be."""
    if step_no == REPORT_STEP and await open_run(session, period.id, REPORT_STEP, lock=True):
        return fig, step_no
    run = await open_run(session, period.id, EVAL_STEP, lock=True)
    return await figure_of(session, ind.id), run.step_no if run else None


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
        ind, period, fig, _, shared = await _reportable(session, user, indicator_id)
        warning, confirm = None, False
        if value is None:
            try:
                parsed = parse_number(text or "")
            except AmbiguousScale as exc:
                raise ScaleQuestion(str(exc), exc.choices) from exc
            except NumberError as exc:
                raise SopError(str(exc)) from exc
            check = check_for_unit(parsed, ind.satuan)
            if not check.ok:
                raise SopError(check.message or "Angka tidak sesuai satuannya.")
            value, confirm, warning = parsed.value, check.needs_confirmation, check.message
        earlier = await earlier_of(session, ind, period)
        evidence = None
        if fig is not None and fig.evidence_document_id is not None:
            evidence = (await session.get(Document, fig.evidence_document_id)).file_name
        return Preview(
            ind.id,
            period.name,
            display_code(ind, shared),
            ind.indikator,
            ind.satuan,
            value,
            confirm,
            warning,
            measure_figure(office, ind, period, value, earlier),
            fig.realisasi if fig else None,
            fig.version if fig else 0,
            fig.faktor_pendukung if fig else None,
            fig.faktor_penghambat if fig else None,
            evidence,
        )


def faktor_text(text: str) -> str:
    """A faktor as typed on the /lapor card, refused whole (asked again) when too long rather
    than cut short unseen."""
    text = strip_invisible(text).strip()
    if len(text) > MAX_FAKTOR:
        raise SopError(
            f"Faktor terlalu panjang ({len(text)} karakter, paling banyak {MAX_FAKTOR}). "
            "Ringkas lalu kirim lagi."
        )
    return text


def _clean_faktor(text: str | None) -> str | None:
    text = strip_invisible(text or "").strip()
    return text[:MAX_FAKTOR] or None


async def submit(
    office: Office,
    telegram_id: int,
    indicator_id: int,
    value: Decimal,
    *,
    version: int,
    pendukung: str | None = None,
    penghambat: str | None = None,
    evidence: DocInput | None = None,
) -> Submitted:
    """File (or correct) a figure, only over the `version` the confirmation card showed, so a
    second press of Kirim cannot make a second version; the last figure in ends step 5."""
    now = office.clock()
    if evidence is not None:
        check_document(evidence)
        evidence = await written(office, evidence)  # not under step 5's lock or write turn
    async with office.db.transaction() as session:
        user = await active_user(session, telegram_id)
        actor = to_actor(user, office)
        ind, period, fig, step_no, shared = await _reportable(
            session, user, indicator_id, lock=True
        )
        earlier = await earlier_of(session, ind, period)
        measured = measure_figure(office, ind, period, value, earlier)
        corrected = fig is not None
        was_returned = fig is not None and fig.status == RETURNED
        values = {
            "realisasi": value,
            "faktor_pendukung": _clean_faktor(pendukung),
            "faktor_penghambat": _clean_faktor(penghambat),
            "status": REPORTED,
            "version": version + 1,
            "capaian": measured.capaian.raw,
            "capaian_rule": measured.rule,
            "reported_by": user.id,
            "reported_at": now,
            "decided_by": None,
            "decided_at": None,
        }
        if evidence is not None:
            values["evidence_document_id"] = (
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
        fig = await _write_figure(session, ind, period, fig, version, values)
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
        code = display_code(ind, shared)
        if step_no == EVAL_STEP:
            await _tell_corrected(session, period, ind, fig, code, user, was_returned, now)
        params = {"period_id": period.id, "user_id": user.id}
        missing, left, first_left = (await session.exec(_AFTER_FIGURE, params=params)).one()
        remaining, done = (missing, None) if step_no == REPORT_STEP else (0, None)
        if step_no == REPORT_STEP and remaining == 0:
            done = await complete_step(office, session, period, REPORT_STEP, actor, 0, now)
            left, first_left = 0, None
        prev = Preview(
            ind.id, period.name, code, ind.indikator, ind.satuan, value, False, None, measured,
            None, fig.version,
        )  # fmt: skip
        notified = done is not None or step_no == EVAL_STEP
        return Submitted(prev, corrected, remaining, done, left, first_left, notified)


async def _write_figure(
    session: AsyncSession,
    ind: Indicator,
    period: Period,
    fig: Figure | None,
    version: int,
    values: dict,
) -> Figure:
    """Insert the first figure or update the one the card showed; anything else is stale."""
    stale = SopError(
        "Realisasi indikator ini sudah terkirim atau berubah sejak Anda mengisinya. "
        "Ketik /progres untuk melihat angka yang tercatat."
    )
    if fig is None:
        if version != 0:
            raise stale
        fig = Figure(indicator_id=ind.id, period_id=period.id, **values)
        session.add(fig)
        try:
            await session.flush()  # the unique indicator_id refuses a second first figure
        except IntegrityError:
            raise stale from None
        return fig
    res = await session.exec(
        update(Figure).where(col(Figure.id) == fig.id, Figure.version == version).values(**values)
    )
    if res.rowcount != 1:
        await session.refresh(fig)
        raise _already_stored(fig, version, values) or stale
    await session.refresh(fig)
    return fig


class AlreadyStored(SopError):
    """Kirim again for the figure it stored: the dialog ends as it did the first time."""


def _already_stored(fig: Figure, version: int, values: dict) -> AlreadyStored | None:
    """The same submission again (the card's version is its key): after a crash between the
    commit and the dialog's save, Kirim is pressed twice for one figure. Nothing is written."""
    same = (
        fig.version == version + 1
        and fig.reported_by == values["reported_by"]
        and fig.realisasi == values["realisasi"]
    )
    if not same:
        return None
    return AlreadyStored(
        f"Realisasi ini sudah tersimpan (versi {fig.version}); tidak ada yang diubah. "
        "Ketik /progres untuk melihat angka yang tercatat."
    )


async def _tell_corrected(
    session: AsyncSession,
    period: Period,
    ind: Indicator,
    fig: Figure,
    code: str,
    user: User,
    was_returned: bool,
    now: datetime,
) -> None:
    """During step 6 the other Tim SAKIP members hear that a figure changed."""
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
            "code": code,
            "indikator": ind.indikator,
            "by": user.nama,
            "returned": was_returned,
        },
        now=now,
    )


# After a figure, in one read: the period's indicators still without one, and this PIC's own
# still owed (none yet, or returned): how many, and the first in order.
_AFTER_FIGURE = select(
    MISSING_IN_PERIOD.scalar_subquery(),
    select(func.count()).select_from(_OWED_BY_PIC.subquery()).scalar_subquery(),
    _OWED_BY_PIC.with_only_columns(Indicator.id)
    .order_by(col(Indicator.position))
    .limit(1)
    .scalar_subquery(),
)


async def reporting_gaps(office: Office, telegram_id: int) -> list[tuple[int, str, int, int]]:
    """Periods whose reporting is open: (id, name, indicators without a figure, indicators)."""
    async with office.db.session() as session:
        _require_closer(to_actor(await active_user(session, telegram_id), office))
        out = []
        for period, _ in await periods_with_open(session, (REPORT_STEP,)):
            total = (
                await session.exec(
                    select(func.count())
                    .select_from(Indicator)
                    .where(Indicator.period_id == period.id)
                )
            ).one()
            out.append((period.id, period.name, await missing_count(session, period.id), total))
        if not out:
            raise SopError(NO_REPORTING)
        return out


async def closing_preview(office: Office, telegram_id: int, period_id: int) -> ClosingPreview:
    """What closing step 5 of the period would record as missing, for Tim SAKIP to confirm."""
    async with office.db.session() as session:
        _require_closer(to_actor(await active_user(session, telegram_id), office))
        open_now = await periods_with_open(session, (REPORT_STEP,))
        period = next((p for p, _ in open_now if p.id == period_id), None)
        if period is None:
            raise SopError(NO_REPORTING)
        total = (
            await session.exec(
                select(func.count()).select_from(Indicator).where(Indicator.period_id == period.id)
            )
        ).one()
        shared = await shared_in_period(session, period.id)
        names = await queries.user_names(session=session, among=queries.pics_of(period.id))
        missing = tuple(
            MissingLine(
                display_code(ind, ind.kode in shared),
                ind.indikator,
                names.get(ind.pic_user_id or 0, "-"),
            )
            for ind in await _missing_indicators(session, period.id)
        )
        return ClosingPreview(period.id, period.name, total, missing)


async def close_reporting(
    office: Office, telegram_id: int, period_id: int | None = None
) -> Done | Choice:
    """Tim SAKIP ends step 5 early; indicators without a figure are recorded as missing."""
    now = office.clock()
    async with office.db.transaction() as session:
        user = await active_user(session, telegram_id)
        actor = to_actor(user, office)
        _require_closer(actor)
        picked = await pick_period(session, REPORT_STEP, period_id, NO_REPORTING)
        if isinstance(picked, Choice):
            return picked
        period, run = picked
        await open_run(session, period.id, REPORT_STEP, lock=True)
        missing = await _record_missing(session, period, user, now)
        done = await complete_step(
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
    missing = await _missing_indicators(session, period.id)
    # One bulk insert: thousands may be recorded at the deadline, under step 5's lock that
    # every PIC's Kirim waits on.
    rows = [
        {
            "opd_id": period.opd_id,
            "indicator_id": ind.id,
            "period_id": period.id,
            "status": MISSING,
            "version": 1,
            "decided_by": user.id,
            "decided_at": now,
            "note": "Pelaporan ditutup Tim SAKIP tanpa realisasi",
        }
        for ind in missing
    ]
    await queries.insert_rows(session=session, model=Figure, rows=rows)
    return missing


async def _missing_indicators(session: AsyncSession, period_id: int) -> list[Indicator]:
    """The period's indicators without any figure, in Kertas Kerja order."""
    rows = await session.exec(
        select(Indicator)
        .join(Figure, col(Figure.indicator_id) == Indicator.id, isouter=True)
        .where(Indicator.period_id == period_id, col(Figure.id).is_(None))
        .order_by(col(Indicator.position))
    )
    return list(rows.all())


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
    shared = await shared_in_period(session, period.id)
    for pic in (await users_by_id(session, grouped)).values():
        await enqueue_users(
            session,
            [pic],
            key=f"lapor_ditutup:{period.id}:{run.id}",
            kind="report_closed",
            payload={
                "period": period.name,
                "by": user.nama,
                "items": [
                    [display_code(i, i.kode in shared), i.indikator] for i in grouped[pic.id][:30]
                ],
                "total": len(grouped[pic.id]),
            },
            now=now,
        )
