"""PTB persistence in the database, so a dialog interrupted by a crash resumes after restart.

The one place in `bot/` that touches storage: PTB's persistence API is Telegram-shaped and has
no rules in it. Only conversations and user_data are kept; workflow state lives in its tables.
"""

from __future__ import annotations

import json
from copy import deepcopy

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, delete, select
from telegram.ext import BasePersistence, PersistenceInput

from storage.db import Database
from storage.models import PtbData

_CONV, _USER = "conv:", "user:"


class DatabasePersistence(BasePersistence[dict, dict, dict]):
    def __init__(self, db: Database, update_interval: float = 1.0) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True),
            update_interval=update_interval,
        )
        self.db = db

    async def _get(self, prefix: str) -> dict[str, object]:
        async with self.db.session() as session:
            rows = (
                await session.exec(select(PtbData).where(col(PtbData.key).startswith(prefix)))
            ).all()
            return {r.key[len(prefix) :]: json.loads(r.value) for r in rows}

    async def _put(self, key: str, value: object) -> None:
        insert = pg_insert if self.db.url.startswith("postgresql") else sqlite_insert
        stmt = insert(PtbData).values(key=key, value=json.dumps(value, default=str))
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"], set_={"value": stmt.excluded.value}
        )
        async with self.db.transaction() as session:
            await session.exec(stmt)

    async def _drop(self, key: str) -> None:
        async with self.db.transaction() as session:
            await session.exec(delete(PtbData).where(col(PtbData.key) == key))

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
        await self._put(f"{_USER}{user_id}", deepcopy(data))

    async def drop_user_data(self, user_id: int) -> None:
        await self._drop(f"{_USER}{user_id}")

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        """Nothing to refresh: this process is the only writer of its users' dialog data."""

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
