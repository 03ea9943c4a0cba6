"""SQLite on the event loop (storage/sqlite_inline.py): units of work take turns on an asyncio
lock, so a writer that awaits something mid-transaction never makes another writer wait inside
the loop for the file lock (which would stop the loop, the first writer with it)."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from storage.db import Database
from storage.models import DayOff
from tests.conftest import OPD1, migrate


async def test_writers_that_await_mid_transaction_take_turns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/kinerja.db"
    await migrate(url)
    db = Database(url)
    order: list[str] = []

    async def writer(name: str, day: int) -> None:
        async with db.transaction(OPD1) as session:
            session.add(DayOff(day=date(2030, 1, day), keterangan=name))
            await session.flush()  # holds SQLite's write lock from here to the commit
            order.append(f"{name} wrote")
            await asyncio.sleep(0.05)  # e.g. a file written on a worker thread
            order.append(f"{name} done")

    async def reader() -> int:
        await asyncio.sleep(0.01)
        async with db.session(OPD1) as session:  # WAL: reads never wait for the writer
            return len((await session.exec(select(DayOff))).all())

    *_, seen = await asyncio.wait_for(
        asyncio.gather(writer("a", 1), writer("b", 2), reader()), timeout=5
    )
    assert order == ["a wrote", "a done", "b wrote", "b done"]
    assert seen == 0  # neither had committed when the reader looked
    async with db.session(OPD1) as session:
        assert len((await session.exec(select(DayOff))).all()) == 2
    await db.dispose()


async def test_a_unit_of_work_inside_another_is_refused_not_hung(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/kinerja.db"
    await migrate(url)
    db = Database(url)
    async with db.transaction(OPD1):
        with pytest.raises(RuntimeError, match="inside another"):
            async with db.transaction(OPD1):
                pass
    await db.dispose()


async def test_sqlite_gives_the_loop_away_nowhere_in_a_session(tmp_path: Path) -> None:
    """A read, a unit of work and the closing of both run through without another task
    running meanwhile: SQLite answers where it is asked (storage/sqlite_inline.py), which is
    why a session's close needs no task of its own to be safe from cancellation."""
    url = f"sqlite:///{tmp_path}/kinerja.db"
    await migrate(url)
    db = Database(url)
    async with db.session(OPD1) as session:
        await session.exec(select(DayOff))  # the pool's first connection, made before timing
    turns = 0

    async def other_task() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    spinning = asyncio.create_task(other_task())
    await asyncio.sleep(0)
    before = turns
    async with db.transaction(OPD1) as session:
        session.add(DayOff(day=date(2030, 1, 3), keterangan="libur"))
        await session.flush()
        assert len((await session.exec(select(DayOff))).all()) == 1
    async with db.session(OPD1) as session:
        assert len((await session.exec(select(DayOff))).all()) == 1
    assert turns == before
    await asyncio.sleep(0)
    assert turns > before  # the other task was running all along
    spinning.cancel()
    await db.dispose()
