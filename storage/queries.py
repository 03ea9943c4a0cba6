"""Plain query functions taking the session as a keyword argument."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Select, bindparam, insert
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import core_execute
from storage.models import Document, Indicator, Period, StepRun, User
from storage.scope import IDENTITY

ACTIVE = "aktif"


# Statements every update runs are built once, with bound parameters: building and keying a
# statement cost about as much as running it (bench/README.md, "Fast under a rush").
_USER_BY_TELEGRAM = (
    select(User).where(User.telegram_id == bindparam("telegram_id")).execution_options(**IDENTITY)
)


async def insert_rows(*, session: AsyncSession, model: type[SQLModel], rows: list[dict]) -> None:
    """Many rows in one statement, past the ORM, where thousands of objects cost seconds. The
    session's OPD scope does not see them: each row names its OPD itself."""
    if rows:
        await core_execute(session, insert(model.__table__), rows)


async def user_by_telegram(*, session: AsyncSession, telegram_id: int) -> User | None:
    """Across the regency: the lookup that tells core which OPD the session acts for."""
    return (await session.exec(_USER_BY_TELEGRAM, params={"telegram_id": telegram_id})).first()


async def active_users(*, session: AsyncSession, role: str | None = None) -> Sequence[User]:
    q = select(User).where(User.status == ACTIVE)
    if role is not None:
        q = q.where(User.role == role)
    return (await session.exec(q.order_by(col(User.nama)))).all()


async def active_users_of(*, session: AsyncSession, opd_ids: Iterable[int]) -> Sequence[User]:
    """The active users of several OPD, from a regency-wide session (the overdue scan)."""
    q = select(User).where(User.status == ACTIVE, col(User.opd_id).in_(set(opd_ids)))
    return (await session.exec(q.order_by(col(User.nama)))).all()


async def admin_users(*, session: AsyncSession) -> Sequence[User]:
    """The session's OPD's admins (the regency's, ADMIN_IDS, are settings, not rows)."""
    q = select(User).where(col(User.is_admin), User.status != "nonaktif")
    return (await session.exec(q)).all()


async def users_by_status(*, session: AsyncSession, status: str) -> Sequence[User]:
    q = select(User).where(User.status == status).order_by(col(User.nama))
    return (await session.exec(q)).all()


_RUNNING = select(Period).where(Period.status == "berjalan").order_by(col(Period.id))


async def running_periods(*, session: AsyncSession) -> Sequence[Period]:
    return (await session.exec(_RUNNING)).all()


async def periods(*, session: AsyncSession, statuses: Sequence[str]) -> Sequence[Period]:
    q = select(Period).where(col(Period.status).in_(statuses)).order_by(col(Period.id).desc())
    return (await session.exec(q)).all()


_RUNS_OF = (
    select(StepRun)
    .where(StepRun.period_id == bindparam("period_id"))
    .order_by(col(StepRun.opened_at), col(StepRun.id))
)


async def runs_of(*, session: AsyncSession, period_id: int) -> Sequence[StepRun]:
    return (await session.exec(_RUNS_OF, params={"period_id": period_id})).all()


async def open_runs(*, session: AsyncSession) -> Sequence[StepRun]:
    q = (
        select(StepRun)
        .join(Period, col(Period.id) == StepRun.period_id)
        .where(StepRun.status == "terbuka", Period.status == "berjalan")
        .order_by(col(StepRun.period_id), col(StepRun.step_no))
    )
    return (await session.exec(q)).all()


async def documents_of(
    *, session: AsyncSession, period_id: int, statuses: Sequence[str] = ("final",)
) -> Sequence[Document]:
    q = (
        select(Document)
        .where(Document.period_id == period_id, col(Document.status).in_(statuses))
        .order_by(col(Document.id))
    )
    return (await session.exec(q)).all()


async def drafts_of_run(*, session: AsyncSession, run_id: int) -> Sequence[Document]:
    q = select(Document).where(Document.step_run_id == run_id, Document.status == "draf")
    return (await session.exec(q.order_by(col(Document.id)))).all()


async def user_names(*, session: AsyncSession, among: Select) -> dict[int, str]:
    """Names of the users whose ids `among` selects: a timeline or a report names the few
    people in it, and never loads every registered user (10,000 of them cost tens of MB).
    The ids come from the session's OPD; the names do not: someone who moved to another OPD
    is still named in what they did here."""
    return await names_of(session=session, ids=(await session.exec(among)).all())


_NAMES_OF = (
    select(User.id, User.nama)
    .where(col(User.id).in_(bindparam("ids", expanding=True)))
    .execution_options(**IDENTITY)
)


async def names_of(*, session: AsyncSession, ids: Iterable[int | None]) -> dict[int, str]:
    """Names of these users wherever they are now: the ids come from the session's OPD."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict((await session.exec(_NAMES_OF, params={"ids": list(wanted)})).all())


def pics_of(period_id: int) -> Select:
    """The PICs of a period's indicators, for `user_names`."""
    return select(Indicator.pic_user_id).where(Indicator.period_id == period_id)


def run_doers(period_id: int) -> Select:
    """Who finished a period's step runs, for `user_names`."""
    return select(StepRun.done_by).where(StepRun.period_id == period_id)
