"""SQLite for the async engine, run where it is called.

aiosqlite runs every call (cursor, execute, fetch, close, commit) on its connection's own
thread: four thread hand-offs per statement, each a GIL switch that costs more than the
statement itself (bench/README.md, "Fast under a rush"). A statement never waits for a network,
so here the async engine runs SQLAlchemy's own sqlite3 dialect (pysqlite), marked as async: the
session's greenlet runs each call straight through, with none of an async driver's adapter
around it (a greenlet switch there and back, a lock and a coroutine per call: with the close
of a session in a task of its own, about a fifth of a `/lapor` figure's CPU, bench/README.md).
`storage.db.Database` keeps the one thing a thread gave for free: a write never waits for the
file lock inside the event loop, because in this process writes take turns on an asyncio lock
(`Database.transaction`).

`AsyncConnection.execute` refuses such a driver (it insists that the driver awaited something):
statements run through a session, or through `storage.db.core_execute`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from sqlalchemy import pool
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL

DRIVER = "sqlite+inline"


class Dialect(SQLiteDialect_pysqlite):
    """pysqlite as it is, for `create_async_engine`: its calls finish where they are made."""

    is_async = True
    supports_statement_cache = True

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        """As aiosqlite's: waiting for a pooled connection is an await, not a blocked thread."""
        return pool.AsyncAdaptedQueuePool if cls._is_url_file_db(url) else pool.StaticPool


registry.register("sqlite.inline", __name__, "Dialect")


class Cursor(sqlite3.Cursor):
    """sqlite3's cursor, with what SQLAlchemy's async results ask of an async driver's."""

    async def _async_soft_close(self) -> None:
        """Nothing to wait for: the rows are read where they are asked for."""


class Connection(sqlite3.Connection):
    def cursor(self, factory: type[sqlite3.Cursor] = Cursor) -> sqlite3.Cursor:  # type: ignore[override]
        return super().cursor(factory)


def connect(database: str, timeout: float) -> sqlite3.Connection:
    """Open `database` as sqlite3 would; the pragmas come from the engine's connect event."""
    return sqlite3.connect(database, timeout=timeout, check_same_thread=False, factory=Connection)


def run_unit(
    conn: sqlite3.Connection, statements: Iterable[tuple[str, list[tuple[Any, ...]]]]
) -> None:
    """Each statement with its rows (`executemany`), committed together or not at all."""
    with conn:
        for sql, rows in statements:
            conn.executemany(sql, rows)
