"""The record as users read it, through the fake Bot API: names with academic titles in notices,
a multi-line /tolak note, one's own upload not sent back, /status of a finished period or a
named one, and /arsip grouped by step and round."""

from __future__ import annotations

from core.sop import step
from fakeapi import FakeTelegram, FakeUser
from fakeapi.models import BotMessage
from tests import kinerja_flow
from tests.conftest import ADMIN_ID, Bot, register
from tests.test_cycle_e2e import KERTAS_KERJA, pdf, upload_and_finish
from tests.test_periods_e2e import pair, start_period

NOTE = (
    "Mohon perbaiki:\n"
    "1. Data IKU <2> belum sesuai Perjanjian Kinerja\n"
    "2. Lampirkan   bukti dukung   per bidang\n"
    "\n"
    "Terima kasih."
)


async def titled_people(tg: FakeTelegram) -> tuple[FakeUser, ...]:
    """The cast of a period, several of them with a title that ends in a full stop."""
    admin = tg.user(ADMIN_ID, "Admin")
    cast = (
        (tg.user(101, "Bambang"), "Bambang Purwanto, S.Sos.", "196909211996021001", "Kepala Dinas"),
        (tg.user(102, "Siti"), "Siti Aminah, S.H.", "197501012000032002", "Sekretaris"),
        (tg.user(103, "Tono"), "Tono Sugiarto, S.E.", "198001012005011003", "Tim SAKIP"),
        (tg.user(104, "Tari"), "Tari Lestari", "198202022006042004", "Tim SAKIP"),
        (tg.user(105, "Ani"), "Ani Wijaya", "199003032015032005", "ASN"),
        (tg.user(106, "Budi"), "Budi Santoso, S.E.", "199104042016041006", "ASN"),
    )  # fmt: skip
    for user, nama, nip, role in cast:
        await register(admin, user, nama, nip, role)
    return admin, *(user for user, *_ in cast)


async def received(user: FakeUser, substring: str) -> BotMessage:
    """A notice that the sender may deliver before or after the reply the test waited for."""
    found = [m for m in user.messages if m.matches(substring)]
    return found[-1] if found else await user.expect(substring)


def sent_documents(user: FakeUser) -> list[bytes]:
    return [m.document.content for m in user.messages if m.document is not None]


