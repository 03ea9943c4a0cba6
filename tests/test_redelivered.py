"""An update delivered again after its process died (SIGKILL, webhook mode: no 200 answered)
after the action had committed: the action is not done twice and nobody is told twice; the
user hears it was done already. Each unit of work records its update in its own transaction
(storage.db.handling)."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlmodel import select

from bot.app import make_office
from core import indicators, users
from core.sop import Role
from fakeapi import FakeTelegram
from storage.db import AlreadyHandled, Database, handling
from storage.models import AuditLog, Outbox
from tests.conftest import ADMIN_ID, OPD1, make_settings, migrate
from tests.test_lapor_e2e import mediasi_card, reporting_open
from tests.test_restart import wait_for
from tests.test_service import webhook_process

ANI = 303


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
async def test_a_role_change_delivered_again_is_not_made_twice(
    tg: FakeTelegram, tmp_path: Path, database: str, request
):
    url = request.getfixturevalue("pg_url") if database == "postgresql" else None
    settings = make_settings(tg, tmp_path / "data", url)
    await migrate(settings.database_url)
    office = make_office(settings)
    reg = await users.register(office, ANI, None, "Ani Lestari", "199001012015012001", "Staf")
    await users.set_role(office, ADMIN_ID, reg.user_id, Role.ASN, request=True)
    async with office.db.transaction(OPD1) as session:
        for row in (await session.exec(select(Outbox))).all():
            row.status = "terkirim"  # the approval's notice is not this test's
            session.add(row)
    proc, _ = webhook_process(tg, tmp_path / "data", url)
    admin, ani = tg.user(ADMIN_ID, "Admin"), tg.user(ANI, "Ani")
    await ani.send("/start")
    proc.start()
    await ani.expect("Halo", timeout=30)

    name, set_commands = tg._methods["setmycommands"]
    killed: list[int] = []

    async def die_after_the_commit(params):
        """Ani's new menu is set after the role change committed: the process dies there."""
        scope = params.json("scope") if params.raw("scope") else None
        if scope and scope.get("chat_id") == ANI and not killed:
            killed.append(1)
            os.kill(proc.proc.pid, signal.SIGKILL)
            await asyncio.sleep(0.2)
        return await set_commands(params)

    tg._methods["setmycommands"] = (name, die_after_the_commit)
    try:
        await admin.send("/pengguna")
        await admin.press_data(f"usr:{reg.user_id}", await admin.expect("Pengguna", timeout=20))
        await admin.press_data(f"role:{reg.user_id}:tim", await admin.expect("Pilih peran baru"))

        async def died() -> bool:
            return bool(killed)

        await wait_for(died, timeout=20)
        proc.proc.join()
        proc.start()  # the fake Telegram delivers the press again
        await admin.expect("sudah diproses sebelumnya", timeout=30)
        await ani.expect("Peran Anda sekarang", timeout=30)
        await asyncio.sleep(1)
    finally:
        proc.stop()
    async with office.db.session(OPD1) as session:
        notices = (await session.exec(select(Outbox).where(Outbox.kind == "role_changed"))).all()
        changes = (
            await session.exec(select(AuditLog).where(AuditLog.action == "ubah_peran"))
        ).all()
    await office.db.dispose()
    assert (len(notices), len(changes)) == (1, 1)
    assert [m.plain for m in ani.messages].count(ani.messages[-1].plain) == 1


async def test_each_unit_of_an_update_is_recorded_once_and_forgotten_after_days(tmp_path: Path):
    url = f"sqlite:///{tmp_path}/kinerja.db"
    await migrate(url)
    db = Database(url)
    try:
        with handling(8):  # an update of two units of work
            for _ in range(2):
                async with db.transaction(OPD1):
                    pass
        with handling(8), pytest.raises(AlreadyHandled):  # delivered again
            async with db.transaction(OPD1):
                pass
        async with db.transaction(OPD1):  # outside any update: nothing recorded
            pass
        now = datetime.now(timezone.utc)
        assert await db.forget_handled(now - timedelta(days=1)) == 0
        assert await db.forget_handled(now + timedelta(seconds=1)) == 2
        with handling(8):
            async with db.transaction(OPD1):
                pass
    finally:
        await db.dispose()


async def test_a_kirim_delivered_again_says_the_figure_is_stored(
    tg: FakeTelegram, bot, clock, monkeypatch
):
    """The press came again after its process stored the figure and died before replying:
    the figure is not filed twice, the ASN reads it is stored, and the dialog ends."""
    _, _, ani, _ = await reporting_open(tg, bot, clock)
    card = await mediasi_card(ani, "12")

    async def done_before(*args, **kwargs):
        raise AlreadyHandled("update 1 unit 1")

    monkeypatch.setattr(indicators, "submit", done_before)
    await ani.press("✅ Kirim", card)
    await ani.expect("Realisasi ini sudah tersimpan sebelumnya")
    await ani.send("12")
    await ani.expect("belum memahami")  # no dialog waits for a value any more
