"""Schema changes go through Alembic, run in code so `kinerja-bot db upgrade` needs no ini file."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from storage.db import async_url, sqlite_file, sync_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


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
