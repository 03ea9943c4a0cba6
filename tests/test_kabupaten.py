"""The regency level (issue 12): /kabupaten across OPD at different steps, its pages, who may
read it, who may give its duties, and the Rekapitulasi Kabupaten workbook read back."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import select, update

from bench import bench_kabupaten as bench
from bot.messages_kabupaten import page, pages
from core import kabupaten, recap, users, workflow
from core.capaian import predikat
from core.kabupaten import REFUSED
from core.kabupaten_workbook import OpdLine, Regency
from core.laporan.figures import overall
from core.office import Office
from core.sop import Role
from core.users import REGENCY_DUTY
from fakeapi import FakeTelegram, FakeUser
from fakeapi.entities import parse_html
from storage.db import Database
from storage.models import Opd, Period, User
from tests.conftest import ADMIN_ID, Bot, Clock, migrate, register
from tests.kinerja_core import (
    ASN1,
    ASN2,
    KD,
    NAMES,
    NIP,
    ROLES,
    SEK,
    TIM1,
    TIM2,
    pdf,
    register_staff,
    xlsx,
)
from tests.kinerja_core import Period as Flow
from tests.kinerja_flow import kertas_kerja, kk_row

PERIOD = "Triwulan I 2025"
TW = (80, 90, 95, 100)
ROWS_OPD1 = [
    kk_row("Program", "1.02", "Penempatan", "Persentase ditempatkan", NIP[ASN1], tw=TW),
    kk_row("Program", "1.02", "Penempatan", "Pencari kerja dilatih", NIP[ASN2], tw=TW),
    kk_row("Program", "1.05", "Perluasan kerja", "Wirausaha baru", NIP[ASN1], tw=TW),
]


def _nip(tid: int) -> str:
    return f"19880101201001{tid}"


# The other OPD's people: the same duties under other Telegram ids and NIPs.
BKD = {tid: tid + 1000 for tid in ROLES}
DINKES = {tid: tid + 2000 for tid in ROLES}
ROWS_BKD = [kk_row("Program", "1.02", "Penempatan ASN", "ASN ditempatkan", _nip(BKD[ASN1]))]
# OPD without a period of that name, so that the list has two pages.
IDLE = [f"X{n:02d}" for n in range(1, 10)]
BAPPEDA_ID = 5001


async def _opd(office: Office, kode: str, nama: str, people: dict[int, int] | None) -> int:
    """An OPD made directly in the database (as an admin will with /opd tambah), with its
    people registered through core and then moved into it with their duties."""
    async with office.db.transaction(across=True) as session:
        opd = Opd(kode=kode, nama=nama, office_name=nama)
        session.add(opd)
        await session.flush()
        opd_id = opd.id
    for tid, other in (people or {}).items():
        await users.register(office, other, None, f"{NAMES[tid]} {kode}", _nip(other), "Staf")
    async with office.db.transaction(across=True) as session:
        for tid, other in (people or {}).items():
            await session.exec(
                update(User)
                .where(User.telegram_id == other)
                .values(opd_id=opd_id, role=ROLES[tid].value, status="aktif")
            )
    return opd_id


async def _to_reporting(office: Office, clock: Clock, people: dict[int, int], rows) -> None:
    await workflow.start_period(office, people[KD], PERIOD, pdf("nota"))
    for who, doc in (
        (people[SEK], pdf("notulen")),
        (people[TIM1], pdf("rencana")),
        (people[TIM2], xlsx(kertas_kerja(rows))),
    ):
        clock.advance(minutes=10)
        attached = await workflow.attach_document(office, who, doc)
        await workflow.finish_step(office, who, attached.run_id)


async def regency(tg: FakeTelegram, bot: Bot, clock: Clock) -> FakeUser:
    """OPD1 at step 5 with one figure of three, BKD at step 5 with none, DINKES late at step 2,
    nine OPD not started; a Bappeda reader approved by the regency admin through the chat."""
    office = bot.office
    await register_staff(office)
    a = await Flow(office, clock).start(PERIOD)
    await a.to_reporting(kertas_kerja(ROWS_OPD1))
    await a.report(ASN1, "1.02#1", "60")  # 60 of 80: capaian 75
    await _opd(office, "BKD", "Badan Kepegawaian Daerah", BKD)
    await _to_reporting(office, clock, BKD, ROWS_BKD)
    await _opd(office, "DINKES", "Dinas Kesehatan", DINKES)
    await workflow.start_period(office, DINKES[KD], PERIOD, pdf("nota"))
    for kode in IDLE:
        await _opd(office, kode, f"Kecamatan {kode}", None)
    clock.advance(hours=2)  # DINKES's step 2 (60 menit) is an hour late

    admin, reader = tg.user(ADMIN_ID, "Admin"), tg.user(BAPPEDA_ID, "Rina")
    await register(admin, reader, "Rina Bappeda", "198901012015012001", "Bappeda", opd="OPD1")
    return reader


async def test_kabupaten_lists_every_opd_attention_first_in_pages(
    tg: FakeTelegram, bot: Bot, clock: Clock
):
    reader = await regency(tg, bot, clock)
    await reader.send("/bantuan")
    assert "/kabupaten" in (await reader.expect("Perintah yang bisa")).text

    await reader.send("/kabupaten")
    first = await reader.expect("Rekap Kabupaten — Triwulan I 2025")
    text = first.text
    assert "12 OPD: 9 belum memulai, 1 terlambat, 0 selesai" in text
    assert "Halaman 1 dari 2" in text
    # DINKES is late, so it comes first; the OPD not started follow; both on page one.
    assert text.index("1. DINKES") < text.index("2. X01") < text.index("10. X09")
    assert "Langkah 2 (Sekretaris) — terlambat 1 jam" in text
    assert "Belum memulai periode ini" in text
    assert "BKD" not in text and "OPD1" not in text
    assert [b for row in first.buttons for b in row] == [("Berikutnya ▶", "kb:2025-1:1")]

    await reader.press("Berikutnya ▶", first)
    second = await reader.expect_edit("Halaman 2 dari 2")
    # On time, the lowest completeness first: BKD (0 of 1) before OPD1 (1 of 3).
    assert second.text.index("11. BKD") < second.text.index("12. OPD1")
    assert "Langkah 5 (ASN)" in second.text
    assert "Laporan 0/1 indikator (0,00%) · capaian N/A" in second.text
    band = predikat(Decimal(75))
    assert f"Laporan 1/3 indikator (33,33%) · capaian 75,00% ({band})" in second.text
    assert ("◀ Sebelumnya", "kb:2025-1:0") in [b for row in second.buttons for b in row]

    # A period typed in another spelling is the same period; one nobody started is said so.
    await reader.send("/kabupaten tw 1 2025")
    await reader.expect("Rekap Kabupaten — Triwulan I 2025")
    await reader.send("/kabupaten Triwulan II 2025")
    await reader.expect("Belum ada OPD yang memulai periode Triwulan II 2025")
    await reader.send("/kabupaten minggu depan")
    await reader.expect("Nama periode tidak dikenali")


async def test_only_the_regency_readers_see_it_and_forged_pages_are_refused(
    tg: FakeTelegram, bot: Bot, clock: Clock
):
    reader = await regency(tg, bot, clock)
    await reader.send("/kabupaten")
    listing = await reader.expect("Rekap Kabupaten")
    for tid in (ASN1, KD, DINKES[KD]):
        someone = tg.user(tid, "Pegawai")
        await someone.send("/kabupaten")
        await someone.expect(REFUSED[:40])
        await someone.send("/kabupaten rekap TW I 2025")
        await someone.expect(REFUSED[:40])
        # A page button copied into their chat: refused by core, nothing shown.
        await someone.press_data("kb:2025-1:1", someone.messages[-1])
        await someone.expect(REFUSED[:40])
        assert not any("Rekap Kabupaten" in m.text for m in someone.messages)
    # Malformed keys are stale buttons; a page past the end shows the last one.
    for data in ("kb:2025-9:0", "kb:1:0", "kb:2025-1:-1", "kb:2025-T"):
        await reader.press_data(data, listing)
        await reader.expect("Tombol ini sudah tidak berlaku")
    await reader.press_data("kb:2025-1:99", listing)
    await reader.expect_edit("Halaman 2 dari 2")
    # The regency admin reads it without an account.
    admin = tg.user(ADMIN_ID, "Admin")
    await admin.send("/kabupaten")
    await admin.expect("Rekap Kabupaten — Triwulan I 2025")
    await admin.send("/bantuan")
    assert "/kabupaten" in (await admin.expect("Perintah yang bisa")).text


async def test_only_a_regency_admin_gives_the_regency_duties(
    tg: FakeTelegram, bot: Bot, clock: Clock
):
    office = bot.office
    await register_staff(office)
    await users.add_admin(office, SEK)  # an admin of the OPD, not of the regency
    opd_admin, admin = tg.user(SEK, "Siti"), tg.user(ADMIN_ID, "Admin")
    async with office.db.session(across=True) as session:
        asn = (await session.exec(select(User).where(User.telegram_id == ASN1))).one()

    await opd_admin.send("/pengguna")
    await opd_admin.press(f"🟢 {NAMES[ASN1]} — ASN", await opd_admin.expect("Pengguna"))
    card = await opd_admin.expect("Pilih peran baru")
    assert "Bappeda" not in str(card.buttons) and "Inspektorat" not in str(card.buttons)
    await opd_admin.press_data(f"role:{asn.id}:bap", card)
    await opd_admin.expect(REGENCY_DUTY)

    await admin.send("/pengguna")
    await admin.press(f"🟢 {NAMES[ASN1]} — ASN", await admin.expect("Pengguna"))
    card = await admin.expect("Pilih peran baru")
    await admin.press("Inspektorat", card)
    await admin.expect_edit("sekarang <b>Inspektorat</b>")
    # Nor can the OPD's admin take the duty back.
    await opd_admin.press_data(f"role:{asn.id}:asn", opd_admin.messages[-1])
    await opd_admin.expect(REGENCY_DUTY)
    async with office.db.session(across=True) as session:
        role = (await session.exec(select(User.role).where(User.telegram_id == ASN1))).one()
    assert role == Role.INSPEKTORAT.value


async def test_the_regency_workbook_has_every_opd_program_and_step(
    tg: FakeTelegram, bot: Bot, clock: Clock
):
    reader = await regency(tg, bot, clock)
    await reader.send("/kabupaten rekap TW I 2025")
    await reader.expect_edit("Rekapitulasi Kabupaten Triwulan I 2025 selesai")
    sent = await reader.expect("Rekapitulasi Kabupaten — Triwulan I 2025")
    assert sent.document.file_name == "Rekapitulasi Kabupaten — Triwulan I 2025.xlsx"
    await reader.expect("Rata-rata capaian per OPD")
    wb = load_workbook(BytesIO(sent.document.content))
    assert wb.sheetnames == ["Ringkasan", "Program 1.02", "Kepatuhan SOP", "Grafik"]

    ringkasan = wb["Ringkasan"]
    header = [c.value for c in ringkasan[5]]
    rows = {
        r[1]: dict(zip(header, r, strict=True))
        for r in ringkasan.iter_rows(min_row=6, max_row=17, values_only=True)
    }
    assert [r[1] for r in ringkasan.iter_rows(min_row=6, max_row=7, values_only=True)] == [
        "DINKES",
        "X01",
    ]
    assert len(rows) == 12
    dinkes, opd1, bkd = rows["DINKES"], rows["OPD1"], rows["BKD"]
    assert (dinkes["Status"], dinkes["Langkah Saat Ini"]) == ("Berjalan", 2)
    assert dinkes["Terlambat Sekarang (menit kerja)"] == 60
    assert dinkes["Langkah 2"] == "Berjalan, terlambat" and dinkes["Langkah 3"] is None
    assert (opd1["Langkah 1"], opd1["Langkah 4"], opd1["Langkah 5"]) == (
        "Tepat waktu",
        "Tepat waktu",
        "Berjalan",
    )
    assert (opd1["Jumlah Indikator"], opd1["Sudah Dilaporkan"], opd1["Belum Dilaporkan"]) == (
        3,
        1,
        2,
    )
    assert opd1["Rata-rata Capaian (%)"] == 75 and opd1["Predikat"] == predikat(Decimal(75))
    assert bkd["Rata-rata Capaian (%)"] is None and bkd["Predikat"] == "N/A"
    assert rows["X05"]["Status"] == "Belum memulai" and rows["X05"]["Jumlah Indikator"] is None

    program = wb["Program 1.02"]
    shared = [r for r in program.iter_rows(min_row=6, values_only=True) if r[0]]
    assert [(r[1], r[3], r[4], r[5]) for r in shared] == [
        ("BKD", "Penempatan ASN", 1, None),
        ("OPD1", "Penempatan", 2, 75),
    ]

    kepatuhan = wb["Kepatuhan SOP"]
    assert [c.value for c in kepatuhan[5]][:4] == ["Kode OPD", "OPD", "No", "Putaran"]
    steps = [(r[0], r[2]) for r in kepatuhan.iter_rows(min_row=6, values_only=True) if r[0]]
    assert ("DINKES", 2) in steps and ("OPD1", 5) in steps and ("BKD", 4) in steps
    assert not any(kode.startswith("X") for kode, _ in steps)
    assert wb["Grafik"]._images  # the bar chart of capaian per OPD


def test_a_page_of_the_longest_blocks_fits_one_message():
    worst = OpdLine(
        kode="K" * 40,
        nama="Dinas <Pemberdayaan> & " * 20,
        status="berjalan",
        step_no=5,
        late_minutes=99_999,
        late_steps=11,
        indicators=5_000,
        reported=4_321,
        capaian=Decimal("119.999"),
        predikat="Sangat Tinggi",
    )
    regency = Regency("Triwulan III 2026", (worst,) * 95, datetime.now(timezone.utc))
    for number in range(pages(regency)):
        text, _ = parse_html(page(regency, number))
        assert len(text) <= 4096
    assert "Halaman 10 dari 10" in page(regency, 99)


async def test_the_regency_reads_the_same_on_postgresql(
    tg: FakeTelegram, bot_pg: Bot, clock: Clock
):
    reader = await regency(tg, bot_pg, clock)
    await reader.send("/kabupaten")
    first = await reader.expect("Rekap Kabupaten — Triwulan I 2025")
    assert "1. DINKES" in first.text and "terlambat 1 jam" in first.text
    await reader.press("Berikutnya ▶", first)
    second = await reader.expect_edit("Halaman 2 dari 2")
    assert f"capaian 75,00% ({predikat(Decimal(75))})" in second.text
    await reader.send("/kabupaten rekap")
    sent = await reader.expect("Rekapitulasi Kabupaten — Triwulan I 2025")
    wb = load_workbook(BytesIO(sent.document.content))
    assert wb.sheetnames == ["Ringkasan", "Program 1.02", "Kepatuhan SOP", "Grafik"]


# The bench fills through SQLAlchemy's execute(), which sqlmodel flags as deprecated.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_each_opd_line_agrees_with_its_own_recap(tmp_path: Path):
    """On the bench's regency (kumulatif, negative, range and zero targets; Triwulan II summing
    the validated Triwulan I; an OPD still reporting): each OPD's capaian, predikat, programs and
    missing figures are what its own /rekap computes."""
    url = f"sqlite:///{tmp_path}/regency.db"
    await migrate(url)
    db = Database(url)
    try:
        await bench.fill(db, 4, 3, 60)
        office = bench._office(db, str(tmp_path / "files"), bench.NOW)
        regency = await kabupaten.regency(office, bench.ADMIN, bench.PERIOD)
        async with db.session(across=True) as session:
            opds = dict((await session.exec(select(Opd.kode, Opd.id))).all())
            periods = (await session.exec(select(Period).where(Period.name == bench.PERIOD))).all()
        period_of = {p.opd_id: p.id for p in periods}
        assert len(regency.lines) == 4
        for line in regency.lines:
            opd_id = opds[line.kode]
            own = await recap.prepare(office, period_of[opd_id], "Tim", opd_id=opd_id)
            total = overall(own, office.rules)
            assert (line.capaian, line.predikat) == (total.value, total.predikat), line.kode
            assert (line.indicators, line.missing) == (len(own.rows), own.n_missing)
            assert [(p.kode, p.capaian) for p in line.programs] == [
                (n.kode, n.capaian) for n in own.tree if n.depth == 0
            ]
        assert any(line.missing for line in regency.lines)  # the OPD at step 5
    finally:
        await db.dispose()
