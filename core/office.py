"""What every action needs besides its arguments: database, file store, calendar rules, clock."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
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

# How long a calendar read from the database is used before it is read again (seconds).
CALENDAR_TTL = 60.0


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


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

    # The calendar as last read, with when (monotonic seconds).
    _calendar: tuple[float, WorkingCalendar] | None = field(default=None, init=False, repr=False)

    async def calendar(
        self, session: AsyncSession | None = None, *, fresh: bool = False
    ) -> WorkingCalendar:
        """The working calendar with the days off and working days admins set in the bot.
        Nearly every update shows a due time, and these days change only by /libur, which drops
        the copy kept here (`changing_calendar`); a change made by another process shows within
        CALENDAR_TTL. `fresh` reads it inside the caller's transaction, as /libur must."""
        now = time.monotonic()
        if not fresh and self._calendar is not None and now - self._calendar[0] < CALENDAR_TTL:
            return self._calendar[1]
        if session is None:
            async with self.db.session() as own:
                return await self.calendar(own, fresh=fresh)
        days = (await session.exec(select(DayOff.day))).all()
        working = (await session.exec(select(WorkingDay.day))).all()
        cal = WorkingCalendar(self.calendar_config, days, working)
        if not fresh:
            self._calendar = (now, cal)
        return cal

    @asynccontextmanager
    async def changing_calendar(self) -> AsyncIterator[AsyncSession]:
        """A unit of work that changes the days off: the kept calendar is dropped once it has
        committed (dropped before, another update could keep the old days again)."""
        try:
            async with self.db.transaction() as session:
                yield session
        finally:
            self._calendar = None

    async def due_fn(self, session: AsyncSession) -> Callable[[datetime, Waktu], datetime]:
        cal = await self.calendar(session)
        return lambda opened, waktu: cal.due_at(opened, minutes=waktu.minutes, days=waktu.days)
