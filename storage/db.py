"""One async engine per process; SQLite in WAL mode by default, PostgreSQL with the same code."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import delete, event, exc, insert, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql import Executable
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import sqlite_inline
from storage.models import HandledUpdate
from storage.scope import OpdSession, regency, scope
from storage.user_lock import DriverConnection, HeldLock

DEFAULT_URL = "sqlite:///./data/kinerja.db"
# pg_advisory_lock(namespace, key) of one user's updates ("kinu" in ASCII); the two-key form
# does not meet the one-key locks of the scan and the poller.
USER_LOCK_NAMESPACE = 0x6B696E75


def lock_key(user_id: int) -> tuple[int, int]:
    """pg_advisory_lock's two keys of one user's updates."""
    return USER_LOCK_NAMESPACE, user_id % 2_147_483_647


class AlreadyHandled(RuntimeError):
    """This update was delivered again, after its process died, and its unit of work had
    already committed the first time (see `handling`)."""


# The Telegram update this task handles and how many units of work it has begun (`handling`).
_update: ContextVar[list[int] | None] = ContextVar("kinerja_update", default=None)


@contextmanager
def handling(update_id: int) -> Iterator[None]:
    """Units of work begun inside are those of update `update_id`: each records itself in its
    own transaction, so the same update delivered again stops at the first that committed."""
    token = _update.set([update_id, 0])
    try:
        yield
    finally:
        _update.reset(token)


# The user's lock of the update this task handles, with that task.
_lock_held: ContextVar[tuple[HeldLock, asyncio.Task | None] | None] = ContextVar(
    "kinerja_user_lock", default=None
)


def async_url(url: str) -> str:
    """Accept the URLs people write (sqlite:///, postgresql://, any driver of either) and pick
    the async engine's driver: SQLite's run where it is called (storage/sqlite_inline.py);
    asyncpg, which spent a third of psycopg's CPU a statement."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        u = u.set(drivername=sqlite_inline.DRIVER)
    elif u.get_backend_name() == "postgresql":
        u = u.set(drivername="postgresql+asyncpg")
    return u.render_as_string(hide_password=False)


def sync_url(url: str) -> str:
    """The same database through a blocking driver, for one-shot operator commands."""
    u = make_url(async_url(url))
    u = u.set(drivername="sqlite" if u.get_backend_name() == "sqlite" else "postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def sqlite_file(url: str) -> Path | None:
    """The SQLite database file, or None for PostgreSQL or an in-memory database."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or u.database in (None, "", ":memory:"):
        return None
    return Path(u.database)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


# Connections one process may hold on PostgreSQL (DATABASE_CONNECTIONS): beside each update in
# flight (two: its user's lock and its unit of work) the sender, the scan and the dialog writes.
DEFAULT_CONNECTIONS = 20
SPARE_CONNECTIONS = 4


def updates_in_flight(connections: int) -> int:
    """How many updates one process handles at once within its connections (PostgreSQL)."""
    return max(1, (connections - SPARE_CONNECTIONS) // 2)


def make_engine(url: str = DEFAULT_URL, connections: int = DEFAULT_CONNECTIONS) -> AsyncEngine:
    url = async_url(url)
    if is_sqlite(url):
        db = make_url(url).database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url, creator=partial(sqlite_inline.connect, db or ":memory:", timeout=30)
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # Every connection stays open once made: with an overflow, a busy process opened and closed
    # one for nearly every update (a new server process each time).
    engine = create_async_engine(url, pool_size=connections, max_overflow=0)
    event.listen(engine.sync_engine, "checkout", _replace_if_closed)
    return engine


def _replace_if_closed(dbapi_conn, _record, _proxy) -> None:
    """A pooled connection the server closed (restarted, or the connection was terminated) is
    replaced before use. asyncpg learns of the close as it happens, so this costs no round
    trip; `pool_pre_ping` spent three (BEGIN, a ping, ROLLBACK) on every checkout."""
    if dbapi_conn.driver_connection.is_closed():
        raise exc.DisconnectionError("the server closed this connection")


async def core_execute(session: AsyncSession, statement: Executable, rows: object) -> None:
    """A Core statement on the session's connection, past its OPD scope (each row names its
    OPD itself). By `run_sync`: `AsyncConnection.execute` insists that the driver awaited
    something, and SQLite's never does (storage/sqlite_inline.py)."""
    await (await session.connection()).run_sync(Connection.execute, statement, rows)


async def _record_unit(session: AsyncSession) -> None:
    """Inside an update (`handling`), the unit of work records itself first: a second delivery
    of the update meets the record, committed by the first, and stops (on PostgreSQL it waits
    for the first to commit or roll back)."""
    update = _update.get()
    if update is None:
        return
    update[1] += 1
    record = {"update_id": update[0], "unit": update[1], "at": datetime.now(timezone.utc)}
    try:
        await core_execute(session, insert(HandledUpdate.__table__), record)
    except exc.IntegrityError as err:
        raise AlreadyHandled(f"update {update[0]} unit {update[1]}") from err


class Database:
    """The engine and a session factory: one session per handler call or job run."""

    def __init__(self, url: str = DEFAULT_URL, connections: int = DEFAULT_CONNECTIONS) -> None:
        self.url = async_url(url)
        # Asked several times an update: the URL is parsed once.
        self._engine_is_sqlite = is_sqlite(self.url)
        self.connections = connections
        self.engine = make_engine(self.url, connections)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, sync_session_class=OpdSession, expire_on_commit=False
        )
        # Reads (`session`) on PostgreSQL run without a transaction: at READ COMMITTED each
        # statement sees its own snapshot either way, and BEGIN and ROLLBACK are two round
        # trips for every read. Units of work (`transaction`) keep theirs.
        self._reads = (
            self._sessions
            if self.is_sqlite
            else async_sessionmaker(
                self.engine.execution_options(isolation_level="AUTOCOMMIT"),
                class_=AsyncSession,
                sync_session_class=OpdSession,
                expire_on_commit=False,
            )
        )
        # SQLite runs on the event loop (storage/sqlite_inline.py): a writer waiting there for
        # the file lock would stop the loop, and with it the writer holding the lock. So this
        # process's units of work take turns here, where waiting is an await.
        self._write_turn = asyncio.Lock() if self.is_sqlite else None
        self._turn_holder: asyncio.Task | None = None
        # See `sqlite_unit`: the pooled connection kept for it, and its sqlite3 connection.
        self._unit_connection: AsyncConnection | None = None
        self._unit_driver: sqlite3.Connection | None = None

    @property
    def is_sqlite(self) -> bool:
        return self._engine_is_sqlite

    def _new(self, opd_id: int | None, across: bool, *, reads: bool = False) -> AsyncSession:
        """A session scoped to `opd_id`, or regency-wide with `across`; with neither it knows
        its OPD only once core has found the acting user (storage.scope)."""
        session = (self._reads if reads else self._sessions)()
        if opd_id is not None:
            scope(session, opd_id)
        if across:
            regency(session)
        return session

    @asynccontextmanager
    async def _open(self, session: AsyncSession) -> AsyncIterator[AsyncSession]:
        """The session, closed on leaving. SQLAlchemy closes it in a task of its own, shielded,
        so that a cancellation cannot cut the close short: two more turns of the event loop
        for every session. SQLite's close never waits (storage/sqlite_inline.py), so nothing
        can cut it short and it runs in the caller's task."""
        if not self.is_sqlite:
            async with session:
                yield session
            return
        try:
            yield session
        finally:
            await session.close()

    @asynccontextmanager
    async def session(
        self, opd_id: int | None = None, *, across: bool = False
    ) -> AsyncIterator[AsyncSession]:
        async with self._open(self._new(opd_id, across, reads=True)) as session:
            yield session

    @asynccontextmanager
    async def transaction(
        self, opd_id: int | None = None, *, across: bool = False
    ) -> AsyncIterator[AsyncSession]:
        """A unit of work: commits on success, rolls back on any error."""
        async with self._turn(), self._open(self._new(opd_id, across)) as session, session.begin():
            await _record_unit(session)
            yield session

    async def forget_handled(self, before: datetime) -> int:
        """Drop the records of updates handled before `before` (Telegram redelivers within a
        day); returns how many."""
        async with self.transaction(across=True) as session:
            gone = delete(HandledUpdate).where(col(HandledUpdate.at) < before)
            return (await session.exec(gone)).rowcount

    async def sqlite_unit(self, statements: list[tuple[str, list[tuple[Any, ...]]]]) -> None:
        """SQLite: a unit of work of plain statements, each run for its rows, straight on the
        driver's connection, one kept for them. For the dialog state written after every
        update: SQLAlchemy's work around its two small statements, and taking a connection from
        the pool and giving it back, cost ten times what SQLite spends on them."""
        async with self._turn():
            if self._unit_driver is None:
                self._unit_connection = await self.engine.connect()
                raw = await self._unit_connection.get_raw_connection()
                self._unit_driver = raw.driver_connection
            sqlite_inline.run_unit(self._unit_driver, statements)

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """SQLite: this process's units of work one at a time (see `__init__`)."""
        if self._write_turn is None:
            yield
            return
        task = asyncio.current_task()
        if task is not None and task is self._turn_holder:
            raise RuntimeError("a unit of work inside another one: it would wait for itself")
        async with self._write_turn:
            self._turn_holder = task
            try:
                yield
            finally:
                self._turn_holder = None

    @asynccontextmanager
    async def user_lock(self, user_id: int) -> AsyncIterator[None]:
        """One user's updates one at a time across processes (PostgreSQL); SQLite has one
        process. The lock lives on its own connection and dies with a killed process; it is
        taken with the first read of the user's dialog state and let go with its write
        (storage/user_lock.py)."""
        if self.is_sqlite:
            yield
            return
        async with self.engine.connect() as conn:
            held = HeldLock((await conn.get_raw_connection()).driver_connection, lock_key(user_id))
            token = _lock_held.set((held, asyncio.current_task()))
            try:
                yield
            finally:
                _lock_held.reset(token)
                try:
                    await held.release()
                except BaseException:
                    # Closing the connection lets go of the lock, wherever the release stopped.
                    await conn.invalidate()
                    raise

    def held_lock(self) -> HeldLock | None:
        """The user's lock of the update this task handles (PostgreSQL): that update's own
        statements may run on its connection, each committed on its own, instead of taking
        another. Never to a task started from the update, which may outlive the lock."""
        held = _lock_held.get()
        if held is None or held[1] is not asyncio.current_task():
            return None
        return held[0]

    @asynccontextmanager
    async def driver_connection(self) -> AsyncIterator[DriverConnection]:
        """PostgreSQL: the user's lock connection when this task holds it (no other one is
        taken), else a pooled one for the block; asyncpg's own calls, each statement
        committed on its own."""
        held = self.held_lock()
        if held is not None:
            await held.take()
            yield held.driver
            return
        async with self.engine.connect() as conn:
            yield (await conn.get_raw_connection()).driver_connection

    async def ping(self) -> None:
        """Raises unless the database answers a trivial query (the health check)."""
        async with self._sessions() as session:
            await session.exec(text("SELECT 1"))

    async def dispose(self) -> None:
        if self._unit_connection is not None:
            await self._unit_connection.close()
            self._unit_connection = self._unit_driver = None
        await self.engine.dispose()
