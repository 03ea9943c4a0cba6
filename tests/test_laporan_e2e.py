"""Steps 8-10 with the report, through the fake Bot API: /rekap at step 8 sends the Draft
Laporan (.docx) beside the workbook and chart; bad uploads are refused and change nothing; an
edited .docx goes round; two /tolak notes, then /setuju: the Kepala Dinas receives the Laporan
Hasil listing both notes, who answered them, who approved, and the signatures.

Registration and steps 1-7 run through the core actions the handlers call (their chat side has
its own tests), so this test spends its time on the report."""

from __future__ import annotations

from io import BytesIO

from docx import Document
from sqlmodel import select

from core import recap, workflow
from fakeapi import FakeUser
from storage.models import Document as Row
from tests import kinerja_core
from tests.conftest import OPD1, Bot
from tests.kinerja_core import ASN1, ASN2, NAMES, NIP, TIM1, Period
from tests.test_cycle_e2e import KERTAS_KERJA

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DRAFT_NAME = "Draft Laporan Hasil Pengukuran Data Kinerja — Triwulan I 2025.docx"
FINAL_NAME = "Laporan Hasil Pengukuran Data Kinerja — Triwulan I 2025.docx"
EDIT = "Catatan suntingan Tim SAKIP: angka sudah dicek ulang."
NOTES = ("Analisis IKU 1 kurang tajam", "Lengkapi faktor penghambat <IKU> & sumbernya")


def text_of(content: bytes) -> str:
    document = Document(BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def edited(content: bytes) -> bytes:
    document = Document(BytesIO(content))
    document.add_paragraph(EDIT)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


async def recap_step7(period: Period) -> None:
    files = await recap.build(period.office, period.id, "Tono Sugiarto", opd_id=OPD1)
    await recap.store(period.office, TIM1, files)
    await workflow.finish_step(period.office, TIM1, await period.open_run_id())


async def draft_at_step8(tim: FakeUser) -> bytes:
    await tim.expect("Langkah 8: tugas baru")
    await tim.send("/rekap")
    await tim.expect_edit("Draft Laporan periode Triwulan I 2025 selesai disusun", timeout=20)
    report = await tim.expect("Draft Laporan Hasil Pengukuran Data Kinerja")
    assert report.document.file_name == DRAFT_NAME
    workbook = await tim.next_message()
    chart = await tim.next_message()
    assert workbook.document.file_name.endswith(".xlsx") and chart.photo is not None
    await tim.expect("tersimpan bersama rekap Langkah 7")
    return report.document.content


async def staff(tg, bot: Bot) -> list[FakeUser]:
    """The six people in their chats, registered through core (the chat side of registration
    has its own tests): each writes first, so the bot may write to them."""
    chats = [tg.user(tid, NAMES[tid].split()[0]) for tid in kinerja_core.ROLES]
    for chat in chats:
        await chat.send("/start")
        await chat.expect("belum terdaftar")
    await kinerja_core.register_staff(bot.office)
    return chats


async def test_edited_draft_round_trip_and_two_rejections(bot: Bot, tg, clock) -> None:
    kd, sek, tim1, _tim2, _asn1, _asn2 = await staff(tg, bot)
    period = await Period(bot.office, clock).start("TW I 2025")
    await period.to_reporting(KERTAS_KERJA)
    await period.report(ASN1, "1.02", "60", penghambat="<b>Hujan</b> & banjir di lokasi")
    await period.report(ASN2, "1.02.01", "45", pendukung="Peserta antusias")
    await period.validate_all()
    await recap_step7(period)

    # Round 1: the generated draft goes to the Sekretaris; she returns it with a note.
    draft = await draft_at_step8(tim1)
    text = text_of(draft)
    assert "DRAFT" in text and "“<b>Hujan</b> & banjir di lokasi”" in text
    await tim1.press("✅ Selesaikan langkah")
    notice = await sek.expect("Langkah 9: tugas baru")
    at = sek.messages.index(notice)
    assert sek.messages[at - 3].document.file_name == DRAFT_NAME
    await sek.send(f"/tolak {NOTES[0]}")
    await sek.expect("dikembalikan ke Tim SAKIP (putaran 2)")

    # Round 2: the recap again, the draft rebuilt, returned once more.
    await recap_step7(period)
    await draft_at_step8(tim1)
    await tim1.press("✅ Selesaikan langkah")
    await sek.expect("Langkah 9: tugas baru")
    await sek.send(f"/tolak {NOTES[1]}")
    await sek.expect("putaran 3")

    # Round 3: bad uploads are refused and change nothing; the edited .docx replaces the draft.
    await recap_step7(period)
    draft = await draft_at_step8(tim1)
    async with bot.office.db.session(OPD1) as session:
        before = (await session.exec(select(Row.id, Row.status))).all()
    for content, name, reply in (
        (b"PK\x03\x04 bukan zip", "draft.docx", "File rusak atau bukan dokumen Word (.docx)"),
        (b"%PDF-1.4 draft", "draft.pdf", "Kirim versi suntingannya sebagai dokumen Word"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 lama", "draft.docx", "Word 97-2003"),
    ):
        await tim1.send_document(content, name, DOCX)
        await tim1.expect(reply)
    async with bot.office.db.session(OPD1) as session:
        assert (await session.exec(select(Row.id, Row.status))).all() == before
    await tim1.send_document(edited(draft), "draft disunting.docx", DOCX)
    accepted = await tim1.expect("Draft Laporan hasil suntingan diterima")
    await tim1.press("✅ Selesaikan langkah", accepted)
    notice = await sek.expect("Langkah 9: tugas baru")
    at = sek.messages.index(notice)
    report, workbook, chart = sek.messages[at - 3 : at]
    assert report.document.file_name == "draft disunting.docx"
    assert EDIT in text_of(report.document.content)
    assert workbook.document.file_name.endswith(".xlsx") and chart.photo is not None
    await sek.send("/setuju")
    await sek.expect("disetujui")

    # Step 10: the Kepala Dinas receives the Laporan Hasil made from the edited draft.
    opened10 = await sek.expect("Langkah 10: tugas baru")
    await sek.press("📤 Kirim ke Kepala Dinas", opened10)
    await kd.expect("Laporan Hasil Pengukuran Data Kinerja")
    final = await kd.next_message()
    assert final.document.file_name == FINAL_NAME
    text = text_of(final.document.content)
    assert EDIT in text
    assert "DRAFT" not in text.split() and "Draft Laporan" not in text
    assert "CATATAN PERSETUJUAN" in text
    for note in NOTES:
        assert note in text
    assert text.count("Tono Sugiarto,") >= 2  # who answered each note
    assert "disetujui oleh Siti Aminah (Sekretaris)" in text
    for name, nip in (
        ("Siti Aminah", NIP[kinerja_core.SEK]),
        ("Bambang Purwanto", NIP[kinerja_core.KD]),
    ):
        assert name in text and f"NIP. {nip}" in text
    assert "[Nama Sekretaris]" not in text and "[NIP Kepala Dinas]" not in text
