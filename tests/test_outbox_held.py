"""A row held through a long 429 is not claimed again by its own sender, whatever the clock says."""

from __future__ import annotations

from sqlmodel import select

from core import outbox
from fakeapi import FakeTelegram, FakeUser
from storage.models import Outbox
from tests.conftest import ADMIN_ID, OPD1, Bot, Clock


async def register(user: FakeUser) -> None:
    """A registration by chat: its request is a notice to the admin."""
    await user.send("/daftar")
    await user.expect("nama lengkap")
    await user.send("Rina Marlina")
    await user.expect("NIP")
    await user.send("199201012019032001")
    await user.expect("jabatan")
    await user.send("Pranata Komputer")
    await user.expect("dikirim ke admin")


async def test_message_waiting_out_a_429_is_sent_once(tg: FakeTelegram, bot: Bot, clock: Clock):
    admin = tg.user(ADMIN_ID, "Admin")
    await admin.send("/start")
    await admin.expect("Halo, Admin")
    tg.fail_next("sendMessage", status=429, retry_after=2, chat_id=ADMIN_ID)
    await register(tg.user(500, "Rina"))
    # While the sender waits out Telegram's 429, the office clock jumps far past a stale claim.
    clock.advance(hours=3)
    await admin.expect("Permintaan pendaftaran", timeout=10)
    await admin.expect_silence(1.5)
    async with bot.office.db.session(OPD1) as session:
        rows = (await session.exec(select(Outbox).where(Outbox.chat_id == ADMIN_ID))).all()
    assert [(r.kind, r.attempts) for r in rows if r.kind == "registration_request"] == [
        ("registration_request", 1)
    ]


async def test_a_chats_backlog_never_holds_other_chats_back(bot_pg: Bot, clock: Clock):
    """A broadcast of a hundred messages to one chat, then one reminder to another: the next
    claim takes a fair share of the first chat and the reminder."""
    db = bot_pg.office.db
    await bot_pg.app.bot_data["sender"].stop()
    async with db.transaction(OPD1) as session:
        for i in range(100):
            await outbox.enqueue(
                session, key=f"siaran:{i}", chat_id=1, kind="error", payload={}, now=clock()
            )
        await outbox.enqueue(
            session, key="pengingat", chat_id=2, kind="error", payload={}, now=clock()
        )
    async with db.transaction(OPD1) as session:
        rows = await outbox.claim(session, clock(), 50)
    by_chat = [r.chat_id for r in rows]
    assert by_chat.count(1) == outbox.PER_CHAT_CLAIM and by_chat.count(2) == 1


async def test_a_send_whose_answer_is_lost_goes_again_and_says_it_may_be_twice(
    tg: FakeTelegram, bot: Bot, clock: Clock, caplog
):
    """Telegram took the message but its answer never came back (a dropped connection): the
    sender cannot know, so the row goes again a little later, and the log and the row say it
    may have arrived twice (decisions.md: never lost, doubled only on record)."""
    admin = tg.user(ADMIN_ID, "Admin")
    await admin.send("/start")
    await admin.expect("Halo, Admin")
    tg.lose_answer_next("sendMessage", chat_id=ADMIN_ID)
    await register(tg.user(501, "Rina"))
    await admin.expect("Permintaan pendaftaran", timeout=10)
    await admin.expect_silence(1.0)  # the retry waits out its own pause, in office time
    clock.advance(seconds=10)
    bot.app.bot_data["sender"].kick()
    await admin.expect("Permintaan pendaftaran", timeout=10)
    await bot.app.bot_data["sender"].drain()  # its mark is written a moment after the send
    async with bot.office.db.session(OPD1) as session:
        rows = (await session.exec(select(Outbox).where(Outbox.chat_id == ADMIN_ID))).all()
    (row,) = [r for r in rows if r.kind == "registration_request"]
    assert row.status == outbox.SENT and row.attempts == 2
    assert row.error.startswith(outbox.NO_ANSWER)
    assert any("may arrive twice" in r.getMessage() for r in caplog.records)
