"""One whole period through PTB's real HTTP layer and the fake Bot API, rejection round included."""

from __future__ import annotations

import pytest
from sqlmodel import select

from core import users
from core.engine import SopError
from core.sop import Role
from fakeapi import FakeTelegram, FakeUser
from storage.models import AuditLog, Document, Period, StepRun, User
from tests import kinerja_flow
from tests.conftest import ADMIN_ID, OPD1, Bot, register
from tests.kinerja_flow import pdf

PDF = b"%PDF-1.4 nota dinas\n%%EOF"


KERTAS_KERJA = kinerja_flow.kertas_kerja(
    [
        kinerja_flow.kk_row(
            "Program", "1.02", "Program Penempatan", "Persentase pencaker ditempatkan",
            "199003032015032005", tahunan=80, tw=(80, 80, 80, 80),
        ),
        kinerja_flow.kk_row(
            "Kegiatan", "1.02.01", "Kegiatan Pelatihan", "Jumlah peserta pelatihan",
            "199104042016041006", satuan="orang", tahunan=200, tw=(50, 50, 50, 50),
            konsolidasi="Kumulatif",
        ),
    ]
)  # fmt: skip


async def upload_and_finish(user: FakeUser, no: int, name: str) -> None:
    await user.send_document(pdf(name), f"{name}.pdf", "application/pdf")
    stored = await user.expect("tersimpan sebagai")
    assert f"Langkah {no}," in stored.plain
    await user.press("✅ Selesaikan langkah", stored)
    await user.expect(f"Langkah {no} periode")


async def people(tg: FakeTelegram):
    admin = tg.user(ADMIN_ID, "Admin")
    kd = tg.user(101, "Bambang", username="kadis")
    sek = tg.user(102, "Siti")
    tim1 = tg.user(103, "Tono")
    tim2 = tg.user(104, "Tari")
    asn1 = tg.user(105, "Ani")
    asn2 = tg.user(106, "Budi")
    await register(admin, kd, "Bambang Purwanto", "196909211996021001", "Kepala Dinas")
    await register(admin, sek, "Siti Aminah", "197501012000032002", "Sekretaris")
    await register(admin, tim1, "Tono Sugiarto", "198001012005011003", "Tim SAKIP")
    await register(admin, tim2, "Tari Lestari", "198202022006042004", "Tim SAKIP")
    await register(admin, asn1, "Ani Wijaya", "199003032015032005", "ASN")
    await register(admin, asn2, "Budi Santoso", "199104042016041006", "ASN")
    return admin, kd, sek, tim1, tim2, asn1, asn2


async def test_stranger_gets_a_polite_reply_and_nothing_else(tg: FakeTelegram, bot: Bot):
    stranger = tg.user(100, "Orang")
    await stranger.send("halo")
    assert "/daftar" in (await stranger.expect("Anda belum terdaftar")).text
    await stranger.send("/tugas")
    await stranger.expect("Ketik /daftar")
    await stranger.send("/mulai")
    await stranger.expect("belum terdaftar")
    await stranger.send_document(PDF, "x.pdf", "application/pdf")
    await stranger.expect("belum terdaftar")
    async with bot.office.db.session(OPD1) as session:
        assert (await session.exec(select(User))).all() == []
        assert (await session.exec(select(Document))).all() == []


