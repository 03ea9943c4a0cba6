"""What is left to report, per ASN and per PIC (/progres)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import engine
from core.engine import SopError
from core.indicators.common import (
    EVIDENCE_ROLES,
    MISSING,
    REPORT_STEP,
    REPORTED,
    RETURNED,
    VALID,
    PicLine,
    Progress,
    items_of,
)
from core.office import Office
from core.sop import step
from core.transitions import (
    Choice,
)
from core.users import active_user, to_actor
from storage import queries
from storage.models import Figure, Indicator, Period, StepRun


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
        mine = await items_of(session, user, open_runs or [(period, runs[-1][1])])
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
            names = await queries.user_names(session=session, among=queries.pics_of(period.id))
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


# Built once: `/progres` asks these at every press (storage/queries.py says why).
_ANY_INDICATOR = select(Indicator.id).where(Indicator.period_id == bindparam("period_id")).limit(1)
_OPEN_RUN = (
    select(StepRun)
    .where(StepRun.period_id == bindparam("period_id"), StepRun.status == engine.OPEN)
    .order_by(col(StepRun.step_no))
)


async def has_indicators(session: AsyncSession, period_id: int) -> bool:
    """Whether the period's Kertas Kerja was imported: progress and the recap need it."""
    return (await session.exec(_ANY_INDICATOR, params={"period_id": period_id})).first() is not None


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
        run = (await session.exec(_OPEN_RUN, params={"period_id": p.id})).first()
        out.append((p, run))
    return out
