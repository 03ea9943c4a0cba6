"""SQLite for the async engine without a thread per connection.

aiosqlite runs every call (cursor, execute, fetch, close, commit) on its connection's own
thread: four thread hand-offs per statement, each a GIL switch that costs more than the
statement itself (bench/README.md, "Fast under a rush"). SQLAlchemy's Python work around a
statement runs on the event loop thread anyway; this driver runs SQLite's part there too, so a
statement is a plain function call. `storage.db.Database` keeps the one thing a thread gave for
free: a write never waits for the file lock inside the event loop, because in this process
writes take turns on an asyncio lock (`Database.transaction`).

It is the aiosqlite interface SQLAlchemy's `sqlite+aiosqlite` dialect uses, handed over as the
engine's `async_creator`; the dialect, its types and its SQL are SQLAlchemy's own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any


class Cursor:
    """aiosqlite's cursor interface over a `sqlite3.Cursor`, finishing every call at once."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> Cursor:
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> Cursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class Connection:
    """aiosqlite's connection interface over a `sqlite3.Connection` opened on the loop thread."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        # The dialect checks this before commit and rollback (aiosqlite: None once closed).
        self._connection: sqlite3.Connection | None = conn

    def cursor(self) -> Cursor:
        return Cursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> Cursor:
        return Cursor(self._conn.execute(sql, parameters))

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    def stop(self) -> None:
        """Terminate (the dialect's forced close): closing is immediate here."""
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    def run_unit(self, statements: Iterable[tuple[str, list[tuple[Any, ...]]]]) -> None:
        """Each statement with its rows (`executemany`), committed together or not at all."""
        with self._conn:
            for sql, rows in statements:
                self._conn.executemany(sql, rows)

    async def create_function(self, *args: Any, **kw: Any) -> None:
        self._conn.create_function(*args, **kw)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level


async def connect(database: str, timeout: float) -> Connection:
    """Open `database` as sqlite3 would; the pragmas come from the engine's connect event."""
    return Connection(sqlite3.connect(database, timeout=timeout, check_same_thread=False))
