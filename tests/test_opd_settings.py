"""Each OPD's office name and reminder ladder, the environment's where it sets none: set by the
operator with `kinerja-bot opd set`, followed by the scan, /tugas, /start and the workbooks;
migration 0006 up and down on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from bot import cli
from core import deadlines, recap
from core.engine import SopError
from core.opd import OpdSettingError, change_settings
from core.reminders import ReminderRules
from storage.db import sync_url
from storage.migrate import upgrade
from storage.models import Opd, StepRun
from tests.conftest import OPD1, Bot, second_opd
from tests.kinerja_core import Period, make
from tests.test_cycle_e2e import KERTAS_KERJA
from tests.test_migrations import schema_differences
from tests.test_reminders_scan import SEK, rows, seeded, start, wib

ENV = ReminderRules()  # the environment's ladder: every 60 minutes, 3 times, escalate after 3


async def test_an_opd_ladder_drives_its_reminders(tmp_path: Path) -> None:
    """OPD1 reminds every 30 working minutes, twice, and escalates after the first: the
    scan, the reminder's text values and the opening's next action follow it."""
    office = await seeded(f"sqlite:///{tmp_path}/k.db", tmp_path / "files")
    changes = {"reminder_interval_minutes": 30, "reminder_max": 2, "reminder_escalate_after": 1}
    async with office.db.transaction(across=True) as session:
        found = await change_settings(session, "OPD1", changes, ENV)
    office.forget_opd(OPD1)
    assert found.reminders == ReminderRules(30, 2, 1, True)
    run_id = await start(office)  # step 2, due at 10:00
    await deadlines.scan(office, wib(0, 10))
    (first,) = await rows(office, "reminder")
    assert json.loads(first.payload)["of"] == 2
    async with office.db.session(OPD1) as session:
        run = await session.get(StepRun, run_id)
    assert run.next_action_at == wib(0, 10, 30)
    result = await deadlines.scan(office, wib(0, 10, 30))
    assert (result.reminders, result.escalations) == (1, 1)
    assert [r.chat_id for r in await rows(office, "reminder")] == [SEK, SEK]
    await office.db.dispose()


async def test_a_ladder_that_cannot_work_is_refused_and_default_puts_the_environments_back(
    tmp_path: Path,
) -> None:
    office = await seeded(f"sqlite:///{tmp_path}/k.db", tmp_path / "files")
    async with office.db.transaction(across=True) as session:
        await change_settings(session, "OPD1", {"reminder_max": 4}, ENV)
    with pytest.raises(OpdSettingError, match="REMINDER_ESCALATE_AFTER"):
        async with office.db.transaction(across=True) as session:
            await change_settings(session, "OPD1", {"reminder_escalate_after": 5}, ENV)
    with pytest.raises(SopError, match="tidak ada"):
        async with office.db.transaction(across=True) as session:
            await change_settings(session, "OPD9", {"reminder_max": 2}, ENV)
    assert (await office.opd(opd_id=OPD1)).reminders.max_reminders == 4
    async with office.db.transaction(across=True) as session:
        back = await change_settings(session, "OPD1", {"reminder_max": None}, ENV)
    assert back.reminders == ENV
    # An override the environment has since made impossible gives way to the environment's.
    async with office.db.transaction(across=True) as session:
        await change_settings(session, "OPD1", {"reminder_escalate_after": 3}, ENV)
    office.reminders = ReminderRules(60, 2, 2)
    office.forget_opd(OPD1)
    assert (await office.opd(opd_id=OPD1)).reminders == office.reminders
    await office.db.dispose()


def test_opd_set_on_the_command_line(tmp_path: Path, monkeypatch, capsys) -> None:
    url = f"sqlite:///{tmp_path}/k.db"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    args = ["opd", "set", "OPD1", "--office-name", "Dinas Kesehatan Kabupaten Mojokerto"]
    args += ["--reminder-interval", "45", "--reminder-headsup", "no"]
    assert cli.main(args) == 0
    assert "tiap 45 menit kerja" in capsys.readouterr().out
    assert cli.main(["opd", "set", "OPD1", "--reminder-max", "1"]) == 1
    assert "REMINDER_ESCALATE_AFTER" in capsys.readouterr().err
    assert cli.main(["opd", "set", "OPD1", "--reminder-interval", "default"]) == 0
    engine = sa.create_engine(sync_url(url))
    with engine.connect() as conn:
        row = conn.execute(sa.select(Opd.__table__).where(Opd.__table__.c.kode == "OPD1")).one()
    engine.dispose()
    assert row.office_name == "Dinas Kesehatan Kabupaten Mojokerto"
    assert (row.reminder_interval_minutes, row.reminder_max, row.reminder_headsup) == (
        None,
        None,
        False,
    )
    with pytest.raises(SystemExit):
        cli.main(["opd", "set", "OPD1", "--reminder-max", "banyak"])


async def test_the_recap_carries_the_opds_office_name(tmp_path: Path, clock) -> None:
    office = await make(tmp_path, clock)
    try:
        period = await Period(office, clock).start("TW I 2025")
        await period.to_reporting(KERTAS_KERJA)
        async with office.db.transaction(across=True) as session:
            await change_settings(session, "OPD1", {"office_name": "Kecamatan Sooko"}, ENV)
        office.forget_opd(OPD1)
        data = await recap.prepare(office, period.id, "Tono", opd_id=OPD1)
    finally:
        await office.db.dispose()
    assert data.office == "Kecamatan Sooko"


async def test_start_carries_the_opds_office_name(bot: Bot, tg) -> None:
    async with bot.office.db.transaction(across=True) as session:
        await change_settings(session, "OPD1", {"office_name": "Kecamatan Sooko"}, ENV)
    bot.office.forget_opd(OPD1)
    stranger = tg.user(7001, "Tamu")
    await stranger.send("/start")
    assert "Kecamatan Sooko" in (await stranger.expect("belum terdaftar")).plain
    async with bot.office.db.session(OPD1) as session:
        assert (await bot.office.opd(session)).office_name == "Kecamatan Sooko"


async def test_a_stranger_in_a_regency_of_several_opd_sees_the_deployments_name(
    bot: Bot, tg
) -> None:
    await second_opd(bot.office.db)
    stranger = tg.user(7002, "Tamu")
    await stranger.send("/start")
    assert bot.settings.office_name in (await stranger.expect("belum terdaftar")).plain


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_migration_0006_up_and_down(tmp_path: Path, backend: str, request) -> None:
    url = f"sqlite:///{tmp_path}/m.db" if backend == "sqlite" else request.getfixturevalue("pg_url")
    await asyncio.to_thread(upgrade, url)
    assert await schema_differences(url) == []
    await asyncio.to_thread(_down_and_up, url)
    assert await schema_differences(url) == []


def _down_and_up(url: str) -> None:
    from alembic import command

    from storage.migrate import alembic_config

    engine = sa.create_engine(sync_url(url))
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE opd SET reminder_max = 2"))
    command.downgrade(alembic_config(url), "0005")
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("opd")}
        indexes = {i["name"] for i in sa.inspect(conn).get_indexes("indicator")}
    assert "reminder_max" not in columns and "ix_indicator_period_kode" not in indexes
    upgrade(url)
    with engine.connect() as conn:
        assert conn.execute(select(Opd.reminder_max)).scalar_one() is None
    engine.dispose()


async def test_an_opd_with_its_own_office_hours_has_its_own_due_times(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    """A kecamatan open 08:00-14:00: a 60-minute step opened at 13:30 is due the next morning
    there, and at 14:30 in an OPD on the .env's hours; `default` gives the .env's hours back."""
    url = f"sqlite:///{tmp_path}/k.db"
    office = await seeded(url, tmp_path / "files")
    async with office.db.transaction(across=True) as session:
        session.add(Opd(kode="KEC-SKO", nama="Kecamatan Sooko", office_name="Kecamatan Sooko"))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    set_hours = ("opd", "set", "KEC-SKO", "--office-hours")
    assert await asyncio.to_thread(cli.main, [*set_hours, "1-5 08:00-14:00"]) == 0
    assert "jam kerja Senin 08:00-14:00;" in capsys.readouterr().out
    assert await asyncio.to_thread(cli.main, [*set_hours, "1-5 08:00-25:00"]) == 1
    assert "Jam kerja tidak dapat dipakai" in capsys.readouterr().err

    async with office.db.session(across=True) as session:
        kec = (await session.exec(select(Opd.id).where(Opd.kode == "KEC-SKO"))).one()
    opened = wib(0, 13, 30)
    own = await office.calendar(opd_id=kec)
    env = await office.calendar(opd_id=OPD1)
    assert own.due_at(opened, minutes=60) == wib(1, 8, 30)
    assert env.due_at(opened, minutes=60) == wib(0, 14, 30)

    assert await asyncio.to_thread(cli.main, [*set_hours, "default"]) == 0
    office.forget_opd(kec)
    assert (await office.calendar(opd_id=kec)).due_at(opened, minutes=60) == wib(0, 14, 30)
    await office.db.dispose()
