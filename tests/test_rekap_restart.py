"""/rekap killed mid-build (SIGKILL, webhook mode): its update was not confirmed, so Telegram
delivers it again and the fresh process builds and stores the recap, on both databases."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from sqlmodel import col, select

from core.office import Office
from fakeapi import FakeTelegram
from storage.models import Document, Outbox
from tests import kinerja_core
from tests.conftest import OPD1, Clock
from tests.kinerja_flow import kertas_kerja, kk_row
from tests.test_restart import BotProcess, wait_for
from tests.test_service import webhook_process

ROW = kk_row("Program", "1.02", "Penempatan", "Ditempatkan", kinerja_core.NIP[kinerja_core.ASN1])


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
async def test_a_recap_killed_mid_build_is_built_again(
    tg: FakeTelegram, tmp_path: Path, database: str, request
):
    url = request.getfixturevalue("pg_url") if database == "postgresql" else None
    office = await at_recap(tmp_path, url)
    proc, _ = webhook_process(tg, tmp_path / "data", url)
    try:
        await kill_mid_recap(tg, proc, office)
        proc.start()
        await wait_for(lambda: stored(office), timeout=60)
    finally:
        proc.stop()
        await office.db.dispose()


async def at_recap(tmp_path: Path, url: str | None) -> Office:
    """A period at step 7, its notices so far marked sent (they are not these tests')."""
    clock = Clock()
    office = await kinerja_core.make(tmp_path, clock, url)
    period = await kinerja_core.Period(office, clock).start("Triwulan I 2025")
    await period.to_reporting(kertas_kerja([ROW]))
    await period.report(kinerja_core.ASN1, "1.02", "85")
    await period.validate_all()
    async with office.db.transaction(OPD1) as session:
        for row in (await session.exec(select(Outbox))).all():
            row.status = "terkirim"
            session.add(row)
    return office


async def kill_mid_recap(
    tg: FakeTelegram, proc: BotProcess, office: Office, *, confirmed: bool = False
) -> None:
    """Start the bot, Tim SAKIP sends /rekap, SIGKILL as the build starts: nothing stored.
    `confirmed` (polling): the kill waits until the next poll confirmed /rekap to Telegram,
    which may come a moment after the build started."""
    tim = tg.user(kinerja_core.TIM1, "Tono")
    proc.start()
    started = []

    def note_start(message) -> None:
        if message.chat_id == tim.id and "mulai" in message.plain.lower() and not started:
            started.append(message)
            if not confirmed:
                os.kill(proc.proc.pid, signal.SIGKILL)

    tg.on_bot_message.append(note_start)
    await tim.send("/rekap")

    async def has_started() -> bool:
        return bool(started)

    async def was_confirmed() -> bool:
        return not tg.pending_updates

    await wait_for(has_started, timeout=30)
    if confirmed:
        await wait_for(was_confirmed, timeout=10)
        os.kill(proc.proc.pid, signal.SIGKILL)
    proc.proc.join()
    assert not await stored(office)


async def stored(office) -> bool:
    """Step 7's output, the recap, stored."""
    async with office.db.session(OPD1) as session:
        q = select(Document.kind).where(col(Document.step_run_id).is_not(None))
        return any("Rekap" in kind for kind in (await session.exec(q)).all())
