"""Workflow actions: each opens one transaction, asks the engine, writes, and says whom to tell."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import engine
from core.deadlines import opening_action_at
from core.engine import Actor, PeriodView, RunView, SopError, Transition
from core.office import Office
from core.outbox import enqueue_users
from core.periode import parse_period_name
from core.sop import DECISION_STEP, FIRST_STEP, Output, Role, step
from core.users import active_user, audit, to_actor
from storage import queries
from storage.models import Document, Period, StepRun, User

MAX_UPLOAD = 20 * 1024 * 1024
DOCUMENT_TYPES = {
    ".pdf", ".doc", ".docx", ".odt", ".rtf", ".txt", ".xls", ".xlsx", ".ods", ".csv",
    ".ppt", ".pptx", ".odp", ".jpg", ".jpeg", ".png",
}  # fmt: skip
DRAFT, FINAL, REPLACED = "draf", "final", "diganti"


@dataclass(frozen=True)
class DocInput:
    content: bytes
    file_name: str
    mime_type: str | None = None
    telegram_file_id: str | None = None


@dataclass(frozen=True)
class Choice:
    """The act fits several periods or steps: the user picks one by button."""

    options: tuple[tuple[int, str], ...]
    doc_id: int | None = None


@dataclass(frozen=True)
class Opened:
    period: str
    step_no: int
    due_at: datetime | None


@dataclass(frozen=True)
class Done:
    period: str
    step_no: int
    outcome: str
    opened: tuple[Opened, ...]
    finished: bool
    round: int


@dataclass(frozen=True)
class Attached:
    period: str
    step_no: int
    run_id: int
    file_name: str
    replaced: bool
    # What the bot read from the document (the Kertas Kerja import at step 4).
    summary: str | None = None


def check_document(doc: DocInput) -> None:
    """Step outputs are PDF, office documents or images, up to the Bot API's 20 MB."""
    if len(doc.content) > MAX_UPLOAD:
        raise SopError("File lebih dari 20 MB. Perkecil ukurannya (misalnya simpan sebagai PDF).")
    if not doc.content:
        raise SopError("File kosong. Kirim ulang dokumennya.")
    if PurePath(doc.file_name).suffix.lower() not in DOCUMENT_TYPES:
        raise SopError(
            "Jenis file ini tidak diterima. Kirim PDF, dokumen Word/Excel/PowerPoint, "
            "atau gambar JPG/PNG."
        )


def _view(period: Period, runs: Sequence[StepRun]) -> PeriodView:
    return PeriodView(
        period.id,
        period.name,
        period.status,
        period.round,
        tuple(
            RunView(
                r.id,
                r.step_no,
                r.round,
                r.status,
                r.opened_at,
                r.due_at,
                r.done_at,
                r.done_by,
                r.outcome,
                r.note,
            )
            for r in runs
        ),
    )


async def _load(session: AsyncSession, period_id: int) -> tuple[Period, PeriodView]:
    period = await session.get(Period, period_id)
    if period is None:
        raise SopError("Periode tidak ditemukan.")
    return period, _view(period, await queries.runs_of(session=session, period_id=period_id))


async def _store(office: Office, session: AsyncSession, doc: DocInput, **fields) -> Document:
    digest = office.files.put(doc.content)
    row = Document(
        file_name=doc.file_name,
        mime_type=doc.mime_type,
        size=len(doc.content),
        sha256=digest,
        telegram_file_id=doc.telegram_file_id,
        uploaded_at=office.clock(),
        **fields,
    )
    session.add(row)
    await session.flush()
    return row


async def _previous_output(session: AsyncSession, period_id: int, step_no: int) -> list[int]:
    """Documents of the latest finished run of the step before: the new step's kelengkapan."""
    q = (
        select(StepRun)
        .where(
            StepRun.period_id == period_id,
            StepRun.step_no == step_no - 1,
            StepRun.status == engine.DONE,
        )
        .order_by(col(StepRun.done_at).desc(), col(StepRun.id).desc())
    )
    run = (await session.exec(q)).first()
    if run is None:
        return []
    q = select(Document.id).where(Document.step_run_id == run.id, Document.status == FINAL)
    return list((await session.exec(q)).all())


