"""Buttons that outlive their moment stay in chats, and every press is checked again in core:
a registration request another admin answered, a Setuju of an earlier round's draft, a
replacement confirmed for a holder who has changed since, a regency duty switched off or on
by an OPD's admin, a duty forged onto an account that only administers."""

from __future__ import annotations

import time

from sqlmodel import select

from bot.handlers.dialog import MAX_AGE
from core import users
from core.sop import Role
from fakeapi import FakeTelegram
from storage.models import StepRun, User
from tests.conftest import ADMIN_ID, OPD1, Bot, Clock
from tests.kinerja_core import (
    ASN1,
    ASN2,
    KD,
    NAMES,
    NIP,
    SEK,
    TIM1,
    TIM2,
    Period,
    pdf,
    register_staff,
)
from tests.kinerja_flow import kertas_kerja, kk_row
from tests.test_cycle_e2e import register_pending


async def row(bot: Bot, telegram_id: int) -> User:
    async with bot.office.db.session(across=True) as session:
        return (await session.exec(select(User).where(User.telegram_id == telegram_id))).one()


async def greeted(tg: FakeTelegram, telegram_id: int, name: str):
    user = tg.user(telegram_id, name)
    await user.send("/start")
    await user.expect("Halo")
    return user


async def test_a_request_answered_by_one_admin_is_not_answered_again(tg: FakeTelegram, bot: Bot):
    await register_staff(bot.office)
    await users.add_admin(bot.office, SEK)  # the OPD's admin, beside the regency's
    admin, opd_admin = await greeted(tg, ADMIN_ID, "Admin"), await greeted(tg, SEK, "Siti")
    await register_pending(tg.user(777, "Baru"), "Pegawai Baru", "199501012020011777")
    request, copy = await admin.expect("Pegawai Baru"), await opd_admin.expect("Pegawai Baru")
    await admin.press("ASN", request)
    await admin.expect_edit("sekarang <b>ASN</b>")

    await opd_admin.press("Tim SAKIP", copy)
    await opd_admin.expect("sudah diproses")
    await opd_admin.press_data(
        f"regc:{(await row(bot, 777)).id}:kd:{(await row(bot, KD)).id}", copy
    )
    await opd_admin.expect("sudah diproses")
    assert ((await row(bot, 777)).role, (await row(bot, KD)).role) == ("asn", "kepala_dinas")


async def test_a_replacement_is_confirmed_for_the_holder_it_named(tg: FakeTelegram, bot: Bot):
    """Confirmed after the duty changed hands: the admin is asked again about the new holder."""
    await register_staff(bot.office)
    admin = await greeted(tg, ADMIN_ID, "Admin")
    ani, budi = (await row(bot, ASN1)).id, (await row(bot, ASN2)).id
    await admin.send("/pengguna")
    await admin.press(f"🟢 {NAMES[ASN1]} — ASN", await admin.expect("Pengguna"))
    await admin.press("Sekretaris", await admin.expect("Pilih peran baru"))
    asked = await admin.expect(f"dijabat <b>{NAMES[SEK]}</b>")
    await users.set_role(bot.office, ADMIN_ID, budi, Role.SEKRETARIS, confirm=True)  # meanwhile

    await admin.press("✅ Ya, ganti", asked)
    await admin.expect(f"dijabat <b>{NAMES[ASN2]}</b>")
    assert ((await row(bot, ASN1)).role, (await row(bot, ASN2)).role) == ("asn", "sekretaris")
    assert (await row(bot, SEK)).role == "asn" and ani != budi


async def test_only_the_regency_switches_a_regency_duty_off_or_on(tg: FakeTelegram, bot: Bot):
    await register_staff(bot.office)
    await users.add_admin(bot.office, SEK)
    opd_admin = await greeted(tg, SEK, "Siti")
    inspector = (await row(bot, ASN1)).id
    await users.set_role(bot.office, ADMIN_ID, inspector, Role.INSPEKTORAT)
    await opd_admin.send("/pengguna")
    listing = await opd_admin.expect("Pengguna")

    await opd_admin.press_data(f"off:{inspector}", listing)
    await opd_admin.expect("dicabut oleh admin kabupaten")
    await users.set_active(bot.office, ADMIN_ID, inspector, False)
    await opd_admin.press_data(f"on:{inspector}", listing)
    await opd_admin.expect("dicabut oleh admin kabupaten")
    assert ((await row(bot, ASN1)).role, (await row(bot, ASN1)).status) == (
        Role.INSPEKTORAT.value,
        users.INACTIVE,
    )


async def test_an_account_that_only_administers_takes_no_duty(tg: FakeTelegram, bot: Bot):
    await register_staff(bot.office)
    await users.add_admin(bot.office, SEK)
    only_admin = await users.add_admin(bot.office, 888)  # `kinerja-bot admin add 888`
    opd_admin = await greeted(tg, SEK, "Siti")
    await opd_admin.send("/pengguna")
    await opd_admin.press_data(f"role:{only_admin.id}:tim", await opd_admin.expect("Pengguna"))
    await opd_admin.expect("tidak ditemukan")
    assert ((await row(bot, 888)).status, (await row(bot, 888)).role) == (users.ADMIN_ONLY, "asn")


async def test_setuju_of_an_earlier_round_decides_nothing(tg: FakeTelegram, bot: Bot, clock: Clock):
    await register_staff(bot.office)
    sek = await greeted(tg, SEK, "Siti")
    p = await Period(bot.office, clock).start("Triwulan I 2025")
    rows = [kk_row("Program", "1.02", "Penempatan", "Ditempatkan", NIP[ASN1], tw=(80,) * 4)]
    await p.to_reporting(kertas_kerja(rows))
    await p.report(ASN1, "1.02", "85")
    await p.validate_all(TIM1)
    await p.upload_and_finish(TIM1, pdf("rekap r1"))
    await p.upload_and_finish(TIM2, pdf("draft r1"))
    first = await sek.expect("Langkah 9: tugas baru")
    await sek.send("/tolak Perbaiki rekapnya")
    await sek.expect("dikembalikan")
    await p.upload_and_finish(TIM1, pdf("rekap r2"))
    await p.upload_and_finish(TIM2, pdf("draft r2"))
    second = await sek.expect("Langkah 9: tugas baru")

    await sek.press("✅ Setuju", first)
    await sek.expect("draft itu sudah diambil")
    await sek.press("↩️ Tolak", first)
    await sek.expect("draft itu sudah diambil")
    async with bot.office.db.session(OPD1) as session:
        runs = (await session.exec(select(StepRun).where(StepRun.step_no == 9))).all()
    assert sorted((r.round, r.status) for r in runs) == [(1, "selesai"), (2, "terbuka")]
    await sek.press("✅ Setuju", second)
    await sek.expect("disetujui")


async def test_a_note_typed_for_a_choice_is_not_kept_for_later(tg: FakeTelegram, bot: Bot):
    """`/tolak <catatan>` with several drafts waiting asks which; a Tolak pressed on another
    message, or much later, asks for its own note instead of filing that one."""
    await register_staff(bot.office)
    sek = await greeted(tg, SEK, "Siti")
    bot.app.user_data[SEK]["tolak_catatan"] = {
        "note": "catatan lama",
        "runs": [1],
        "at": time.time() - MAX_AGE - 1,
    }
    await sek.send("/bantuan")
    await sek.press_data("no:1", await sek.expect("Perintah yang bisa"))
    await sek.expect("sudah diambil")
    assert "tolak_catatan" not in bot.app.user_data[SEK]
