"""Workflow actions: each opens one transaction, asks the engine, writes, and says whom to tell."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import engine
from core.engine import Actor, SopError
from core.indicators import import_kertas_kerja, parse_named_codes, reopen_named
from core.indicators.importer import ReadAhead, read_ahead
from core.laporan import actions as laporan
from core.office import Office
from core.outbox import enqueue_users
from core.periode import parse_period_name
from core.sop import DECISION_STEP, FIRST_STEP, INDICATORS_STEP, Output, Role, step
from core.text import strip_invisible
from core.transitions import (
    DRAFT,
    FINAL,
    REPLACED,
    Attached,
    Choice,
    DocInput,
    Done,
    apply_transition,
    carried_kind,
    check_document,
    load_period,
    notify_all,
    previous_output,
    run_label,
    store_document,
    waiting_runs,
    written,
)
from core.users import active_user, audit, to_actor
from storage import queries
from storage.models import Document, Period, StepRun, User


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
            done = await apply_transition(office, session, period, tr, actor, now, notify=False)
            runs = await queries.runs_of(session=session, period_id=period.id)
            first = next(r for r in runs if r.step_no == FIRST_STEP)
            await store_document(
                office,
                session,
                nota,
                period_id=period.id,
                step_run_id=first.id,
                kind=step(1).output,
                status=FINAL,
                uploaded_by=user.id,
            )
            await notify_all(session, period, tr, actor, now)
            await audit(session, "mulai", now, user.id, period.id, nama=pn.name)
            return done
    except IntegrityError as exc:
        raise SopError(
            f"Periode {pn.name} sudah berjalan. Ketik /status untuk melihatnya."
        ) from exc


async def _document_runs(
    session: AsyncSession, actor: Actor, run_id: int | None
) -> list[tuple[StepRun, Period]]:
    """The actor's steps that take a document; with `run_id`, that one or a refusal."""
    waiting = await waiting_runs(session, actor, (Output.DOCUMENT, Output.FORWARD))
    if run_id is None:
        return waiting
    waiting = [(r, p) for r, p in waiting if r.id == run_id]
    if not waiting:
        raise SopError("Langkah itu sudah selesai atau bukan tugas Anda. Ketik /tugas.")
    return waiting


NO_DOCUMENT_STEP = "Tidak ada langkah Anda yang menunggu dokumen. Ketik /tugas untuk melihat tugas."


async def check_upload(office: Office, telegram_id: int) -> None:
    """Refuse a document before it is downloaded: a stranger's or an idle user's 19 MB file is
    never fetched (ten at once took the bot from 145 MB to 501 MB)."""
    async with office.db.session() as session:
        actor = to_actor(await active_user(session, telegram_id), office)
        if not await _document_runs(session, actor, None):
            raise SopError(NO_DOCUMENT_STEP)


async def attach_document(
    office: Office, telegram_id: int, doc: DocInput, run_id: int | None = None
) -> Attached | Choice:
    """A document for a step's output; it replaces an earlier draft until the step is finished."""
    check_document(doc)
    doc, ahead = await _ahead(office, telegram_id, doc, run_id)
    async with office.db.transaction() as session:
        user = await active_user(session, telegram_id)
        actor = to_actor(user, office)
        waiting = await _document_runs(session, actor, run_id)
        if not waiting:
            raise SopError(NO_DOCUMENT_STEP)
        if len(waiting) > 1:
            parked = await store_document(
                office, session, doc, kind="belum ditentukan", uploaded_by=user.id
            )
            return Choice(tuple((r.id, run_label(r, p)) for r, p in waiting), parked.id)
        run, period = waiting[0]
        return await _attach(office, session, user, run, period, doc, ahead)


async def _ahead(
    office: Office, telegram_id: int, doc: DocInput, run_id: int | None
) -> tuple[DocInput, ReadAhead | None]:
    """The slow parts of an upload that goes to one step, done before its unit of work (SQLite's
    writers, everyone's, would wait for them): a Kertas Kerja is read; a file no check inside
    can refuse, a clean Kertas Kerja included, is written to the store (hashing and fsync of
    up to 20 MB). A step 8 upload is checked inside first (a Draft Laporan must open)."""
    async with office.db.session() as session:
        actor = to_actor(await active_user(session, telegram_id), office)
        waiting = await _document_runs(session, actor, run_id)
        if len(waiting) != 1 or waiting[0][0].step_no == laporan.DRAFT_STEP:
            return doc, None
        ahead = None
        if waiting[0][0].step_no == INDICATORS_STEP:
            ahead = await read_ahead(session, doc)
            if ahead is None or not ahead.read.result.ok:
                return doc, ahead  # refused inside, with nothing written
    return await written(office, doc), ahead


