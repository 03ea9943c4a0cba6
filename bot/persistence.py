"""PTB persistence in the database, so a dialog interrupted by a crash resumes after restart.

It touches storage directly, as bot/inbox.py does: PTB's persistence API is Telegram-shaped and
has no rules in it. Only conversations and user_data are kept; workflow state lives in its tables.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar

from sqlmodel import col, select
from telegram.ext import BasePersistence, PersistenceInput

from storage import user_lock
from storage.db import Database
from storage.models import PtbData

_CONV, _USER, _SEEN = "conv:", "user:", "seen:"
# A user's latest handled update ids kept to recognise one delivered again (after its process
# died before answering): redeliveries come within seconds, a user's next updates are few.
SEEN_KEPT = 50

# Writes asked for inside `DatabasePersistence.one_write`, by key (None: delete the key).
_batch: ContextVar[dict[str, str | None] | None] = ContextVar("kinerja_ptb_batch", default=None)


# SQLite, written on the driver's connection (storage.db.Database.sqlite_unit).
_SQLITE_DELETE = "DELETE FROM ptbdata WHERE key = ?"
_SQLITE_UPSERT = (
    "INSERT INTO ptbdata (key, value) VALUES (?, ?)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)


def _conv_key(name: str, key: tuple) -> str:
    return f"{_CONV}{name}:{json.dumps(list(key))}"


class DatabasePersistence(BasePersistence[dict, dict, dict]):
    def __init__(self, db: Database, update_interval: float = 1.0) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True),
            update_interval=update_interval,
        )
        self.db = db
        # Several bot processes may share a PostgreSQL database; SQLite has one process.
        self.shared = not db.is_sqlite
        # SQLite: this process is the only writer, so a value equal to the one it wrote last
        # is not written again (a read command would write the same dialog state twice per
        # update). The lock keeps the writes in call order, so the copy matches the database.
        self._written: dict[str, str] = {}
        self._write_lock = asyncio.Lock()
        # The handled ids read for a user's update in flight, written back with its own id.
        self._seen: dict[int, list[int]] = {}
        # Several processes: the dialog states read for a user's update in flight, by name.
        self._states_read: dict[int, dict[str, object]] = {}
        # SQLite: the users whose dialog data this process has read (see refresh_user_data).
        self._loaded: set[int] = set()

    async def _get(self, prefix: str) -> dict[str, object]:
        async with self.db.session() as session:
            rows = (
                await session.exec(select(PtbData).where(col(PtbData.key).startswith(prefix)))
            ).all()
            return {r.key[len(prefix) :]: json.loads(r.value) for r in rows}

    async def _put(self, key: str, value: object) -> None:
        await self._write({key: json.dumps(value, default=str)})

    async def _drop(self, key: str) -> None:
        await self._write({key: None})

    @asynccontextmanager
    async def one_write(self) -> AsyncIterator[None]:
        """What an update leaves behind (the user's data, their dialogs' states, on PostgreSQL
        the mark that it was handled) is written in one transaction at the end, not one each."""
        pending: dict[str, str | None] = {}
        token = _batch.set(pending)
        try:
            yield
        finally:
            _batch.reset(token)
        await self._write(pending)

    async def _write(self, values: dict[str, str | None]) -> None:
        """Write these keys (None: delete), or keep them for the batch being collected. On
        SQLite a key is skipped when the database holds that value already, as this process
        wrote it last; the lock keeps the writes in call order, so that copy is the database's."""
        pending = _batch.get()
        if pending is not None:
            pending.update(values)
            return
        if self.shared:
            await self._execute(values)
            return
        async with self._write_lock:
            changed = {
                k: v for k, v in values.items() if k not in self._written or self._written[k] != v
            }
            await self._execute(changed)
            self._written.update(changed)

    async def _execute(self, values: dict[str, str | None]) -> None:
        """Atomically, in one statement on the driver's connection: SQLite's (one process) or,
        with several processes on PostgreSQL, the statement that lets the user's lock go
        (storage/user_lock.py), or a pooled connection's outside an update."""
        if not values:
            return
        if self.shared:
            await user_lock.write_dialog_rows(self.db, values)
            return
        kept, kept_values, gone = user_lock.split(values)
        await self.db.sqlite_unit(
            [
                (_SQLITE_DELETE, [(k,) for k in gone]),
                (_SQLITE_UPSERT, list(zip(kept, kept_values, strict=True))),
            ]
        )

    async def get_conversations(self, name: str) -> dict:
        stored = (await self._get(_CONV + name + ":")).items()
        return {tuple(json.loads(k)): v for k, v in stored}

    async def update_conversation(self, name: str, key: tuple, new_state: object | None) -> None:
        """PTB's own write, made late (at its timer, or after an update from no user): the
        user's own update wrote the state already (`save_dialogs`), and with several processes
        the user may have moved on elsewhere since."""
        if not self.shared:
            await self._set(_conv_key(name, key), new_state)

    async def save_dialogs(self, user_id: int, key: tuple, states: dict[str, object]) -> None:
        """The states the user's update left in their dialogs (absent: none). Several processes:
        where they differ from what `stored_dialogs` read, before the user's lock is let go; one
        process: `_write` skips those it wrote already."""
        read = self._states_read.pop(user_id, None)
        for name, state in states.items():
            if read is None or state != read.get(name):
                await self._set(_conv_key(name, key), state)

    async def _set(self, key: str, value: object | None) -> None:
        if value is None:
            await self._drop(key)
        else:
            await self._put(key, value)

    async def get_user_data(self) -> dict[int, dict]:
        """Nothing at start: a user's dialog data is read before their first update in this
        process (`refresh_user_data`), so a start does not load every user who ever wrote."""
        return {}

    async def update_user_data(self, user_id: int, data: dict) -> None:
        """PTB's own write, made late (at its timer, or after an update from no user) from
        this process's memory: with several processes that copy may be older than another
        process's, so only `save_user_data`, called right after the user's own update, writes
        then."""
        if not self.shared:
            await self.save_user_data(user_id, data)

    async def save_user_data(self, user_id: int, data: dict) -> None:
        """Serialized at once (`_put`): no copy of the live dict is needed."""
        await self._put(f"{_USER}{user_id}", data)

    async def drop_user_data(self, user_id: int) -> None:
        await self._drop(f"{_USER}{user_id}")

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        """On SQLite this process is the only writer: the user's data is read before their
        first update here (not every user's at start, see `get_user_data`), then its memory is
        the database's. With several processes (PostgreSQL) `load_dialogs` reads the user's
        data back before every update, in the same statement as their dialogs' states."""
        if self.shared or user_id in self._loaded:
            return
        async with self.db.session() as session:
            row = await session.get(PtbData, f"{_USER}{user_id}")
        user_data.clear()
        if row is not None:
            user_data.update(json.loads(row.value))
        self._loaded.add(user_id)  # one user's updates run one at a time (bot/updates.py)

    async def mark_handled(self, user_id: int, update_id: int) -> None:
        """Under the user's lock since `stored_dialogs` read the ids, so they are the stored
        ones; read again if that read was not made."""
        seen = self._seen.pop(user_id, None)
        if seen is None:
            seen, _, _ = await self.stored_dialogs(user_id, [], ())
            self._seen.pop(user_id, None)
        await self._put(f"{_SEEN}{user_id}", [*seen[-(SEEN_KEPT - 1) :], update_id])

    async def stored_dialogs(
        self, user_id: int, names: list[str], key: tuple
    ) -> tuple[list[int], dict, dict[str, object]]:
        """In one read, what another process may have left of this user: the ids of their
        latest updates handled to the end, their data, and their chat's dialog states by name
        (absent: no dialog). Ids, not the newest id: two quick updates of one user may reach
        two processes and finish newest first, and the older one is then no repeat."""
        seen, data = f"{_SEEN}{user_id}", f"{_USER}{user_id}"
        wanted = {_conv_key(name, key): name for name in names}
        # Under the user's lock, taken with this read (storage/user_lock.py).
        found = await user_lock.read_dialog_rows(self.db, [seen, data, *wanted])
        rows = {key: json.loads(value) for key, value in found}
        states = {wanted[k]: v for k, v in rows.items() if k in wanted}
        self._states_read[user_id] = states
        handled = rows.get(seen, [])
        # Before the ids were kept as a list, the newest id alone was stored.
        self._seen[user_id] = handled if isinstance(handled, list) else [handled]
        return self._seen[user_id], rows.get(data, {}), states

    async def get_chat_data(self) -> dict[int, dict]:
        return {}

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        """Chat data is not used."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Chat data is not used."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        """Chat data is not used."""

    async def get_bot_data(self) -> dict:
        return {}

    async def update_bot_data(self, data: dict) -> None:
        """Bot data is not used."""

    async def refresh_bot_data(self, bot_data: dict) -> None:
        """Bot data is not used."""

    async def get_callback_data(self) -> None:
        return None

    async def update_callback_data(self, data: object) -> None:
        """Arbitrary callback data is not used."""

    async def flush(self) -> None:
        """Every update is written at once; nothing is buffered."""
