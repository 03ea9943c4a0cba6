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
from core.opd import act_for
from core.reminders import ReminderRules
from core.sop import Waktu
from storage import queries
from storage.db import Database
from storage.files import FileStore
from storage.models import DayOff, WorkingDay
from storage.scope import opd_of

# How long a calendar read from the database is used before it is read again (seconds).
CALENDAR_TTL = 60.0


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

    # Each OPD's calendar as last read, with when (monotonic seconds).
    _calendars: dict[int, tuple[float, WorkingCalendar]] = field(
        default_factory=dict, init=False, repr=False
    )
    # The OPD a Telegram user acts for, with when it was read (see `user_calendar`).
    _opd_of: dict[int, tuple[float, int]] = field(default_factory=dict, init=False, repr=False)

    async def calendar(
        self,
        session: AsyncSession | None = None,
        *,
        opd_id: int | None = None,
        fresh: bool = False,
    ) -> WorkingCalendar:
        """The working calendar of the session's OPD (or `opd_id`'s) with the days off and
        working days its admins set in the bot. Nearly every update shows a due time, and these
        days change only by /libur, which drops the copies kept here (`changing_calendar`); a
        change made by another process shows within CALENDAR_TTL. `fresh` reads it inside the
        caller's transaction, as /libur must."""
        if session is not None:
            opd_id = opd_of(session)
        if opd_id is None:
            raise TypeError("calendar of which OPD: give a scoped session or opd_id")
        now = time.monotonic()
        kept = self._calendars.get(opd_id)
        if not fresh and kept is not None and now - kept[0] < CALENDAR_TTL:
            return kept[1]
        if session is None:
            async with self.db.session(opd_id) as own:
                return await self.calendar(own, fresh=fresh)
        days = (await session.exec(select(DayOff.day))).all()
        working = (await session.exec(select(WorkingDay.day))).all()
        cal = WorkingCalendar(self.calendar_config, days, working)
        if not fresh:
            self._calendars[opd_id] = (now, cal)
        return cal

    async def user_calendar(self, telegram_id: int) -> WorkingCalendar:
        """The calendar of the OPD this Telegram user acts for, to show due times in a reply;
        which OPD that is is kept as long as a calendar is."""
        now = time.monotonic()
        kept = self._opd_of.get(telegram_id)
        if kept is not None and now - kept[0] < CALENDAR_TTL:
            return await self.calendar(opd_id=kept[1])
        async with self.db.session() as session:
            await act_for(
                session, await queries.user_by_telegram(session=session, telegram_id=telegram_id)
            )
            self._opd_of[telegram_id] = (now, opd_of(session))
            return await self.calendar(session)

    def forget_user(self, telegram_id: int) -> None:
        """A person moved to another OPD: their next reply reads their OPD (and its calendar)
        afresh. Another process's copy ages out within CALENDAR_TTL."""
        self._opd_of.pop(telegram_id, None)

    @asynccontextmanager
    async def changing_calendar(self) -> AsyncIterator[AsyncSession]:
        """A unit of work that changes the days off: the kept calendar is dropped once it has
        committed (dropped before, another update could keep the old days again)."""
        try:
            async with self.db.transaction() as session:
                yield session
        finally:
            self._calendars.clear()

    async def due_fn(self, session: AsyncSession) -> Callable[[datetime, Waktu], datetime]:
        cal = await self.calendar(session)
        return lambda opened, waktu: cal.due_at(opened, minutes=waktu.minutes, days=waktu.days)
