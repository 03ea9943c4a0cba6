"""Which OPD a session acts for: found from the acting user, never from a button's data."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.engine import SopError
from core.text import strip_invisible
from storage.models import Opd, User
from storage.scope import scope


async def first_opd(session: AsyncSession) -> int:
    """The OPD of a registration that was asked nothing (a regency of one OPD) and of an
    ADMIN_IDS admin without an account: a single office is this one."""
    opd_id = (await session.exec(select(Opd.id).order_by(col(Opd.id)).limit(1))).first()
    if opd_id is None:
        raise RuntimeError("no OPD in the database: run `kinerja-bot db upgrade`")
    return opd_id


async def opd_ids(session: AsyncSession) -> Sequence[int]:
    """Every OPD, for the regency-wide jobs that work one OPD at a time."""
    return (await session.exec(select(Opd.id).order_by(col(Opd.id)))).all()


async def act_for(session: AsyncSession, user: User | None) -> None:
    """The session acts for the user's OPD; for nobody known (an ADMIN_IDS admin without an
    account, a new registration), for the first OPD."""
    scope(session, user.opd_id if user is not None else await first_opd(session))


# A kode as people type it: letters, digits, dots and dashes (`DINKES`, `1.02.01`, `KEC-TROWULAN`).
_KODE = re.compile(r"^[A-Z0-9.\-]{2,16}$")
UNKNOWN_OPD = "OPD dengan kode itu tidak ada. Ketik /opd untuk melihat daftar OPD."


def clean_kode(text: str) -> str:
    """A kode is 2–16 letters, digits, dots or dashes, kept upper-case so `dinkes` is `DINKES`."""
    kode = strip_invisible(text or "").strip().upper()
    if not _KODE.match(kode):
        raise SopError(
            "Kode OPD harus 2–16 karakter: huruf, angka, titik atau tanda hubung, tanpa spasi "
            "(contoh: DINKES atau 1.02.01)."
        )
    return kode


async def opd_by_kode(session: AsyncSession, text: str, unknown: str = UNKNOWN_OPD) -> Opd:
    kode = strip_invisible(text or "").strip().upper()
    opd = (await session.exec(select(Opd).where(Opd.kode == kode))).first()
    if opd is None:
        raise SopError(unknown)
    return opd


async def opd_count(session: AsyncSession) -> int:
    return (await session.exec(select(func.count()).select_from(Opd))).one()


async def all_opds(session: AsyncSession) -> Sequence[Opd]:
    """Every OPD by name, as people look for theirs in a list."""
    return (await session.exec(select(Opd).order_by(col(Opd.nama), col(Opd.id)))).all()
