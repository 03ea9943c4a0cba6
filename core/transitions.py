"""The shared machinery of the workflow actions: the period as the engine sees it, stored
documents, writing a transition (conditional close, new runs, notices) in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import PurePath

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import engine
from core.engine import Actor, PeriodView, RunView, SopError, Transition
from core.indicator_notices import notify_pics
from core.office import Office
from core.ooxml_upload import MAX_UPLOAD
from core.outbox import enqueue_users
from core.reminders import opening_action_at
from core.sop import Output, Role, step
from storage import queries
from storage.models import Document, Period, StepRun, User

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
    sha256: str | None = None  # set once the content is in the file store (`written`)


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


def period_view(period: Period, runs: Sequence[StepRun]) -> PeriodView:
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


async def load_period(session: AsyncSession, period_id: int) -> tuple[Period, PeriodView]:
    period = await session.get(Period, period_id)
    if period is None:
        raise SopError("Periode tidak ditemukan.")
    return period, period_view(period, await queries.runs_of(session=session, period_id=period_id))


async def written(office: Office, doc: DocInput) -> DocInput:
    """The document with its content already in the file store. Written before a unit of work,
    the hashing and fsync of up to 20 MB hold no write turn or lock that other users wait on."""
    return replace(doc, sha256=await office.files.write(doc.content))


async def store_document(
    office: Office, session: AsyncSession, doc: DocInput, **fields
) -> Document:
    digest = doc.sha256 or await office.files.write(doc.content)
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


async def previous_output(session: AsyncSession, period_id: int, step_no: int) -> list[int]:
    """Documents of the latest finished run of the step before: the new step's kelengkapan."""
    return [d.id for d in await previous_documents(session, period_id, step_no)]


async def previous_documents(session: AsyncSession, period_id: int, step_no: int) -> list[Document]:
    """The rows behind `previous_output`, for whoever needs to know who handed them in."""
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
    q = (
        select(Document)
        .where(Document.step_run_id == run.id, Document.status == FINAL)
        .order_by(col(Document.id))
    )
    # The step's own output first (the Draft Laporan before the recap beside it, even when an
    # edited draft was uploaded after them), the rest in upload order.
    output = step(step_no - 1).output
    return sorted((await session.exec(q)).all(), key=lambda d: d.kind != output)


def carried_kind(kind: str, to_step: int) -> str:
    """A step's output carried into the next step takes that step's name; what travels with it
    (the recap's chart) keeps its own, so it is still sent and archived as the chart."""
    return step(to_step).output if kind == step(to_step - 1).output else kind


async def audience(session: AsyncSession, role: Role) -> Sequence[User]:
    return await queries.active_users(
        session=session, role=None if role is Role.ASN else role.value
    )


def _run(period: Period, o: engine.OpenRun, **fields) -> StepRun:
    return StepRun(
        period_id=period.id,
        step_no=o.step_no,
        round=o.round,
        opened_at=o.opened_at,
        due_at=o.due_at,
        **fields,
    )


async def apply_transition(
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
            _run(
                period,
                o,
                status=engine.DONE,
                done_at=now,
                done_by=actor.user_id,
                outcome=engine.DONE,
            )
        )
    opened: list[Opened] = []
    cal = await office.calendar(session) if tr.opened else None
    rules = (await office.opd(session)).reminders if tr.opened else None
    for o in tr.opened:
        # The reminder ladder's first event: the half-time heads-up or the due time.
        first = opening_action_at(o.step_no, o.opened_at, o.due_at, rules, cal)
        session.add(_run(period, o, next_action_at=first))
        opened.append(Opened(period.name, o.step_no, o.due_at))
    period.round = tr.round
    period.status = tr.period_status
    if tr.period_status != engine.RUNNING:
        period.open_name, period.closed_at = None, now
    session.add(period)
    await session.flush()
    if notify:
        await notify_all(session, period, tr, actor, now)
    return Done(
        period.name, 0, tr.outcome or "", tuple(opened), period.status != "berjalan", tr.round
    )


async def notify_all(
    session: AsyncSession, period: Period, tr: Transition, actor: Actor, now: datetime
) -> None:
    for n in tr.notices:
        await _notify(session, period, n, actor, now)


async def latest_run(session: AsyncSession, period: Period, step_no: int) -> StepRun | None:
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
        await notify_pics(session, period, await latest_run(session, period, n.step_no), now)
        return
    users = await audience(session, n.audience)
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
    documents = await previous_documents(session, period.id, n.step_no) if opening else []
    payload = {
        "period_id": period.id,
        "period": period.name,
        "step_no": n.step_no,
        "run_id": run.id if run else None,
        "round": period.round,
        "due_at": run.due_at.isoformat() if run and run.due_at else None,
        "note": n.note,
        "by": actor.nama,
    }
    for user in users:
        # Nobody gets their own upload back as kelengkapan: the notice names it instead.
        await enqueue_users(
            session,
            [user],
            key=f"{n.event}:{period.id}:{n.step_no}:{run.id if run else 0}",
            kind=n.event,
            payload={
                **payload,
                "documents": [d.id for d in documents if d.uploaded_by != user.id],
                "own_documents": [d.file_name for d in documents if d.uploaded_by == user.id],
            },
            now=now,
        )


# Built once: `/tugas` asks it on every update (storage/queries.py says why).
OPEN_RUNS = (
    select(StepRun, Period)
    .join(Period, col(Period.id) == StepRun.period_id)
    .where(StepRun.status == engine.OPEN, Period.status == engine.RUNNING)
    .order_by(col(Period.id), col(StepRun.step_no))
)


def can_finish(actor: Actor, run: StepRun, kinds: tuple[Output, ...]) -> bool:
    """Whether this actor can finish the run's step, one of the given output kinds."""
    return step(run.step_no).output_kind in kinds and engine.can_act(actor, step(run.step_no))


async def waiting_runs(
    session: AsyncSession, actor: Actor, kinds: tuple[Output, ...]
) -> list[tuple[StepRun, Period]]:
    """Open runs of running periods that this actor can finish, of the given output kinds."""
    rows = (await session.exec(OPEN_RUNS)).all()
    return [(r, p) for r, p in rows if can_finish(actor, r, kinds)]


def run_label(run: StepRun, period: Period) -> str:
    return f"{period.name} – {step(run.step_no).title}: {step(run.step_no).output}"
