"""Several open periods, cancelling one, odd files, and a failure the bot did not expect."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from bot import messages
from core import views, workflow
from fakeapi import FakeTelegram, FakeUser
from storage.models import Document, Outbox, Period
from tests.conftest import ADMIN_ID, OPD1, Bot, register


async def start_period(kd: FakeUser, name: str) -> None:
    await kd.send("/mulai")
    await kd.expect("nama periode")
    await kd.send(name)
    await kd.expect("Nota Dinas")
    await kd.send(f"Nota Dinas: laksanakan pengukuran data kinerja {name}.")
    await kd.expect("dimulai")


async def pair(tg: FakeTelegram) -> tuple[FakeUser, FakeUser, FakeUser]:
    admin, kd, sek = tg.user(ADMIN_ID, "Admin"), tg.user(101, "Bambang"), tg.user(102, "Siti")
    await register(admin, kd, "Bambang Purwanto", "196909211996021001", "Kepala Dinas")
    await register(admin, sek, "Siti Aminah", "197501012000032002", "Sekretaris")
    return admin, kd, sek


async def test_a_document_that_fits_two_periods_asks_which(tg: FakeTelegram, bot: Bot):
    _, kd, sek = await pair(tg)
    await start_period(kd, "Triwulan I 2025")
    await start_period(kd, "Triwulan II 2025")
    await sek.send_document(b"%PDF-1.4 notulen", "Notulen.pdf", "application/pdf")
    ask = await sek.expect("untuk langkah yang mana")
    await sek.press("Triwulan II 2025 – Langkah 2: Notulen Rapat", ask)
    stored = await sek.expect("tersimpan sebagai")
    assert "Triwulan II 2025" in stored.plain
    await sek.send("/selesai")
    await sek.expect("Langkah 2 periode Triwulan II 2025 selesai")
    await sek.send("/status")
    choose = await sek.expect("Pilih periode")
    await sek.press("Triwulan I 2025", choose)
    status = await sek.expect("Status periode Triwulan I 2025")
    assert "2. Sekretaris — ⏳ berjalan" in status.plain
    async with bot.office.db.session(OPD1) as session:
        kinds = sorted(d.kind for d in (await session.exec(select(Document))).all())
    assert kinds == ["Nota Dinas", "Nota Dinas", "Notulen Rapat"]


async def test_cancelled_period_is_archived_and_its_name_free_again(tg: FakeTelegram, bot: Bot):
    _, kd, sek = await pair(tg)
    await start_period(kd, "Triwulan I 2025")
    await sek.send("/batalkan")
    await sek.expect("Hanya admin atau Kepala Dinas")
    await kd.send("/batalkan")
    choose = await kd.expect("akan <b>dibatalkan</b>")
    await kd.press("✖️ Triwulan I 2025", choose)
    await kd.expect_edit("dibatalkan dan disimpan di arsip")
    await sek.send_document(b"%PDF-1.4 notulen", "Notulen.pdf", "application/pdf")
    await sek.expect("Tidak ada langkah Anda yang menunggu dokumen")
    await sek.send("/arsip")
    listing = await sek.expect("Arsip Hasil Pengukuran")
    assert "✖️ Triwulan I 2025" in str(listing.reply_markup)
    await start_period(kd, "Triwulan I 2025")
    async with bot.office.db.session(OPD1) as session:
        statuses = sorted(p.status for p in (await session.exec(select(Period))).all())
    assert statuses == ["berjalan", "dibatalkan"]


async def test_wrong_files_are_refused_and_change_nothing(tg: FakeTelegram, bot: Bot):
    _, kd, sek = await pair(tg)
    await start_period(kd, "Tahunan 2025")
    await sek.send_document(b"MZ\x90\x00", "virus.exe", "application/octet-stream")
    await sek.expect("Jenis file ini tidak diterima")
    await sek.send_photo(b"\x89PNG notulen")
    await sek.expect("bukan dokumen")
    await sek.send_document(b"", "kosong.pdf", "application/pdf")
    await sek.expect("File kosong")
    await sek.send("/selesai")
    await sek.expect("kirim dulu dokumen Notulen Rapat")
    async with bot.office.db.session(OPD1) as session:
        assert [d.kind for d in (await session.exec(select(Document))).all()] == ["Nota Dinas"]


async def test_unexpected_failure_tells_user_and_admins(tg: FakeTelegram, bot: Bot, monkeypatch):
    _, kd, _ = await pair(tg)

    async def broken(*args, **kwargs):
        raise RuntimeError("disk penuh: NIP 196909211996021001")

    monkeypatch.setattr(views, "my_tasks", broken)
    await kd.send("/tugas")
    await kd.expect(messages.SOMETHING_WRONG[:40])
    admin = tg.user(ADMIN_ID, "Admin")
    alert = await admin.expect("Galat di bot")
    assert "RuntimeError di /tugas" in alert.plain and "1969" not in alert.plain
    async with bot.office.db.session(OPD1) as session:
        rows = (await session.exec(select(Outbox).where(Outbox.kind == "error"))).all()
    assert len(rows) == 1


async def test_help_lists_the_role_and_what_waits_now(tg: FakeTelegram, bot: Bot):
    _, kd, sek = await pair(tg)
    await sek.send("/bantuan")
    help_sek = await sek.expect("Perintah yang bisa Anda pakai")
    assert "/setuju" in help_sek.plain and "/mulai" not in help_sek.plain
    assert "tidak ada langkah yang menunggu" in help_sek.plain
    await start_period(kd, "Triwulan I 2025")
    await sek.send("/bantuan")
    assert "1 langkah menunggu Anda" in (await sek.expect("Perintah yang bisa")).plain
    stranger = tg.user(400, "Tamu")
    await stranger.send("/bantuan")
    help_stranger = await stranger.expect("Perintah yang bisa")
    assert "/daftar" in help_stranger.plain and "/tugas" not in help_stranger.plain


async def test_a_slow_upload_holds_nobody_else(tg: FakeTelegram, bot: Bot, monkeypatch):
    _, kd, sek = await pair(tg)
    await start_period(kd, "Triwulan I 2025")
    original = workflow.attach_document

    async def slow(*args, **kwargs):
        await asyncio.sleep(1.5)
        return await original(*args, **kwargs)

    monkeypatch.setattr(workflow, "attach_document", slow)
    await sek.expect("Langkah 2: tugas baru")
    await sek.next_message()
    await sek.send_document(b"%PDF-1.4 notulen", "Notulen.pdf", "application/pdf")
    await kd.send("/bantuan")
    await kd.expect("Perintah yang bisa", timeout=1.0)
    assert sek.inbox_empty()
    await sek.expect("tersimpan sebagai", timeout=5)


async def test_an_oversized_file_is_refused_before_download(tg: FakeTelegram, bot: Bot):
    _, kd, sek = await pair(tg)
    await start_period(kd, "Triwulan I 2025")
    await sek.send_document(
        b"%PDF-1.4 " + b"0" * (20 * 1024 * 1024), "besar.pdf", "application/pdf"
    )
    await sek.expect("lebih dari 20 MB")
    assert tg.stats["methods"]["getFile"] == 0
    async with bot.office.db.session(OPD1) as session:
        assert [d.kind for d in (await session.exec(select(Document))).all()] == ["Nota Dinas"]
