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
from core.outbox import SENT, enqueue
from fakeapi import FakeTelegram
from storage.migrate import upgrade
from storage.models import Outbox
from tests.conftest import make_settings

CHATS, PER_CHAT = 6, 4


async def test_bulk_sending_paces_each_chat_without_429s(tmp_path: Path) -> None:
    now = datetime(2025, 8, 4, 3, 0, tzinfo=timezone.utc)
    async with FakeTelegram(global_rate=50, per_chat_rate=5) as tg:
        for i in range(CHATS):
            await tg.user(2000 + i, f"U{i}").send("/start")  # the chat exists
        settings = make_settings(tg, tmp_path / "data")
        await asyncio.to_thread(upgrade, settings.database_url)
        office = make_office(settings)
        office.clock = lambda: now
        async with office.db.transaction() as session:
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
        async with office.db.session() as session:
            sent = (await session.exec(select(func.count()).where(Outbox.status == SENT))).one()
        await office.db.dispose()
    assert tg.stats["429s"] == 0
    texts = Counter((m.chat_id, m.plain) for m in tg.bot_messages)
    assert len(texts) == CHATS * PER_CHAT and max(texts.values()) == 1
    assert sent == CHATS * PER_CHAT
