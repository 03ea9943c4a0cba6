"""The weekly regency digest: its moment on the regency's calendar, and by chat: the late OPD
(each counted in its own working time) to the regency's readers and admins, once a week even
when the scheduler runs again, after a restart, or twice at once; late after downtime."""

from __future__ import annotations

import asyncio
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlmodel import func, select

from bot import scheduler
from core.calendar import CalendarConfig, WorkingCalendar
from core.digest import DigestRules, due_week, moment, text
from fakeapi import FakeTelegram
from storage.models import DayOff, Outbox, Period, StepRun, User
from tests.conftest import ADMIN_ID, Bot, Clock, register, second_opd
from tests.test_reminders_e2e import setup_period

JKT = ZoneInfo("Asia/Jakarta")
CAL = WorkingCalendar(CalendarConfig())
MONDAY = DigestRules()


def wib(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=JKT)


def test_the_moment_moves_past_days_off() -> None:
    # 7 April 2025 is cuti bersama: that week's Monday digest goes on Tuesday.
    assert moment(2025, 15, MONDAY, CAL) == wib(4, 8, 8)
    assert moment(2025, 16, MONDAY, CAL) == wib(4, 14, 8)
    # Friday 18 April is Good Friday: a Friday digest waits for Monday 21 April.
    friday = DigestRules(day=5, at=time(14, 30))
    assert moment(2025, 16, friday, CAL) == wib(4, 21, 14, 30)
    assert due_week(wib(4, 21, 14, 29), friday, CAL) is None  # W15's, of 11 April, too old
    assert due_week(wib(4, 21, 14, 30), friday, CAL) == "2025-W16"
    with pytest.raises(ValueError, match="DIGEST_DAY"):
        DigestRules(day=0)


def test_the_week_due_is_the_latest_whose_moment_has_come() -> None:
    assert due_week(wib(4, 14, 7, 59), MONDAY, CAL) == "2025-W15"
    assert due_week(wib(4, 14, 8), MONDAY, CAL) == "2025-W16"
    assert due_week(wib(4, 20, 23), MONDAY, CAL) == "2025-W16"
    # Friday's digest of 25 April is due until a week later, whatever comes between.
    friday = DigestRules(day=5)
    assert due_week(wib(5, 1, 8), friday, CAL) == "2025-W17"
    assert due_week(wib(5, 2, 8), friday, CAL) == "2025-W18"


def test_the_text_lists_the_late_opd_or_says_none_is() -> None:
    assert "Tidak ada OPD yang terlambat" in text({"week": "2025-W16", "late": []})
    late = [
        {"opd": "Dinas <A>", "period": "TW I", "step_no": 2, "late_minutes": 90},
        {"opd": "Dinas <A>", "period": "TW I", "step_no": 6, "late_minutes": 30},
    ]
    shown = text({"week": "2025-W16", "late": late})
    assert "1 OPD terlambat" in shown and "Dinas &lt;A&gt;" in shown
    assert "Langkah 2: terlambat 1 jam 30 menit" in shown


async def other_opd(bot: Bot, due: datetime) -> None:
    """OPD2 with a step 3 due at `due` and Tuesday 15 April a day off of its own."""
    office = bot.office
    opd_id = await second_opd(office.db)
    async with office.db.transaction(opd_id) as session:
        period = Period(name="Triwulan I 2025", open_name="Triwulan I 2025", year=2025, triwulan=1)
        session.add(period)
        session.add(DayOff(day=wib(4, 15, 0).date(), keterangan="Rapat kerja"))
        await session.flush()
        session.add(StepRun(period_id=period.id, step_no=3, opened_at=due, due_at=due))


async def give_role(bot: Bot, telegram_id: int, role: str) -> None:
    async with bot.office.db.transaction(across=True) as session:
        await session.exec(update(User).where(User.telegram_id == telegram_id).values(role=role))


async def digest_rows(bot: Bot) -> int:
    async with bot.office.db.session(across=True) as session:
        q = select(func.count()).select_from(Outbox).where(Outbox.kind == "digest")
        return (await session.exec(q)).one()


async def test_the_weekly_digest_by_chat(tg: FakeTelegram, bot: Bot, clock: Clock) -> None:
    admin, bappeda = tg.user(ADMIN_ID, "Admin"), tg.user(301, "Bayu")
    kd, sek, _ = await setup_period(tg)  # Monday 14 April 09:00: step 2 due at 10:00
    await register(admin, bappeda, "Bayu Bappeda", "198502022010011004", "ASN")
    await give_role(bot, bappeda.id, "bappeda")
    await other_opd(bot, wib(4, 14, 10))  # a regency: the admins get the digest too

    # Monday 09:00, an hour after this week's moment: nothing is late yet.
    assert await scheduler.run_digest(bot.app, MONDAY) == 2
    for reader in (admin, bappeda):
        got = await reader.expect("Ringkasan mingguan kabupaten")
        assert "pekan 2025-W16" in got.plain and "Tidak ada OPD yang terlambat" in got.plain
    # The next tick, a restarted process, and two processes at once write nothing more.
    assert await scheduler.run_digest(bot.app, MONDAY) == 0
    bot.app.bot_data.pop(scheduler.DIGEST_WRITTEN)
    await asyncio.gather(*(scheduler.run_digest(bot.app, MONDAY) for _ in range(2)))
    assert await digest_rows(bot) == 2

    # The bot is down over next Monday's moment and comes back at 11:00: the digest goes
    # once, late. Step 2 of OPD1 has been late since Monday 10:00: 35 working hours (Good
    # Friday off); OPD2's step, due at the same time, 8.5 hours less (its own day off).
    clock.now = wib(4, 21, 11)
    assert await scheduler.run_digest(bot.app, MONDAY) == 2
    assert await scheduler.run_digest(bot.app, MONDAY) == 0
    for reader in (admin, bappeda):
        got = await reader.expect("pekan 2025-W17")
        lines = got.plain.splitlines()
        assert "2 OPD terlambat" in got.plain
        assert lines[-2] == (
            f"• {bot.settings.office_name} — Triwulan I 2025, Langkah 2: terlambat 35 jam"
        )
        assert (
            lines[-1] == "• Dinas Kesehatan — Triwulan I 2025, Langkah 3: terlambat 26 jam 30 menit"
        )
    assert await digest_rows(bot) == 4
    for holder in (kd, sek):
        assert not [m for m in holder.messages if "Ringkasan mingguan" in m.plain]


async def test_a_single_office_has_no_digest_but_for_its_regency_readers(
    tg: FakeTelegram, bot: Bot
) -> None:
    admin, bappeda = tg.user(ADMIN_ID, "Admin"), tg.user(301, "Bayu")
    await register(admin, bappeda, "Bayu Bappeda", "198502022010011004", "ASN")
    assert await scheduler.run_digest(bot.app, MONDAY) == 0
    bot.app.bot_data.pop(scheduler.DIGEST_WRITTEN)
    await give_role(bot, bappeda.id, "inspektorat")
    assert await scheduler.run_digest(bot.app, MONDAY) == 1
    await bappeda.expect("Tidak ada OPD yang terlambat")
    await admin.expect_silence()


async def test_the_digest_job_is_scheduled(bot: Bot) -> None:
    (job,) = bot.app.job_queue.get_jobs_by_name(scheduler.DIGEST_JOB)
    assert job.data == DigestRules()
    assert job.job.misfire_grace_time == scheduler.MISFIRE_GRACE_SECONDS
