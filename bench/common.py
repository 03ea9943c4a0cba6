"""What the benchmarks share: a throwaway PostgreSQL database beside BENCH_POSTGRES_URL, a
batch of reminder notices in the outbox, and a reading of the machine's speed.

Not a benchmark itself (run_all.py runs only `bench_*.py`). psycopg is imported when a database
is asked for, so a benchmark's import-time baseline does not include it.
"""

from __future__ import annotations

import os
import timeit
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime


async def analyze(db) -> None:
    """The planner's statistics for what a bench just filled (in a session: SQLite's async
    engine refuses a statement on a bare connection, storage/sqlite_inline.py)."""
    from sqlalchemy import text

    async with db.transaction(across=True) as session:
        await session.exec(text("ANALYZE"))


def _plain_work() -> None:
    counts: dict[int, int] = {}
    for i in range(200_000):
        counts[i & 1023] = counts.get(i & 1023, 0) + i


def python_speed() -> float:
    """Milliseconds this machine takes for a fixed bit of plain Python (dict and integer work,
    best of five): the host's draw varies by a factor of two or more between sessions and
    within one, and figures from different draws compare only through it."""
    return min(timeit.repeat(_plain_work, number=1, repeat=5)) * 1000


# The OPD the benches fill: the one every database has from its migrations.
OPD1 = 1
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def fresh_pg(label: str) -> Iterator[str | None]:
    """A new database for one benchmark, dropped afterwards; None (said why) without a server."""
    import psycopg

    admin = PG_URL.replace("+psycopg", "")
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL: skipped, server unreachable ({str(exc).strip()[:120]})")
        yield None
        return
    name = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def enqueue_reminders(
    session, *, chats: int, per_chat: int, first_chat: int, now: datetime, key: str
) -> None:
    """`per_chat` reminder notices to each of `chats` chats, interleaved as a scan writes them."""
    from core.outbox import enqueue

    for n in range(per_chat):
        for c in range(chats):
            await enqueue(
                session,
                key=f"{key}:{c}:{n}",
                chat_id=first_chat + c,
                kind="reminder",
                payload={
                    "period_id": 1,
                    "period": f"Bench {c}-{n}",
                    "step_no": 2,
                    "run_id": c,
                    "round": 1,
                    "due_at": now.isoformat(),
                    "rung": n + 1,
                    "of": per_chat,
                    "late_minutes": 60 * n,
                },
                now=now,
            )
