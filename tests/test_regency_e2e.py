"""Issue 12 done: two OPD play whole periods at once through the fake Bot API (their steps
alternate), each on its own calendar, each OPD's messages reaching only its own people; a
Bappeda reader sees both in /kabupaten and builds the regency rekap. The people, their Kertas
Kerja and their moves are the demo's (bot/demo.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timezone
from io import BytesIO
from itertools import zip_longest
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.demo import (
    DINKES,
    DISNAKER,
    Cast,
    Demo,
    DemoClock,
    Transcript,
    demo_settings,
    transcript_names,
)
from bot.scheduler import run_scan
from core.calendar import WorkingCalendar
from fakeapi import FakeTelegram
from fakeapi.models import BotMessage
from storage.models import Outbox, User
from tests.conftest import running_bot

# Tuesday 15 April 2025: a day off of Dinas Kesehatan's own, a working day elsewhere.
TUESDAY_1300 = datetime(2025, 4, 15, 6, 0, tzinfo=timezone.utc)
WEDNESDAY_0800 = datetime(2025, 4, 16, 1, 0, tzinfo=timezone.utc)


@pytest.fixture
async def demo(tg: FakeTelegram, tmp_path: Path) -> AsyncIterator[Demo]:
    """The demo's bot and people, with the two OPD of the test only."""
    settings = demo_settings(tg, tmp_path / "data")
    clock = DemoClock(WorkingCalendar(settings.calendar))
    async with running_bot(settings, clock) as (app, office):
        log = Transcript(tg, transcript_names())
        yield Demo(tg, office, clock, log, app, casts=(DISNAKER, DINKES))


def _markers(cast: Cast) -> set[str]:
    """What only that OPD's messages name: its people and its indicators."""
    return {p.nama for p in cast.people} | {row[3] for row in cast.rows if len(row) > 4}


async def test_two_opd_play_whole_periods_at_once(tg: FakeTelegram, demo: Demo):
    received: list[BotMessage] = []
    tg.on_bot_message.append(received.append)
    await demo.set_up_regency()
    kd_a, sek_a, tono, tari, *_ = demo.cast(DISNAKER)
    kd_b, sek_b, yusuf, *_ = demo.cast(DINKES)
    await demo.day_off(sek_b, DINKES, "Rapat Kerja Kesehatan Daerah")
    await demo.working_in(DISNAKER)  # the clock moves in the national working time

    # Steps 1-3 of both on Monday, alternating; step 4 (1 hari) is due a day later in DINKES.
    for kd in (kd_a, kd_b):
        await demo.start(kd)
    for sek in (sek_a, sek_b):
        await demo.finish_with(sek, 2, "Notulen Rapat Arahan", 20)
    for tim in (tono, yusuf):
        await demo.finish_with(tim, 3, "Rencana Kegiatan Pengukuran", 40)
    assert "Batas waktu: Selasa, 15 April 2025" in (await tari.expect("Langkah 4: tugas")).plain
    assert "Batas waktu: Rabu, 16 April 2025" in (await yusuf.expect("Langkah 4: tugas")).plain

    # Tuesday afternoon: Disnaker's Tim SAKIP is late and reminded; DINKES has the day off.
    demo.clock.now = TUESDAY_1300
    await run_scan(demo.app)
    reminder = await tari.expect("Pengingat")
    assert "Langkah 4" in reminder.plain and "Selasa, 15 April 2025" in reminder.plain
    await yusuf.expect_silence(0.3)
    # Wednesday morning, DINKES's next working day: its heads-up, half its time gone.
    demo.clock.now = WEDNESDAY_0800
    await run_scan(demo.app)
    heads_up = await yusuf.expect("sisa waktu")
    assert "Langkah 4" in heads_up.plain and "Rabu, 16 April 2025" in heads_up.plain

    # Steps 4-10, alternating; in step 5 the ASN of both report in turn.
    await demo.kertas_kerja(tari, 10, DISNAKER)
    await demo.kertas_kerja(yusuf, 10, DINKES)
    for pair in zip_longest(DISNAKER.figures, DINKES.figures):
        for figure in filter(None, pair):
            await demo.report(figure)
    for tim in (tono, yusuf):
        await demo.evaluate(tim, 30)
    for tim in (tono, yusuf):
        await demo.recap(tim, 30)
    for tim in (tari, yusuf):
        await demo.draft(tim, 20)
    for sek, kd in ((sek_a, kd_a), (sek_b, kd_b)):
        await demo.approve(sek, kd, 30)
    await demo.sender.drain()

    # Each OPD's messages went to its own people only, and named nobody of the other.
    side = {p.telegram_id: DINKES for p in DINKES.people} | {
        p.telegram_id: DISNAKER for p in DISNAKER.people
    }
    for message in received:
        if message.chat_id in side:
            other = DINKES if side[message.chat_id] is DISNAKER else DISNAKER
            assert not any(m in message.plain for m in _markers(other)), message.plain
    async with demo.office.db.session(across=True) as session:
        rows = (
            await session.exec(
                select(Outbox.opd_id, User.opd_id).join(User, User.telegram_id == Outbox.chat_id)
            )
        ).all()
    assert rows and all(sent_in == belongs_to for sent_in, belongs_to in rows)

    # Bappeda sees both, finished, and builds the regency rekap: one row per OPD.
    listing, rekap = await demo.regency_view()
    assert "2 OPD: 0 belum memulai, 0 terlambat, 2 selesai" in listing.plain
    assert "OPD1 Dinas Tenaga Kerja" in listing.plain and "DINKES Dinas Kesehatan" in listing.plain
    sheet = load_workbook(BytesIO(rekap.document.content))["Ringkasan"]
    header = [c.value for c in sheet[5]]
    opd = {
        r[1]: dict(zip(header, r, strict=True))
        for r in sheet.iter_rows(min_row=6, values_only=True)
        if r[1]
    }
    assert set(opd) == {"OPD1", DINKES.kode}
    disnaker, dinkes = opd["OPD1"], opd[DINKES.kode]
    for row, indicators in ((disnaker, 6), (dinkes, 3)):
        assert (row["Status"], row["Langkah 10"], row["Langkah 11"]) == (
            "Selesai",
            "Tepat waktu",
            "Selesai",
        )
        assert (row["Jumlah Indikator"], row["Sudah Dilaporkan"]) == (indicators, indicators)
    # Step 4 was late in Disnaker only: Dinas Kesehatan's day off gave it one day more.
    assert disnaker["Langkah 4"] == "Terlambat" and disnaker["Langkah Terlambat"] >= 1
    assert (dinkes["Langkah 4"], dinkes["Langkah Terlambat"]) == ("Tepat waktu", 0)
    # The mean of the programs' capaian. Disnaker: 2.07.03 by its two IKU (14,2 of 15: 94,67;
    # 5,1 above the range 4,5-5: 98), 2.07.04 by its sub kegiatan (70 of 100): 83,17.
    # Dinas Kesehatan: 1.02.02 96 of 100, 2.07.03 28 of 30: 94,67.
    program_1 = (14.2 / 15 * 100 + 98) / 2
    assert disnaker["Rata-rata Capaian (%)"] == pytest.approx((program_1 + 70) / 2)
    assert dinkes["Rata-rata Capaian (%)"] == pytest.approx((96 + 280 / 3) / 2)
