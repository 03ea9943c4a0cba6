"""Step 6: Tim SAKIP declares each figure valid or returns it with a note; the step ends
when every figure is valid."""

from __future__ import annotations

from sqlalchemy import bindparam, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import engine
from core.engine import Actor, SopError
from core.indicator_notices import display_code
from core.indicators.common import (
    EVAL_STEP,
    EVIDENCE_ROLES,
    MAX_FAKTOR,
    REPORTED,
    RETURNED,
    VALID,
    Card,
    Decided,
    Idle,
    complete_step,
    earlier_of,
    is_shared,
    measure_figure,
    open_run,
    pick_period,
    return_to_pic,
)
from core.office import Office
from core.sop import step
from core.text import full_stop, strip_invisible
from core.transitions import (
    Choice,
    Done,
)
from core.users import active_user, audit, to_actor
from storage import queries
from storage.models import Document, Figure, Indicator, Period


def _own(fig: Figure, ind: Indicator, actor: Actor) -> bool:
    return actor.user_id in (fig.reported_by, ind.pic_user_id)


async def _card(
    office: Office, session: AsyncSession, fig: Figure, ind: Indicator, period: Period
) -> Card:
    names = await queries.names_of(session=session, ids=[ind.pic_user_id])
    earlier = await earlier_of(session, ind, period)
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
        display_code(ind, await is_shared(session, ind)),
        ind.indikator,
        ind.satuan,
        names.get(ind.pic_user_id or 0, ind.pic_nip),
        fig.realisasi,
        measure_figure(office, ind, period, fig.realisasi, earlier),
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


NOTHING_TO_EVALUATE = (
    "Belum ada angka yang menunggu evaluasi: Langkah 6 sedang tidak dibuka. Ketik /status."
)
# The period's figures still open in step 6: waiting for Tim SAKIP, and back with their PIC.
_OPEN_FIGURES = (
    select(
        func.count().filter(Figure.status == REPORTED),
        func.count().filter(Figure.status == RETURNED),
    )
    .select_from(Figure)
    .where(Figure.period_id == bindparam("period_id"))
)


def _next_waiting(period_id: int, user_id: int, after: int | None):
    """The first figure waiting for this member after position `after` (else the first of
    all): one read however many wait. Never their own, reported or as PIC."""
    q = (
        select(Figure, Indicator)
        .join(Indicator, col(Indicator.id) == Figure.indicator_id)
        .where(
            Figure.period_id == period_id,
            Figure.status == REPORTED,
            func.coalesce(Figure.reported_by, 0) != user_id,
            func.coalesce(Indicator.pic_user_id, 0) != user_id,
        )
    )
    if after is not None:
        q = q.order_by(col(Indicator.position) <= after)
    return q.order_by(col(Indicator.position)).limit(1)


async def next_card(
    office: Office, telegram_id: int, period_id: int | None = None, after: int | None = None
) -> Card | Idle | Done | Choice:
    """The next submitted figure this member may evaluate (never their own). Read outside any
    unit of work, each card one read: with thousands waiting, the member's every decision held
    all other writers while every open figure was loaded. Only the end of step 6 writes."""
    async with office.db.session() as session:
        actor = to_actor(await active_user(session, telegram_id), office)
        _require_tim(actor)
        picked = await pick_period(session, EVAL_STEP, period_id, NOTHING_TO_EVALUATE)
        if isinstance(picked, Choice):
            return picked
        period, _ = picked
        params = {"period_id": period.id}
        reported, returned = (await session.exec(_OPEN_FIGURES, params=params)).one()
        if reported or returned:
            row = (await session.exec(_next_waiting(period.id, actor.user_id, after))).first()
            if row is None:
                return Idle(period.name, returned, reported)
            return await _card(office, session, *row, period)
    return await _end_evaluation(office, telegram_id, period.id)


async def _end_evaluation(office: Office, telegram_id: int, period_id: int) -> Done:
    """Every figure valid: step 6 ends, checked again inside the unit of work (another member
    may have ended it, or a figure come back, since the read)."""
    now = office.clock()
    async with office.db.transaction() as session:
        actor = to_actor(await active_user(session, telegram_id), office)
        picked = await pick_period(session, EVAL_STEP, period_id, NOTHING_TO_EVALUATE)
        period, _ = picked  # one period asked for: never a choice
        if any((await session.exec(_OPEN_FIGURES, params={"period_id": period_id})).one()):
            raise SopError("Ada angka yang baru masuk; ketik /evaluasi lagi.")
        return await complete_step(office, session, period, EVAL_STEP, actor, 0, now)


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
    deciders = select(Figure.decided_by).where(Figure.id == fig.id)
    names = await queries.user_names(session=session, among=deciders)
    who = names.get(fig.decided_by or 0, "anggota Tim lain")
    label = {VALID: "dinyatakan valid", RETURNED: "dikembalikan"}.get(fig.status, "diputuskan")
    raise SopError(f"Angka ini sudah {label} oleh {who}{full_stop(who)}")


async def check_can_return(office: Office, telegram_id: int, figure_id: int, version: int) -> None:
    """Before Kembalikan asks for a note: the checks the decision makes, so nobody types a note
    for a figure they may not return (their own, decided meanwhile, or step 6 closed)."""
    async with office.db.session() as session:
        actor = to_actor(await active_user(session, telegram_id), office)
        fig, _, _ = await _decidable(session, actor, figure_id)
        if fig.version != version or fig.status != REPORTED:
            await _refuse_stale(session, fig, version)


def return_note(text: str | None) -> str:
    """The note a Kembalikan sends the ASN; without one (invisible characters are none) the
    figure is not returned, and the note is asked again."""
    note = strip_invisible(text or "").strip()
    if not note:
        raise SopError("Tulis catatan untuk ASN: apa yang perlu diperbaiki.")
    return note


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
    note = strip_invisible(note or "").strip() or None
    if not valid:
        note = return_note(note)
    async with office.db.transaction() as session:
        user = await active_user(session, telegram_id)
        actor = to_actor(user, office)
        fig, ind, period = await _decidable(session, actor, figure_id)
        # The card as it was shown: the decision's own version step is no change to the figure.
        card = await _card(office, session, fig, ind, period)
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
                done = await complete_step(office, session, period, EVAL_STEP, actor, 0, now)
        else:
            await return_to_pic(session, period, ind, fig, card.code, note, user, now)
        return Decided(card, valid, user.nama, now, done, fig.note)


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
        return doc, await office.files.read(doc.sha256)
