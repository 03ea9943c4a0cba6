"""Kirim when several PICs file figures at once. On PostgreSQL (several processes) the open
step's row lock decides who ends step 5 and whether a figure comes before a closing; each race
is forced by holding a Kirim where, without the lock, it would go wrong. On both databases a
Kirim's evidence file is written before it takes any turn or lock."""

from __future__ import annotations

import asyncio
import contextlib
from decimal import Decimal

import pytest
from sqlmodel import select

from core import indicators
from core.engine import SopError
from core.indicators import report
from storage.models import Document, Figure, StepRun
from tests.conftest import OPD1
from tests.kinerja_core import ASN1, ASN2, TIM1, TIM2, Period, make, pdf, slow_disk
from tests.kinerja_flow import kertas_kerja
from tests.test_indicators import ROWS


async def reporting(tmp_path, clock, database_url: str | None = None) -> Period:
    office = await make(tmp_path, clock, database_url=database_url)
    p = await Period(office, clock).start("Triwulan I 2025")
    await p.to_reporting(kertas_kerja(ROWS))
    return p


@pytest.fixture
async def period(tmp_path, clock, pg_url):
    p = await reporting(tmp_path, clock, pg_url)
    yield p
    await p.office.db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def either(request, tmp_path, clock):
    """The same period on SQLite (one process, writers take turns) and on PostgreSQL."""
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    p = await reporting(tmp_path, clock, url)
    yield p
    await p.office.db.dispose()


def _kirim_task() -> int | None:
    name = asyncio.current_task().get_name()
    return int(name.removeprefix("kirim-")) if name.startswith("kirim-") else None


def lock_after(monkeypatch, gate) -> None:
    """Every lock a Kirim task takes on an open step waits for `gate()` first."""
    real = report.open_run

    async def gated(session, period_id, step_no, lock=False):
        if lock and _kirim_task() is not None:
            await gate()
        return await real(session, period_id, step_no, lock)

    monkeypatch.setattr(report, "open_run", gated)


def write_then(monkeypatch, gate) -> None:
    """Every Kirim task calls `gate(its telegram id)` once its figure is written, uncommitted."""
    real = report._write_figure

    async def gated(*args):
        fig = await real(*args)
        await gate(_kirim_task())
        return fig

    monkeypatch.setattr(report, "_write_figure", gated)


def kirim(p: Period, telegram_id: int, indicator_id: int, value: int, **kw) -> asyncio.Task:
    submitting = indicators.submit(
        p.office, telegram_id, indicator_id, Decimal(value), version=0, **kw
    )
    return asyncio.create_task(submitting, name=f"kirim-{telegram_id}")


async def runs(p: Period) -> dict[int, list[str]]:
    async with p.office.db.session(OPD1) as session:
        rows = (await session.exec(select(StepRun).where(StepRun.period_id == p.id))).all()
    return {n: sorted(r.status for r in rows if r.step_no == n) for n in (5, 6)}


async def statuses(p: Period) -> list[str]:
    async with p.office.db.session(OPD1) as session:
        return sorted(f.status for f in (await session.exec(select(Figure))).all())


async def test_the_last_figures_of_two_pics_at_once_end_step_five_once(period: Period, monkeypatch):
    await period.report(TIM1, "1.02.01#2", "3")
    a, b = await period.item(ASN1, "1.02"), await period.item(ASN2, "1.02.01#1")
    written = {ASN1: asyncio.Event(), ASN2: asyncio.Event()}
    seen: dict[int, list[str]] = {}

    async def wait_for_the_other(me: int) -> None:
        """Without the lock the other writes now, and both count blind to each other's figure;
        with it the other is held until this one commits, and sees its figure committed."""
        seen[me] = await statuses(period)
        written[me].set()
        (other,) = set(written) - {me}
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(written[other].wait(), 0.5)

    write_then(monkeypatch, wait_for_the_other)
    done = await asyncio.gather(
        kirim(period, ASN1, a.indicator_id, 70), kirim(period, ASN2, b.indicator_id, 40)
    )

    # Committed figures each saw as it wrote: TIM1's; then TIM1's and the first Kirim's.
    assert sorted(map(len, seen.values())) == [1, 2]
    # So the second counts the first's figure: exactly one of them ends step 5.
    assert sorted(d.done is not None for d in done) == [False, True]
    assert await runs(period) == {5: ["selesai"], 6: ["terbuka"]}
    assert await statuses(period) == ["dilaporkan"] * 3


async def test_a_kirim_read_before_a_closing_is_refused_after_it(period: Period, monkeypatch):
    a = await period.item(ASN1, "1.02")
    reached, closed = asyncio.Event(), asyncio.Event()

    async def gate() -> None:
        reached.set()
        await closed.wait()

    lock_after(monkeypatch, gate)
    sending = kirim(period, ASN1, a.indicator_id, 70)
    await reached.wait()  # the Kirim has read step 5 open and its figure missing
    await indicators.close_reporting(period.office, TIM2)
    closed.set()

    with pytest.raises(SopError, match="ditutup Tim SAKIP; indikator ini tercatat tanpa"):
        await sending
    assert await statuses(period) == ["kosong"] * 3


async def test_a_kirim_writing_its_evidence_file_holds_no_other_pic(either: Period, monkeypatch):
    """Hashing and writing (fsync) up to 20 MB happens before the unit of work: it held
    SQLite's write turn, or step 5's lock, and with it every other PIC's Kirim."""
    o = either.office
    a, b = await either.item(ASN1, "1.02"), await either.item(ASN2, "1.02.01#1")
    writing, written = slow_disk(o, monkeypatch)
    with_evidence = kirim(either, ASN1, a.indicator_id, 70, evidence=pdf("bukti"))
    await writing.wait()
    other = await asyncio.wait_for(kirim(either, ASN2, b.indicator_id, 40), timeout=5)
    assert other.remaining == 2 and not with_evidence.done()

    written.set()
    assert (await with_evidence).remaining == 1
    async with o.db.session(OPD1) as session:
        fig = (
            await session.exec(select(Figure).where(Figure.indicator_id == a.indicator_id))
        ).one()
        doc = await session.get(Document, fig.evidence_document_id)
    assert await o.files.read(doc.sha256) == pdf("bukti").content
