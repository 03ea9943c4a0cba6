"""Overdue scan: 100,000 open step runs, 1 % of them due, on SQLite and PostgreSQL.

Times the scan's own selection query (core.deadlines.due_runs across the regency: status =
'terbuka' AND next_action_at <= now, served by the index on (status, next_action_at)), both for
one batch (what one scan transaction reads) and for every due row at once, and shows the query plan.
Then one whole scan (ladder planning, conditional updates, outbox rows) over the 1,000 due runs.

    .venv/bin/python bench/bench_scan.py [--rows 100000] [--due 0.01] [--repeat 30]

PostgreSQL: BENCH_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test);
a fresh database is created beside it and dropped afterwards; skipped with a message when the
server is unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from bench.common import OPD1, analyze, fresh_pg  # noqa: E402
from core import deadlines  # noqa: E402
from core.office import Office  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.files import FileStore  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Period, StepRun, User  # noqa: E402

# Monday 4 August 2025, 10:00 WIB: a working day, so due rows are really sent by the full scan.
NOW = datetime(2025, 8, 4, 3, 0, tzinfo=timezone.utc)
RUNS_PER_PERIOD = 100
CHUNK = 5_000


def _rows(n: int, due_share: float, periods: list[int]) -> list[dict]:
    """n open runs of step 2; every (1/due_share)-th one is due now, the others in the future."""
    every = max(1, round(1 / due_share))
    rows = []
    for i in range(n):
        due = i % every == 0
        opened = NOW - timedelta(hours=2) if due else NOW - timedelta(minutes=10)
        due_at = opened + timedelta(hours=1)
        rows.append(
            {
                "period_id": periods[i // RUNS_PER_PERIOD],
                "step_no": 2,
                "round": 1,
                "status": "terbuka",
                "opened_at": opened,
                "due_at": due_at,
                "next_action_at": due_at if due else NOW + timedelta(minutes=5 + i % 600),
                "reminders_sent": 0,
                "reminders_skipped": 0,
                "escalated": False,
                "headsup_done": False,
            }
        )
    return rows


async def _fill(db: Database, n: int, due_share: float) -> int:
    async with db.transaction(OPD1) as session:
        for tid, role in ((1, "kepala_dinas"), (2, "sekretaris"), (3, "tim_sakip")):
            session.add(
                User(telegram_id=tid, nama=f"U{tid}", nip=str(tid), jabatan="-", role=role,
                     status="aktif")
            )  # fmt: skip
    n_periods = -(-n // RUNS_PER_PERIOD)
    async with db.transaction(OPD1) as session:
        await session.exec(
            insert(Period),
            params=[
                {"name": f"P{i}", "year": 2025, "status": "berjalan", "round": 1}
                for i in range(n_periods)
            ],
        )
    async with db.session(OPD1) as session:
        periods = [p.id for p in (await session.exec(text("SELECT id FROM period"))).all()]
    rows = _rows(n, due_share, periods)
    for start in range(0, len(rows), CHUNK):
        async with db.transaction(OPD1) as session:
            await session.exec(insert(StepRun), params=rows[start : start + CHUNK])
    await analyze(db)
    return sum(1 for r in rows if r["next_action_at"] <= NOW)


async def _time_select(db: Database, limit: int, repeat: int) -> tuple[float, float, int]:
    times, found = [], 0
    for _ in range(repeat):
        async with db.session(across=True) as session:
            started = time.perf_counter()
            found = len(await deadlines.due_runs(session, NOW, limit))
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], found


async def _plan(db: Database) -> str:
    async with db.session(across=True) as conn:
        if db.is_sqlite:
            sql = (
                "EXPLAIN QUERY PLAN SELECT * FROM steprun WHERE status = 'terbuka' "
                "AND next_action_at <= :now ORDER BY next_action_at, id LIMIT 100"
            )
            rows = (await conn.exec(text(sql), params={"now": NOW.replace(tzinfo=None)})).all()
            return " | ".join(str(r[-1]) for r in rows)
        sql = (
            "EXPLAIN SELECT * FROM steprun WHERE status = 'terbuka' "
            "AND next_action_at <= :now ORDER BY next_action_at, id LIMIT 100"
        )
        rows = (await conn.exec(text(sql), params={"now": NOW.replace(tzinfo=None)})).all()
        return " | ".join(r[0].strip() for r in rows)


async def bench(url: str, label: str, n: int, due_share: float, repeat: int) -> dict:
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    try:
        started = time.perf_counter()
        due = await _fill(db, n, due_share)
        fill_s = time.perf_counter() - started
        batch = await _time_select(db, deadlines.BATCH, repeat)
        every = await _time_select(db, n, repeat)
        plan = await _plan(db)
        with tempfile.TemporaryDirectory() as files:
            office = Office(db=db, files=FileStore(files), clock=lambda: NOW)
            started = time.perf_counter()
            result = await deadlines.scan(office, NOW)
            scan_s = time.perf_counter() - started
        return {
            "backend": label,
            "rows": n,
            "due": due,
            "fill_s": fill_s,
            "batch_median_ms": batch[0],
            "batch_p95_ms": batch[1],
            "batch_found": batch[2],
            "all_median_ms": every[0],
            "all_p95_ms": every[1],
            "all_found": every[2],
            "plan": plan,
            "scan_s": scan_s,
            "scan_reminders": result.reminders,
            "scan_messages": result.messages,
        }
    finally:
        await db.dispose()


def report(r: dict) -> str:
    return (
        f"{r['backend']}: {r['rows']:,} open runs, {r['due']:,} due "
        f"(filled in {r['fill_s']:.1f} s)\n"
        f"  select one batch ({deadlines.BATCH} rows): median {r['batch_median_ms']:.2f} ms, "
        f"p95 {r['batch_p95_ms']:.2f} ms\n"
        f"  select every due row ({r['all_found']:,}): median {r['all_median_ms']:.2f} ms, "
        f"p95 {r['all_p95_ms']:.2f} ms\n"
        f"  plan: {r['plan']}\n"
        f"  whole scan of the due runs: {r['scan_s']:.2f} s, {r['scan_reminders']:,} reminders "
        f"({r['scan_messages']:,} outbox rows)"
    )


async def main(args: argparse.Namespace) -> int:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        results.append(await bench(url, "SQLite", args.rows, args.due, args.repeat))
        print(report(results[-1]), flush=True)
    with fresh_pg("scan") as url:
        if url is not None:
            results.append(await bench(url, "PostgreSQL", args.rows, args.due, args.repeat))
            print(report(results[-1]), flush=True)
    slow = [r for r in results if r["all_median_ms"] >= 100]
    print("target < 100 ms for the selection:", "met" if not slow else "MISSED")
    return 1 if slow else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--due", type=float, default=0.01)
    parser.add_argument("--repeat", type=int, default=30)
    sys.exit(asyncio.run(main(parser.parse_args())))
