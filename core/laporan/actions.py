"""The report's place in the workflow: built at step 8 beside the recap, replaced by an edited
.docx, turned into the Laporan Hasil on /setuju (stored as step 9's output, which step 10 sends
to the Kepala Dinas). The database side of core/laporan; the sections themselves stay pure."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import engine, recap
from core.engine import SopError
from core.laporan import (
    DOCX_MIME,
    DRAFT_TITLE,
    FINAL_TITLE,
    Approval,
    Decision,
    LaporanInput,
    Person,
    build_draft,
    check_docx,
    file_name,
    finalize,
)
from core.office import Office
from core.rekap_workbook import build_chart, build_trend_chart
from core.sop import DECISION_STEP, Role, step
from core.transitions import DRAFT, REPLACED, DocInput
from storage import queries
from storage.models import Document, Period, StepRun, User

log = logging.getLogger(__name__)

DRAFT_STEP = recap.DRAFT_STEP
DRAFT_KIND = step(DRAFT_STEP).output
DOCX_ONLY = (
    "Draft Laporan periode ini dibuat bot dalam format Word. Kirim versi suntingannya sebagai "
    "dokumen Word (.docx); rekap dan grafik tetap terlampir."
)

EDITED_DRAFT = (
    "Draft Laporan hasil suntingan diterima dan akan dikirim ke Sekretaris bersama rekap dan "
    "grafiknya; draft buatan bot tetap disimpan."
)


@dataclass(frozen=True)
class DraftFiles:
    """What /rekap at step 8 sends back: the stored drafts and the new report's bytes."""

    stored: recap.Stored
    laporan: bytes
    laporan_name: str
    attached: tuple[tuple[bytes, str, str], ...]
    """The recap documents carried from step 7: (content, file name, MIME type)."""


def is_docx_draft(doc: Document) -> bool:
    """The Draft Laporan as a Word file (generated, or edited and sent back)."""
    return doc.kind == DRAFT_KIND and PurePath(doc.file_name).suffix.lower() == ".docx"


def _person(user: User) -> Person:
    return Person(user.nama, user.nip, user.jabatan)


async def render(
    office: Office,
    period_id: int,
    prepared_by: Person,
    tim: Sequence[Person],
    progress: recap.Progress | None = None,
    *,
    opd_id: int,
) -> tuple[bytes, str]:
    """The Draft Laporan's bytes and file name, from the figures the recap workbook shows."""
    data = await recap.prepare(office, period_id, prepared_by.nama, progress, opd_id=opd_id)
    if progress is not None:
        await progress("menyusun Draft Laporan (.docx)")
    laporan = LaporanInput(
        recap=data,
        rules=office.rules,
        chart=await asyncio.to_thread(build_chart, data),
        tim=tuple(tim),
        prepared_by=prepared_by,
        trend=await asyncio.to_thread(build_trend_chart, data),
    )
    return await asyncio.to_thread(build_draft, laporan), file_name(DRAFT_TITLE, data.period)


async def draft(
    office: Office, telegram_id: int, period_id: int, progress: recap.Progress | None = None
) -> DraftFiles:
    """Step 8: build the Draft Laporan from the period's figures and store it with the step 7
    recap (workbook and chart) as the step's drafts."""
    async with office.db.session() as session:
        user = await recap.tim_user(session, office, telegram_id)
        tim = await queries.active_users(session=session, role=Role.TIM_SAKIP.value)
    content, name = await render(
        office, period_id, _person(user), [_person(u) for u in tim], progress, opd_id=user.opd_id
    )
    stored, attached = await recap.carry_to_draft(
        office, telegram_id, period_id, (content, name, DOCX_MIME, DRAFT_KIND)
    )
    return DraftFiles(stored, content, name, attached)


async def check_draft_upload(session: AsyncSession, run: StepRun, doc: DocInput) -> bool:
    """A document for step 8: a .docx must open (it becomes the Draft Laporan, the recap stays
    beside it); once the bot wrote the draft, nothing but a .docx replaces it. True when the
    upload replaces only the Draft Laporan."""
    is_docx = PurePath(doc.file_name).suffix.lower() == ".docx"
    if is_docx:
        await asyncio.to_thread(check_docx, doc.content)
        return True
    drafts = await queries.drafts_of_run(session=session, run_id=run.id)
    if any(is_docx_draft(d) for d in drafts):
        raise SopError(DOCX_ONLY)
    return False


async def replace_draft_laporan(session: AsyncSession, run: StepRun) -> bool:
    """The earlier Draft Laporan gives way (kept as replaced); workbook and chart stay."""
    res = await session.exec(
        update(Document)
        .where(
            col(Document.step_run_id) == run.id,
            Document.status == DRAFT,
            Document.kind == DRAFT_KIND,
        )
        .values(status=REPLACED)
    )
    return bool(res.rowcount)


# ------------------------------------------------------------------------ the Laporan Hasil


async def approval_record(office: Office, session: AsyncSession, period: Period) -> Approval:
    """Every step 9 decision of the period in order, each /tolak with the Tim SAKIP member who
    reported the corrected draft (step 8 of the next round), and the signatories."""
    runs = (
        await session.exec(
            select(StepRun)
            .where(
                StepRun.period_id == period.id,
                col(StepRun.step_no).in_([DRAFT_STEP, DECISION_STEP]),
                StepRun.status == engine.DONE,
            )
            .order_by(col(StepRun.id))
        )
    ).all()
    names = await queries.names_of(session=session, ids=(r.done_by for r in runs))
    answers = {r.round: r for r in runs if r.step_no == DRAFT_STEP}
    decisions = []
    for r in runs:
        if r.step_no != DECISION_STEP or r.done_at is None:
            continue
        answer = answers.get(r.round + 1)
        decisions.append(
            Decision(
                round=r.round,
                approved=r.outcome == engine.APPROVED,
                note=r.note or "",
                by=names.get(r.done_by or 0, "-"),
                at=r.done_at,
                answered_by=names.get(answer.done_by or 0) if answer else None,
                answered_at=answer.done_at if answer else None,
            )
        )
    sekretaris = await queries.active_users(session=session, role=Role.SEKRETARIS.value)
    kepala = await queries.active_users(session=session, role=Role.KEPALA_DINAS.value)
    return Approval(
        period=period.name,
        decisions=tuple(decisions),
        sekretaris=_person(sekretaris[0]) if sekretaris else None,
        kepala_dinas=_person(kepala[0]) if kepala else None,
        timezone=office.calendar_config.timezone,
    )


async def laporan_hasil(
    office: Office, session: AsyncSession, period: Period, approved: Sequence[Document]
) -> dict[int, dict]:
    """On /setuju: the Laporan Hasil made from the approved .docx draft, as the fields of the
    document that takes the draft's place in step 9's output (by the draft's id)."""
    drafts = [d for d in approved if is_docx_draft(d)]
    if not drafts:
        return {}
    approval = await approval_record(office, session, period)
    out = {}
    for doc in drafts:
        try:
            content = await asyncio.to_thread(
                finalize, await office.files.read(doc.sha256), approval
            )
        except Exception:  # a draft stored before uploads were checked: approved as it was
            log.warning("Laporan Hasil not made from document %s", doc.id, exc_info=True)
            continue
        out[doc.id] = {
            "file_name": file_name(FINAL_TITLE, period.name),
            "mime_type": DOCX_MIME,
            "size": len(content),
            "sha256": await office.files.write(content),
            "telegram_file_id": None,
        }
    return out
