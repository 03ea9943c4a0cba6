"""/libur: listing holidays, adding and removing days off, marking a holiday a working day.

The office clock stands on Monday 14 April 2025 (tests.conftest.START).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from core.calendar import CalendarConfig, WorkingCalendar
from core.engine import SopError
from core.libur import parse_day, split_day
from fakeapi import FakeTelegram
from storage.models import DayOff, StepRun, WorkingDay
from tests.conftest import ADMIN_ID, OPD1, Bot, Clock, register
from tests.test_periods_e2e import pair, start_period

JKT = ZoneInfo("Asia/Jakarta")


@pytest.mark.parametrize(
    "text",
    ["2025-12-24", "24-12-2025", "24/12/2025", "24.12.2025", "24 Desember 2025", "24 des 2025"],
)
def test_dates_are_read_in_iso_and_indonesian_forms(text: str) -> None:
    assert parse_day(text) == date(2025, 12, 24)


@pytest.mark.parametrize("text", ["31-02-2025", "2025/12/24", "besok", "24 Decembre 2025", ""])
def test_unreadable_dates_say_how_to_write_them(text: str) -> None:
    with pytest.raises(SopError):
        parse_day(text)


async def test_a_date_of_thousands_of_characters_is_refused_in_one_short_message(
    tg: FakeTelegram, bot: Bot
) -> None:
    admin = tg.user(ADMIN_ID, "Admin")
    await admin.send("/libur tambah " + "x" * 4000 + " Cuti")
    refusal = await admin.expect("tidak dikenali")
    assert len(refusal.plain) < 300 and "xxx…" in refusal.plain


def test_the_date_may_span_three_words() -> None:
    assert split_day(["24", "Desember", "2025", "Cuti", "bersama"]) == (
        date(2025, 12, 24),
        "Cuti bersama",
    )
    assert split_day(["2025-12-24"]) == (date(2025, 12, 24), "")


def test_a_working_override_makes_a_holiday_a_working_day() -> None:
    idul_fitri, saturday = date(2027, 3, 10), date(2027, 3, 13)
    plain = WorkingCalendar(CalendarConfig())
    assert plain.day_off_name(idul_fitri) == "Hari Raya Idul Fitri (perkiraan)"
    cal = WorkingCalendar(CalendarConfig(), working_overrides=[idul_fitri, saturday])
    assert cal.is_working_day(idul_fitri) and cal.is_working_override(idul_fitri)
    # Only weekdays with office hours: a Saturday has no hours to work with.
    assert not cal.is_working_day(saturday) and not cal.is_working_override(saturday)
    # Friday 16:00: 30 minutes that day, then Nyepi (8th) and cuti bersama (9th) are off.
    opened = datetime(2027, 3, 5, 16, 0, tzinfo=JKT)
    assert cal.due_at(opened, minutes=60) == datetime(2027, 3, 10, 8, 0, tzinfo=JKT)
    assert plain.due_at(opened, minutes=60) == datetime(2027, 3, 16, 8, 0, tzinfo=JKT)
    # Days off given to the calendar stay days off unless overridden; the old API still works.
    assert not WorkingCalendar(CalendarConfig(), [date(2027, 3, 3)]).is_working_day(
        date(2027, 3, 3)
    )
    assert ("2027-03-10", "Hari Raya Idul Fitri (perkiraan)") in [
        (d.isoformat(), n) for d, n in plain.holidays_between(date(2027, 3, 1), date(2027, 3, 31))
    ]


async def test_admins_add_and_remove_days_and_everyone_sees_the_list(
    tg: FakeTelegram, bot: Bot
) -> None:
    admin = tg.user(ADMIN_ID, "Admin")
    asn = tg.user(105, "Ani")
    await register(admin, asn, "Ani Wijaya", "199003032015032005", "ASN")

    await admin.send("/libur tambah 2025-12-24 Cuti bersama <Natal>")
    added = await admin.expect("sekarang hari libur")
    assert "Rabu, 24 Desember 2025" in added.plain and "Cuti bersama <Natal>" in added.plain
    assert "tidak berubah" in added.plain

    await asn.send("/libur")
    listing = await asn.expect("Hari libur")
    assert "Rabu, 24 Desember 2025: Cuti bersama <Natal>" in listing.plain
    assert "Kamis, 25 Desember 2025: Hari Raya Natal" in listing.plain
    assert "Cuti Bersama Hari Raya Natal" in listing.plain
    assert "/libur tambah" not in listing.plain  # only admins are shown how to change it
    await asn.send("/libur tambah 2025-12-31 Tutup buku")
    await asn.expect("hanya untuk admin")

    await admin.send("/libur tambah 25-12-2025 Natal")
    await admin.expect("sudah hari libur: Hari Raya Natal")
    await admin.send("/libur tambah 2025-12-27")
    await admin.expect("bukan hari kerja")
    await admin.send("/libur tambah 2025-04-11 Lewat")
    await admin.expect("sudah lewat")
    await admin.send("/libur hapus 2025-12-25")
    await admin.expect("/libur masuk 2025-12-25")
    await admin.send("/libur tambah")
    usage = await admin.expect("Tanggalnya belum ditulis")
    assert "/libur masuk" in usage.plain and "/libur hapus" in usage.plain
    await admin.send("/libur entah")
    await admin.expect("Mengubah (admin)")

    await admin.send("/libur")
    own = await admin.expect("Hari libur")
    await admin.press("🗑 24-12-2025 Cuti bersama <Natal>", own)
    await admin.expect("dihapus; hari itu kembali hari kerja")
    async with bot.office.db.session(OPD1) as session:
        assert (await session.exec(select(DayOff))).all() == []


async def test_an_estimated_holiday_can_be_made_a_working_day(tg: FakeTelegram, bot: Bot) -> None:
    admin = tg.user(ADMIN_ID, "Admin")
    await admin.send("/libur masuk 10 Maret 2027 Idul Fitri ternyata tanggal 11")
    changed = await admin.expect("sekarang hari kerja")
    assert "Rabu, 10 Maret 2027" in changed.plain
    await admin.send("/libur masuk 2027-03-10")
    await admin.expect("sudah hari kerja")
    await admin.send("/libur masuk 2027-03-13")
    await admin.expect("tidak punya jam kantor")
    await admin.send("/libur")
    listing = await admin.expect("Hari libur")
    assert "Hari Raya Idul Fitri (perkiraan)" in listing.plain
    assert "tetap masuk kerja" in listing.plain
    async with bot.office.db.session(OPD1) as session:
        cal = await bot.office.calendar(session)
        assert cal.is_working_day(date(2027, 3, 10))
        assert (await session.exec(select(WorkingDay))).one().day == date(2027, 3, 10)
    # Making it a day off again undoes the override.
    await admin.send("/libur tambah 2027-03-10")
    await admin.expect("sekarang hari libur")
    async with bot.office.db.session(OPD1) as session:
        cal = await bot.office.calendar(session)
        assert not cal.is_working_day(date(2027, 3, 10))
        assert (await session.exec(select(WorkingDay))).all() == []
        assert (await session.exec(select(DayOff))).all() == []


async def test_a_new_day_off_leaves_open_due_times_and_moves_new_ones(
    tg: FakeTelegram, bot: Bot, clock: Clock
) -> None:
    admin, kd, _ = await pair(tg)
    clock.now = datetime(2025, 4, 14, 15, 30, tzinfo=JKT)  # step 2 due Tuesday 08:00
    await start_period(kd, "Triwulan I 2025")
    await admin.send("/libur tambah 2025-04-15 Kantor tutup")
    await admin.expect("sekarang hari libur")
    async with bot.office.db.session(OPD1) as session:
        run = (await session.exec(select(StepRun).where(StepRun.step_no == 2))).one()
        cal = await bot.office.calendar(session)
    assert run.due_at == datetime(2025, 4, 15, 8, 0, tzinfo=JKT)  # unchanged
    assert cal.due_at(clock.now, minutes=60) == datetime(2025, 4, 16, 8, 0, tzinfo=JKT)
