"""Which OPD a session acts for: found from the acting user, never from a button's data."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Opd, User
from storage.scope import scope


async def first_opd(session: AsyncSession) -> int:
    """The OPD of every new registration and of an ADMIN_IDS admin without an account, until
    registration asks which OPD (issue 12, phase 2): today's single office is this one."""
    opd_id = (await session.exec(select(Opd.id).order_by(col(Opd.id)).limit(1))).first()
    if opd_id is None:
        raise RuntimeError("no OPD in the database: run `kinerja-bot db upgrade`")
    return opd_id


async def act_for(session: AsyncSession, user: User | None) -> None:
    """The session acts for the user's OPD; for nobody known (an ADMIN_IDS admin without an
    account, a new registration), for the first OPD."""
    scope(session, user.opd_id if user is not None else await first_opd(session))
