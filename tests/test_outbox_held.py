"""A row held through a long 429 is not claimed again by its own sender, whatever the clock says."""

from __future__ import annotations

from sqlmodel import select

from fakeapi import FakeTelegram
from storage.models import Outbox
from tests.conftest import ADMIN_ID, Bot, Clock


async def test_message_waiting_out_a_429_is_sent_once(tg: FakeTelegram, bot: Bot, clock: Clock):
    admin = tg.user(ADMIN_ID, "Admin")
    await admin.send("/start")
    await admin.expect("Halo, Admin")
    tg.fail_next("sendMessage", status=429, retry_after=2, chat_id=ADMIN_ID)
    user = tg.user(500, "Rina")
    await user.send("/daftar")
    await user.expect("nama lengkap")
    await user.send("Rina Marlina")
    await user.expect("NIP")
    await user.send("199201012019032001")
    await user.expect("jabatan")
    await user.send("Pranata Komputer")
    await user.expect("dikirim ke admin")
    # While the sender waits out Telegram's 429, the office clock jumps far past a stale claim.
    clock.advance(hours=3)
    await admin.expect("Permintaan pendaftaran", timeout=10)
    await admin.expect_silence(1.5)
    async with bot.office.db.session() as session:
        rows = (await session.exec(select(Outbox).where(Outbox.chat_id == ADMIN_ID))).all()
    assert [(r.kind, r.attempts) for r in rows if r.kind == "registration_request"] == [
        ("registration_request", 1)
    ]
