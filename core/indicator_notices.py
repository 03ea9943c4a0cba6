"""The indicators as people read them, and the PIC's list when reporting opens: needed both
by the workflow's notices and by the indicator actions, so it stands apart from both."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.measure import IndicatorSpec
from core.outbox import enqueue_users
from storage.models import Indicator, Period, StepRun, User


def display_code(ind: Indicator, shared: bool) -> str:
    """The kode people read; `kode#n` only when several indicators share that kode."""
    return ind.ikode if shared else ind.kode


def shared_kodes(indicators: Sequence[Indicator]) -> set[str]:
    seen: dict[str, int] = defaultdict(int)
    for ind in indicators:
        seen[ind.kode] += 1
    return {k for k, n in seen.items() if n > 1}


def spec_of(ind: Indicator) -> IndicatorSpec:
    return _spec(
        ind.satuan,
        ind.polaritas,
        ind.konsolidasi,
        ind.target_tahunan,
        (ind.target_tw1, ind.target_tw2, ind.target_tw3, ind.target_tw4),
    )


# A Kertas Kerja repeats a few kinds of indicator thousands of times, and a spec is immutable:
# each kind is read once (a fifth of measuring 10,000 indicators, bench_kabupaten.py).
_spec = lru_cache(maxsize=8192)(IndicatorSpec.from_stored)


def by_pic(indicators: Iterable[Indicator]) -> dict[int, list[Indicator]]:
    """Indicators grouped by PIC user id (those without one left out): each PIC hears of theirs."""
    grouped: dict[int, list[Indicator]] = defaultdict(list)
    for ind in indicators:
        if ind.pic_user_id is not None:
            grouped[ind.pic_user_id].append(ind)
    return grouped


async def users_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, User]:
    """The users with these ids in one query, in the database's order, to address notices."""
    rows = (await session.exec(select(User).where(col(User.id).in_(list(ids))))).all()
    return {u.id: u for u in rows}


async def notify_pics(session: AsyncSession, period: Period, run: StepRun | None, now) -> int:
    """When reporting opens, each PIC gets the list of their indicators with target and due."""
    indicators = (
        await session.exec(
            select(Indicator)
            .where(Indicator.period_id == period.id)
            .order_by(col(Indicator.position))
        )
    ).all()
    shared = shared_kodes(indicators)
    grouped = by_pic(indicators)
    users = await users_by_id(session, grouped)
    for user_id, mine in grouped.items():
        user = users.get(user_id)
        if user is None or user.status != "aktif":
            continue
        items = [
            [
                display_code(ind, ind.kode in shared),
                ind.indikator,
                spec_of(ind).period_target_text(period.triwulan),
            ]
            for ind in mine[:40]
        ]
        await enqueue_users(
            session,
            [user],
            key=f"lapor_dibuka:{period.id}:{run.id if run else 0}",
            kind="report_opened",
            payload={
                "period_id": period.id,
                "period": period.name,
                "round": period.round,
                "due_at": run.due_at.isoformat() if run and run.due_at else None,
                "items": items,
                "total": len(mine),
            },
            now=now,
        )
    return len(grouped)