async def _audience(session: AsyncSession, role: Role) -> Sequence[User]:
    return await queries.active_users(
        session=session, role=None if role is Role.ASN else role.value
    )


async def _apply(
    office: Office,
    session: AsyncSession,
    period: Period,
    tr: Transition,
    actor: Actor,
    now: datetime,
    notify: bool = True,
) -> Done:
    """Write a transition: close the run (conditionally), open the next, queue the notices."""
    if tr.close_run is not None:
        res = await session.exec(
            update(StepRun)
            .where(col(StepRun.id) == tr.close_run, StepRun.status == engine.OPEN)
            .values(
                status=engine.DONE,
                done_at=now,
                done_by=actor.user_id,
                outcome=tr.outcome,
                note=tr.note,
                next_action_at=None,
            )
        )
        if res.rowcount != 1:
            raise SopError("Langkah ini baru saja diselesaikan orang lain. Ketik /status.")
        await session.exec(
            update(Document)
            .where(col(Document.step_run_id) == tr.close_run, Document.status == DRAFT)
            .values(status=FINAL)
        )
    for o in tr.auto_done:
        session.add(
            StepRun(
                period_id=period.id,
                step_no=o.step_no,
                round=o.round,
                opened_at=o.opened_at,
                due_at=o.due_at,
                status=engine.DONE,
                done_at=now,
                done_by=actor.user_id,
                outcome=engine.DONE,
            )
        )
    opened: list[Opened] = []
    cal = await office.calendar(session) if tr.opened else None
    for o in tr.opened:
        session.add(
            StepRun(
                period_id=period.id,
                step_no=o.step_no,
                round=o.round,
                opened_at=o.opened_at,
                due_at=o.due_at,
                # The reminder ladder's first event: the half-time heads-up or the due time.
                next_action_at=opening_action_at(
                    o.step_no, o.opened_at, o.due_at, office.reminders, cal
                ),
            )
        )
        opened.append(Opened(period.name, o.step_no, o.due_at))
    period.round = tr.round
    period.status = tr.period_status
    if tr.period_status != engine.RUNNING:
        period.open_name, period.closed_at = None, now
    session.add(period)
    await session.flush()
    if notify:
        await _notify_all(session, period, tr, actor, now)
    return Done(
        period.name, 0, tr.outcome or "", tuple(opened), period.status != "berjalan", tr.round
    )


async def _notify_all(
    session: AsyncSession, period: Period, tr: Transition, actor: Actor, now: datetime
) -> None:
    for n in tr.notices:
        await _notify(session, period, n, actor, now)


def indicators_step() -> int:
    """The step whose output, the Kertas Kerja, defines the period's indicators."""
    return 4


async def _latest_run(session: AsyncSession, period: Period, step_no: int) -> StepRun | None:
    q = (
        select(StepRun)
        .where(StepRun.period_id == period.id, StepRun.step_no == step_no)
        .order_by(col(StepRun.id).desc())
    )
    return (await session.exec(q)).first()


async def _notify(
    session: AsyncSession, period: Period, n: engine.Notice, actor: Actor, now: datetime
) -> None:
    data_step = step(n.step_no).output_kind is Output.DATA
    if n.event == "step_opened" and data_step and step(n.step_no).actor is Role.ASN:
        # Reporting opens: each PIC gets their own indicators, not a general notice.
        from core.indicators import notify_pics

        await notify_pics(session, period, await _latest_run(session, period, n.step_no), now)
        return
    users = await _audience(session, n.audience)
    if n.event in ("step_done", "approved", "rejected"):
        users = [u for u in users if u.id != actor.user_id]
    run = (
        await session.exec(
            select(StepRun)
            .where(StepRun.period_id == period.id, StepRun.step_no == n.step_no)
            .order_by(col(StepRun.id).desc())
        )
    ).first()
    # Only a step's new holder needs its kelengkapan; the others are told what happened.
    opening = n.event in ("step_opened", "rejected")
    documents = await _previous_output(session, period.id, n.step_no) if opening else []
    payload = {
        "period_id": period.id,
        "period": period.name,
        "step_no": n.step_no,
        "run_id": run.id if run else None,
        "round": period.round,
        "due_at": run.due_at.isoformat() if run and run.due_at else None,
        "note": n.note,
        "by": actor.nama,
        "documents": documents,
    }
    await enqueue_users(
        session,
        users,
        key=f"{n.event}:{period.id}:{n.step_no}:{run.id if run else 0}",
        kind=n.event,
        payload=payload,
        now=now,
    )


