"""The draft report reaches the Sekretaris as one unit: the documents (workbook, then the chart
as a photo) before the message with /setuju and /tolak, through the real sender and the fake
Bot API; a failed document keeps the buttons back. The SIGKILL case is in test_restart."""

from __future__ import annotations

import struct
from datetime import datetime

from sqlmodel import select

from core.outbox import enqueue
from core.recap import CHART_KIND, XLSX_MIME
from core.sop import step
from fakeapi import FakeTelegram, FakeUser
from fakeapi.models import BotMessage
from storage.models import Document, Outbox, Period
from tests.conftest import OPD1, Bot, Clock

SEK = 102
WORKBOOK = b"PK\x03\x04 rekap"
CHART = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + struct.pack(">II", 1200, 700) + b"\0" * 64


async def queue_draft(office, now: datetime, chat_id: int = SEK) -> None:
    """Step 9's notice with the Draft Laporan (workbook and chart), as step 8 leaves it."""
    async with office.db.transaction(OPD1) as session:
        period = Period(name="Triwulan I 2025", year=2025, triwulan=1)
        session.add(period)
        await session.flush()
        docs = [
            Document(
                period_id=period.id,
                kind=kind,
                file_name=name,
                mime_type=mime,
                size=len(content),
                sha256=office.files.put(content),
                status="final",
            )
            for content, name, mime, kind in (
                (WORKBOOK, "Rekapitulasi.xlsx", XLSX_MIME, step(8).output),
                (CHART, "Grafik.png", "image/png", CHART_KIND),
            )
        ]
        session.add_all(docs)
        await session.flush()
        await enqueue(
            session,
            key=f"step_opened:{period.id}:9:1:{chat_id}",
            chat_id=chat_id,
            kind="step_opened",
            payload={
                "period_id": period.id,
                "period": period.name,
                "step_no": 9,
                "run_id": 1,
                "round": 1,
                "due_at": None,
                "note": None,
                "by": "Tari Lestari",
                "documents": [d.id for d in docs],
            },
            now=now,
        )


def unit_of(sek: FakeUser) -> list[BotMessage]:
    """The unit's messages as the Sekretaris's chat shows them, in order."""
    return [m for m in sek.messages if m.document or m.photo or "Langkah 9: tugas baru" in m.plain]


def assert_whole_unit(messages: list[BotMessage]) -> None:
    *docs, last = messages
    assert [(m.document.content if m.document else None) for m in docs[-2:]] == [WORKBOOK, None]
    assert docs[-1].photo.content == CHART  # the chart previews as a photo
    assert "Langkah 9: tugas baru" in last.plain
    assert last.find_button("✅ Setuju") and last.find_button("↩️ Tolak")
    assert not any(m.buttons for m in docs)


async def row_status(office) -> tuple[str, int]:
    async with office.db.session(OPD1) as session:
        row = (await session.exec(select(Outbox).where(Outbox.kind == "step_opened"))).one()
    return row.status, row.progress


async def test_documents_come_before_the_decision_buttons(tg: FakeTelegram, bot: Bot, clock: Clock):
    sek = tg.user(SEK, "Siti")
    await sek.send("/start")
    await sek.expect("belum terdaftar")
    await queue_draft(bot.office, clock.now)
    bot.app.bot_data["sender"].kick()
    await sek.expect("Langkah 9: tugas baru")
    assert_whole_unit(unit_of(sek))
    assert len(unit_of(sek)) == 3


async def test_a_document_that_fails_for_a_while_keeps_the_buttons_back(
    tg: FakeTelegram, bot: Bot, clock: Clock
):
    sek = tg.user(SEK, "Siti")
    await sek.send("/start")
    await sek.expect("belum terdaftar")
    tg.fail_next("sendPhoto", status=502, chat_id=SEK)  # the chart: Telegram has a bad moment
    await queue_draft(bot.office, clock.now)
    bot.app.bot_data["sender"].kick()
    workbook = await sek.next_message()
    assert workbook.document.content == WORKBOOK
    await sek.expect_silence(1.5)  # nothing else, the buttons least of all
    assert await row_status(bot.office) == ("baru", 1)  # to be resumed at the chart
    clock.advance(seconds=10)  # past the retry time the sender set
    await sek.expect("Langkah 9: tugas baru", timeout=5)
    assert_whole_unit(unit_of(sek))
    assert len(unit_of(sek)) == 3  # the workbook was not sent twice


async def test_a_document_refused_for_good_never_lets_the_buttons_out(
    tg: FakeTelegram, bot: Bot, clock: Clock
):
    sek = tg.user(SEK, "Siti")
    await sek.send("/start")
    await sek.expect("belum terdaftar")
    tg.fail_next("sendPhoto", status=400, chat_id=SEK)
    await queue_draft(bot.office, clock.now)
    bot.app.bot_data["sender"].kick()
    assert (await sek.next_message()).document.content == WORKBOOK
    clock.advance(minutes=10)
    await sek.expect_silence(1.5)
    assert (await row_status(bot.office))[0] == "gagal"