async def test_registration_validates_and_admin_sets_roles(tg: FakeTelegram, bot: Bot):
    admin = tg.user(ADMIN_ID, "Admin")
    await admin.send("/start")
    await admin.expect("Halo, Admin")
    user = tg.user(200, "Dewi")
    await user.send("/daftar")
    await user.expect("nama lengkap")
    await user.send("Dewi Sartika")
    await user.expect("NIP")
    await user.send("12345")
    await user.expect("NIP harus 18 digit")
    await user.send_photo(b"\x89PNG fake")
    await user.expect("sebagai teks")
    await user.send("1985 0101 2010 01 1001")
    await user.expect("jabatan")
    await user.send("Analis")
    await user.expect("sudah dikirim ke admin")
    request = await admin.expect("Permintaan pendaftaran")
    assert "198501012010011001" in request.text
    await user.send("/daftar")
    await user.expect("masih menunggu persetujuan admin")
    # The rule sits in core, so a button pressed by anyone but an admin changes nothing.
    with pytest.raises(SopError, match="hanya untuk admin"):
        await users.set_role(bot.office, 201, 1, Role.KEPALA_DINAS)
    await admin.press("Sekretaris", request)
    await admin.expect_edit("Sekretaris")
    await user.expect("disetujui sebagai Sekretaris")
    assert ("setuju", "Setujui draft laporan") in tg.commands(chat_id=200)
    await user.send("/profil")
    profile = await user.expect("Profil Anda")
    assert "198501012010011001" in profile.text and "Sekretaris" in profile.text

    second = tg.user(202, "Eko")
    await register_pending(second, "Eko Prasetyo", "198601012010011002")
    request = await admin.expect("Eko Prasetyo")
    await admin.press("Sekretaris", request)
    confirm = await admin.expect("saat ini dijabat")
    await admin.press("✅ Ya, ganti", confirm)
    await admin.expect_edit("menjadi ASN")
    await user.expect("Peran Anda sekarang: ASN")
    async with bot.office.db.session(OPD1) as session:
        roles = {u.nama: u.role for u in (await session.exec(select(User))).all()}
    assert roles == {"Dewi Sartika": "asn", "Eko Prasetyo": "sekretaris"}


async def register_pending(user: FakeUser, nama: str, nip: str) -> None:
    await user.send("/daftar")
    await user.expect("nama lengkap")
    await user.send(nama)
    await user.expect("NIP")
    await user.send(nip)
    await user.expect("jabatan")
    await user.send("Pelaksana")
    await user.expect("sudah dikirim ke admin")


