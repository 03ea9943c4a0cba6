"""What every action needs besides its arguments: database, file store, calendar rules, clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.calendar import CalendarConfig, WorkingCalendar
from core.capaian import CapaianRules
from core.reminders import ReminderRules
from core.sop import Waktu
from storage.db import Database
from storage.files import FileStore
from storage.models import DayOff, WorkingDay


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def shifted_clock(offset: timedelta) -> Callable[[], datetime]:
    """The machine's clock moved by `offset` (CLOCK_OFFSET_SECONDS): a rehearsal on another date
    keeps real speed, so several processes with the same offset agree on the time."""
    if not offset:
        return utcnow
    return lambda: utcnow() + offset


@dataclass
class Office:
    db: Database
    files: FileStore
    calendar_config: CalendarConfig = field(default_factory=CalendarConfig)
    admin_ids: frozenset[int] = frozenset()
    name: str = "Dinas"
    clock: Callable[[], datetime] = utcnow
    reminders: ReminderRules = field(default_factory=ReminderRules)
    rules: CapaianRules = field(default_factory=CapaianRules)
    # How long a delivered message keeps its payload; None keeps it for ever.
    outbox_retention: timedelta | None = timedelta(days=30)

    async def calendar(self, session: AsyncSession) -> WorkingCalendar:
        """The working calendar with the days off and working days admins set in the bot."""
        days = (await session.exec(select(DayOff.day))).all()
        working = (await session.exec(select(WorkingDay.day))).all()
        return WorkingCalendar(self.calendar_config, days, working)

    async def due_fn(self, session: AsyncSession) -> Callable[[datetime, Waktu], datetime]:
        cal = await self.calendar(session)
        return lambda opened, waktu: cal.due_at(opened, minutes=waktu.minutes, days=waktu.days)
