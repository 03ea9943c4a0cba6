"""Polling mode's updates in hand (`InboxUpdate`): kept when fetched, dropped when handled.

The hot statements (one per poll, one per update) go to the driver, as the dialog state's do
(bot/persistence.py): SQLAlchemy's work around them cost more than the statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

from sqlmodel import col, delete, select, update

from storage.db import Database
from storage.models import InboxUpdate

_PG_KEEP = (
    "INSERT INTO inboxupdate (update_id, body, attempts, kept_at)"
    " SELECT i, b, 0, $3 FROM unnest($1::bigint[], $2::text[]) AS t(i, b)"
    " ON CONFLICT (update_id) DO NOTHING"
)
_PG_DROP = "DELETE FROM inboxupdate WHERE update_id = $1"
_SQLITE_KEEP = (
    "INSERT INTO inboxupdate (update_id, body, attempts, kept_at) VALUES (?, ?, 0, ?)"
    " ON CONFLICT (update_id) DO NOTHING"
)
_SQLITE_DROP = "DELETE FROM inboxupdate WHERE update_id = ?"
# SQLAlchemy's SQLite DATETIME text, so the ORM reads back what the driver wrote.
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"


async def keep(db: Database, rows: Sequence[tuple[int, str]], now: datetime) -> None:
    """Keep these (update id, JSON) updates; one kept already stays as it is."""
    if not rows:
        return
    kept_at = now.astimezone(timezone.utc).replace(tzinfo=None)  # naive UTC, as UTCDateTime
    if db.is_sqlite:
        stamp = kept_at.strftime(_SQLITE_TIME)
        await db.sqlite_unit([(_SQLITE_KEEP, [(i, b, stamp) for i, b in rows])])
        return
    async with db.driver_connection() as conn:
        await conn.execute(_PG_KEEP, [i for i, _ in rows], [b for _, b in rows], kept_at)


async def drop(db: Database, update_id: int) -> None:
    """The update is handled: a process dying from now on owes it nothing."""
    if db.is_sqlite:
        await db.sqlite_unit([(_SQLITE_DROP, [(update_id,)])])
        return
    held = db.held_lock()
    if held is not None:
        held.drop_kept(update_id)  # with the user's lock let go, in the same statement
        return
    async with db.driver_connection() as conn:
        await conn.execute(_PG_DROP, update_id)


async def take_held(
    db: Database, max_attempts: int, kept_since: datetime
) -> tuple[list[str], list[int]]:
    """At start: the updates a dead process had in hand, oldest first, each counted as tried
    once more; those tried `max_attempts` times already, or kept before `kept_since`, are
    dropped and their ids returned."""
    async with db.transaction(across=True) as session:
        rows = (await session.exec(select(InboxUpdate).order_by(col(InboxUpdate.update_id)))).all()
        again = [r for r in rows if r.attempts < max_attempts and r.kept_at >= kept_since]
        given_up = sorted({r.update_id for r in rows} - {r.update_id for r in again})
        if given_up:
            await session.exec(delete(InboxUpdate).where(col(InboxUpdate.update_id).in_(given_up)))
        if again:
            await session.exec(
                update(InboxUpdate)
                .where(col(InboxUpdate.update_id).in_([r.update_id for r in again]))
                .values(attempts=InboxUpdate.attempts + 1)
            )
        return [r.body for r in again], given_up
