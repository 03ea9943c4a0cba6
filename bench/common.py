"""What the benchmarks share: a throwaway PostgreSQL database beside BENCH_POSTGRES_URL.

Not a benchmark itself (run_all.py runs only `bench_*.py`). psycopg is imported when a database
is asked for, so a benchmark's import-time baseline does not include it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

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