async def test_whole_period_with_one_rejection_round(tg: FakeTelegram, bot: Bot, clock):
    _admin, kd, sek, tim1, tim2, asn1, asn2 = await people(tg)

    # Step 1: only the Kepala Dinas starts; the name is validated; a photo is not a document.
    await sek.send("/mulai")
    await sek.expect("Hanya Kepala Dinas")
    await kd.send("/mulai")
    await kd.expect("nama periode")
    await kd.send("Triwulan 5 2025")
    await kd.expect("tidak dikenali")
    await kd.send("tw 1 2025")
    await kd.expect("Triwulan I 2025")
    await kd.send_photo(b"\x89PNG nota")
    await kd.expect("bukan dokumen")
    await kd.send_document(PDF, "Nota Dinas TW I.pdf", "application/pdf")
    started = await kd.expect("dimulai")
    assert "Langkah 2 dibuka untuk Sekretaris" in started.plain

    # Step 2: the Sekretaris is told, with the Nota Dinas attached.
    opened = await sek.expect("Langkah 2: tugas baru")
    assert "Notulen Rapat" in opened.plain and "60 menit" in opened.plain
    assert "Batas waktu: Senin, 14 April 2025 10:00" in opened.plain, opened.plain
    nota = await sek.next_message()
    assert nota.document is not None and nota.document.content == PDF

    await sek.send("/setuju")
    await sek.expect("Belum ada draft laporan")
    await sek.send("/selesai")
    await sek.expect("kirim dulu dokumen Notulen Rapat")
    await sek.send_document(pdf("notulen salah"), "salah.pdf", "application/pdf")
    await sek.expect("tersimpan")
    await sek.send_document(pdf("notulen"), "Notulen.pdf", "application/pdf")
    await sek.expect("mengganti dokumen sebelumnya")
    clock.advance(minutes=30)
    await sek.press("✅ Selesaikan langkah")
    await sek.expect("Langkah 2 periode")

    # Step 3: both Tim SAKIP members get the briefing minutes; one finishes, the other is told.
    for member in (tim1, tim2):
        await member.expect("Langkah 3: tugas baru")
        minutes = await member.next_message()
        assert minutes.document.content == pdf("notulen")
    await asn1.send("/selesai")
    await asn1.expect("Tidak ada langkah Anda")
    await upload_and_finish(tim1, 3, "rencana")
    await tim2.expect("Langkah 3 periode Triwulan I 2025 diselesaikan oleh Tono")
    # Step 4: the Kertas Kerja names the indicators and their PICs; a PDF is not one.
    await tim1.expect("Langkah 4: tugas baru")
    await tim2.send_document(pdf("langkah4"), "langkah4.pdf", "application/pdf")
    await tim2.expect("format Excel (.xlsx)")
    imported = await kinerja_flow.upload_kertas_kerja(tim2, KERTAS_KERJA)
    assert "2 indikator, 1 program, 2 PIC" in imported.plain
    await kinerja_flow.finish(tim2, imported, 4)
    # Step 5: each PIC gets their own indicators and reports them; the last one ends the step.
    for asn, code in ((asn1, "1.02"), (asn2, "1.02.01")):
        opened = await asn.expect("Langkah 5: laporkan realisasi")
        assert code in opened.plain
    done = await kinerja_flow.report(asn1, "1.02", "80")
    assert "Masih 1 indikator" in done.plain
    done = await kinerja_flow.report(asn2, "1.02.01", "45")
    assert "Langkah 5 selesai" in done.plain
    # Step 6: Tim SAKIP declares both figures valid; step 7 opens.
    await tim1.expect("Langkah 6: tugas baru")
    cards, _ = await kinerja_flow.validate_all(tim1)
    assert len(cards) == 2
    # Steps 7 and 8: the recap workbook, then the same workbook as the Draft Laporan.
    _, _, stored = await kinerja_flow.recap(tim1)
    await kinerja_flow.finish(tim1, stored, 7)
    await tim1.expect("Langkah 8: tugas baru")
    await kinerja_flow.finish(tim1, await kinerja_flow.draft(tim1), 8)

    # Step 9: the draft reaches the Sekretaris as one unit, the documents before the message
    # with the decision buttons; she rejects with a note through the buttons.
    draft_msg = await sek.expect("Langkah 9: tugas baru")
    at = sek.messages.index(draft_msg)
    report, draft, chart = sek.messages[at - 3 : at]
    assert (
        report.document.file_name
        == "Draft Laporan Hasil Pengukuran Data Kinerja — Triwulan I 2025.docx"
    )
    assert draft.document.file_name.endswith("Triwulan I 2025.xlsx")
    assert chart.photo.content[:4] == b"\x89PNG"  # the chart previews as a photo
    assert draft_msg.find_button("✅ Setuju") and draft_msg.find_button("↩️ Tolak")
    await sek.send("/tugas")  # the task list offers the same buttons
    assert (await sek.expect("Tugas Anda")).buttons == draft_msg.buttons
    await sek.send("/tolak")
    await sek.expect("harus disertai catatan")
    await sek.press("↩️ Tolak", draft_msg)
    await sek.expect("catatan arahan perbaikan")
    await sek.send("Data IKU 2 belum sesuai Perjanjian Kinerja")
    await sek.expect("dikembalikan ke Tim SAKIP (putaran 2)")
    for member in (tim1, tim2):
        back = await member.expect("dikembalikan")
        assert "Data IKU 2 belum sesuai Perjanjian Kinerja" in back.plain
        assert "Langkah 7" in back.plain and "putaran 2" in back.plain

    await upload_and_finish(tim2, 7, "rekap2")
    await tim1.expect("Langkah 8: tugas baru")
    await upload_and_finish(tim1, 8, "draft2")
    await sek.expect("Langkah 9: tugas baru")
    await sek.send("/setuju")
    await sek.expect("disetujui")
    opened10 = await sek.expect("Langkah 10: tugas baru")
    assert "Kirim ke Kepala Dinas" in str(opened10.reply_markup)

    # Step 10: the approved report (the same file) goes to the Kepala Dinas; then the archive.
    await sek.press("📤 Kirim ke Kepala Dinas", opened10)
    await sek.expect("Periode selesai dan diarsipkan")
    await kd.expect("Laporan Hasil Pengukuran Data Kinerja")
    report = await kd.next_message()
    assert report.document.content == pdf("draft2")
    for member in (asn1, asn2, tim1, kd):
        await member.expect("selesai dan diarsipkan")

    await asn2.send("/arsip")
    listing = await asn2.expect("Arsip Hasil Pengukuran")
    await asn2.press("🗄 Triwulan I 2025", listing)
    docs = await asn2.expect("Arsip periode Triwulan I 2025")
    await asn2.press("Langkah 1: Nota Dinas TW I.pdf", docs)
    resent = await asn2.next_message()
    assert resent.document.content == PDF

    async with bot.office.db.session(OPD1) as session:
        period = (await session.exec(select(Period))).one()
        assert (period.status, period.round, period.open_name) == ("selesai", 2, None)
        runs = (await session.exec(select(StepRun).order_by(StepRun.id))).all()
        assert [r.step_no for r in runs] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 7, 8, 9, 10, 11]
        assert all(r.status == "selesai" for r in runs)
        rejected = [r for r in runs if r.outcome == "tolak"]
        assert [r.note for r in rejected] == ["Data IKU 2 belum sesuai Perjanjian Kinerja"]
        assert runs[1].done_at == runs[1].opened_at.replace() + (
            runs[1].done_at - runs[1].opened_at
        )
        actions = [a.action for a in (await session.exec(select(AuditLog))).all()]
        assert actions.count("tolak") == 1 and actions.count("setuju") == 1
        docs = (await session.exec(select(Document))).all()
        assert {d.status for d in docs} == {"final", "diganti"}
        assert all(bot.office.files.path_for(d.sha256).exists() for d in docs)


