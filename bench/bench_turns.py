"""Who waits on whom: one period driven through the SOP at a real office's size, on SQLite.

On SQLite every unit of work of the process takes turns (storage/db.py `Database._turn`), so
while one action holds the turn, every other user's writes and dialog-state writes wait; and
SQLite runs on the event loop, so a long hold stalls everything else too. For each action this
prints its wall time, the longest single hold of the write turn, and the longest stall of the
event loop seen by a 2 ms ticker. Sizes: INDICATORS indicators for PICS PICs (the Kertas Kerja
built with the tests' helpers), a 19.5 MB Nota Dinas and notulen, MISSING indicators left
without a figure when step 5 is closed.

    .venv/bin/python bench/bench_turns.py [--indicators 5000] [--pics 200] [--missing 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, update  # noqa: E402

from core import indicators, users, workflow  # noqa: E402
from core.indicators import importer  # noqa: E402
from core.sop import Role  # noqa: E402
from core.transitions import Choice, DocInput  # noqa: E402
from storage import db as storage_db  # noqa: E402
from storage.db import core_execute  # noqa: E402
from storage.models import Figure, Indicator  # noqa: E402
from tests.conftest import ADMIN_ID, OPD1, Clock  # noqa: E402
from tests.kinerja_core import SEK, TIM1, TIM2, Period, make, pdf, xlsx  # noqa: E402
from tests.kinerja_flow import kertas_kerja, kk_row  # noqa: E402

T = TypeVar("T")


class Watch:
    """The write turn's holds and the event loop's stalls, per action."""

    def __init__(self) -> None:
        self.action, self.holds, self.stall = "-", [], 0.0
        self.rows: list[tuple[str, float, float, float]] = []

    def install(self) -> None:
        held = storage_db.Database._turn
        watch = self

        @asynccontextmanager
        async def timed(db):
            async with held(db):
                started = time.perf_counter()
                try:
                    yield
                finally:
                    watch.holds.append(time.perf_counter() - started)

        storage_db.Database._turn = timed

    async def ticker(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.002)
            self.stall = max(self.stall, time.perf_counter() - started - 0.002)

    async def time(self, action: str, work: Awaitable[T]) -> T:
        self.action, self.holds, self.stall = action, [], 0.0
        started = time.perf_counter()
        result = await work
        wall = time.perf_counter() - started
        await asyncio.sleep(0.01)
        self.rows.append((action, wall, max(self.holds, default=0.0), self.stall))
        print(
            f"{action:48s} {wall:7.3f} s   turn held {max(self.holds, default=0.0):6.3f} s"
            f"   loop stalled {self.stall:6.3f} s",
            flush=True,
        )
        return result


def big_pdf(name: str) -> DocInput:
    body = b"%PDF-1.4\n" + os.urandom(int(19.5 * 1024 * 1024)) + b"\n%%EOF"
    return DocInput(body, f"{name}.pdf", "application/pdf")


def rows_of(n: int, nips: list[str]) -> list:
    """Programs of 5 kegiatan of 5 sub kegiatan with 4 indicators each, PICs in turn."""
    rows: list = []
    program = 0
    while len(rows) < n:
        program += 1
        code = f"2.{program:02d}"
        rows.append(kk_row("Program", code, f"Program {program}", f"IKU {program}", nips[0]))
        for k in range(1, 6):
            kegiatan = f"{code}.2.{k:02d}"
            rows.append(kk_row("Kegiatan", kegiatan, f"Kegiatan {k}", f"IKK {k}", nips[1]))
            for s in range(1, 6):
                sub = f"{kegiatan}.{s:04d}"
                for j in range(4):
                    pic = nips[len(rows) % len(nips)]
                    rows.append(kk_row("Sub Kegiatan", sub, f"Sub {s}", f"Indikator {j}", pic))
    return rows[:n]


async def drive(tmp: Path, args: argparse.Namespace, watch: Watch) -> None:
    clock = Clock()
    office = await make(tmp, clock)
    importer.MAX_ROWS = max(importer.MAX_ROWS, args.indicators)
    nips = [f"19900101{n:010d}" for n in range(args.pics)]
    for n, nip in enumerate(nips):
        reg = await users.register(office, 5000 + n, None, f"ASN {n:03d}", nip, "Pelaksana")
        await users.set_role(office, ADMIN_ID, reg.user_id, Role.ASN, confirm=True)
    workbook = xlsx(kertas_kerja(rows_of(args.indicators, nips)))
    p = await Period(office, clock).start("Triwulan I 2025")
    q = await Period(office, clock).start("Triwulan II 2025")
    clock.advance(minutes=10)
    notulen = await watch.time(
        "step 2 notulen, 19.5 MB", workflow.attach_document(office, SEK, big_pdf("notulen"))
    )
    assert isinstance(notulen, Choice)  # two periods wait for it: parked, then placed
    await workflow.place_document(office, SEK, notulen.doc_id, await p.open_run_id())
    await workflow.finish_step(office, SEK, await p.open_run_id())
    await q.upload_and_finish(SEK, pdf("notulen"))
    for period in (p, q):
        await period.upload_and_finish(TIM1, pdf("rencana"))
    kk = f"step 4 Kertas Kerja, {args.indicators} rows"
    choice = await watch.time(f"{kk}, for one of two periods", workflow.attach_document(
        office, TIM2, workbook
    ))  # fmt: skip
    run = await p.open_run_id()
    await watch.time(f"{kk}, its period picked", workflow.place_document(
        office, TIM2, choice.doc_id, run
    ))  # fmt: skip
    await watch.time(f"{kk}, stored again", workflow.attach_document(office, TIM2, workbook, run))
    await watch.time("step 4 finished: step 5 opens", workflow.finish_step(office, TIM2, run))

    async with office.db.transaction(OPD1) as session:
        q_ids = select(Indicator.id, Indicator.pic_user_id).where(Indicator.period_id == p.id)
        reported = (await session.exec(q_ids.order_by(Indicator.position))).all()
        reported = reported[: len(reported) - args.missing]
        await core_execute(session, insert(Figure.__table__), [
            {"opd_id": OPD1, "indicator_id": i, "period_id": p.id, "realisasi": Decimal(50),
             "status": "dilaporkan", "version": 1, "reported_by": pic, "reported_at": clock()}
            for i, pic in reported
        ])  # fmt: skip
    closing = f"step 5 closed, {args.missing} without a figure"
    await watch.time(closing, indicators.close_reporting(office, TIM1, p.id))

    waiting = len(reported)
    card = await watch.time(f"step 6 card, {waiting} waiting", indicators.next_card(office, TIM1))
    await watch.time("step 6 Valid", indicators.decide_figure(
        office, TIM1, card.figure_id, card.version, True
    ))  # fmt: skip
    card = await watch.time("step 6 next card", indicators.next_card(office, TIM1, None, 1))
    async with office.db.transaction(OPD1) as session:
        await session.exec(
            update(Figure)
            .where(Figure.status == "dilaporkan", Figure.id != card.figure_id)
            .values(status="valid", version=2)
        )
    await watch.time("step 6 last Valid: step 7 opens", indicators.decide_figure(
        office, TIM1, card.figure_id, card.version, True
    ))  # fmt: skip
    await office.db.dispose()


async def main_async(args: argparse.Namespace) -> int:
    watch = Watch()
    watch.install()
    ticker = asyncio.create_task(watch.ticker())
    with tempfile.TemporaryDirectory() as tmp:
        await drive(Path(tmp), args, watch)
    ticker.cancel()
    longest = max(watch.rows, key=lambda r: r[2])
    print(f"\nlongest hold of the write turn: {longest[2]:.3f} s ({longest[0]})")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--indicators", type=int, default=5000)
    parser.add_argument("--pics", type=int, default=200)
    parser.add_argument("--missing", type=int, default=200)
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
