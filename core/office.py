"""What every action needs besides its arguments: database, file store, calendar rules, clock."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.calendar import CalendarConfig, WorkingCalendar
from core.capaian import CapaianRules
from core.opd import OpdSettings, act_for, settings_of
from core.reminders import ReminderRules
from core.sop import Waktu
from storage import queries

# AlreadyHandled named here for the handlers, which speak to core only.
from storage.db import AlreadyHandled as AlreadyHandled
from storage.db import Database
from storage.files import FileStore
from storage.models import DayOff, Opd, WorkingDay
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
    # Each OPD's own settings as last read, with when (see `opd`).
    _opds: dict[int, tuple[float, OpdSettings]] = field(
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
        opd_id = _which(session, opd_id)
        now = time.monotonic()
        kept = _kept(self._calendars, opd_id, now)
        if not fresh and kept is not None:
            return kept
        if session is None:
            async with self.db.session(opd_id) as own:
                return await self.calendar(own, fresh=fresh)
        days = (await session.exec(select(DayOff.day))).all()
        working = (await session.exec(select(WorkingDay.day))).all()
        cal = WorkingCalendar((await self.opd(session)).calendar, days, working)
        if not fresh:
            self._calendars[opd_id] = (now, cal)
        return cal

    async def opd(
        self, session: AsyncSession | None = None, *, opd_id: int | None = None
    ) -> OpdSettings:
        """The session's OPD's (or `opd_id`'s) office name and reminder ladder, the environment
        filling in what it leaves open. Read at every reminder and due time, changed only by
        `kinerja-bot opd set`: kept like a calendar (`forget_opd` drops the copy here, another
        process sees a change within CALENDAR_TTL)."""
        opd_id = _which(session, opd_id)
        now = time.monotonic()
        kept = _kept(self._opds, opd_id, now)
        if kept is not None:
            return kept
        if session is None:
            async with self.db.session(opd_id) as own:
                return await self.opd(own)
        found = settings_of(await session.get(Opd, opd_id), self.reminders, self.calendar_config)
        self._opds[opd_id] = (now, found)
        return found

    async def keep_opds(self, session: AsyncSession, opd_ids: Iterable[int]) -> None:
        """Read the settings and calendars of these OPD not kept yet, in three queries of a
        regency-wide session: the scan serves many OPD in one batch and reads none one by one."""
        now = time.monotonic()
        missing = {i for i in opd_ids if _kept(self._opds, i, now) is None}
        missing |= {i for i in opd_ids if _kept(self._calendars, i, now) is None}
        if not missing:
            return
        days: dict[int, list] = {i: [] for i in missing}
        working: dict[int, list] = {i: [] for i in missing}
        for opd_id, day in await session.exec(
            select(DayOff.opd_id, DayOff.day).where(col(DayOff.opd_id).in_(missing))
        ):
            days[opd_id].append(day)
        for opd_id, day in await session.exec(
            select(WorkingDay.opd_id, WorkingDay.day).where(col(WorkingDay.opd_id).in_(missing))
        ):
            working[opd_id].append(day)
        for opd in await session.exec(select(Opd).where(col(Opd.id).in_(missing))):
            found = settings_of(opd, self.reminders, self.calendar_config)
            self._opds[opd.id] = (now, found)
            cal = WorkingCalendar(found.calendar, days[opd.id], working[opd.id])
            self._calendars[opd.id] = (now, cal)

    def forget_opd(self, opd_id: int) -> None:
        """The OPD's settings changed: the next read takes them, and its calendar, from the
        database."""
        self._opds.pop(opd_id, None)
        self._calendars.pop(opd_id, None)

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


def _which(session: AsyncSession | None, opd_id: int | None) -> int:
    if session is not None:
        return opd_of(session)
    if opd_id is None:
        raise TypeError("which OPD: give a scoped session or opd_id")
    return opd_id


def _kept(cache: dict, opd_id: int, now: float):
    """An OPD's copy in `cache` while it is younger than CALENDAR_TTL, else None."""
    kept = cache.get(opd_id)
    return kept[1] if kept is not None and now - kept[0] < CALENDAR_TTL else None
