"""Reporting, evaluating and closing step 5 as the users meet them through the fake Bot API:
the target shown is the one capaian uses (a zero triwulan target stays 0), the step 5 notice
carries the SOP standard, one figure takes three moves, the card offers the faktor that fits,
a second Kirim makes no second version, the Valid card says who and when, and closing asks
first and names the indicators that will be recorded without a figure."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from decimal import Decimal

from sqlmodel import select

from bot import messages_data
from bot.dates import when
from bot.handlers.lapor import CARD
from core.calendar import CalendarConfig, WorkingCalendar
from core.capaian import DEFAULT_RULES
from core.indicators import MAX_FAKTOR, Card, ClosingPreview, MissingLine, Preview, ReportItem
from core.measure import IndicatorSpec, measure
from fakeapi import FakeTelegram, FakeUser
from fakeapi.entities import parse_html
from fakeapi.models import BotMessage
from storage.models import Figure, Indicator, StepRun
from tests import dialog_state
from tests.conftest import OPD1, Bot, Clock
from tests.kinerja_core import ASN1, ASN2, Period
from tests.kinerja_flow import kertas_kerja, kk_row
from tests.test_cycle_e2e import people
from tests.test_indicators_e2e import PHOTO
from tests.test_restart import wait_for

ANI, BUDI = "199003032015032005", "199104042016041006"
ROWS = [
    kk_row("Program", "1.02", "Program Penempatan", "Persentase pencaker ditempatkan", ANI,
           tahunan=80, tw=(0, 80, 80, 80)),
    kk_row("Program", "1.03", "Program Hubungan Industrial", "Jumlah mediasi", ANI,
           satuan="kasus", tahunan=40, tw=(10, 10, 10, 10)),
    kk_row("Kegiatan", "1.02.01", "Pelatihan Kerja", "Jumlah peserta pelatihan", BUDI,
           satuan="orang", tahunan=200, tw=(50, 50, 50, 50)),
]  # fmt: skip


async def reporting_open(
    tg: FakeTelegram, bot: Bot, clock: Clock
) -> tuple[Period, FakeUser, FakeUser, FakeUser]:
    """Everyone registered by chat, steps 1-4 through core: step 5 is open.

    Returns the period, a Tim SAKIP member (Tono), and the two PICs (Ani, Budi)."""
    _admin, _kd, _sek, tim1, _tim2, ani, budi = await people(tg)
    period = await Period(bot.office, clock).start("Triwulan I 2025")
    await period.to_reporting(kertas_kerja(ROWS))
    return period, tim1, ani, budi


async def mediasi_card(ani: FakeUser, value: str) -> BotMessage:
    """/lapor, pick 1.03 Jumlah mediasi, type `value`: the card before Kirim."""
    await ani.send("/lapor")
    await ani.press("▫️ 1.03 Jumlah mediasi", await ani.expect("Lapor realisasi"))
    await ani.expect("Ketik realisasi")
    await ani.send(value)
    return await ani.expect("Periksa sebelum dikirim")


def faktor_row(card: BotMessage) -> list[str]:
    return [text for row in card.buttons for text, _ in row if "Faktor" in text]


async def test_step5_notice_and_prompt_show_the_target_capaian_uses(
    tg: FakeTelegram, bot: Bot, clock: Clock
):
    _, _, ani, _ = await reporting_open(tg, bot, clock)
    notice = await ani.expect("Langkah 5: laporkan realisasi", timeout=10)
    assert "Kelengkapan: Kertas Kerja Pengukuran Data Kinerja" in notice.plain
    assert "Standar waktu: 1 hari kerja" in notice.plain
    assert "Batas waktu: " in notice.plain
    assert "1.02 Persentase pencaker ditempatkan — target 0 %" in notice.plain
    assert "1.03 Jumlah mediasi — target 10 kasus" in notice.plain

    await ani.press("📝 Lapor realisasi", notice)
    listing = await ani.expect("Lapor realisasi")
    await ani.press("▫️ 1.02 Persentase pencaker ditempatkan", listing)
    prompt = await ani.expect("Ketik realisasi")
    assert "Target: 0 %" in prompt.plain and "80" not in prompt.plain
    await ani.send("75")
    card = await ani.expect("Periksa sebelum dikirim")
    assert "Target: 0 %" in card.plain and "Capaian: N/A" in card.plain


async def test_one_figure_in_three_moves_with_the_fitting_faktor_first(
    tg: FakeTelegram, bot: Bot, clock: Clock
):
    _, _, ani, budi = await reporting_open(tg, bot, clock)
    await ani.expect("Langkah 5: laporkan realisasi", timeout=10)
    await ani.send("/lapor")
    listing = await ani.expect("Lapor realisasi")

    # Below target: pick, value, Kirim; the card comes right after the value.
    moves = 0
    await ani.press("▫️ 1.03 Jumlah mediasi", listing)
    moves += 1
    await ani.expect("Ketik realisasi")
    await ani.send("5")
    moves += 1
    card = await ani.next_message()
    assert "Periksa sebelum dikirim" in card.plain and "Capaian: 50,00%" in card.plain
    assert faktor_row(card) == ["➕ Faktor penghambat", "➕ Faktor pendukung"]
    assert "tambahkan dulu faktor penghambat" in card.plain
    await ani.press("✅ Kirim", card)
    moves += 1
    done = await ani.expect("Realisasi 1.03 tersimpan")
    assert moves == 3
    # Ani has one more: it is one tap away.
    assert "Masih 1 indikator Anda" in done.plain
    await ani.press("📝 Indikator berikutnya", done)
    await ani.expect("Ketik realisasi")
    await ani.send("/batal")
    await ani.expect("Dibatalkan")

    # At or above target the pendukung comes first; a second press of Kirim sends nothing.
    await budi.send("/lapor")
    await budi.press("▫️ 1.02.01 Jumlah peserta pelatihan", await budi.expect("Lapor realisasi"))
    await budi.expect("Ketik realisasi")
    await budi.send("50")
    card = await budi.expect("Periksa sebelum dikirim")
    assert faktor_row(card) == ["➕ Faktor pendukung", "➕ Faktor penghambat"]
    # A photo sent at the card, without pressing 📎, is taken as the evidence.
    await budi.send_photo(PHOTO)
    card = await budi.expect("Bukti dukung: Bukti 1.02.01.jpg")
    await budi.press("✅ Kirim", card)
    await budi.press("✅ Kirim", card)
    done = await budi.expect("Realisasi 1.02.01 tersimpan")
    # His last indicator: no pointer to /lapor for a next one.
    assert "Semua indikator Anda periode ini sudah dilaporkan" in done.plain
    assert "/lapor" not in done.plain and not done.buttons
    await budi.expect_silence(0.5)  # the second tap is answered quietly
    async with bot.office.db.session(OPD1) as session:
        figures = (await session.exec(select(Figure))).all()
    assert sorted((str(f.realisasi), f.version) for f in figures) == [("5", 1), ("50", 1)]
    assert sum(f.evidence_document_id is not None for f in figures) == 1


async def test_faktor_and_evidence_come_back_to_an_updated_card(
    tg: FakeTelegram, bot: Bot, clock: Clock
):
    _, _, ani, _ = await reporting_open(tg, bot, clock)
    card = await mediasi_card(ani, "12")
    await ani.press("➕ Faktor pendukung", card)
    ask = await ani.expect("faktor pendukung")
    assert not card.buttons  # the old card's buttons are gone
    await ani.press("↩️ Kembali ke ringkasan", ask)
    card = await ani.expect("Periksa sebelum dikirim")
    await ani.press("➕ Faktor pendukung", card)
    await ani.expect("faktor pendukung")
    await ani.send("Mediator <baru> aktif")
    card = await ani.expect("Periksa sebelum dikirim")
    assert "Faktor pendukung: Mediator <baru> aktif" in card.plain
    assert faktor_row(card) == ["✏️ Faktor pendukung", "➕ Faktor penghambat"]
    await ani.press("📎 Bukti dukung", card)
    await ani.expect("bukti dukung")
    await ani.send_document(b"%PDF-1.4 bukti\n%%EOF", "notulen mediasi.pdf", "application/pdf")
    card = await ani.expect("Periksa sebelum dikirim")
    assert "Bukti dukung: notulen mediasi.pdf" in card.plain
    assert card.find_button("📎 Ganti bukti dukung")
    await ani.press("✅ Kirim", card)
    await ani.expect("Realisasi 1.03 tersimpan")

    # A correction of the value keeps what was filed with it.
    await ani.send("/lapor")
    await ani.press("📝 1.03 Jumlah mediasi", await ani.expect("Lapor realisasi"))
    await ani.expect("Realisasi tercatat: 12")
    await ani.send("13")
    card = await ani.expect("Periksa sebelum dikirim")
    assert "Faktor pendukung: Mediator <baru> aktif" in card.plain
    assert "Bukti dukung: notulen mediasi.pdf" in card.plain
    await ani.press("✅ Kirim", card)
    await ani.expect("Realisasi 1.03 diperbarui")
    async with bot.office.db.session(OPD1) as session:
        (figure,) = (await session.exec(select(Figure))).all()
    assert (figure.realisasi, figure.version) == (13, 2)
    assert figure.faktor_pendukung == "Mediator <baru> aktif"
    assert figure.faktor_penghambat is None and figure.evidence_document_id is not None


async def test_valid_card_says_who_validated_and_when(tg: FakeTelegram, bot: Bot, clock: Clock):
    period, tim1, _, _ = await reporting_open(tg, bot, clock)
    for tid, code, value in ((ASN1, "1.02", "75"), (ASN1, "1.03", "9"), (ASN2, "1.02.01", "50")):
        await period.report(tid, code, value)
    await tim1.expect("Langkah 6: tugas baru", timeout=10)
    await tim1.send("/evaluasi")
    card = await tim1.expect("🔎 Evaluasi")
    assert "Versi" not in card.plain
    await tim1.press("✅ Valid", card)
    edited = await tim1.expect_edit("Valid — oleh Tono Sugiarto")
    async with bot.office.db.session(OPD1) as session:
        cal = await bot.office.calendar(session)
    assert f"✅ Valid — oleh Tono Sugiarto, {when(clock.now, cal)}" in edited.plain
    assert "Versi" not in edited.plain and "sudah pernah diubah" not in edited.plain


async def test_closing_asks_first_and_names_the_missing(tg: FakeTelegram, bot: Bot, clock: Clock):
    period, tim1, ani, budi = await reporting_open(tg, bot, clock)
    await period.report(ASN1, "1.03", "9")

    # The button under /progres asks, and Batal keeps reporting open.
    await tim1.send("/progres")
    progres = await tim1.expect("Progres pelaporan")
    await tim1.press("🔒 Tutup pelaporan", progres)
    ask = await tim1.expect("Tutup pelaporan realisasi (Langkah 5) periode Triwulan I 2025?")
    assert "Masuk 1 dari 3 indikator" in ask.plain
    assert "2 indikator ini akan dicatat tanpa realisasi" in ask.plain
    assert "• 1.02 Persentase pencaker ditempatkan — Ani Wijaya" in ask.plain
    assert "• 1.02.01 Jumlah peserta pelatihan — Budi Santoso" in ask.plain
    assert "1.03" not in ask.plain
    await tim1.press("✖️ Batal", ask)
    await tim1.expect("Pelaporan tetap dibuka")
    async with bot.office.db.session(OPD1) as session:
        run5 = (await session.exec(select(StepRun).where(StepRun.step_no == 5))).one()
    assert run5.status == "terbuka"

    # /tutup_lapor asks the same, naming the same indicators; Ya closes.
    await tim1.send("/tutup_lapor")
    ask = await tim1.expect("Tutup pelaporan realisasi (Langkah 5) periode Triwulan I 2025?")
    assert "• 1.02 Persentase pencaker ditempatkan — Ani Wijaya" in ask.plain
    assert "• 1.02.01 Jumlah peserta pelatihan — Budi Santoso" in ask.plain
    await tim1.press("🔒 Ya, tutup pelaporan", ask)
    await tim1.expect("Pelaporan realisasi periode Triwulan I 2025 ditutup")
    closed = await budi.expect("tercatat tanpa realisasi", timeout=10)
    assert "1.02.01" in closed.plain
    closed = await ani.expect("tercatat tanpa realisasi", timeout=10)
    assert "1.02 Persentase" in closed.plain and "1.03" not in closed.plain
    async with bot.office.db.session(OPD1) as session:
        rows = (await session.exec(select(Indicator.kode, Figure.status).join(Figure))).all()
    assert sorted(rows) == [("1.02", "kosong"), ("1.02.01", "kosong"), ("1.03", "dilaporkan")]


async def test_closing_with_two_periods_open_asks_which_then_confirms(
    tg: FakeTelegram, bot: Bot, clock: Clock
):
    first, tim1, _, _ = await reporting_open(tg, bot, clock)
    second = await Period(bot.office, clock).start("Triwulan II 2025")
    await second.to_reporting(kertas_kerja(ROWS))
    await first.report(ASN1, "1.03", "9")
    await tim1.send("/tutup_lapor")
    choose = await tim1.expect("Beberapa periode sedang dibuka")
    assert "Triwulan I 2025: 1/3 masuk" in choose.plain
    await tim1.press("🔒 Triwulan II 2025 (3 belum)", choose)
    ask = await tim1.expect("periode Triwulan II 2025?")
    assert "3 indikator ini akan dicatat tanpa realisasi" in ask.plain
    assert "• 1.03 Jumlah mediasi — Ani Wijaya" in ask.plain
    await tim1.press("🔒 Ya, tutup pelaporan", ask)
    await tim1.press("🔒 Ya, tutup pelaporan", ask)  # a double tap closes once
    closed = await tim1.expect("Pelaporan realisasi periode Triwulan II 2025 ditutup")
    await asyncio.sleep(0.5)  # the second tap is answered quietly: no refusal follows
    assert not any(
        "Tidak ada pelaporan" in m.plain for m in tim1.messages if m.message_id > closed.message_id
    )
    async with bot.office.db.session(OPD1) as session:
        runs = (await session.exec(select(StepRun).where(StepRun.step_no == 5))).all()
    assert sorted((r.period_id, r.status, r.outcome) for r in runs) == [
        (first.id, "terbuka", None),
        (second.id, "selesai", "ditutup"),
    ]


def test_the_missing_list_fits_one_message_for_thousands():
    missing = tuple(
        MissingLine(f"1.{n:04d}.01.0001", "Persentase <indikator> yang " + "x" * 80, "Nama PIC")
        for n in range(5000)
    )
    text = messages_data.closing_text(ClosingPreview(1, "Triwulan I 2025", 5200, missing))
    assert len(text) <= 4096
    shown = text.count("• ")
    assert 10 < shown < 5000 and f"… dan {5000 - shown} lainnya." in text
    assert "&lt;indikator&gt;" in text


def test_cards_and_prompts_fit_with_the_longest_user_text():
    """An indicator's wording has no length limit in the Kertas Kerja; faktor and notes are
    cut at MAX_FAKTOR: every /lapor and /evaluasi text still fits one message."""
    wording, long = "Persentase & " + "sangat panjang " * 400, "<faktor> " * 200
    spec = IndicatorSpec.from_stored("%", "positif", "nilai akhir", "80", ("0", None, None, None))
    measured = measure(spec, 1, Decimal(75), {}, DEFAULT_RULES)
    faktor = long[:MAX_FAKTOR]
    pv = Preview(
        1, "Triwulan I 2025", "1.02", wording, "%", Decimal(75), False, None, measured, None
    )
    item = ReportItem(1, 1, "Triwulan I 2025", "1.02", wording, "%", "0 %", "dikembalikan",
                      Decimal(75), faktor, True)  # fmt: skip
    card = Card(1, 3, 1, "Triwulan I 2025", "1.02", wording, "%", "Ani", Decimal(75), measured,
                faktor, faktor, True, faktor, True, 1, 9)  # fmt: skip
    texts = [
        messages_data.confirm_text(pv, faktor, faktor, "x" * 255 + ".pdf"),
        messages_data.ask_value(item),
        messages_data.card_text(card)
        + "\n\n"
        + messages_data.decision_line(
            False,
            "Tono",
            datetime(2025, 4, 14, 3, tzinfo=timezone.utc),
            WorkingCalendar(CalendarConfig()),
            faktor,
        ),
    ]
    for text in texts:
        plain, _ = parse_html(text)
        assert len(plain) <= 4096, len(plain)


async def test_a_budget_figure_refuses_minus_and_asks_what_m_means(
    tg: FakeTelegram, bot: Bot, clock: Clock
):
    _admin, _kd, _sek, _tim1, _tim2, ani, _budi = await people(tg)
    period = await Period(bot.office, clock).start("Triwulan I 2025")
    rows = [
        kk_row("Program", "1.02", "Program Penempatan", "Serapan anggaran pelatihan", ANI,
               satuan="Rupiah", tahunan=2_000_000_000, tw=(500_000_000,) * 4),
    ]  # fmt: skip
    await period.to_reporting(kertas_kerja(rows))
    await ani.expect("Langkah 5: laporkan realisasi", timeout=10)
    await ani.send("/lapor")
    await ani.press("▫️ 1.02 Serapan anggaran pelatihan", await ani.expect("Lapor realisasi"))
    await ani.expect("Ketik realisasi")
    await ani.send("Rp -5")
    await ani.expect("Anggaran dalam rupiah tidak bisa negatif")
    await ani.send("1,5 m")
    ask = await ani.expect("bisa berarti 1,5 juta atau 1,5 miliar")
    assert [text for row in ask.buttons for text, _ in row] == ["1,5 juta", "1,5 miliar"]
    await ani.press("1,5 juta", ask)
    card = await ani.expect("Periksa sebelum dikirim")
    assert "1.500.000" in card.plain and "1.500.000.000" not in card.plain
    async with bot.office.db.session(OPD1) as session:
        assert (await session.exec(select(Figure))).all() == []


async def test_kirim_again_after_its_process_died_says_stored_and_ends_the_dialog(
    tg: FakeTelegram, bot_pg: Bot, clock: Clock
):
    """The process that stored a figure died before the dialog's end was saved (found by the
    storm test): the update comes again to another process, which still sees the card. Kirim
    then says the figure is stored and ends the dialog, instead of leaving it on the card."""
    _, _, ani, _ = await reporting_open(tg, bot_pg, clock)
    card = await mediasi_card(ani, "5")
    kirim = card.find_button("✅ Kirim")[1]
    saved = await dialog_state.saved_at(bot_pg, ani.id, "lapor", CARD)
    await ani.press("✅ Kirim", card)
    await ani.expect("Realisasi 1.03 tersimpan")
    await dialog_state.put_back(bot_pg, saved, ani.id, "lapor")
    await ani.press_data(kirim, card)
    await ani.expect("sudah tersimpan (versi 1)")
    await wait_for(lambda: dialog_state.ended(bot_pg, ani.id, "lapor"))


async def test_tugas_shows_step_5_only_to_a_pic_who_still_owes_a_figure(
    tg: FakeTelegram, bot: Bot, clock: Clock
):
    period, _, ani, budi = await reporting_open(tg, bot, clock)
    for pic in (ani, budi):
        await pic.expect("Langkah 5: laporkan realisasi", timeout=10)
    await period.report(ASN1, "1.02", "60")
    await ani.send("/tugas")
    assert "Langkah 5" in (await ani.expect("Tugas Anda")).plain  # one of two still owed
    await period.report(ASN1, "1.03", "7")
    await ani.send("/tugas")
    await ani.expect("Tidak ada langkah yang menunggu Anda")
    await budi.send("/tugas")
    assert "Langkah 5" in (await budi.expect("Tugas Anda")).plain
