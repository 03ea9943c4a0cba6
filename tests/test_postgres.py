"""The same code on PostgreSQL: the whole period, and two senders claiming side by side."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlmodel import select

from core import outbox
from storage.db import DEFAULT_CONNECTIONS, Database, updates_in_flight
from storage.models import Outbox
from tests import test_cycle_e2e
from tests.conftest import OPD1, Bot, Clock

TERMINATE_OTHERS = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


async def test_whole_period_on_postgresql(tg, bot_pg: Bot, clock: Clock):
    await test_cycle_e2e.test_whole_period_with_one_rejection_round(tg, bot_pg, clock)


async def test_two_claimers_never_take_the_same_row(bot_pg: Bot, clock: Clock):
    """FOR UPDATE SKIP LOCKED: two processes' senders split the rows, none is taken twice."""
    db = bot_pg.office.db
    # Stop this bot's own sender from taking the rows.
    await bot_pg.app.bot_data["sender"].stop()
    async with db.transaction(OPD1) as session:
        for i in range(200):
            await outbox.enqueue(
                session, key=f"uji:{i}", chat_id=1, kind="error", payload={}, now=clock()
            )

    async def claim_all() -> list[int]:
        taken: list[int] = []
        while True:
            async with db.transaction(OPD1) as session:
                rows = await outbox.claim(session, clock(), 7)
            if not rows:
                return taken
            taken += [r.id for r in rows]
            await asyncio.sleep(0)

    first, second = await asyncio.gather(claim_all(), claim_all())
    assert not set(first) & set(second)
    assert len(first) + len(second) == 200
    async with db.session(OPD1) as session:
        statuses = {r.status for r in (await session.exec(select(Outbox))).all()}
    assert statuses == {"diklaim"}


async def test_connections_the_server_closed_are_replaced(pg_url: str):
    """A PostgreSQL restart closes every pooled connection: the next reads and units of work
    run on new ones, no update fails for it."""
    db = Database(pg_url, connections=6)
    try:
        async with db.session() as a, db.session() as b:  # two connections into the pool
            await a.exec(text("SELECT 1"))
            await b.exec(text("SELECT 1"))
        async with db.session() as admin:
            await admin.exec(text(TERMINATE_OTHERS))
        await asyncio.sleep(0.2)  # the closes arrive as the server sends them
        for _ in range(3):
            async with db.session() as session:
                assert (await session.exec(text("SELECT 1"))).one() == (1,)
            async with db.transaction() as session:
                await session.exec(text("SELECT 1"))
    finally:
        await db.dispose()


def test_database_connections_bound_the_pool_and_the_updates_in_flight():
    """Each update in flight takes two connections: the pool holds them plus a few spare."""
    db = Database("postgresql+psycopg://kinerja@127.0.0.1:5432/kinerja", connections=12)
    assert db.engine.pool.size() + db.engine.pool._max_overflow == 12
    assert updates_in_flight(12) == 4 and updates_in_flight(DEFAULT_CONNECTIONS) == 8
    assert updates_in_flight(5) == 1
