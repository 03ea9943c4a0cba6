"""Steps 4-9 by chat through the fake Bot API: template, a Kertas Kerja with errors then a clean
one, two ASN reporting in Indonesian formats with evidence, a figure returned and corrected, the
recap and chart for Tim SAKIP and the Sekretaris, and a rejection naming one indicator."""

from __future__ import annotations

import hashlib
import re
from io import BytesIO

from openpyxl import load_workbook
from sqlmodel import select

from core.kertas_kerja import DATA_SHEET, GUIDE_SHEET
from fakeapi import FakeTelegram
from storage.models import Document, Figure, Indicator, StepRun
from tests import kinerja_flow
from tests.conftest import OPD1, Bot
from tests.kinerja_flow import XLSX, kertas_kerja, kk_row, pdf
from tests.test_cycle_e2e import people

ANI, BUDI = "199003032015032005", "199104042016041006"
PHOTO = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x02\x08\x02\x00\x00\x00"
    b"\xfd\xd4\x9as"
)
ROWS = [
    kk_row("Program", "1.02", "Program Penempatan", "Persentase pencaker ditempatkan", ANI,
           tahunan=80, tw=(80, 80, 80, 80)),
    kk_row("Kegiatan", "1.02.01", "Pelatihan Kerja", "Jumlah peserta pelatihan", BUDI,
           satuan="orang", tahunan=4000, tw=(1000, 1000, 1000, 1000), konsolidasi="Kumulatif"),
    kk_row("Sub Kegiatan", "1.02.01.0001", "Pelatihan Pencaker", "Nilai bantuan tersalur", ANI,
           satuan="rupiah", tahunan="2.000.000", pagu=250_000_000, realisasi_anggaran=200_000_000),
    kk_row("Sub Kegiatan", "1.02.01.0001", "Pelatihan Pencaker", "Persentase lulusan", BUDI,
           tahunan=90),
]  # fmt: skip
BAD_ROWS = [
    kk_row("Program", "1.02", "Program Penempatan", "Persentase ditempatkan", "199999999999999999"),
    kk_row("Kegiatan", "1.05.01", "Kegiatan Yatim", "Jumlah sesuatu", ANI),
    kk_row("Program", "1.03", "Program Lain", "Indeks kepuasan", ANI, polaritas="Naik"),
    kk_row("Program", "1.04", "Program Ketiga", "Jumlah mediasi", ANI, tahunan="delapan puluh"),
]  # fmt: skip


