"""The outbox sender against the fake server's flood limits: per-chat pacing counted from
Telegram's answer gives no 429, every row is delivered once and marked sent (in batches)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select

from bot.app import build, make_office
from bot.sender import Sender
from core import users
from core.outbox import SENT, enqueue
from fakeapi import FakeTelegram
from storage.models import Outbox
from tests.conftest import OPD1, Clock, make_settings, migrate, running_bot

CHATS, PER_CHAT = 6, 4


async def test_bulk_sending_paces_each_chat_without_429s(tmp_path: Path) -> None:
    now = datetime(2025, 8, 4, 3, 0, tzinfo=timezone.utc)
    async with FakeTelegram(global_rate=50, per_chat_rate=5) as tg:
        for i in range(CHATS):
            await tg.user(2000 + i, f"U{i}").send("/start")  # the chat exists
        settings = make_settings(tg, tmp_path / "data")
        await migrate(settings.database_url)
        office = make_office(settings)
        office.clock = lambda: now
        async with office.db.transaction(OPD1) as session:
            for n in range(PER_CHAT):
                for i in range(CHATS):
                    await enqueue(
                        session,
                        key=f"t:{i}:{n}",
                        chat_id=2000 + i,
                        kind="error",
                        payload={"summary": f"pesan {i}-{n}"},
                        now=now,
                    )
        app = build(settings, office)
        async with app:
            sender = Sender(office, app.bot, rate=50, per_chat_interval=0.2)
            task = asyncio.create_task(sender.run())
            await sender.drain(timeout=20)
            await sender.stop()
            task.cancel()
        async with office.db.session(OPD1) as session:
            sent = (await session.exec(select(func.count()).where(Outbox.status == SENT))).one()
        await office.db.dispose()
    assert tg.stats["429s"] == 0
    texts = Counter((m.chat_id, m.plain) for m in tg.bot_messages)
    assert len(texts) == CHATS * PER_CHAT and max(texts.values()) == 1
    assert sent == CHATS * PER_CHAT


async def test_replies_and_notices_to_one_chat_take_turns(tmp_path: Path, clock: Clock) -> None:
    """A user writing while their notices go out: the replies and the notices share the chat's
    one message a second, so Telegram refuses none of them."""
    async with FakeTelegram(global_rate=50, per_chat_rate=5) as tg:
        user = tg.user(3000, "Tamu")
        settings = make_settings(tg, tmp_path / "data").model_copy(
            update={"send_rate": 50, "per_chat_interval": 0.2}
        )
        async with running_bot(settings, clock) as (app, office):
            await user.send("/start")  # the chat exists
            await user.expect("belum terdaftar")
            async with office.db.transaction(OPD1) as session:
                for n in range(PER_CHAT):
                    payload = {"summary": f"pemberitahuan {n}"}
                    await enqueue(
                        session, key=f"n:{n}", chat_id=3000, kind="error", payload=payload,
                        now=clock(),
                    )  # fmt: skip
            app.bot_data["sender"].kick()
            for _ in range(3):
                await user.send("/start")
            await user.expect(f"pemberitahuan {PER_CHAT - 1}")
            await app.bot_data["sender"].drain(timeout=10)
    texts = [m.plain for m in tg.bot_messages if m.chat_id == 3000]
    assert sum("belum terdaftar" in t for t in texts) == 4
    notices = [t for t in texts if "pemberitahuan" in t]
    assert [f"pemberitahuan {n}." in t for n, t in enumerate(notices)] == [True] * PER_CHAT
    assert tg.stats["429s"] == 0


async def test_a_notice_waits_while_its_user_is_being_answered(
    tmp_path: Path, clock: Clock, monkeypatch
) -> None:
    """A notice due for a user whose update is in hand goes out after the answer, not at the
    sender's next tick in between: the user reads what their act did before what it caused."""
    async with FakeTelegram() as tg:
        user = tg.user(3000, "Tamu")
        async with running_bot(make_settings(tg, tmp_path / "data"), clock) as (app, office):
            await user.send("/start")
            await user.expect("belum terdaftar")
            inside, go_on = asyncio.Event(), asyncio.Event()
            lookup = users.lookup

            async def held_lookup(*args, **kwargs):
                inside.set()
                await go_on.wait()
                return await lookup(*args, **kwargs)

            monkeypatch.setattr(users, "lookup", held_lookup)
            await user.send("/start")
            await inside.wait()
            try:
                async with office.db.transaction(OPD1) as session:
                    payload = {"summary": "pemberitahuan 0"}
                    await enqueue(
                        session, key="n:0", chat_id=3000, kind="error", payload=payload, now=clock()
                    )
                app.bot_data["sender"].kick()
                await user.expect_silence(1.5)  # past the sender's own tick of one second
            finally:
                go_on.set()
            assert "belum terdaftar" in (await user.next_message()).plain
            assert "pemberitahuan 0" in (await user.next_message(timeout=5)).plain
