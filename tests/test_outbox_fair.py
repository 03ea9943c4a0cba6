"""The overall send rate shared fairly: one OPD's broadcast never holds another OPD's reminders
behind its backlog, and a reply to the user who acted goes before any queued outbox row.

Assertions are on the order of delivery at the fake server, never on wall-clock time.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlmodel import select

from bot.app import build, make_office
from bot.sender import Sender
from core import outbox
from core.office import Office
from fakeapi import FakeTelegram, FakeUser
from storage.models import Outbox
from tests.conftest import (
    ADMIN_ID,
    OPD1,
    Clock,
    make_settings,
    migrate,
    register,
    running_bot,
    second_opd,
)

NOW = datetime(2025, 8, 4, 3, 0, tzinfo=timezone.utc)
A_CHATS, A_PER_CHAT = 30, 10  # OPD A's broadcast: 300 rows
B_CHATS = 5  # OPD B's reminders: one each


async def fill(
    office: Office, opd_id: int, chats: list[int], per_chat: int, tag: str, now: datetime = NOW
) -> None:
    """`per_chat` rows to each chat, chat by chat as a broadcast loop writes them."""
    async with office.db.transaction(opd_id) as session:
        for chat in chats:
            for n in range(per_chat):
                await outbox.enqueue(
                    session,
                    key=f"{tag}:{chat}:{n}",
                    chat_id=chat,
                    kind="error",
                    payload={"summary": f"{tag} {chat}-{n}"},
                    now=now,
                )


async def wait_for(predicate, timeout: float = 30.0) -> None:
    """Poll the fake server's record; the bound is only a guard against a hang."""
    for _ in range(int(timeout / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


def sent_with(tg: FakeTelegram, tag: str) -> list[int]:
    """Positions, in the server's order of delivery, of the messages carrying `tag`."""
    return [i for i, m in enumerate(tg.bot_messages) if f"{tag} " in m.plain]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_a_claim_interleaves_the_opd(tmp_path: Path, backend: str, request) -> None:
    """Rows are claimed in turns by OPD: the first claim after a broadcast of 300 already
    takes the other OPD's five rows beside the broadcast's first ones."""
    url = f"sqlite:///{tmp_path}/o.db" if backend == "sqlite" else request.getfixturevalue("pg_url")
    await migrate(url)
    office = make_office(make_settings(FakeTelegram(), tmp_path / "data", url))
    opd_b = await second_opd(office.db)
    await fill(office, OPD1, list(range(1000, 1000 + A_CHATS)), A_PER_CHAT, "A")
    await fill(office, opd_b, list(range(2000, 2000 + B_CHATS)), 1, "B")
    async with office.db.transaction(across=True) as session:
        claimed = await outbox.claim(session, NOW, 20)
    async with office.db.session(across=True) as session:
        states = Counter((await session.exec(select(Outbox.status))).all())
    await office.db.dispose()
    assert [m.opd_id for m in claimed][:10] == [OPD1, opd_b] * 5
    assert Counter(m.opd_id for m in claimed) == {OPD1: 15, opd_b: 5}
    assert states == {outbox.CLAIMED: 20, outbox.NEW: A_CHATS * A_PER_CHAT + B_CHATS - 20}


async def test_another_opds_reminders_go_out_in_their_turn_during_a_broadcast(
    tmp_path: Path,
) -> None:
    """OPD A's 300 rows are going out at a low rate when OPD B writes five reminders: those
    five take every other message from then on, not a place behind A's backlog."""
    a_chats = list(range(2000, 2000 + A_CHATS))
    b_chats = list(range(3000, 3000 + B_CHATS))
    async with FakeTelegram(global_rate=60) as tg:
        for chat in a_chats + b_chats:
            await tg.user(chat, f"U{chat}").send("/start")  # the chat exists
        settings = make_settings(tg, tmp_path / "data")
        await migrate(settings.database_url)
        office = make_office(settings)
        office.clock = lambda: NOW
        opd_b = await second_opd(office.db)
        await fill(office, OPD1, a_chats, A_PER_CHAT, "A")
        app = build(settings, office)
        async with app:
            sender = Sender(office, app.bot, rate=40, per_chat_interval=0)
            task = asyncio.create_task(sender.run())
            await wait_for(lambda: len(tg.bot_messages) >= 40)
            await fill(office, opd_b, b_chats, 1, "B")
            written = len(tg.bot_messages)
            sender.kick()
            await sender.drain(timeout=60)
            await sender.stop()
            task.cancel()
        await office.db.dispose()
    b_sent = sent_with(tg, "B")
    assert len(b_sent) == B_CHATS and len(sent_with(tg, "A")) == A_CHATS * A_PER_CHAT
    # From the moment B's rows were written, at most one of A's between two of B's (two
    # OPD share the rate), beside the few of A's already on their way.
    assert b_sent[-1] - written < 2 * B_CHATS + 5, (written, b_sent)
    assert tg.stats["429s"] == 0


async def test_a_reply_goes_before_a_queued_broadcast(tmp_path: Path, clock: Clock) -> None:
    """/tugas while 300 notices wait at a low overall rate: the answer takes the next free
    slot, long before the backlog drains."""
    async with FakeTelegram(global_rate=40) as tg:
        admin, asn = tg.user(ADMIN_ID, "Admin"), tg.user(4001, "Ani")
        strangers = [tg.user(5000 + i, f"Tamu {i}") for i in range(A_CHATS)]
        settings = make_settings(tg, tmp_path / "data").model_copy(update={"send_rate": 30})
        async with running_bot(settings, clock) as (app, office):
            await register(admin, asn, "Ani Wijaya", "199003032015032005", "ASN")
            await asyncio.gather(*(greet(s) for s in strangers))
            await fill(office, OPD1, [s.id for s in strangers], A_PER_CHAT, "A", clock())
            app.bot_data["sender"].kick()
            await wait_for(lambda: len(sent_with(tg, "A")) >= 20)
            asked = len(tg.bot_messages)
            await asn.send("/tugas")
            answer = await asn.next_message()
            answered = next(i for i, m in enumerate(tg.bot_messages) if m is answer)
            backlog_then = len(sent_with(tg, "A"))
    assert "tugas" in answer.plain.lower() or "langkah" in answer.plain.lower()
    assert backlog_then < A_CHATS * A_PER_CHAT // 2
    # Only the notices already granted their slot went out between the question and answer.
    assert answered - asked <= 3, (asked, answered)
    assert tg.stats["429s"] == 0


async def greet(user: FakeUser) -> None:
    await user.send("/start")
    await user.expect("belum terdaftar")