async def test_data_steps_by_chat(tg: FakeTelegram, bot: Bot, clock):
    _admin, kd, sek, tim1, tim2, ani, budi = await people(tg)

    # Anyone registered may take the template: a Petunjuk sheet and the Data sheet.
    await budi.send("/template")
    template = await budi.next_message()
    wb = load_workbook(BytesIO(template.document.content))
    assert wb.sheetnames == [GUIDE_SHEET, DATA_SHEET]
    assert template.document.file_name.endswith(".xlsx")

    await kinerja_flow.open_to_step4(kd, sek, tim1, "Triwulan I 2025")

    # Step 4: an .ods is refused with the instruction, a file with errors lists them all.
    step4 = await tim2.expect("Langkah 4: tugas baru")
    assert step4.find_button("📄 Ambil template Kertas Kerja")
    await tim2.send_document(b"PK\x03\x04 not really", "kk.ods", "application/vnd.oasis")
    await tim2.expect("Simpan sebagai Excel Workbook (.xlsx)")
    await tim2.send_document(kertas_kerja(BAD_ROWS), "kk salah.xlsx", XLSX)
    errors = await tim2.expect("belum dapat diimpor")
    assert 'Sheet Data, baris 2, kolom "PIC (NIP)": PIC dengan NIP 199999999999999999' in (
        errors.plain
    )
    assert "baris 3" in errors.plain and "Kegiatan 1.05.01 tanpa Program" in errors.plain
    assert 'baris 4, kolom "Polaritas": "Naik" bukan pilihan Polaritas' in errors.plain
    assert 'baris 5, kolom "Target Tahunan": "delapan puluh" tidak terbaca' in errors.plain
    await tim2.send("/selesai")
    await tim2.expect("kirim dulu dokumen Kertas Kerja")
    async with bot.office.db.session(OPD1) as session:
        assert (await session.exec(select(Indicator))).all() == []
    imported = await kinerja_flow.upload_kertas_kerja(tim2, kertas_kerja(ROWS))
    assert "4 indikator, 1 program, 2 PIC" in imported.plain
    await kinerja_flow.finish(tim2, imported, 4)

    # Step 5: each PIC gets their list; Ani reports with a document and in juta.
    opened = await ani.expect("Langkah 5: laporkan realisasi")
    assert "1.02.01.0001#1" in opened.plain and "1.02.01.0001#2" not in opened.plain
    evidence = (pdf("bukti ani"), "bukti penempatan.pdf", "application/pdf")
    done = await kinerja_flow.report(
        ani, "1.02", "85%", pendukung="Job fair <besar>", evidence=evidence
    )
    assert "capaian 106,25%" in done.plain
    done = await kinerja_flow.report(ani, "1.02.01.0001#1", "1,2 juta")
    assert "1.200.000 rupiah" in done.plain and "capaian 60,00%" in done.plain

    # Budi: text and a negative count are refused with a hint, then 1.234 (thousands) + photo.
    await budi.expect("Langkah 5: laporkan realisasi")
    await budi.send("/lapor")
    listing = await budi.expect("Lapor realisasi")
    await budi.press("▫️ 1.02.01 Jumlah peserta pelatihan", listing)
    ask = await budi.expect("Ketik realisasi")
    assert "Target: 1.000 orang" in ask.plain
    await budi.send("seribu")
    await budi.expect("Angka tidak dikenali")
    await budi.send("-5")
    await budi.expect("tidak bisa negatif")
    await budi.send("1.234")
    await budi.press("➕ Faktor penghambat", await budi.expect("Periksa sebelum dikirim"))
    await budi.expect("faktor penghambat")
    await budi.send("Peserta dari desa terpencil sulit hadir")
    card = await budi.expect("Periksa sebelum dikirim")
    assert "Faktor penghambat: Peserta dari desa terpencil sulit hadir" in card.plain
    assert card.find_button("✏️ Faktor penghambat")
    await budi.press("📎 Bukti dukung", card)
    await budi.expect("bukti dukung")
    await budi.send_photo(PHOTO)
    check = await budi.expect("Periksa sebelum dikirim")
    assert "Capaian: 123,40%" in check.plain and "dibatasi 120,00%" in check.plain
    assert "Predikat: Sangat Tinggi" in check.plain and "Bukti dukung: Bukti 1.02.01.jpg" in (
        check.plain
    )
    await budi.press("✅ Kirim", check)
    await budi.expect("Realisasi 1.02.01 tersimpan")
    done = await kinerja_flow.report(budi, "1.02.01.0001#2", "105 persen", confirm_odd=True)
    assert "Langkah 5 selesai" in done.plain and "Langkah 6 dibuka untuk Tim SAKIP" in done.plain

    # Step 6: Tono validates Ani's first figure, returns Budi's count with a note.
    await tim1.expect("Langkah 6: tugas baru")
    await tim1.send("/evaluasi")
    card = await tim1.expect("🔎 Evaluasi")
    assert "1.02 Persentase pencaker ditempatkan" in card.plain
    assert "Faktor pendukung: Job fair <besar>" in card.plain
    await tim1.press("📎 Bukti", card)
    shown = await tim1.expect("Bukti dukung realisasi")
    assert shown.document.content == pdf("bukti ani")
    await tim1.press("✅ Valid", card)
    edited = await tim1.expect_edit("Valid — oleh Tono Sugiarto")
    assert not edited.buttons
    card = await tim1.expect("🔎 Evaluasi")
    assert "1.02.01 Jumlah peserta pelatihan" in card.plain
    await tim1.press("↩️ Kembalikan", card)
    prompt = await tim1.expect("catatan")
    assert prompt.force_reply
    await tim1.reply(prompt, "Daftar hadir hanya 1.134 orang, mohon dicek")
    await tim1.expect("Dikembalikan ke Budi Santoso")
    edited = await tim1.expect_edit("Dikembalikan ke PIC — oleh Tono Sugiarto")
    assert "Daftar hadir hanya 1.134 orang" in edited.plain

    # Budi gets the note with a button, corrects; Tim SAKIP is told.
    returned = await budi.expect("Realisasi dikembalikan")
    assert "Daftar hadir hanya 1.134 orang, mohon dicek" in returned.plain
    await budi.press("✏️ Perbaiki realisasi", returned)
    ask = await budi.expect("Ketik realisasi")
    assert "Realisasi tercatat: 1.234 (dikembalikan)" in ask.plain
    await budi.send("1.134")
    await budi.press("✅ Kirim", await budi.expect("Periksa sebelum dikirim"))
    await budi.expect("Realisasi 1.02.01 diperbarui")
    for member in (tim1, tim2):
        await member.expect("diperbaiki setelah dikembalikan oleh Budi Santoso")

    # Tari validates the rest (she is no PIC); the last one ends step 6.
    cards, _ = await kinerja_flow.validate_all(tim2)
    assert len(cards) == 3
    async with bot.office.db.session(OPD1) as session:
        figures = (await session.exec(select(Figure))).all()
        assert {f.status for f in figures} == {"valid"}
        assert sorted(str(f.realisasi) for f in figures) == ["105", "1134", "1200000", "85"]

    # Steps 7-8: the recap from the database; the Sekretaris receives workbook and chart.
    # The recap builds in the background: Ani's /progres is answered before the workbook.
    await tim2.send("/rekap")
    await ani.send("/progres")
    progres = await ani.expect("Progres pelaporan")
    assert "✅ 1.02 Persentase pencaker ditempatkan = 85 — valid" in progres.plain
    workbook, chart, stored = await kinerja_flow.recap(tim2, send=False)
    assert tg.bot_messages.index(progres) < tg.bot_messages.index(workbook)
    # The progress message ends as the summary (numbers with the decimal comma); what to do
    # next is said once, in the last message, which carries the button.
    done = r"selesai \(\d+,\d detik\): 4 indikator, 4 dengan capaian"
    summary = next(m for m in tim2.messages if re.search(done, m.plain))
    assert tim2.messages.index(summary) < tim2.messages.index(workbook)
    assert re.search(r"Program 1\.02: \d+,\d\d%", summary.plain)
    # (the outbox's step 7 notice, which says it too, may come in between)
    assert [m for m in (summary, workbook, chart, stored) if "Selesaikan" in m.plain] == [stored]
    assert any("Menyusun rekap" in e.plain for e in tim2.edits)
    recap_wb = load_workbook(BytesIO(workbook.document.content))
    assert recap_wb.sheetnames == ["Rekap", "Kertas Kerja", "Analisis", "Kepatuhan SOP", "Info"]
    sheet = recap_wb["Kertas Kerja"]
    codes = [r[1] for r in sheet.iter_rows(min_row=6, values_only=True) if r[1]]
    assert codes == ["1.02", "1.02.01", "1.02.01.0001#1", "1.02.01.0001#2"]
    # A one-value target is a number in the format of the realisasi beside it.
    bantuan = next(r for r in sheet.iter_rows(min_row=6) if r[1].value == "1.02.01.0001#1")
    assert (bantuan[5].value, bantuan[6].value) == (2_000_000, 1_200_000)
    assert bantuan[5].data_type == "n" and bantuan[5].number_format == bantuan[6].number_format
    # The SOP compliance table has its own sheet, printed landscape one page wide.
    kepatuhan = recap_wb["Kepatuhan SOP"]
    assert kepatuhan.page_setup.orientation == "landscape"
    assert kepatuhan.sheet_properties.pageSetUpPr.fitToPage is True
    assert kepatuhan.print_title_rows == "$5:$5"
    assert [c.value for c in kepatuhan[5]][:4] == ["No", "Putaran", "Kegiatan", "Pelaksana"]
    done_steps = [r[:2] for r in kepatuhan.iter_rows(min_row=6, values_only=True) if r[0]]
    assert done_steps == [(n, 1) for n in range(1, 8)]
    await kinerja_flow.finish(tim2, stored, 7)
    await tim1.expect("Langkah 8: tugas baru")
    await kinerja_flow.finish(tim1, await kinerja_flow.draft(tim1), 8)
    draft_msg = await sek.expect("Langkah 9: tugas baru")
    assert "/tolak [kode, kode]" in draft_msg.plain
    at = sek.messages.index(draft_msg)  # the documents came first, the buttons last
    report, draft, draft_chart = sek.messages[at - 3 : at]
    assert report.document.file_name.startswith("Draft Laporan Hasil Pengukuran Data Kinerja")
    assert draft.document.content == workbook.document.content
    assert draft_chart.photo.content == chart.photo.content

    # Step 9 TIDAK naming one indicator: step 6 reopens for that figure only, round 2.
    await sek.send("/tolak [1.02.09] Cek lagi")
    await sek.expect("Kode indikator tidak ada di periode Triwulan I 2025: 1.02.09")
    await sek.send("/tolak [1.02.01] Realisasi pelatihan belum sesuai data UPT")
    rejected = await sek.expect("dikembalikan ke Tim SAKIP (putaran 2)")
    assert "Langkah 6 dibuka" in rejected.plain
    back = await tim1.expect("dikembalikan")
    assert "Langkah 6" in back.plain and "Realisasi pelatihan belum sesuai" in back.plain
    cards, _ = await kinerja_flow.validate_all(tim1)
    assert len(cards) == 1 and "Sekretaris: [1.02.01] Realisasi pelatihan" in cards[0].plain
    workbook2, _, stored = await kinerja_flow.recap(tim1)
    await kinerja_flow.finish(tim1, stored, 7)
    await kinerja_flow.finish(tim1, await kinerja_flow.draft(tim1), 8)
    await sek.expect("Langkah 9: tugas baru")
    await sek.send("/setuju")
    await sek.expect("disetujui")
    async with bot.office.db.session(OPD1) as session:
        runs = (await session.exec(select(StepRun).order_by(StepRun.id))).all()
        assert [r.step_no for r in runs] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 6, 7, 8, 9, 10]
        docs = (await session.exec(select(Document))).all()
        evidence_docs = [d for d in docs if d.status == "bukti"]
        assert {d.file_name for d in evidence_docs} == {"bukti penempatan.pdf", "Bukti 1.02.01.jpg"}
        approved = [d for d in docs if d.status == "final" and d.step_run_id == runs[12].id]
        laporan = [d for d in approved if d.kind == "Laporan Hasil Pengukuran Data Kinerja"]
        assert [d.file_name for d in laporan] == [
            "Laporan Hasil Pengukuran Data Kinerja — Triwulan I 2025.docx"
        ]
        # Beside it, the round-2 workbook (and its chart), byte for byte.
        assert hashlib.sha256(workbook2.document.content).hexdigest() in {
            d.sha256 for d in approved
        }
        assert workbook2.document.content != workbook.document.content
    # Step 10 and the archive: the evidence is not among the archived documents.
    await sek.press("📤 Kirim ke Kepala Dinas", await sek.expect("Langkah 10: tugas baru"))
    await sek.expect("diarsipkan")
    await ani.send("/arsip")
    await ani.press("🗄 Triwulan I 2025", await ani.expect("Arsip Hasil Pengukuran"))
    listing = await ani.expect("Arsip periode Triwulan I 2025")
    assert "• Laporan Hasil Pengukuran Data Kinerja: Laporan Hasil" in listing.plain
    assert "• Rekapitulasi Hasil Pengukuran Data Kinerja: Rekapitulasi" in listing.plain
    assert "bukti" not in listing.plain.lower()