async def new_period_name(office: Office, telegram_id: int, text: str) -> str:
    """Check the name before asking for the Nota Dinas: right role, valid, not already open."""
    async with office.db.session() as session:
        actor = to_actor(await active_user(session, telegram_id), office)
        if actor.role is not step(1).actor:
            raise SopError(f"Hanya {step(1).actor.label} yang dapat memulai periode (/mulai).")
        name = parse_period_name(text).name
        running = await queries.running_periods(session=session)
        if any(p.name == name for p in running):
            raise SopError(f"Periode {name} sudah berjalan. Ketik /status untuk melihatnya.")
        return name


async def check_can_start(office: Office, telegram_id: int) -> None:
    async with office.db.session() as session:
        actor = to_actor(await active_user(session, telegram_id), office)
        if actor.role is not step(1).actor:
            raise SopError(f"Hanya {step(1).actor.label} yang dapat memulai periode (/mulai).")


async def start_period(office: Office, telegram_id: int, name_text: str, nota: DocInput) -> Done:
    """Step 1: the period is created with its Nota Dinas; step 2 opens for the Sekretaris."""
    check_document(nota)
    pn = parse_period_name(name_text)
    now = office.clock()
    try:
        async with office.db.transaction() as session:
            user = await active_user(session, telegram_id)
            actor = to_actor(user, office)
            tr = engine.start(now, actor, await office.due_fn(session))
            period = Period(
                name=pn.name,
                open_name=pn.name,
                year=pn.year,
                triwulan=pn.triwulan,
                created_by=user.id,
                created_at=now,
            )
            session.add(period)
            await session.flush()
            done = await _apply(office, session, period, tr, actor, now, notify=False)
            runs = await queries.runs_of(session=session, period_id=period.id)
            first = next(r for r in runs if r.step_no == FIRST_STEP)
            await _store(
                office,
                session,
                nota,
                period_id=period.id,
                step_run_id=first.id,
                kind=step(1).output,
                status=FINAL,
                uploaded_by=user.id,
            )
            await _notify_all(session, period, tr, actor, now)
            await audit(session, "mulai", now, user.id, period.id, nama=pn.name)
            return done
    except IntegrityError as exc:
        raise SopError(
            f"Periode {pn.name} sudah berjalan. Ketik /status untuk melihatnya."
        ) from exc


async def waiting_runs(
    session: AsyncSession, actor: Actor, kinds: tuple[Output, ...]
) -> list[tuple[StepRun, Period]]:
    """Open runs of running periods that this actor can finish, of the given output kinds."""
    rows = (
        await session.exec(
            select(StepRun, Period)
            .join(Period, col(Period.id) == StepRun.period_id)
            .where(StepRun.status == engine.OPEN, Period.status == engine.RUNNING)
            .order_by(col(Period.id), col(StepRun.step_no))
        )
    ).all()
    return [
        (r, p)
        for r, p in rows
        if step(r.step_no).output_kind in kinds and engine.can_act(actor, step(r.step_no))
    ]


def _label(run: StepRun, period: Period) -> str:
    return f"{period.name} – {step(run.step_no).title}: {step(run.step_no).output}"


async def attach_document(
    office: Office, telegram_id: int, doc: DocInput, run_id: int | None = None
) -> Attached | Choice:
    """A document for a step's output; it replaces an earlier draft until the step is finished."""
    check_document(doc)
    async with office.db.transaction() as session:
        user = await active_user(session, telegram_id)
        actor = to_actor(user, office)
        waiting = await waiting_runs(session, actor, (Output.DOCUMENT, Output.FORWARD))
        if run_id is not None:
            waiting = [(r, p) for r, p in waiting if r.id == run_id]
            if not waiting:
                raise SopError("Langkah itu sudah selesai atau bukan tugas Anda. Ketik /tugas.")
        if not waiting:
            raise SopError(
                "Tidak ada langkah Anda yang menunggu dokumen. Ketik /tugas untuk melihat tugas."
            )
        if len(waiting) > 1:
            parked = await _store(
                office, session, doc, kind="belum ditentukan", uploaded_by=user.id
            )
            return Choice(tuple((r.id, _label(r, p)) for r, p in waiting), parked.id)
        run, period = waiting[0]
        return await _attach(office, session, user, run, period, doc)


