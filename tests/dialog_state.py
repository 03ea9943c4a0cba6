"""A dialog as a process that died right after answering leaves it on PostgreSQL: the stored
state from before that answer, which the next process reads when the update comes again."""

from __future__ import annotations

from sqlmodel import col, select

from storage.models import PtbData
from tests.conftest import OPD1, Bot
from tests.test_restart import wait_for


def _keys(user_id: int, name: str) -> list[str]:
    return [f"conv:{name}:[{user_id}, {user_id}]", f"user:{user_id}"]


async def saved_at(bot: Bot, user_id: int, name: str, state: int) -> list[PtbData]:
    """The dialog's rows once `state` is stored (written right after the bot's answer)."""
    rows: list[PtbData] = []

    async def stored() -> bool:
        async with bot.office.db.session(OPD1) as session:
            found = await session.exec(
                select(PtbData).where(col(PtbData.key).in_(_keys(user_id, name)))
            )
            rows[:] = [PtbData(key=r.key, value=r.value) for r in found]
        return {r.key: r.value for r in rows}.get(_keys(user_id, name)[0]) == str(state)

    await wait_for(stored)
    return rows


async def ended(bot: Bot, user_id: int, name: str) -> bool:
    async with bot.office.db.session(OPD1) as session:
        return await session.get(PtbData, _keys(user_id, name)[0]) is None


async def put_back(bot: Bot, rows: list[PtbData], user_id: int, name: str) -> None:
    """Once the dialog's end is stored, the rows from before it again, as if the process that
    answered had died before saving; the bot forgets the presses it saw (another process)."""
    await wait_for(lambda: ended(bot, user_id, name))
    async with bot.office.db.transaction(OPD1) as session:
        for row in rows:
            await session.merge(row)
    bot.app.bot_data.get("presses", {}).clear()