async def test_timeline_and_tasks_show_due_and_lateness(tg: FakeTelegram, bot: Bot, clock):
    admin = tg.user(ADMIN_ID, "Admin")
    kd = tg.user(101, "Bambang")
    sek = tg.user(102, "Siti")
    await register(admin, kd, "Bambang Purwanto", "196909211996021001", "Kepala Dinas")
    await register(admin, sek, "Siti Aminah", "197501012000032002", "Sekretaris")
    await kd.send("/mulai")
    await kd.expect("nama periode")
    await kd.send("Tahunan 2025")
    await kd.expect("Nota Dinas")
    await kd.send("Dengan ini diperintahkan pengukuran data kinerja tahunan.")
    await kd.expect("dimulai")
    await sek.expect("Langkah 2: tugas baru")
    clock.advance(minutes=90)
    await sek.send("/tugas")
    tasks = await sek.expect("Tugas Anda")
    assert "terlambat 30 menit" in tasks.plain
    await sek.send("/status")
    status = await sek.expect("Status periode Tahunan 2025")
    assert "1. Kepala Dinas — ✅ selesai — tepat waktu" in status.plain
    assert "2. Sekretaris — ⏳ berjalan — terlambat 30 menit" in status.plain
    await kd.send("/mulai")
    await kd.expect("nama periode")
    await kd.send("Tahunan 2025")
    await kd.expect("sudah berjalan")


async def test_group_chats_unknown_commands_and_stale_buttons(tg: FakeTelegram, bot: Bot):
    user = tg.user(300, "Gita")
    group = tg.group(-1001, "Grup Kantor")
    await user.send("/tugas", chat=group)
    await group.expect("hanya melayani lewat chat pribadi")
    await user.send("/entahlah")
    await user.expect("Perintah tidak dikenal")
