"""A user's lock on PostgreSQL, taken with the read of their dialog state and let go with its
write (storage/user_lock.py): the next holder reads what the last one wrote, and a release cut
short leaves no lock behind."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from storage.db import Database, lock_key
from tests.conftest import migrate

USER = 7001


@pytest.fixture
async def db(pg_url: str) -> AsyncIterator[Database]:
    await migrate(pg_url)
    database = Database(pg_url)
    try:
        yield database
    finally:
        await database.dispose()


# The user's lock in pg_locks (other tests' databases on the server have theirs).
_USER_LOCKS = (
    "SELECT granted FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2"
    " AND classid::bigint = $1 AND objid::bigint = $2"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


async def _user_locks(db: Database) -> list[bool]:
    """Granted or waited for, one each."""
    async with db.driver_connection() as conn:
        return [r["granted"] for r in await conn.fetch(_USER_LOCKS, *lock_key(USER))]


async def _waiting_for_a_lock(db: Database) -> None:
    """Until a session waits for the user's lock."""
    for _ in range(500):
        if False in await _user_locks(db):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("nobody waits for the lock")


async def test_the_next_holder_reads_what_the_last_one_wrote_as_it_let_go(db: Database):
    """The second update waits for the lock inside its read; the first then lets go with its
    write, made slow here. A read whose snapshot was taken before the wait would miss that
    write, and so would one let in before the write committed."""
    async with db.driver_connection() as conn:
        await conn.execute(
            "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN PERFORM pg_sleep(0.3); RETURN NEW; END $$;"
            " CREATE TRIGGER slow BEFORE INSERT ON ptbdata FOR EACH ROW EXECUTE FUNCTION slow()"
        )
    read_once = asyncio.Event()

    async def first() -> None:
        async with db.user_lock(USER):
            held = db.held_lock()
            assert await held.read(["conv:lapor:[1, 1]"]) == []
            held.write({"conv:lapor:[1, 1]": "2", "user:7001": '{"ind": 3}'})
            read_once.set()
            await _waiting_for_a_lock(db)

    async def second() -> list[tuple[str, str]]:
        await read_once.wait()
        async with db.user_lock(USER):
            rows = await db.held_lock().read(["conv:lapor:[1, 1]", "user:7001"])
            db.held_lock().write({"conv:lapor:[1, 1]": None})
            return sorted(tuple(r) for r in rows)

    _, seen = await asyncio.gather(first(), second())
    assert seen == [("conv:lapor:[1, 1]", "2"), ("user:7001", '{"ind": 3}')]
    async with db.driver_connection() as conn:
        left = await conn.fetch("SELECT key FROM ptbdata ORDER BY key")
    assert [r["key"] for r in left] == ["user:7001"]  # the second's delete went with its lock
    assert await _user_locks(db) == []


async def test_a_release_that_fails_leaves_no_lock_behind(db: Database, pg_url: str):
    """A write the server refuses (text may not hold NUL) fails the release: the connection is
    closed, and another process gets the user's lock at once."""
    with pytest.raises(asyncpg.exceptions.CharacterNotInRepertoireError):
        async with db.user_lock(USER):
            await db.held_lock().read(["user:7001"])
            db.held_lock().write({"user:7001": "\x00"})

    other = await asyncpg.connect(pg_url.replace("+psycopg", ""))
    try:
        # The server learns of the closed connection a moment later.
        for _ in range(500):
            if await other.fetchval("SELECT pg_try_advisory_lock($1, $2)", *lock_key(USER)):
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the user's lock is still held")
    finally:
        await other.close()
