"""What one statement costs the bot's process at each layer between an update and the database.

The `/lapor` rush spends more CPU a figure on PostgreSQL than on SQLite for the same statements
(`bench_rush.py`); this splits one statement's cost along the stack, 20 tasks at once as in the
rush: the driver alone (asyncpg, or sqlite3 on its connection), SQLAlchemy's connection, a
session on a connection held for it, a session taking its connection from the pool (every read
of an update does), and the user's read by Telegram id as core makes it (`queries.user_by_telegram`).

    .venv/bin/python bench/bench_statement.py [--db sqlite|postgresql|both] [--calls 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TASKS = 20
TELEGRAM_ID = 5

Layer = Callable[[int], Awaitable[None]]


def layers(db) -> dict[str, Layer | None]:
    """Each layer as a task making `n` calls of `SELECT 1` (the last: the user's read)."""
    from sqlalchemy import text
    from sqlmodel.ext.asyncio.session import AsyncSession

    from storage import queries

    reads = db.engine if db.is_sqlite else db.engine.execution_options(isolation_level="AUTOCOMMIT")
    one = text("SELECT 1")

    async def driver(n: int) -> None:
        async with reads.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            for _ in range(n):
                if db.is_sqlite:
                    raw.execute("SELECT 1").fetchall()
                else:
                    await raw.fetch("SELECT 1")

    async def connection(n: int) -> None:
        async with reads.connect() as conn:
            for _ in range(n):
                await conn.execute(one)

    async def held(n: int) -> None:
        async with reads.connect() as conn:
            for _ in range(n):
                async with AsyncSession(bind=conn) as session:
                    await session.exec(one)

    async def pooled(n: int) -> None:
        for _ in range(n):
            async with db.session(across=True) as session:
                await session.exec(one)

    async def user_read(n: int) -> None:
        for _ in range(n):
            async with db.session(across=True) as session:
                await queries.user_by_telegram(session=session, telegram_id=TELEGRAM_ID)

    return {
        "driver": driver,
        # SQLite's statements never wait, and SQLAlchemy's AsyncConnection.execute insists
        # that one did (storage/sqlite_inline.py): sessions only.
        "SQLAlchemy connection": None if db.is_sqlite else connection,
        "session, held connection": held,
        "session, pooled connection": pooled,
        "user read by Telegram id": user_read,
    }


async def measure(url: str, calls: int) -> dict[str, float | None]:
    """Microseconds of this process's CPU per call, each layer warmed up first."""
    from storage.db import Database
    from storage.models import User

    db = Database(url)
    async with db.transaction(across=True) as session:
        session.add(
            User(opd_id=1, telegram_id=TELEGRAM_ID, nama="ASN", nip="199003032015031001",
                 jabatan="Pelaksana", role="asn", status="aktif")
        )  # fmt: skip
    figures: dict[str, float | None] = {}
    try:
        for name, layer in layers(db).items():
            if layer is None:
                figures[name] = None
                continue
            await asyncio.gather(*(layer(5) for _ in range(TASKS)))
            each = calls // TASKS
            started = time.process_time()
            await asyncio.gather(*(layer(each) for _ in range(TASKS)))
            figures[name] = (time.process_time() - started) / (each * TASKS) * 1e6
    finally:
        await db.dispose()
    return figures


def run(label: str, url: str, calls: int) -> None:
    from storage.migrate import upgrade

    upgrade(url)
    figures = asyncio.run(measure(url, calls))
    print(f"\n[{label}] CPU per call, {TASKS} tasks at once")
    for name, us in figures.items():
        print(f"  {name:28} {'—' if us is None else f'{us:6.0f} µs'}")


def main() -> int:
    import logging

    from bench.common import fresh_pg, python_speed

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the migrations' lines
    print(f"plain Python: {python_speed():.1f} ms")
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            run("SQLite", f"sqlite:///{tmp}/kinerja.db", args.calls)
    if args.db in ("postgresql", "both"):
        with fresh_pg("statement") as url:
            if url is not None:
                run("PostgreSQL", url, args.calls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