async def _attach(
    office: Office, session: AsyncSession, user: User, run: StepRun, period: Period, doc: DocInput
) -> Attached:
    s = step(run.step_no)
    summary = None
    if s.no == indicators_step():
        from core.indicators import import_kertas_kerja

        summary = await import_kertas_kerja(office, session, user, period, doc)
    drafts = await queries.drafts_of_run(session=session, run_id=run.id)
    # At step 10 the approved report travels anyway: uploads there are extra attachments.
    replaced = bool(drafts) and s.output_kind is Output.DOCUMENT
    if replaced:
        await session.exec(
            update(Document)
            .where(col(Document.step_run_id) == run.id, Document.status == DRAFT)
            .values(status=REPLACED)
        )
    await _store(
        office,
        session,
        doc,
        period_id=period.id,
        step_run_id=run.id,
        kind=s.output if s.output_kind is Output.DOCUMENT else "Lampiran laporan",
        status=DRAFT,
        uploaded_by=user.id,
    )
    await audit(
        session,
        "unggah",
        office.clock(),
        user.id,
        period.id,
        step=s.no,
        file=doc.file_name,
        replaced=replaced,
    )
    return Attached(period.name, s.no, run.id, doc.file_name, replaced, summary)


async def place_document(office: Office, telegram_id: int, doc_id: int, run_id: int) -> Attached:
    """The user picked the step for a document that fitted several."""
    async with office.db.transaction() as session:
        user = await active_user(session, telegram_id)
        parked = await session.get(Document, doc_id)
        if parked is None or parked.uploaded_by != user.id or parked.step_run_id is not None:
            raise SopError("Dokumen ini sudah ditempatkan. Ketik /tugas untuk melihat tugas.")
        waiting = await waiting_runs(
            session, to_actor(user, office), (Output.DOCUMENT, Output.FORWARD)
        )
        match = [(r, p) for r, p in waiting if r.id == run_id]
        if not match:
            raise SopError("Langkah itu sudah selesai atau bukan tugas Anda. Ketik /tugas.")
        run, period = match[0]
        content = office.files.get(parked.sha256)
        await session.delete(parked)
        doc = DocInput(content, parked.file_name, parked.mime_type, parked.telegram_file_id)
        return await _attach(office, session, user, run, period, doc)


async def finish_step(office: Office, telegram_id: int, run_id: int | None = None) -> Done | Choice:
    """Finish a document step with the uploaded draft; the last write is a conditional update."""
    now = office.clock()
    async with office.db.transaction() as session:
        user = await active_user(session, telegram_id)
        actor = to_actor(user, office)
        waiting = await waiting_runs(session, actor, (Output.DOCUMENT, Output.FORWARD))
        if run_id is not None:
            waiting = [(r, p) for r, p in waiting if r.id == run_id]
        if not waiting:
            if run_id is not None:
                raise SopError("Langkah itu sudah selesai atau bukan tugas Anda. Ketik /status.")
            raise SopError("Tidak ada langkah Anda yang bisa diselesaikan sekarang. Ketik /tugas.")
        if len(waiting) > 1:
            # /selesai means the step whose document was just sent, when only one has one.
            ready = [(r, p) for r, p in waiting if await _has_output(session, r)]
            waiting = ready if len(ready) == 1 else waiting
        if len(waiting) > 1:
            return Choice(tuple((r.id, _label(r, p)) for r, p in waiting))
        run, _ = waiting[0]
        period, view = await _load(session, run.period_id)
        drafts = await queries.drafts_of_run(session=session, run_id=run.id)
        tr = engine.finish(
            view, run.step_no, actor, bool(drafts), now, await office.due_fn(session)
        )
        if step(run.step_no).output_kind is Output.FORWARD:
            await _send_report(session, period, run, actor, now)
        done = await _apply(office, session, period, tr, actor, now)
        await audit(session, "selesai", now, user.id, period.id, step=run.step_no, run=run.id)
        return Done(period.name, run.step_no, done.outcome, done.opened, done.finished, done.round)


