"""Schema changes go through Alembic, run in code so `kinerja-bot db upgrade` needs no ini file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from storage.db import async_url, is_sqlite

# pg_advisory_lock key of a migration ("kinm"): processes started together migrate one by one.
MIGRATION_LOCK_KEY = 0x6B696E6D

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    return cfg


@contextmanager
def _one_migrator(url: str) -> Iterator[None]:
    """Two bot processes started at once on an empty PostgreSQL database would both create the
    tables; the second waits, then finds the schema current."""
    if is_sqlite(url):
        yield
        return
    plain = make_url(async_url(url)).set(drivername="postgresql")
    with psycopg.connect(plain.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))


def upgrade(url: str, revision: str = "head") -> None:
    with _one_migrator(url):
        command.upgrade(alembic_config(url), revision)
