"""One user's updates in the order they were sent, other users' beside them."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from core import workflow
from fakeapi import FakeTelegram
from storage.models import Document
from tests.conftest import OPD1, Bot
from tests.test_periods_e2e import pair, start_period


async def test_a_slow_upload_then_selesai_finishes_with_that_upload(
    tg: FakeTelegram, bot: Bot, monkeypatch
):
    _, kd, sek = await pair(tg)
    await start_period(kd, "Triwulan I 2025")
    await sek.expect("Langkah 2: tugas baru")
    await sek.expect("Nota Dinas")  # the Kelengkapan follows the notice
    await sek.send_document(b"%PDF-1.4 lama", "Notulen-lama.pdf", "application/pdf")
    await sek.expect("tersimpan sebagai")

    original = workflow.attach_document

    async def slow(*args, **kwargs):
        await asyncio.sleep(1.5)
        return await original(*args, **kwargs)

    monkeypatch.setattr(workflow, "attach_document", slow)
    await sek.send_document(b"%PDF-1.4 baru", "Notulen-baru.pdf", "application/pdf")
    await sek.send("/selesai")
    # Meanwhile another user is answered at once.
    await kd.send("/bantuan")
    await kd.expect("Perintah yang bisa", timeout=1.0)

    replaced = await sek.next_message(timeout=5)
    assert "mengganti dokumen sebelumnya" in replaced.plain
    done = await sek.next_message(timeout=5)
    assert "selesai" in done.plain
    async with bot.office.db.session(OPD1) as session:
        final = (await session.exec(select(Document).where(Document.status == "final"))).all()
    names = {d.file_name for d in final}
    assert "Notulen-baru.pdf" in names and "Notulen-lama.pdf" not in names
