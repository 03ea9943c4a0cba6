"""OPD administration (issue 12, phase 2): the regency admin adds OPD and names their admins,
newcomers register into the OPD they choose and their request reaches that OPD's admins only,
and a person moves to another OPD keeping their history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot import messages
from bot.cli import main
from core import indicators, opd_admin, recap, views
from fakeapi import FakeTelegram, FakeUser
from storage.models import AuditLog, Figure, Opd, Outbox, Period, PtbData, StepRun, User
from tests.conftest import ADMIN_ID, OPD1, Bot, Clock, register
from tests.kinerja_core import ASN1, NAMES, NIP, TIM1, TIM2, make
from tests.kinerja_core import Period as Flow
from tests.kinerja_flow import kertas_kerja, kk_row
from tests.test_cycle_e2e import people
from tests.test_periods_e2e import start_period
from tests.test_restart import BotProcess, wait_for

KD_NIP = "196909211996021001"
SEK_NIP = "197501012000032002"


# --- the command line -----------------------------------------------------------------------------


def test_cli_adds_and_lists_opd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    data = tmp_path / "data"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{data}/kinerja.db")
    monkeypatch.setenv("DATA_DIR", str(data))
    monkeypatch.chdir(tmp_path)

    assert main(["opd", "add", "--kode", "dinkes", "--nama", "Dinas Kesehatan"]) == 0
    assert "OPD ditambahkan: DINKES — Dinas Kesehatan." in capsys.readouterr().out
    assert (
        main(
            [
                *("opd", "add", "--kode", "BKD", "--nama", "Badan Kepegawaian Daerah"),
                *("--office-name", "BKD Kabupaten Mojokerto", "--admin", "555"),
            ]
        )
        == 0
    )
    capsys.readouterr()
    # A duplicate kode (whatever its case) and a kode of the wrong shape are refused, clearly.
    assert main(["opd", "add", "--kode", "DinKes", "--nama", "Dinas Lain"]) == 1
    assert "Kode DINKES sudah dipakai oleh Dinas Kesehatan" in capsys.readouterr().err
    assert main(["opd", "add", "--kode", "DINAS KES", "--nama", "Dinas Lain"]) == 1
    assert "Kode OPD harus 2–16 karakter" in capsys.readouterr().err
    # `admin add` keeps working, into the first OPD or the one named.
    assert main(["admin", "add", "556", "--opd", "dinkes"]) == 0
    assert main(["admin", "add", "557"]) == 0
    assert main(["admin", "add", "558", "--opd", "NOPE"]) == 1
    assert "tidak ada" in capsys.readouterr().err

    assert main(["opd", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split()[0] == "BKD" and out[1].endswith("— Admin 555")
    assert out[2].split()[0] == "DINKES" and out[2].endswith("— Admin 556")
    assert out[3].split()[0] == "OPD1" and out[3].endswith("— Admin 557")


async def test_cli_admin_of_an_opd_lands_in_that_opd(tmp_path: Path, clock: Clock):
    office = await make(tmp_path, clock)
    opd = await opd_admin.add_opd(
        office, "BKD", "Badan Kepegawaian Daerah", "BKD Mojokerto", admin_telegram_id=777
    )
    async with office.db.session(across=True) as session:
        row = (await session.exec(select(User).where(User.telegram_id == 777))).one()
        kept = (await session.exec(select(Opd).where(Opd.id == opd.id))).one()
        audit = (await session.exec(select(AuditLog.action).where(AuditLog.opd_id == opd.id))).all()
    assert (row.opd_id, row.is_admin, row.status) == (opd.id, True, "admin")
    assert kept.office_name == "BKD Mojokerto"
    assert audit == ["tambah_opd", "tambah_admin"]
    # Someone registered in OPD1 is moved first, not made another OPD's admin from here.
    with pytest.raises(Exception, match="OPD lain"):
        await opd_admin.add_opd(office, "DINKES", "Dinas Kesehatan", admin_telegram_id=ASN1)
    async with office.db.session(across=True) as session:
        assert (await session.exec(select(Opd.kode).where(Opd.kode == "DINKES"))).first() is None


# --- /opd in the bot --------------------------------------------------------------------------


async def test_opd_command_is_for_regency_admins(tg: FakeTelegram, bot: Bot):
    admin = tg.user(ADMIN_ID, "Admin")
    asn = tg.user(105, "Ani")
    sek = tg.user(102, "Siti")
    await register(admin, asn, "Ani Wijaya", "199003032015032005", "ASN")
    await register(admin, sek, "Siti Aminah", SEK_NIP, "Sekretaris")

    # The regency admin names Siti the admin of OPD1; she is told, through the outbox.
    await admin.send(f"/opd admin OPD1 {SEK_NIP}")
    await admin.expect("Siti Aminah sekarang admin")
    await sek.expect("admin Dinas Tenaga Kerja")
    await admin.send(f"/opd admin opd1 {SEK_NIP}")
    await admin.expect("sudah menjadi admin")
    await admin.send("/opd admin OPD1 199901012020011001")
    await admin.expect("Tidak ada pengguna aktif dengan NIP itu")

    # Neither an ASN nor an OPD's own admin may act for the regency.
    for user in (asn, sek):
        for text in ("/opd", "/opd tambah DINKES Dinas Kesehatan", f"/opd admin OPD1 {KD_NIP}"):
            await user.send(text)
            await user.expect("Perintah ini hanya untuk admin kabupaten.")
        await user.send(f"/pindah {SEK_NIP} OPD1")
        await user.expect("hanya untuk admin kabupaten")

    await admin.send("/opd tambah D Dinas Kesehatan")
    await admin.expect("Kode OPD harus 2–16 karakter")
    await admin.send("/opd tambah DINKES")
    await admin.expect("Cara menambah OPD")
    await admin.send("/opd tambah dinkes Dinas Kesehatan")
    await admin.expect("OPD <b>Dinas Kesehatan</b> (DINKES) ditambahkan")
    await admin.send("/opd tambah DINKES Dinas Kesehatan Lagi")
    await admin.expect("Kode DINKES sudah dipakai oleh Dinas Kesehatan")
    await admin.send("/opd hapus DINKES")
    await admin.expect("Cara menambah OPD")

    # The list: by name, with its users; a press shows the OPD's admins.
    await admin.send("/opd")
    listed = await admin.expect("OPD kabupaten</b> (2)")
    labels = [b[0] for row in listed.buttons for b in row]
    assert labels == [
        "DINKES — Dinas Kesehatan (0 pengguna)",
        "OPD1 — Dinas Tenaga Kerja Kabupaten Mojokerto (2 pengguna)",
    ]
    await admin.press(labels[1], listed)
    detail = await admin.expect("Admin OPD: Siti Aminah")
    assert "Pengguna aktif: 2" in detail.text
    await admin.press(labels[0], listed)
    await admin.expect("belum ada — tunjuk dengan")

    async with bot.office.db.session(across=True) as session:
        dinkes = (await session.exec(select(Opd).where(Opd.kode == "DINKES"))).one()
        acts = (await session.exec(select(AuditLog.action, AuditLog.opd_id))).all()
    assert ("tambah_opd", dinkes.id) in acts and ("admin_opd", OPD1) in acts
    # A regency admin manages another OPD's people with /pengguna KODE; an OPD's admin may not.
    await admin.send("/pengguna opd1")
    listed = await admin.expect("Pengguna Dinas Tenaga Kerja Kabupaten Mojokerto</b>")
    await admin.press(next(t for row in listed.buttons for t, _ in row if "Siti" in t), listed)
    await admin.expect("Pilih peran baru")
    await admin.send("/pengguna DINKES")
    await admin.expect("Belum ada pengguna terdaftar.")
    await admin.send("/pengguna XX9")
    await admin.expect("OPD dengan kode itu tidak ada")
    await sek.send("/pengguna DINKES")
    await sek.expect("Perintah ini hanya untuk admin kabupaten.")
    await sek.send("/pengguna")
    await sek.expect("<b>Pengguna</b> — pilih")

    # The regency admin's help and menu have the regency commands; an ASN's have not.
    await admin.send("/bantuan")
    assert "/pindah NIP KODE" in (await admin.expect("Perintah yang bisa")).text
    await asn.send("/bantuan")
    assert "/opd" not in (await asn.expect("Perintah yang bisa")).text
    assert ("opd", "Kelola OPD kabupaten") in tg.commands(chat_id=ADMIN_ID)


# --- registration into an OPD ---------------------------------------------------------------------


async def _daftar(user: FakeUser, nama: str, nip: str) -> None:
    """The rest of /daftar once the OPD is chosen."""
    await user.send(nama)
    await user.expect("NIP")
    await user.send(nip)
    await user.expect("jabatan")
    await user.send("Pelaksana")
    await user.expect("sudah dikirim ke admin")


async def _user(bot: Bot, telegram_id: int) -> User:
    async with bot.office.db.session(across=True) as session:
        return (await session.exec(select(User).where(User.telegram_id == telegram_id))).one()


async def _requests_to(bot: Bot, user_id: int) -> set[int]:
    async with bot.office.db.session(across=True) as session:
        rows = (
            await session.exec(
                select(Outbox.chat_id, Outbox.payload).where(Outbox.kind == "registration_request")
            )
        ).all()
    return {chat for chat, payload in rows if json.loads(payload)["user_id"] == user_id}


async def test_registration_asks_the_opd_and_reaches_its_admins(tg: FakeTelegram, bot: Bot):
    admin = tg.user(ADMIN_ID, "Admin")
    await admin.send("/start")
    await admin.expect("Halo, Admin")
    # Ten OPD: the buttons come in pages, sorted by name.
    for n in range(9):
        await opd_admin.add_opd(bot.office, f"KEC-{n}", f"Kecamatan {chr(ord('A') + n)}")
    dinkes = await opd_admin.add_opd(bot.office, "DINKES", "Dinas Kesehatan")

    # Dewi registers into Dinas Kesehatan by its button; the OPD has no
    # admin, so the regency admin gets the request.
    dewi = tg.user(301, "Dewi")
    await dewi.send("/daftar")
    question = await dewi.expect("Anda dari OPD mana?")
    first_page = [b[0] for row in question.buttons for b in row]
    assert first_page[0] == "Dinas Kesehatan (DINKES)" and "Berikutnya ▶" in first_page
    await dewi.press("Berikutnya ▶", question)
    second = await dewi.next_edit()
    assert [b[0] for b, *_ in second.buttons][:3] == [
        "Kecamatan G (KEC-6)",
        "Kecamatan H (KEC-7)",
        "Kecamatan I (KEC-8)",
    ]
    await dewi.press_data("ro:99999", question)  # forged: no such OPD
    await dewi.expect("OPD itu tidak ada dalam daftar")
    await dewi.press_data(f"ro:{dinkes.id}", question)
    await dewi.expect("OPD Anda: <b>Dinas Kesehatan</b>")
    await _daftar(dewi, "Dewi Lestari", "199205052018012001")
    request = await admin.expect("OPD: Dinas Kesehatan")
    await admin.press("ASN", request)
    await admin.expect_edit("Dewi Lestari")
    await dewi.expect("disetujui")
    dewi_row = await _user(bot, 301)
    assert dewi_row.opd_id == dinkes.id
    assert await _requests_to(bot, dewi_row.id) == {ADMIN_ID}

    # Dewi becomes Dinas Kesehatan's admin; Eko registers there by its kode, typed.
    await admin.send("/opd admin DINKES 199205052018012001")
    await dewi.expect("admin Dinas Kesehatan")
    eko = tg.user(302, "Eko")
    await eko.send("/daftar")
    await eko.expect("Anda dari OPD mana?")
    await eko.send("DINKES-9")
    await eko.expect("OPD itu tidak ada dalam daftar")
    await eko.send(" dinkes ")
    await eko.expect("OPD Anda: <b>Dinas Kesehatan</b>")
    await _daftar(eko, "Eko Prasetyo", "199306062019021002")
    card = await dewi.expect("Eko Prasetyo")
    eko_id = (await _user(bot, 302)).id
    assert await _requests_to(bot, eko_id) == {301}  # that OPD's admins only

    # An admin of OPD1 pressing the approval (forged on her own chat) is refused; nothing moves.
    sek = tg.user(102, "Siti")
    await sek.send("/daftar")
    await sek.expect("Anda dari OPD mana?")
    await sek.send("OPD1")
    await _daftar(sek, "Siti Aminah", SEK_NIP)
    await admin.press("Sekretaris", await admin.expect("Siti Aminah"))
    await sek.expect("disetujui")
    await admin.send(f"/opd admin OPD1 {SEK_NIP}")
    await sek.expect("admin Dinas Tenaga Kerja")
    refusals = {
        f"reg:{eko_id}:kd": "tidak ditemukan",
        f"regx:{eko_id}": "sudah diproses",
        f"role:{eko_id}:asn": "tidak ditemukan",
        f"off:{eko_id}": "tidak ditemukan",
        f"usr:{eko_id}": "tidak ditemukan",
    }
    for data, refusal in refusals.items():
        await sek.press_data(data, sek.messages[-1])
        await sek.expect(refusal)
    eko_row = await _user(bot, 302)
    assert (eko_row.status, eko_row.role, eko_row.opd_id) == ("menunggu", "asn", dinkes.id)
    # Its own admin approves; so could the regency admin (the OPD from Eko's row).
    await dewi.press("Tim SAKIP", card)
    await dewi.expect_edit("Eko Prasetyo")
    await eko.expect("disetujui")
    assert (await _user(bot, 302)).role == "tim_sakip"

    # A newcomer of OPD1 now reaches Siti only, not the regency admin.
    fajar = tg.user(303, "Fajar")
    await fajar.send("/daftar")
    await fajar.expect("Anda dari OPD mana?")
    await fajar.send("opd1")
    await fajar.expect("OPD Anda: <b>Dinas Tenaga Kerja")
    await _daftar(fajar, "Fajar Nugroho", "199407072020031003")
    await sek.expect("Fajar Nugroho")
    assert await _requests_to(bot, (await _user(bot, 303)).id) == {102}


async def test_the_chosen_opd_survives_a_sigkill(tg: FakeTelegram, tmp_path: Path, clock: Clock):
    """The choice is an answer like the others, kept with the dialog: a process killed between
    the OPD and the name, and a fresh one files the request in the OPD chosen."""
    data = tmp_path / "data"
    office = await make(tmp_path, clock)
    dinkes = await opd_admin.add_opd(office, "DINKES", "Dinas Kesehatan")
    proc = BotProcess(tg, data)
    gita = tg.user(304, "Gita")
    try:
        proc.start()
        await gita.send("/daftar")
        await gita.expect("Anda dari OPD mana?", timeout=20)
        await gita.send("DINKES")
        await gita.expect("OPD Anda")

        async def choice_saved() -> bool:
            async with office.db.session(across=True) as session:
                row = await session.get(PtbData, "user:304")
            return row is not None and '"opd"' in row.value

        await wait_for(choice_saved)
        proc.kill()
        proc.start()
        await _daftar(gita, "Gita Permata", "199508082021042004")
        async with office.db.session(across=True) as session:
            row = (await session.exec(select(User).where(User.telegram_id == 304))).one()
        assert (row.opd_id, row.status) == (dinkes.id, "menunggu")
    finally:
        proc.stop()
        await office.db.dispose()


# --- moving a person ----------------------------------------------------------------------------


async def test_pindah_moves_a_person_and_keeps_their_history(tg: FakeTelegram, bot: Bot):
    await _pindah(tg, bot)


async def test_pindah_on_postgresql(tg: FakeTelegram, bot_pg: Bot):
    await _pindah(tg, bot_pg)


async def _pindah(tg: FakeTelegram, bot: Bot) -> None:
    admin, kd, sek, _tim1, _tim2, asn1, _asn2 = await people(tg)
    await start_period(kd, "Triwulan I 2025")  # step 1 done by the Kepala Dinas
    dinkes = await opd_admin.add_opd(bot.office, "DINKES", "Dinas Kesehatan")
    kd_row = await _user(bot, kd.id)
    await admin.send(f"/opd admin OPD1 {KD_NIP}")
    await kd.expect("admin Dinas Tenaga Kerja")

    await sek.send(f"/pindah {KD_NIP} DINKES")
    await sek.expect("hanya untuk admin kabupaten")
    await admin.send(f"/pindah {KD_NIP} NOPE")
    await admin.expect("OPD dengan kode itu tidak ada")
    await admin.send(f"/pindah {KD_NIP} opd1")
    await admin.expect("sudah berada di Dinas Tenaga Kerja")
    await admin.send("/pindah DINKES")
    await admin.expect("Cara memindahkan pegawai")
    await admin.send(f"/pindah {KD_NIP} DINKES")
    question = await admin.expect("Pindahkan <b>Bambang Purwanto</b> (Kepala Dinas)")
    # Confirming is the regency admin's alone: the moved person's press is refused.
    await kd.press_data(f"pnd:{kd_row.id}:{dinkes.id}", kd.messages[-1])
    await kd.expect("hanya untuk admin kabupaten")
    assert (await _user(bot, kd.id)).opd_id == OPD1
    await admin.press("✅ Ya, pindahkan", question)
    done = await admin.expect_edit("dipindahkan dari Dinas Tenaga Kerja")
    assert "Dinas Kesehatan" in done.text
    await kd.expect("Anda dipindahkan dari Dinas Tenaga Kerja Kabupaten Mojokerto ke")
    await admin.send(f"/pindah {KD_NIP} DINKES")
    await admin.expect("sudah berada di Dinas Kesehatan")

    moved = await _user(bot, kd.id)
    assert (moved.opd_id, moved.role, moved.is_admin) == (dinkes.id, "asn", False)
    async with bot.office.db.session(across=True) as session:
        runs = (await session.exec(select(StepRun.opd_id, StepRun.done_by))).all()
        acts = (
            await session.exec(
                select(AuditLog.action, AuditLog.opd_id).where(
                    col(AuditLog.action).in_(["pindah_keluar", "pindah_masuk"])
                )
            )
        ).all()
    assert (OPD1, kd_row.id) in runs  # what he did stays OPD1's
    assert sorted(acts) == [("pindah_keluar", OPD1), ("pindah_masuk", dinkes.id)]
    # OPD1's timeline still names him; he sees Dinas Kesehatan's (empty) record now.
    await sek.send("/status")
    assert "oleh Bambang Purwanto" in (await sek.expect("Triwulan I 2025")).text
    await kd.send("/tugas")
    await kd.expect("Tidak ada langkah yang menunggu Anda")
    await kd.send("/status")
    await kd.expect("Belum ada periode")
    # OPD1's Kepala Dinas duty is free: another may take it.
    asn1_row = await _user(bot, asn1.id)
    await admin.send("/pengguna")
    await admin.expect("Pengguna")
    await admin.press_data(f"role:{asn1_row.id}:kd", admin.messages[-1])
    await admin.expect_edit("sekarang <b>Kepala Dinas</b>")


async def test_a_moved_pic_stays_named_in_the_old_opd(tmp_path: Path, clock: Clock):
    """Progress, the evaluation card, the timeline and the recap of the old OPD name people
    who moved out of its scope."""
    office = await make(tmp_path, clock)
    a = await Flow(office, clock).start("Triwulan I 2025")
    row = kk_row("Program", "1.02", "Penempatan", "Persentase ditempatkan", NIP[ASN1])
    await a.to_reporting(kertas_kerja([row]))
    await a.report(ASN1, "1.02", "75")
    dinkes = await opd_admin.add_opd(office, "DINKES", "Dinas Kesehatan")

    for tid in (ASN1, TIM1):
        plan = await opd_admin.plan_move(office, ADMIN_ID, f"{NIP[tid]} DINKES")
        moved = await opd_admin.move_user(office, ADMIN_ID, plan.user_id, dinkes.id)
        assert moved.indicators == (1 if tid == ASN1 else 0)
    assert "perlu dialihkan" in messages.moved(NAMES[ASN1], "OPD1", "Dinas Kesehatan", 1)

    shown = await indicators.progress(office, 102)  # the Sekretaris of OPD1
    assert [line.nama for line in shown.per_pic] == [NAMES[ASN1]]
    card = await indicators.next_card(office, TIM2, a.id)  # Tim SAKIP's /evaluasi card
    assert card.pic == NAMES[ASN1]
    timeline = await views.timeline(office, 102, a.id)
    assert NAMES[TIM1] in {line.done_by for line in timeline.runs}
    async with office.db.session(OPD1) as session:
        period = await session.get(Period, a.id)
        source = await recap.load(office, session, period)
        figure = (await session.exec(select(Figure))).one()
    assert set(source.names.values()) == {NAMES[ASN1]}
    assert figure.opd_id == OPD1
    # In Dinas Kesehatan the moved PIC has no indicators of OPD1 to report.
    assert await indicators.my_indicators(office, ASN1) == []
