"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

from storage import models  # noqa: F401  (the tables)
from storage.db import make_engine
from storage.migrate import alembic_config, upgrade


async def schema_differences(url: str) -> list:
    engine = make_engine(url)

    def compare(connection) -> list:
        return compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)

    async with engine.connect() as connection:
        diff = await connection.run_sync(compare)
    await engine.dispose()
    return diff


def test_one_line_of_migrations():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


async def test_sqlite_schema_matches_models(tmp_path: Path):
    url = f"sqlite:///{tmp_path}/m.db"
    await asyncio.to_thread(upgrade, url)
    assert await schema_differences(url) == []


async def test_postgresql_schema_matches_models(pg_url: str):
    await asyncio.to_thread(upgrade, pg_url)
    assert await schema_differences(pg_url) == []