async def test_a_period_read_back_by_its_people(tg: FakeTelegram, bot: Bot, clock):
    admin, kd, sek, tim1, tim2, ani, budi = await titled_people(tg)
    thanks = next(m for m in budi.messages if "Terima kasih" in m.plain)
    assert "Terima kasih, Budi Santoso, S.E. Permintaan pendaftaran" in thanks.plain

    await kd.send("/mulai")
    await kd.expect("nama periode")
    await kd.send("Triwulan I 2025")
    await kd.expect("Nota Dinas")
    await kd.send_document(pdf("nota"), "Nota Dinas.pdf", "application/pdf")
    await kd.expect("dimulai")
    await upload_and_finish(sek, 2, "notulen")
    await upload_and_finish(tim1, 3, "rencana")
    done = await tim2.expect("Langkah 3 periode Triwulan I 2025 diselesaikan oleh")
    assert done.plain.endswith("diselesaikan oleh Tono Sugiarto, S.E.")

    # Step 4 opens for both members: the one who sent the plan is not sent it back.
    own = await received(tim1, "Langkah 4: tugas baru")
    assert "Dokumen langkah sebelumnya (rencana.pdf) adalah yang Anda serahkan sendiri" in own.plain
    other = await tim2.expect("Langkah 4: tugas baru")
    assert "serahkan sendiri" not in other.plain
    # A notice with a button comes after the documents it carries.
    assert pdf("rencana") in sent_documents(tim2)
    assert pdf("rencana") not in sent_documents(tim1)

    imported = await kinerja_flow.upload_kertas_kerja(tim2, KERTAS_KERJA)
    await kinerja_flow.finish(tim2, imported, 4)
    await kinerja_flow.report(ani, "1.02", "80")
    await kinerja_flow.report(budi, "1.02.01", "45")
    await tim1.expect("Langkah 6: tugas baru")
    await kinerja_flow.validate_all(tim1)
    _, _, stored = await kinerja_flow.recap(tim1)
    await kinerja_flow.finish(tim1, stored, 7)
    # Step 8: the recap Tono built is named in his notice; Tari gets the workbook and chart.
    own = await received(tim1, "Langkah 8: tugas baru")
    assert "adalah yang Anda serahkan sendiri" in own.plain
    assert "Triwulan I 2025.xlsx" in own.plain
    await tim2.expect("Langkah 8: tugas baru")
    assert any(
        m.document and m.document.file_name.endswith("Triwulan I 2025.xlsx") for m in tim2.messages
    )
    await kinerja_flow.finish(tim1, await kinerja_flow.draft(tim1), 8)

    # Step 9: a numbered note reaches Tim SAKIP line by line, spacing as typed, escaped.
    await sek.expect("Langkah 9: tugas baru")
    await sek.send("/tolak " + "Data belum sesuai. " * 106)
    await sek.expect("Catatan terlalu panjang (2013 karakter, paling banyak 2000)")
    await sek.send("/tolak\n" + NOTE)
    await sek.expect("dikembalikan ke Tim SAKIP (putaran 2)")
    for member in (tim1, tim2):
        back = await member.expect("dikembalikan")
        assert f"Arahan: {NOTE}\n" in back.plain
        assert "Data IKU &lt;2&gt; belum" in back.text
        assert "oleh Siti Aminah, S.H. (putaran 2)" in back.plain

    await upload_and_finish(tim2, 7, "rekap2")
    await upload_and_finish(tim1, 8, "draft2")
    await sek.expect("Langkah 9: tugas baru")
    await sek.send("/setuju")
    await sek.expect("disetujui")
    approved = await tim2.expect("👍 Draft laporan")
    assert approved.plain.endswith("disetujui oleh Siti Aminah, S.H.")
    opened10 = await sek.expect("Langkah 10: tugas baru")
    await sek.press("📤 Kirim ke Kepala Dinas", opened10)
    await sek.expect("Periode selesai dan diarsipkan")
    report = await kd.expect("dilaporkan oleh")
    assert "dilaporkan oleh Siti Aminah, S.H. Dokumen terlampir." in report.plain

    # Nothing runs now: /status shows the archived period, with its rounds and timings.
    await ani.send("/status")
    status = await ani.expect("Tidak ada periode yang sedang berjalan")
    assert "Periode terakhir, Triwulan I 2025, selesai dan diarsipkan:" in status.plain
    assert "Status periode Triwulan I 2025 — selesai (diarsipkan), putaran 2" in status.plain
    assert "9. Sekretaris — ↩️ dikembalikan — tepat waktu" in status.plain
    assert "   catatan: Mohon perbaiki:\n   1. Data IKU <2> belum" in status.plain
    assert "(saat ini belum ada periode lain)" in status.plain

    # /arsip: the documents under their steps, each round of a step apart.
    await budi.send("/arsip")
    listing = await budi.expect("Arsip Hasil Pengukuran")
    await budi.press("🗄 Triwulan I 2025", listing)
    grouped = await budi.expect("Arsip periode Triwulan I 2025")
    assert (
        f"Langkah 7 — {step(7).kegiatan}\n"
        "putaran 1\n"
        "• Rekapitulasi Hasil Pengukuran Data Kinerja: "
        "Rekapitulasi Hasil Pengukuran Data Kinerja — Triwulan I 2025.xlsx\n"
        "• Grafik Capaian Kinerja: Grafik Capaian Kinerja — Triwulan I 2025.png\n"
        "putaran 2\n"
        "• Rekapitulasi Hasil Pengukuran Data Kinerja: rekap2.pdf\n\n"
        f"Langkah 8 — {step(8).kegiatan}\n"
        "putaran 1\n"
    ) in grouped.plain
    assert f"Langkah 1 — {step(1).kegiatan}\n• Nota Dinas: Nota Dinas.pdf" in grouped.plain
    assert "Langkah 4" not in grouped.plain  # the Kertas Kerja names PIC NIPs: not for an ASN
    labels = [text for row in grouped.buttons[:-1] for text, _ in row]
    assert labels[:5] == [
        "Langkah 1: Nota Dinas.pdf",
        "Langkah 2: notulen.pdf",
        "Langkah 3: rencana.pdf",
        "Langkah 7, putaran 1: Rekapitulasi Hasil Pengukuran Data…",
        "Langkah 7, putaran 1: Grafik Capaian Kinerja — Triwulan I…",
    ]
    await budi.press("Berikutnya ▶", grouped)
    page2 = await budi.expect_edit("Arsip periode Triwulan I 2025")
    labels += [text for row in page2.buttons for text, _ in row if "Langkah" in text]
    assert all(len(text) <= 60 for text in labels), labels
    assert "Langkah 9, putaran 2: draft2.pdf" in labels
    await budi.press("Langkah 9, putaran 2: draft2.pdf", page2)
    assert (await budi.next_message()).document.content == pdf("draft2")

    everyone = (admin, kd, sek, tim1, tim2, ani, budi)
    for user in everyone:
        for message in user.messages:
            assert not any(f"{t}." in message.plain for t in ("S.E.", "S.H.", "S.Sos.")), (
                message.plain
            )


