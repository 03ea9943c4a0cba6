"""SOP compliance: standard against actual working time, per period and averaged, bottlenecks,
the plain table for the workbook, and /kepatuhan in chat."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from core import compliance
from core.calendar import CalendarConfig, WorkingCalendar
from core.office import Office
from core.rekap_workbook import ComplianceTable
from fakeapi import FakeTelegram
from storage.db import Database
from storage.files import FileStore
from storage.models import Period, StepRun, User
from tests.conftest import ADMIN_ID, OPD1, Bot, Clock, migrate, register
from tests.test_periods_e2e import start_period

JKT = ZoneInfo("Asia/Jakarta")
CAL = WorkingCalendar(CalendarConfig())
MON = date(2025, 8, 4)  # a week without holidays
TELEGRAM_IDS = itertools.count(500)


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(MON + timedelta(days=day), time(hour, minute), JKT)


@pytest.fixture
async def office(tmp_path: Path) -> AsyncIterator[Office]:
    url = f"sqlite:///{tmp_path}/kinerja.db"
    await migrate(url)
    o = Office(db=Database(url), files=FileStore(tmp_path / "files"))
    yield o
    await o.db.dispose()


async def add_period(office: Office, name: str, status: str, runs: list[dict]) -> int:
    async with office.db.transaction(OPD1) as session:
        # Each period had its own Sekretaris; the one before no longer holds the duty.
        await session.exec(update(User).where(User.role == "sekretaris").values(status="nonaktif"))
        tid = next(TELEGRAM_IDS)
        user = User(telegram_id=tid, nama=f"Siti {name}", nip=f"{tid:018d}",
                    jabatan="Sekretaris", role="sekretaris", status="aktif")  # fmt: skip
        session.add(user)
        period = Period(name=name, year=2025, status=status)
        session.add(period)
        await session.flush()
        for r in runs:
            session.add(StepRun(period_id=period.id, done_by=user.id, **r))
        return period.id


def run(step_no: int, opened: datetime, due: datetime, done: datetime | None, **kw) -> dict:
    return {
        "step_no": step_no,
        "opened_at": opened,
        "due_at": due,
        "done_at": done,
        "status": "selesai" if done else "terbuka",
        **kw,
    }


async def seed(office: Office) -> tuple[int, int, int]:
    first = await add_period(
        office,
        "Triwulan I 2025",
        "selesai",
        [
            run(1, wib(0, 9), wib(0, 9, 5), wib(0, 9)),
            run(2, wib(0, 9), wib(0, 10), wib(0, 10, 30), reminders_sent=1),
            run(3, wib(0, 10, 30), wib(0, 12, 30), wib(0, 12)),
            run(11, wib(0, 12), None, wib(0, 12)),
        ],
    )
    second = await add_period(
        office,
        "Triwulan II 2025",
        "selesai",
        [
            run(2, wib(1, 9), wib(1, 10), wib(1, 11, 30), reminders_sent=3, reminders_skipped=1),
            run(3, wib(1, 11, 30), wib(1, 13, 30), wib(1, 13, 30)),
        ],
    )
    current = await add_period(
        office,
        "Triwulan III 2025",
        "berjalan",
        [
            run(2, wib(2, 9), wib(2, 10), wib(2, 9, 40)),
            run(3, wib(2, 9, 40), wib(2, 11, 40), None, reminders_sent=1),
        ],
    )
    return first, second, current


async def test_a_period_against_its_standards(office: Office) -> None:
    *_, current = await seed(office)
    async with office.db.session(OPD1) as session:
        report = await compliance.period_compliance(session, current, CAL, wib(2, 14))
    step2, step3 = report.rows
    assert (step2.step_no, step2.actual_minutes, step2.late_minutes) == (2, 40, 0)
    assert step2.status == "Tepat waktu" and step2.standard_minutes == 60
    assert step2.done_by == "Siti Triwulan III 2025"
    assert step3.open and step3.status == "Berjalan, terlambat 2 jam 20 menit"
    assert (step3.actual_minutes, step3.reminders) == (260, 1)
    assert [r.step_no for r in report.bottlenecks] == [3]
    assert report.total_standard == 180 and report.total_actual == 300


async def test_averages_over_finished_periods_and_bottlenecks(office: Office) -> None:
    *_, current = await seed(office)
    async with office.db.session(OPD1) as session:
        hist = await compliance.history(session, CAL, wib(2, 14), exclude=current)
    assert hist.periods == 2
    by_step = {s.step_no: s for s in hist.steps}
    assert set(by_step) == {1, 2, 3}  # step 11 has no time standard
    two = by_step[2]
    assert (two.runs, two.actual_minutes, two.late_minutes, two.late_runs) == (2, 120, 60, 2)
    assert two.reminders == 1.5  # 1 and 2 sent (one rung of the second was skipped)
    assert by_step[3].late_minutes == 0 and by_step[3].actual_minutes == 105
    assert [s.step_no for s in hist.bottlenecks] == [2]


async def test_the_table_is_plain_values_that_the_workbook_takes(office: Office) -> None:
    first, *_ = await seed(office)
    async with office.db.session(OPD1) as session:
        report = await compliance.period_compliance(session, first, CAL, wib(3, 9))
    headers, rows = compliance.table(report)
    assert headers == compliance.HEADERS and all(len(r) == len(headers) for r in rows)
    assert [r[0] for r in rows] == [1, 2, 3]
    for row in rows:
        for value in row:
            assert value is None or isinstance(value, (str, int, datetime))
            if isinstance(value, datetime):
                assert value.utcoffset() is not None
    assert rows[1][headers.index("Status")] == "Terlambat 30 menit"
    assert rows[1][headers.index("Pengingat")] == 1
    table = compliance.workbook_table(report)
    assert isinstance(table, ComplianceTable) and tuple(table.headers) == headers
    assert compliance.summary_lines(report)[-1] == "Hambatan: Langkah 2 (terlambat 30 menit)."
    avg_headers, avg_rows = compliance.average_table(
        compliance.History(0, ())
    )  # empty history is fine
    assert avg_rows == [] and avg_headers == compliance.AVERAGE_HEADERS


async def test_kepatuhan_in_chat_for_the_leaders_only(
    tg: FakeTelegram, bot: Bot, clock: Clock
) -> None:
    admin = tg.user(ADMIN_ID, "Admin")
    kd = tg.user(101, "Bambang")
    asn = tg.user(105, "Ani")
    await register(admin, kd, "Bambang Purwanto", "196909211996021001", "Kepala Dinas")
    await register(admin, asn, "Ani Wijaya", "199003032015032005", "ASN")
    await kd.send("/kepatuhan")
    empty = await kd.expect("Kepatuhan SOP")
    assert "Belum ada periode selesai" in empty.plain
    await start_period(kd, "Triwulan I 2025")
    clock.advance(minutes=90)
    await kd.send("/kepatuhan")
    report = await kd.expect("Kepatuhan SOP")
    assert "Periode Triwulan I 2025" in report.plain
    assert "1. Kepala Dinas — standar 5 menit, aktual 0 menit — Tepat waktu" in report.plain
    assert (
        "2. Sekretaris — standar 60 menit, aktual 1 jam 30 menit — Berjalan, terlambat 30 menit"
        in (report.plain)
    )
    assert "Hambatan periode ini: Langkah 2 (30 menit)" in report.plain
    await asn.send("/kepatuhan")
    await asn.expect("hanya untuk Kepala Dinas, Sekretaris dan Tim SAKIP")
    # Several running periods: the leader picks one.
    await start_period(kd, "Triwulan II 2025")
    await kd.send("/kepatuhan")
    choice = await kd.expect("Pilih periode")
    await kd.press("Triwulan II 2025", choice)
    picked = await kd.expect("Periode Triwulan II 2025")
    assert "Triwulan I 2025" not in picked.plain.split("Rata-rata")[0]
