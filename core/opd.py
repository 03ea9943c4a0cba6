"""Which OPD a session acts for: found from the acting user, never from a button's data."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.calendar import CalendarConfig, parse_office_hours
from core.engine import SopError
from core.reminders import ReminderRules
from core.text import strip_invisible
from storage.models import Opd, User
from storage.scope import scope

log = logging.getLogger(__name__)


async def first_opd(session: AsyncSession) -> int:
    """The OPD of a registration that was asked nothing (a regency of one OPD) and of an
    ADMIN_IDS admin without an account: a single office is this one."""
    opd_id = (await session.exec(select(Opd.id).order_by(col(Opd.id)).limit(1))).first()
    if opd_id is None:
        raise RuntimeError("no OPD in the database: run `kinerja-bot db upgrade`")
    return opd_id


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


@dataclass(frozen=True)
class OpdSettings:
    """What an OPD sets for itself, the environment's values filling in what it leaves open."""

    id: int
    kode: str
    nama: str
    office_name: str
    reminders: ReminderRules
    calendar: CalendarConfig


class OpdSettingError(SopError):
    """A setting the operator gave that cannot be stored; the text says what to fix."""


# The Opd columns of the reminder ladder and the ReminderRules field each one overrides.
LADDER_FIELDS = {
    "reminder_interval_minutes": "interval_minutes",
    "reminder_max": "max_reminders",
    "reminder_escalate_after": "escalate_after",
    "reminder_headsup": "headsup",
}


def _ladder(opd: Opd, default: ReminderRules) -> ReminderRules:
    """The OPD's overrides over the environment's ladder; ValueError if they cannot work."""
    given = {f: getattr(opd, c) for c, f in LADDER_FIELDS.items() if getattr(opd, c) is not None}
    return replace(default, **given)


def _hours(opd: Opd, default: CalendarConfig) -> CalendarConfig:
    """The OPD's office hours over the environment's calendar; ValueError if they cannot work."""
    if opd.office_hours is None:
        return default
    return replace(default, office_hours=parse_office_hours(opd.office_hours))


def settings_of(
    opd: Opd, default: ReminderRules, calendar: CalendarConfig | None = None
) -> OpdSettings:
    """The OPD's settings. An override that no longer fits the environment (REMINDER_MAX
    lowered under an OPD's escalation rung) gives way to the environment's value, logged."""
    calendar = calendar or CalendarConfig()
    try:
        rules = _ladder(opd, default)
    except ValueError as exc:
        log.warning("OPD %s: its reminder settings are ignored (%s)", opd.kode, exc)
        rules = default
    try:
        hours = _hours(opd, calendar)
    except ValueError as exc:
        log.warning("OPD %s: its office hours are ignored (%s)", opd.kode, exc)
        hours = calendar
    return OpdSettings(opd.id, opd.kode, opd.nama, opd.office_name, rules, hours)


async def change_settings(
    session: AsyncSession,
    kode: str,
    changes: dict[str, object],
    default: ReminderRules,
    calendar: CalendarConfig | None = None,
) -> OpdSettings:
    """Store the operator's changes to one OPD (`office_name`, `office_hours` and the
    LADDER_FIELDS columns, None putting the environment's value back), refused whole when the
    resulting ladder or hours could not work with today's environment."""
    calendar = calendar or CalendarConfig()
    opd = await opd_by_kode(session, kode)
    if "office_name" in changes and not str(changes["office_name"] or "").strip():
        raise OpdSettingError("Nama kantor tidak boleh kosong.")
    for column, value in changes.items():
        setattr(opd, column, value.strip() if isinstance(value, str) else value)
    try:
        _ladder(opd, default)
    except ValueError as exc:
        raise OpdSettingError(f"Pengaturan pengingat tidak dapat dipakai: {exc}.") from exc
    try:
        _hours(opd, calendar)
    except ValueError as exc:
        raise OpdSettingError(f"Jam kerja tidak dapat dipakai: {exc}.") from exc
    session.add(opd)
    await session.flush()
    return settings_of(opd, default, calendar)