async def cancel(kd: FakeUser, name: str) -> None:
    await kd.send("/batalkan")
    choose = await kd.expect("akan <b>dibatalkan</b>")
    await kd.press(f"✖️ {name}", choose)
    await kd.expect_edit("dibatalkan dan disimpan di arsip")


async def test_status_shows_the_last_period_or_the_one_named(tg: FakeTelegram, bot: Bot, clock):
    _, kd, sek = await pair(tg)
    await sek.send("/status")
    await sek.expect("Belum ada periode pengukuran")
    await start_period(kd, "Triwulan I 2025")
    clock.advance(minutes=20)
    await cancel(kd, "Triwulan I 2025")
    await start_period(kd, "Triwulan II 2025")
    clock.advance(minutes=20)
    await cancel(kd, "Triwulan II 2025")

    # Nothing runs: the period that closed last, which way it closed, and how to see others.
    await sek.send("/status")
    latest = await sek.expect("Tidak ada periode yang sedang berjalan")
    assert latest.plain.startswith(
        "Tidak ada periode yang sedang berjalan. Periode terakhir, Triwulan II 2025, dibatalkan:"
    )
    assert "Status periode Triwulan II 2025 — dibatalkan" in latest.plain
    assert "1. Kepala Dinas — ✅ selesai — tepat waktu" in latest.plain
    assert "2. Sekretaris — ✖️ dibatalkan" in latest.plain
    assert latest.plain.endswith(
        "Ketik /status <nama periode> untuk periode lain, misalnya /status Triwulan I 2025.\n"
        "Periode lain: Triwulan I 2025."
    )

    # A name in any case or spelling picks that period.
    for typed in ("/status tw 1 2025", "/status TRIWULAN I 2025"):
        await sek.send(typed)
        picked = await sek.expect("Status periode")
        assert picked.plain.startswith("Status periode Triwulan I 2025 — dibatalkan")

    # Two periods of one name (one cancelled, one running): buttons say which is which.
    await start_period(kd, "Triwulan I 2025")
    await sek.send("/status triwulan i 2025")
    choose = await sek.expect("Ada 2 periode yang cocok")
    assert [b for row in choose.buttons for b, _ in row] == [
        "⏳ Triwulan I 2025",
        "✖️ Triwulan I 2025",
    ]
    await sek.press("⏳ Triwulan I 2025", choose)
    running = await sek.expect("Status periode")
    assert running.plain.startswith("Status periode Triwulan I 2025 — berjalan")
    assert "2. Sekretaris — ⏳ berjalan" in running.plain
    await sek.send("/status 2025")
    several = await sek.expect("Ada 3 periode yang cocok dengan 2025")
    assert len(several.buttons) == 3

    # A name that matches nothing: the periods to choose from.
    await sek.send("/status Tahunan 2030")
    none = await sek.expect("Tidak ada periode bernama Tahunan 2030")
    assert [b for row in none.buttons for b, _ in row] == [
        "⏳ Triwulan I 2025",
        "✖️ Triwulan II 2025",
        "✖️ Triwulan I 2025",
    ]
    await sek.press("✖️ Triwulan II 2025", none)
    await sek.expect("Status periode Triwulan II 2025 — dibatalkan")

    # With a period running, plain /status shows it, as before.
    await sek.send("/status")
    assert "Tidak ada periode" not in (await sek.expect("Status periode Triwulan I 2025")).plain