async def _attach(
    office: Office,
    session: AsyncSession,
    user: User,
    run: StepRun,
    period: Period,
    doc: DocInput,
    ahead: ReadAhead | None = None,
) -> Attached:
    s = step(run.step_no)
    summary = None
    if s.no == INDICATORS_STEP:
        summary = await import_kertas_kerja(office, session, user, period, doc, ahead)
    report_only = s.no == laporan.DRAFT_STEP and await laporan.check_draft_upload(session, run, doc)
    drafts = await queries.drafts_of_run(session=session, run_id=run.id)
    # At step 10 the approved report travels anyway: uploads there are extra attachments.
    replaced = bool(drafts) and s.output_kind is Output.DOCUMENT
    if report_only:  # an edited Draft Laporan: the recap's workbook and chart stay beside it
        replaced = await laporan.replace_draft_laporan(session, run)
        if any(d.kind != laporan.DRAFT_KIND for d in drafts):
            summary = laporan.EDITED_DRAFT
    elif replaced:
        await session.exec(
            update(Document)
            .where(col(Document.step_run_id) == run.id, Document.status == DRAFT)
            .values(status=REPLACED)
        )
    await store_document(
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


def _own_parked(parked: Document | None, user: User) -> Document:
    if parked is None or parked.uploaded_by != user.id or parked.step_run_id is not None:
        raise SopError("Dokumen ini sudah ditempatkan. Ketik /tugas untuk melihat tugas.")
    return parked


async def _parked_ahead(
    office: Office, telegram_id: int, doc_id: int, run_id: int
) -> tuple[DocInput, ReadAhead | None]:
    """The parked document's content, and for step 4 its Kertas Kerja read, before the unit
    of work (as an upload's: SQLite's writers would wait for them)."""
    async with office.db.session() as session:
        user = await active_user(session, telegram_id)
        parked = _own_parked(await session.get(Document, doc_id), user)
        ((run, _),) = await _document_runs(session, to_actor(user, office), run_id)
        doc = DocInput(
            await office.files.read(parked.sha256),
            parked.file_name,
            parked.mime_type,
            parked.telegram_file_id,
            parked.sha256,
        )
        return doc, await read_ahead(session, doc) if run.step_no == INDICATORS_STEP else None


async def place_document(office: Office, telegram_id: int, doc_id: int, run_id: int) -> Attached:
    """The user picked the step for a document that fitted several."""
    doc, ahead = await _parked_ahead(office, telegram_id, doc_id, run_id)
    async with office.db.transaction() as session:
        user = await active_user(session, telegram_id)
        parked = _own_parked(await session.get(Document, doc_id), user)
        ((run, period),) = await _document_runs(session, to_actor(user, office), run_id)
        await session.delete(parked)
        return await _attach(office, session, user, run, period, doc, ahead)


async def finish_step(office: Office, telegram_id: int, run_id: int | None = None) -> Done | Choice:
    """Finish a document step with the uploaded draft; the last write is a conditional update."""
    now = office.clock()
    async with office.db.transaction() as session:
        user = await active_user(session, telegram_id)
        actor = to_actor(user, office)
        waiting = await _document_runs(session, actor, run_id)
        if not waiting:
            raise SopError("Tidak ada langkah Anda yang bisa diselesaikan sekarang. Ketik /tugas.")
        if len(waiting) > 1:
            # /selesai means the step whose document was just sent, when only one has one.
            ready = [(r, p) for r, p in waiting if await _has_output(session, r)]
            waiting = ready if len(ready) == 1 else waiting
        if len(waiting) > 1:
            return Choice(tuple((r.id, run_label(r, p)) for r, p in waiting))
        run, _ = waiting[0]
        period, view = await load_period(session, run.period_id)
        drafts = await queries.drafts_of_run(session=session, run_id=run.id)
        tr = engine.finish(
            view, run.step_no, actor, bool(drafts), now, await office.due_fn(session)
        )
        if step(run.step_no).output_kind is Output.FORWARD:
            await _send_report(session, period, run, actor, now)
        done = await apply_transition(office, session, period, tr, actor, now)
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
    approved = await previous_output(session, period.id, run.step_no)
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


def _require_decider(actor: Actor) -> None:
    if actor.role is not step(DECISION_STEP).actor:
        raise SopError(
            f"/setuju dan /tolak hanya untuk {step(DECISION_STEP).actor.label}. "
            "Ketik /bantuan untuk melihat perintah Anda."
        )


async def _waiting_decisions(
    session: AsyncSession, actor: Actor, run_id: int | None
) -> list[tuple[StepRun, Period]]:
    """The step 9 runs waiting for this Sekretaris; with `run_id` (a button's), that one run: a
    button shown with the draft of an earlier round decides nothing of a later one."""
    waiting = [
        (r, p)
        for r, p in await waiting_runs(session, actor, (Output.DECISION,))
        if run_id is None or r.id == run_id
    ]
    if not waiting:
        raise SopError(
            "Belum ada draft laporan yang menunggu keputusan Anda. Ketik /status."
            if run_id is None
            else "Keputusan atas draft itu sudah diambil. Ketik /status."
        )
    return waiting


async def check_can_decide(office: Office, telegram_id: int, run_id: int) -> None:
    """Before the Tolak button asks for a note: the role and the state, as the decision checks
    them, so nobody types a note that would be refused."""
    async with office.db.session() as session:
        actor = to_actor(await active_user(session, telegram_id), office)
        _require_decider(actor)
        await _waiting_decisions(session, actor, run_id)


async def decide(
    office: Office,
    telegram_id: int,
    approve: bool,
    note: str | None,
    run_id: int | None = None,
) -> Done | Choice:
    """Step 9, stateless: `/setuju` or `/tolak <catatan>` on the one draft that waits for it
    (`run_id`: the step 9 run a button named), else a choice of runs."""
    now = office.clock()
    async with office.db.transaction() as session:
        user = await active_user(session, telegram_id)
        actor = to_actor(user, office)
        _require_decider(actor)
        codes: tuple[str, ...] = ()
        if not approve:
            note = strip_invisible(note or "")  # a note of zero-width spaces directs nothing
            codes, rest = parse_named_codes(note)
            engine.require_note(rest)
        waiting = await _waiting_decisions(session, actor, run_id)
        if len(waiting) > 1:
            return Choice(tuple((r.id, p.name) for r, p in waiting))
        run, _ = waiting[0]
        period, view = await load_period(session, run.period_id)
        if codes:
            await reopen_named(session, period, codes, note or "", user, now)
        tr = engine.decide(
            view, actor, approve, note, now, await office.due_fn(session), bool(codes)
        )
        done = await apply_transition(office, session, period, tr, actor, now)
        if approve:
            await _approved_output(office, session, period, run, user, now)
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


async def _approved_output(
    office: Office, session: AsyncSession, period: Period, run: StepRun, user: User, now: datetime
) -> None:
    """Step 9's output is the approved draft; a Word draft becomes the Laporan Hasil (approval
    record and signatures added), the rest (workbook, chart, a PDF) travels as it was."""
    ids = await previous_output(session, period.id, DECISION_STEP)
    sources = [doc for doc in [await session.get(Document, i) for i in ids] if doc is not None]
    finals = await laporan.laporan_hasil(office, session, period, sources)
    for src in sources:
        fields = {
            "file_name": src.file_name,
            "mime_type": src.mime_type,
            "size": src.size,
            "sha256": src.sha256,
            "telegram_file_id": src.telegram_file_id,
            **finals.get(src.id, {}),
        }
        session.add(
            Document(
                period_id=period.id,
                step_run_id=run.id,
                kind=carried_kind(src.kind, DECISION_STEP),
                status=FINAL,
                uploaded_by=user.id,
                uploaded_at=now,
                **fields,
            )
        )


async def cancel_period(office: Office, telegram_id: int, period_id: int) -> str:
    now = office.clock()
    async with office.db.transaction() as session:
        user = await active_user(session, telegram_id)
        actor = to_actor(user, office)
        period, view = await load_period(session, period_id)
        tr = engine.cancel(view, actor)
        await session.exec(
            update(StepRun)
            .where(col(StepRun.period_id) == period.id, StepRun.status == engine.OPEN)
            .values(status=engine.CANCELLED, next_action_at=None)
        )
        await apply_transition(office, session, period, tr, actor, now)
        await audit(session, "batal", now, user.id, period.id)
        return period.name