async def _has_output(session: AsyncSession, run: StepRun) -> bool:
    if step(run.step_no).output_kind is not Output.DOCUMENT:
        return True
    return bool(await queries.drafts_of_run(session=session, run_id=run.id))


async def _send_report(
    session: AsyncSession, period: Period, run: StepRun, actor: Actor, now: datetime
) -> None:
    """Step 10: the Kepala Dinas receives the approved report and whatever was attached,
    queued before the archive notice so the report arrives first."""
    approved = await _previous_output(session, period.id, run.step_no)
    extra = (
        await session.exec(
            select(Document.id).where(
                Document.step_run_id == run.id, col(Document.status).in_([DRAFT, FINAL])
            )
        )
    ).all()
    heads = await queries.active_users(session=session, role=Role.KEPALA_DINAS.value)
    await enqueue_users(
        session,
        heads,
        key=f"report:{period.id}:{run.id}",
        kind="report",
        payload={"period": period.name, "by": actor.nama, "documents": [*approved, *extra]},
        now=now,
    )


async def decide(
    office: Office,
    telegram_id: int,
    approve: bool,
    note: str | None,
    period_id: int | None = None,
) -> Done | Choice:
    """Step 9, stateless: `/setuju` or `/tolak <catatan>` on the one period that waits for it."""
    now = office.clock()
    async with office.db.transaction() as session:
        user = await active_user(session, telegram_id)
        actor = to_actor(user, office)
        if actor.role is not step(DECISION_STEP).actor:
            raise SopError(
                f"/setuju dan /tolak hanya untuk {step(DECISION_STEP).actor.label}. "
                "Ketik /bantuan untuk melihat perintah Anda."
            )
        codes: tuple[str, ...] = ()
        if not approve:
            from core.indicators import parse_named_codes

            codes, rest = parse_named_codes(note)
            engine.require_note(rest)
        waiting = [
            (r, p)
            for r, p in await waiting_runs(session, actor, (Output.DECISION,))
            if period_id is None or p.id == period_id
        ]
        if not waiting:
            raise SopError(
                "Belum ada draft laporan yang menunggu keputusan Anda. Ketik /status."
                if period_id is None
                else "Keputusan periode itu sudah diambil. Ketik /status."
            )
        if len(waiting) > 1:
            return Choice(tuple((p.id, p.name) for _, p in waiting))
        run, _ = waiting[0]
        period, view = await _load(session, run.period_id)
        if codes:
            from core.indicators import reopen_named

            await reopen_named(session, period, codes, note or "", user, now)
        tr = engine.decide(
            view, actor, approve, note, now, await office.due_fn(session), bool(codes)
        )
        done = await _apply(office, session, period, tr, actor, now)
        if approve:
            draft = await _previous_output(session, period.id, DECISION_STEP)
            for doc_id in draft:
                src = await session.get(Document, doc_id)
                session.add(
                    Document(
                        period_id=period.id,
                        step_run_id=run.id,
                        kind=step(DECISION_STEP).output,
                        file_name=src.file_name,
                        mime_type=src.mime_type,
                        size=src.size,
                        sha256=src.sha256,
                        telegram_file_id=src.telegram_file_id,
                        status=FINAL,
                        uploaded_by=user.id,
                        uploaded_at=now,
                    )
                )
        await audit(
            session,
            "setuju" if approve else "tolak",
            now,
            user.id,
            period.id,
            note=tr.note,
            round=tr.round,
        )
        return Done(
            period.name, DECISION_STEP, tr.outcome or "", done.opened, done.finished, tr.round
        )


async def cancel_period(office: Office, telegram_id: int, period_id: int) -> str:
    now = office.clock()
    async with office.db.transaction() as session:
        user = await active_user(session, telegram_id)
        actor = to_actor(user, office)
        period, view = await _load(session, period_id)
        tr = engine.cancel(view, actor)
        await session.exec(
            update(StepRun)
            .where(col(StepRun.period_id) == period.id, StepRun.status == engine.OPEN)
            .values(status=engine.CANCELLED, next_action_at=None)
        )
        await _apply(office, session, period, tr, actor, now)
        await audit(session, "batal", now, user.id, period.id)
        return period.name
