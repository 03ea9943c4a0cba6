""" "batal" typed without the slash leaves a dialog like /batal: it is never an answer, so it
cannot become a rejection's note or a Nota Dinas. Outside a dialog it says there is nothing
to cancel."""

from __future__ import annotations

from sqlmodel import select

from fakeapi import FakeTelegram
from storage.models import Figure, StepRun
from storage.models import Period as Row
from tests.conftest import OPD1, Bot, Clock
from tests.kinerja_core import ASN1, ASN2, NIP, TIM1, Period, pdf
from tests.kinerja_flow import kertas_kerja, kk_row
from tests.test_cycle_e2e import KERTAS_KERJA
from tests.test_lapor_e2e import mediasi_card, reporting_open
from tests.test_laporan_e2e import staff
from tests.test_periods_e2e import pair


async def test_batal_typed_at_the_nota_dinas_starts_no_period(tg: FakeTelegram, bot: Bot):
    _, kd, _ = await pair(tg)
    await kd.send("/mulai")
    await kd.expect("nama periode")
    await kd.send("Triwulan I 2025")
    await kd.expect("Nota Dinas")
    await kd.send("Batal saja.")
    await kd.expect("Dibatalkan")
    async with bot.office.db.session(OPD1) as session:
        assert (await session.exec(select(Row))).all() == []


async def test_batal_typed_for_a_rejection_note_rejects_nothing(
    tg: FakeTelegram, bot: Bot, clock: Clock
):
    _kd, sek, tim1, tim2, _asn1, _asn2 = await staff(tg, bot)
    period = await Period(bot.office, clock).start("Triwulan I 2025")
    await period.to_reporting(KERTAS_KERJA)
    await period.report(ASN1, "1.02", "60")
    await period.report(ASN2, "1.02.01", "45")
    await period.validate_all()
    await period.upload_and_finish(tim1.id, pdf("rekap"))
    await period.upload_and_finish(tim2.id, pdf("draft"))
    notice = await sek.expect("Langkah 9: tugas baru")
    await sek.press("↩️ Tolak", notice)
    await sek.expect("catatan arahan perbaikan")

    await sek.send("Batal")
    await sek.expect("Dibatalkan")
    async with bot.office.db.session(OPD1) as session:
        open_steps = (await session.exec(select(StepRun).where(StepRun.status == "terbuka"))).all()
    assert [r.step_no for r in open_steps] == [9]


async def test_batal_outside_a_dialog_says_there_is_nothing_to_cancel(tg: FakeTelegram, bot: Bot):
    _, kd, _ = await pair(tg)
    for text in ("batal", "/batal"):
        await kd.send(text)
        await kd.expect("tidak ada yang dibatalkan")


async def at_step_nine(tg: FakeTelegram, bot: Bot, clock: Clock):
    _kd, sek, tim1, tim2, _asn1, _asn2 = await staff(tg, bot)
    period = await Period(bot.office, clock).start("Triwulan I 2025")
    await period.to_reporting(KERTAS_KERJA)
    await period.report(ASN1, "1.02", "60")
    await period.report(ASN2, "1.02.01", "45")
    await period.validate_all()
    await period.upload_and_finish(tim1.id, pdf("rekap"))
    await period.upload_and_finish(tim2.id, pdf("draft"))
    return sek, await sek.expect("Langkah 9: tugas baru")


async def test_a_note_of_invisible_characters_is_asked_again(
    tg: FakeTelegram, bot: Bot, clock: Clock
):
    sek, notice = await at_step_nine(tg, bot, clock)
    await sek.press("↩️ Tolak", notice)
    await sek.expect("catatan arahan perbaikan")
    await sek.send("\u200b\u200b\u2060")
    await sek.expect("harus disertai catatan")
    await sek.send("Perbaiki rekap IKU 2")
    await sek.expect("dikembalikan ke Tim SAKIP")


async def test_a_dialog_started_while_another_waits_ends_that_one(
    tg: FakeTelegram, bot: Bot, clock: Clock
):
    """Tono of Tim SAKIP is also a PIC: /lapor waits for his value when he returns Ani's
    figure from /evaluasi; his note goes to Ani, not into /lapor."""
    _kd, _sek, tono, _tari, _ani, _budi = await staff(tg, bot)
    period = await Period(bot.office, clock).start("Triwulan I 2025")
    rows = [
        kk_row("Program", "1.02", "Penempatan", "Ditempatkan", NIP[ASN1], tw=(80,) * 4),
        kk_row("Program", "1.03", "Pelatihan", "Dilatih", NIP[TIM1], tw=(80,) * 4),
    ]
    await period.to_reporting(kertas_kerja(rows))
    await period.report(ASN1, "1.02", "60")
    await period.report(TIM1, "1.03", "70")
    await tono.send("/lapor")
    listing = await tono.expect("Lapor realisasi")
    await tono.press(listing.buttons[0][0][0], listing)
    await tono.expect("Ketik realisasi")

    await tono.send("/evaluasi")
    await tono.press("↩️ Kembalikan", await tono.expect("Evaluasi"))
    await tono.expect("Tulis catatan")
    await tono.send("\u200b")
    await tono.expect("Tulis catatan untuk ASN")
    await tono.send("Angka belum sesuai laporan bidang")
    await tono.expect("Dikembalikan ke Ani")
    await tono.send("75")
    await tono.expect("belum memahami")
    async with bot.office.db.session(OPD1) as session:
        figures = (await session.exec(select(Figure))).all()
    assert sorted((f.status, f.note) for f in figures) == [
        ("dikembalikan", "Angka belum sesuai laporan bidang"),
        ("dilaporkan", None),
    ]


async def test_a_sticker_is_asked_again_as_text_and_the_command_starts_over(
    tg: FakeTelegram, bot: Bot
):
    _, kd, _ = await pair(tg)
    await kd.send("/mulai")
    await kd.expect("nama periode")
    await kd.send_sticker()
    await kd.expect("ketik jawabannya sebagai teks")
    await kd.send("/mulai")
    await kd.expect("nama periode")
    await kd.send("Triwulan I 2025")
    await kd.expect("Nota Dinas")


async def test_where_evidence_is_awaited_text_or_a_sticker_asks_for_a_file(
    tg: FakeTelegram, bot: Bot, clock: Clock
):
    _, _, ani, _ = await reporting_open(tg, bot, clock)
    await ani.press("📎 Bukti dukung", await mediasi_card(ani, "12"))
    await ani.expect("bukti dukung")
    await ani.send_sticker()
    await ani.expect("sebagai foto atau dokumen")
    await ani.send("ada di lemari arsip")
    await ani.press("↩️ Kembali ke ringkasan", await ani.expect("sebagai foto atau dokumen"))
    await ani.expect("Periksa sebelum dikirim")


async def test_a_faktor_too_long_is_asked_again_not_cut(tg: FakeTelegram, bot: Bot, clock: Clock):
    _, _, ani, _ = await reporting_open(tg, bot, clock)
    await ani.press("➕ Faktor pendukung", await mediasi_card(ani, "12"))
    await ani.expect("faktor pendukung")
    await ani.send("Mediator aktif. " * 70)
    await ani.expect("Faktor terlalu panjang (1119 karakter, paling banyak 1000)")
    await ani.send("Mediator aktif.")
    assert "Faktor pendukung: Mediator aktif." in (await ani.expect("Periksa sebelum")).plain
