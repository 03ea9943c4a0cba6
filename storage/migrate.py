"""Schema changes go through Alembic, run in code so `kinerja-bot db upgrade` needs no ini file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from storage.db import async_url, is_sqlite, sqlite_file, sync_url

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
    import psycopg  # PostgreSQL only: a SQLite bot never loads the driver

    plain = make_url(async_url(url)).set(drivername="postgresql")
    with psycopg.connect(plain.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))


def upgrade(url: str, revision: str = "head", office_name: str | None = None) -> None:
    """`office_name` (OFFICE_NAME, from `.env` too) names the OPD an existing office becomes."""
    cfg = alembic_config(url)
    cfg.attributes["office_name"] = office_name
    with _one_migrator(url):
        command.upgrade(cfg, revision)


def head_revision() -> str:
    """The newest migration this code knows."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def known_revision(revision: str) -> bool:
    """Whether this code knows the revision (an unknown one comes from a newer version)."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return revision in {r.revision for r in script.walk_revisions()}


def current_revision(url: str) -> str | None:
    """The database's migration level; None when it was never migrated. A missing SQLite
    file is not created, so asking changes nothing."""
    path = sqlite_file(url)
    if path is not None and not path.exists():
        return None
    # A server that does not answer is reported in seconds, not after TCP's minutes.
    engine = create_engine(sync_url(url), connect_args={} if path else {"connect_timeout": 10})
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
