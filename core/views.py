"""Read-only views for /tugas, /status and /arsip, with lateness counted in working time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select

from core import engine, indicators
from core.deadlines import PendingReminder, pending_reminder
from core.engine import SopError
from core.office import Office
from core.periode import parse_period_name
from core.sop import Output, step
from core.users import active_user, to_actor
from storage import queries
from storage.models import Document, Indicator, Period


@dataclass(frozen=True)
class Task:
    period: str
    period_id: int
    step_no: int
    run_id: int
    due_at: datetime | None
    late_minutes: int
    drafts: tuple[str, ...]
    # Where the step's reminder ladder stands (sent so far, next rung and when).
    reminder: PendingReminder | None = None


@dataclass(frozen=True)
class RunLine:
    step_no: int
    round: int
    status: str
    outcome: str | None
    opened_at: datetime
    due_at: datetime | None
    done_at: datetime | None
    done_by: str | None
    note: str | None
    late_minutes: int


@dataclass(frozen=True)
class Timeline:
    period_id: int
    name: str
    status: str
    round: int
    runs: tuple[RunLine, ...]


@dataclass(frozen=True)
class ArchiveEntry:
    period_id: int
    name: str
    status: str
    closed_at: datetime | None


@dataclass(frozen=True)
class ArchivedDoc:
    id: int
    step_no: int | None
    kind: str
    file_name: str
    # The round of the step's run, when that step ran more than once (after a rejection).
    round: int | None = None


@dataclass(frozen=True)
class ArchivedPeriod:
    name: str
    status: str
    docs: tuple[ArchivedDoc, ...]


async def my_tasks(office: Office, telegram_id: int) -> list[Task]:
    now = office.clock()
    async with office.db.session() as session:
        actor = to_actor(await active_user(session, telegram_id), office)
        cal = await office.calendar(session)
        rules = (await office.opd(session)).reminders
        kinds = (Output.DOCUMENT, Output.FORWARD, Output.DECISION, Output.DATA)
        out = []
        for run, period in await indicators.waiting_work(session, actor, kinds):
            data_step = step(run.step_no).output_kind is Output.DATA
            # A data step's output is figures, never an uploaded draft.
            drafts = (
                () if data_step else await queries.drafts_of_run(session=session, run_id=run.id)
            )
            late = cal.working_minutes_between(run.due_at, now) if run.due_at else 0
            out.append(
                Task(
                    period.name,
                    period.id,
                    run.step_no,
                    run.id,
                    run.due_at,
                    late,
                    tuple(d.file_name for d in drafts),
                    pending_reminder(run, rules, cal, now),
                )
            )
        return out


async def running(office: Office, telegram_id: int) -> list[tuple[int, str]]:
    async with office.db.session() as session:
        await active_user(session, telegram_id)
        return [(p.id, p.name) for p in await queries.running_periods(session=session)]


async def timeline(office: Office, telegram_id: int, period_id: int) -> Timeline:
    now = office.clock()
    async with office.db.session() as session:
        await active_user(session, telegram_id)
        period = await session.get(Period, period_id)
        if period is None:
            raise SopError("Periode tidak ditemukan.")
        cal = await office.calendar(session)
        names = await queries.user_names(session=session, among=queries.run_doers(period.id))
        lines = []
        for r in await queries.runs_of(session=session, period_id=period.id):
            end = r.done_at or (now if r.status == engine.OPEN else None)
            late = cal.working_minutes_between(r.due_at, end) if r.due_at and end else 0
            lines.append(
                RunLine(
                    r.step_no,
                    r.round,
                    r.status,
                    r.outcome,
                    r.opened_at,
                    r.due_at,
                    r.done_at,
                    names.get(r.done_by),
                    r.note,
                    late,
                )
            )
        return Timeline(period.id, period.name, period.status, period.round, tuple(lines))


def _recent_first(p: Period) -> tuple:
    """Running periods first (newest first), then closed ones by when they closed."""
    closed = p.closed_at.timestamp() if p.closed_at else 0.0
    return (p.status != engine.RUNNING, -closed, -(p.id or 0))


async def all_periods(office: Office, telegram_id: int) -> list[ArchiveEntry]:
    """Every period, most recent first: what /status can show."""
    async with office.db.session() as session:
        await active_user(session, telegram_id)
        rows = await queries.periods(
            session=session, statuses=(engine.RUNNING, engine.FINISHED, engine.CANCELLED)
        )
        return [
            ArchiveEntry(p.id, p.name, p.status, p.closed_at)
            for p in sorted(rows, key=_recent_first)
        ]


def match_periods(entries: Sequence[ArchiveEntry], text: str) -> list[ArchiveEntry]:
    """`/status tw 1 2025` or `/status triwulan i 2025`: the same name, whatever the case or
    spelling; failing that, every period whose name contains the words typed."""
    typed = " ".join(text.split()).casefold()
    names = {typed}
    with suppress(SopError):  # not a period name's spelling: match the words as typed
        names.add(parse_period_name(text).name.casefold())
    exact = [e for e in entries if e.name.casefold() in names]
    return exact or [e for e in entries if typed and typed in e.name.casefold()]


RUNNING_PRIVATE = (
    "Dokumen periode yang masih berjalan hanya dapat dibuka pelaksananya (pimpinan, Tim SAKIP "
    "dan PIC indikatornya). Setelah periode diarsipkan, semua pengguna dapat membukanya."
)


async def _require_reader(session, actor, period: Period) -> None:
    """A closed period follows the archive's rules; a running one is for its participants only:
    the heads, Tim SAKIP and the PICs of its indicators."""
    if period.status != engine.RUNNING or actor.role in indicators.EVIDENCE_ROLES:
        return
    pic = await session.exec(
        select(Indicator.id).where(
            Indicator.period_id == period.id, Indicator.pic_user_id == actor.user_id
        )
    )
    if pic.first() is None:
        raise SopError(RUNNING_PRIVATE)


async def archive(office: Office, telegram_id: int) -> list[ArchiveEntry]:
    """Closed periods, readable by every registered user."""
    async with office.db.session() as session:
        await active_user(session, telegram_id)
        rows = await queries.periods(session=session, statuses=("selesai", "dibatalkan"))
        return [ArchiveEntry(p.id, p.name, p.status, p.closed_at) for p in rows]


async def archived_period(office: Office, telegram_id: int, period_id: int) -> ArchivedPeriod:
    """A period's documents in step order, each step's rounds apart, as far as the reader may
    see them (the uploaded Kertas Kerja only to those allowed)."""
    async with office.db.session() as session:
        actor = to_actor(await active_user(session, telegram_id), office)
        period = await session.get(Period, period_id)
        if period is None:
            raise SopError("Periode tidak ditemukan.")
        await _require_reader(session, actor, period)
        runs = {r.id: r for r in await queries.runs_of(session=session, period_id=period_id)}
        ran = Counter(r.step_no for r in runs.values())
        docs = []
        for d in await queries.documents_of(session=session, period_id=period_id):
            if not indicators.may_read_document(actor, d.kind):
                continue
            run = runs.get(d.step_run_id)
            step_no = run.step_no if run else None
            again = run is not None and ran[run.step_no] > 1
            docs.append(
                ArchivedDoc(d.id, step_no, d.kind, d.file_name, run.round if again else None)
            )
        docs.sort(key=lambda d: (d.step_no or 0, d.round or 0, d.id))
        return ArchivedPeriod(period.name, period.status, tuple(docs))


async def archived_documents(office: Office, telegram_id: int, period_id: int) -> list[ArchivedDoc]:
    return list((await archived_period(office, telegram_id, period_id)).docs)


async def document(office: Office, telegram_id: int, doc_id: int) -> tuple[Document, bytes]:
    """A stored document's row and bytes; archive documents are open to every registered user."""
    async with office.db.session() as session:
        actor = to_actor(await active_user(session, telegram_id), office)
        doc = await session.get(Document, doc_id)
        if doc is None or doc.status != "final":
            raise SopError("Dokumen tidak ditemukan di arsip.")
        if not indicators.may_read_document(actor, doc.kind):
            raise SopError(indicators.KK_PRIVATE)
        if doc.period_id is not None:
            await _require_reader(session, actor, await session.get(Period, doc.period_id))
        return doc, await office.files.read(doc.sha256)


async def cancellable(office: Office, telegram_id: int) -> list[tuple[int, str]]:
    async with office.db.session() as session:
        actor = to_actor(await active_user(session, telegram_id), office)
        if not (actor.is_admin or actor.role.value == "kepala_dinas"):
            raise SopError("Hanya admin atau Kepala Dinas yang dapat membatalkan periode.")
        return [(p.id, p.name) for p in await queries.running_periods(session=session)]
