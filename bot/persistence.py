"""PTB persistence in the database, so a dialog interrupted by a crash resumes after restart.

The one place in `bot/` that touches storage: PTB's persistence API is Telegram-shaped and has
no rules in it. Only conversations and user_data are kept; workflow state lives in its tables.
"""

from __future__ import annotations

import asyncio
import json
from copy import deepcopy

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.expression import Executable
from sqlmodel import col, delete, select
from telegram.ext import BasePersistence, PersistenceInput

from storage.db import Database
from storage.models import PtbData

_CONV, _USER, _SEEN = "conv:", "user:", "seen:"
# A user's latest handled update ids kept to recognise one delivered again (after its process
# died before answering): redeliveries come within seconds, a user's next updates are few.
SEEN_KEPT = 50


def _seen_ids(value: str) -> list[int]:
    """The stored ids; before they were kept as a list, the newest id alone was stored."""
    ids = json.loads(value)
    return ids if isinstance(ids, list) else [ids]


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

    async def _get(self, prefix: str) -> dict[str, object]:
        async with self.db.session() as session:
            rows = (
                await session.exec(select(PtbData).where(col(PtbData.key).startswith(prefix)))
            ).all()
            return {r.key[len(prefix) :]: json.loads(r.value) for r in rows}

    async def _put(self, key: str, value: object) -> None:
        text = json.dumps(value, default=str)
        insert = pg_insert if self.db.url.startswith("postgresql") else sqlite_insert
        stmt = insert(PtbData).values(key=key, value=text)
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"], set_={"value": stmt.excluded.value}
        )
        await self._write(key, stmt, text)

    async def _drop(self, key: str) -> None:
        await self._write(key, delete(PtbData).where(col(PtbData.key) == key), None)

    async def _write(self, key: str, stmt: Executable, text: str | None) -> None:
        """Run one write of `key` (`text` None: deleted); on SQLite skip it when the database
        already holds that, as this process wrote it last."""
        if self.shared:
            async with self.db.transaction() as session:
                await session.exec(stmt)
            return
        async with self._write_lock:
            if key in self._written and self._written[key] == text:
                return
            async with self.db.transaction() as session:
                await session.exec(stmt)
            self._written[key] = text

    async def get_conversations(self, name: str) -> dict:
        stored = (await self._get(_CONV + name + ":")).items()
        return {tuple(json.loads(k)): v for k, v in stored}

    async def update_conversation(self, name: str, key: tuple, new_state: object | None) -> None:
        full = f"{_CONV}{name}:{json.dumps(list(key))}"
        if new_state is None:
            await self._drop(full)
        else:
            await self._put(full, new_state)

    async def get_user_data(self) -> dict[int, dict]:
        return {int(k): v for k, v in (await self._get(_USER)).items()}

    async def update_user_data(self, user_id: int, data: dict) -> None:
        """PTB's own write, made late (at a later update or its timer) from this process's
        memory: with several processes that copy may be older than another process's, so only
        `save_user_data`, called right after the user's own update, writes then."""
        if not self.shared:
            await self.save_user_data(user_id, data)

    async def save_user_data(self, user_id: int, data: dict) -> None:
        await self._put(f"{_USER}{user_id}", deepcopy(data))

    async def drop_user_data(self, user_id: int) -> None:
        await self._drop(f"{_USER}{user_id}")

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        """With several processes (PostgreSQL) the user's last update may have been handled by
        another one: the dialog's data is read back before every update. On SQLite this process
        is the only writer and its memory is already the database's."""
        if not self.shared:
            return
        async with self.db.session() as session:
            row = await session.get(PtbData, f"{_USER}{user_id}")
        user_data.clear()
        if row is not None:
            user_data.update(json.loads(row.value))

    async def was_handled(self, user_id: int, update_id: int) -> bool:
        """Whether this very update was handled to the end, by any process. Kept as ids, not
        as the newest id: two quick updates of one user may reach two processes and finish
        newest first, and the older one is then no repeat. Called under the user's lock."""
        async with self.db.session() as session:
            row = await session.get(PtbData, f"{_SEEN}{user_id}")
        seen = _seen_ids(row.value) if row is not None else []
        self._seen[user_id] = seen
        return update_id in seen

    async def mark_handled(self, user_id: int, update_id: int) -> None:
        """Still under the user's lock, so the ids `was_handled` read are the stored ones."""
        seen = self._seen.pop(user_id, None)
        if seen is None:
            async with self.db.session() as session:
                row = await session.get(PtbData, f"{_SEEN}{user_id}")
            seen = _seen_ids(row.value) if row is not None else []
        await self._put(f"{_SEEN}{user_id}", [*seen[-(SEEN_KEPT - 1) :], update_id])

    async def conversation_states(self, names: list[str], key: tuple) -> dict[str, object]:
        """The stored state of one chat's dialogs, by dialog name (absent: no dialog)."""
        wanted = {f"{_CONV}{name}:{json.dumps(list(key))}": name for name in names}
        async with self.db.session() as session:
            rows = (await session.exec(select(PtbData).where(col(PtbData.key).in_(wanted)))).all()
        return {wanted[r.key]: json.loads(r.value) for r in rows}

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
