"""One user's updates one at a time across processes (PostgreSQL), in two round trips an update:
the user's lock is taken with the read of their dialog state, and let go with its write.

Each round trip to the server costs a send, a turn of the event loop and a parse; an update
made six (lock, read, write, the kept copy's drop, unlock). The statements go straight to
asyncpg, outside any transaction (a session-level lock needs none).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from storage.db import Database


class DriverConnection(Protocol):
    """A PostgreSQL connection used straight on asyncpg (the user's lock connection, or one from
    the pool): asyncpg's own calls, `$1`-style parameters."""

    async def fetch(self, query: str, *args: Any) -> list[Any]: ...

    async def execute(self, query: str, *args: Any) -> str: ...


# The lock, then the read: in a function (migration 0009), because a statement's snapshot is
# taken before it waits, and would miss what the previous holder wrote as it let go.
LOCK_AND_READ = "SELECT key, value FROM kinerja_lock_user($1, $2, $3::text[])"
LOCK = "SELECT pg_advisory_lock($1, $2)"
READ = "SELECT key, value FROM ptbdata WHERE key = ANY($1::text[])"

# Keys upserted ($1, $2; inserted, and so locked, in key order) and deleted ($3).
_WRITES = (
    "gone AS (DELETE FROM ptbdata WHERE key = ANY($3::text[])),"
    " put AS (INSERT INTO ptbdata (key, value) SELECT k, v"
    " FROM unnest($1::text[], $2::text[]) AS t(k, v) ORDER BY k"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value)"
)
WRITE = f"WITH {_WRITES} SELECT 1"
# The writes and the handled updates' kept copies dropped ($4), the lock let go ($5, $6). The
# session's lock goes at once, so the same lock at transaction level holds it to the commit:
# the next holder reads what this statement wrote.
RELEASE = (
    f"WITH held AS (SELECT pg_advisory_xact_lock($5, $6)), {_WRITES},"
    " handled AS (DELETE FROM inboxupdate WHERE update_id = ANY($4::bigint[]))"
    " SELECT pg_advisory_unlock($5, $6) FROM held"
)


def split(values: dict[str, str | None]) -> tuple[list[str], list[str], list[str]]:
    """WRITE's and RELEASE's first three parameters: keys kept, their values, keys gone."""
    kept = sorted(k for k, v in values.items() if v is not None)
    return kept, [values[k] for k in kept], [k for k, v in values.items() if v is None]


class HeldLock:
    """The user's lock of the update one task handles, on a connection of its own: taken at the
    first read of their dialog state (nothing of theirs is touched before it), let go with
    everything the update leaves in the database (its dialog state, its kept copy's drop)."""

    def __init__(self, driver: DriverConnection, key: tuple[int, int]) -> None:
        self.driver, self.key = driver, key
        self.taken = False
        self._values: dict[str, str | None] = {}
        self._handled: list[int] = []

    async def read(self, keys: list[str]) -> list[Any]:
        """These ptbdata rows, the lock taken first if it is not yet."""
        if self.taken:
            return await self.driver.fetch(READ, keys)
        self.taken = True  # a failed call may have taken it: the release then lets go
        return await self.driver.fetch(LOCK_AND_READ, *self.key, keys)

    async def take(self) -> None:
        """The lock, for a statement run on its connection before any read."""
        if not self.taken:
            self.taken = True
            await self.driver.execute(LOCK, *self.key)

    def write(self, values: dict[str, str | None]) -> None:
        """Keys of ptbdata to write as the lock is let go (None: delete)."""
        self._values.update(values)

    def drop_kept(self, update_id: int) -> None:
        """Polling mode: the update is handled, its kept copy goes as the lock is let go."""
        self._handled.append(update_id)

    async def release(self) -> None:
        """The writes and drops kept, and the lock let go, in one statement."""
        if not (self.taken or self._values or self._handled):
            return
        await self.take()
        await self.driver.execute(RELEASE, *split(self._values), self._handled, *self.key)


async def read_dialog_rows(db: Database, keys: list[str]) -> list[Any]:
    """These ptbdata rows: inside an update with the user's lock taken first if it is not yet,
    else on a pooled connection."""
    held = db.held_lock()
    if held is not None:
        return await held.read(keys)
    async with db.driver_connection() as conn:
        return await conn.fetch(READ, keys)


async def write_dialog_rows(db: Database, values: dict[str, str | None]) -> None:
    """Write these ptbdata keys (None: delete) atomically: inside an update as its lock is let
    go, else at once on a pooled connection."""
    held = db.held_lock()
    if held is not None:
        held.write(values)
        return
    async with db.driver_connection() as conn:
        await conn.execute(WRITE, *split(values))
