"""Dialog state is written only when it changes (SQLite, one process): a read command writes
nothing once its user's state is stored, while a dialog's step still reaches the database.
And it is read per user, at their first update, not for every user at start."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import asyncpg
from sqlalchemy import event
from sqlmodel import select

from bot.app import make_office
from fakeapi import FakeTelegram
from storage.models import PtbData
from tests.conftest import OPD1, Bot, Clock, make_settings, migrate, running_bot


async def test_read_commands_write_no_dialog_state_and_a_dialog_step_does(
    tg: FakeTelegram, bot: Bot, monkeypatch
):
    writes: list[list] = []
    inbox: list[str] = []
    db = bot.office.db
    unit = db.sqlite_unit

    async def recorded(statements: list) -> None:
        # Polling keeps each update until it is handled (bot/inbox.py): those writes apart.
        kept = [(sql, rows) for sql, rows in statements if rows and "inboxupdate" in sql]
        inbox.extend(sql.split()[0] for sql, _ in kept)
        written = [(sql, rows) for sql, rows in statements if rows and "inboxupdate" not in sql]
        if written:
            writes.append(written)
        await unit(statements)

    monkeypatch.setattr(db, "sqlite_unit", recorded)
    dedi = tg.user(5001, "Dedi")
    await dedi.send("/tugas")
    await dedi.next_message()
    await dedi.send("/bantuan")
    await dedi.next_message()
    await dedi.expect_silence(0.3)
    first = len(writes)
    inbox.clear()
    for command in ("/tugas", "/bantuan", "/tugas"):
        await dedi.send(command)
        await dedi.next_message()
    await dedi.expect_silence(0.3)
    assert len(writes) == first  # the same empty state: nothing written again
    assert inbox == ["INSERT", "DELETE"] * 3  # each update kept when fetched, dropped when handled

    await dedi.send("/daftar")
    await dedi.expect("nama lengkap")
    await dedi.expect_silence(0.3)  # the state write follows the reply
    assert len(writes) > first
    async with db.session(OPD1) as session:
        keys = [r.key for r in (await session.exec(select(PtbData))).all()]
    assert any(k.startswith("conv:") and "5001" in k for k in keys), keys


async def test_start_reads_no_dialog_data_and_a_user_gets_theirs_at_their_first_update(
    tg: FakeTelegram, tmp_path: Path, clock: Clock
):
    settings = make_settings(tg, tmp_path / "data")
    await migrate(settings.database_url)
    office = make_office(settings)
    stored = {"dialog": "lapor", "ind": 7}
    async with office.db.transaction(OPD1) as session:
        session.add(PtbData(key="user:5001", value=json.dumps(stored)))
        session.add_all(PtbData(key=f"user:{9000 + i}", value="{}") for i in range(50))
    await office.db.dispose()

    async with running_bot(settings, clock) as (app, _office):
        assert dict(app.user_data) == {}  # nobody's dialog data read at start
        dedi = tg.user(5001, "Dedi")
        await dedi.send("/bantuan")
        await dedi.next_message()
        assert app.user_data[5001] == stored
        assert set(app.user_data) == {5001}


async def test_on_postgresql_an_update_reads_and_writes_its_dialogs_on_its_lock_connection(
    tg: FakeTelegram, bot_pg: Bot, monkeypatch
):
    """Several processes: every update takes its user's lock on a connection of its own with
    the read of that user's dialog state and handled mark, and lets it go with their write and
    the drop of the update's kept copy: two statements straight on asyncpg, instead of six, two
    more connections and a transaction; a dialog that ends is removed by that same write. A
    task started by an update never gets the lock, which goes back to the pool when the update
    ends."""
    db = bot_pg.office.db
    # Only the updates take connections here: no notices to send, no scan.
    await bot_pg.app.bot_data["sender"].stop()
    bot_pg.app.job_queue.scheduler.pause()
    checkouts: list[int] = []
    event.listen(db.engine.sync_engine, "checkout", lambda *_: checkouts.append(1))
    # Statements sent on asyncpg's own calls (SQLAlchemy's go through prepared statements;
    # asyncpg's transactions send BEGIN and COMMIT this way).
    calls: list[tuple[int, str]] = []
    for name in ("execute", "fetch"):
        original = getattr(asyncpg.Connection, name)

        async def recorded(conn, query, *args, _original=original, **kw):
            calls.append((id(conn), " ".join(query.split()[:2]).split("(")[0]))
            return await _original(conn, query, *args, **kw)

        monkeypatch.setattr(asyncpg.Connection, name, recorded)
    dedi = tg.user(5001, "Dedi")
    await dedi.send("/bantuan")
    await dedi.next_message()
    await dedi.expect_silence(0.3)  # the handled mark is written after the reply
    checkouts.clear()
    calls.clear()
    await dedi.send("/bantuan")
    await dedi.next_message()
    await dedi.expect_silence(0.3)
    # The poll's keeping of the update (polling mode, bot/inbox.py), the lock's connection and
    # the session of the command's own reads: nothing for dialogs.
    assert len(checkouts) == 1 + 1 + 1, checkouts
    assert [q for _, q in calls].count("INSERT INTO") == 1
    # The lock taken with the read; let go with the write and the kept copy's drop.
    lock_and_dialogs = ["SELECT key,", "WITH held"]
    assert on_lock_connection(calls) == lock_and_dialogs
    async with db.session(OPD1) as session:
        rows = {r.key: json.loads(r.value) for r in (await session.exec(select(PtbData))).all()}
    assert len(rows["seen:5001"]) == 2  # both updates marked handled

    await dedi.send("/daftar")
    await dedi.expect("nama lengkap")
    await dedi.expect_silence(0.3)
    async with db.session(OPD1) as session:
        keys = [r.key for r in (await session.exec(select(PtbData))).all()]
    assert any(k.startswith("conv:") and "5001" in k for k in keys), keys
    calls.clear()
    await dedi.send("/batal")
    await dedi.next_message()
    await dedi.expect_silence(0.3)
    # The ended dialog goes in the same write.
    assert on_lock_connection(calls) == lock_and_dialogs
    async with db.session(OPD1) as session:
        keys = [r.key for r in (await session.exec(select(PtbData))).all()]
    assert not any(k.startswith("conv:") and "5001" in k for k in keys), keys

    async with db.user_lock(5001):
        assert db.held_lock() is not None
        assert await asyncio.create_task(_held_lock_of(db)) is None
    assert db.held_lock() is None


def on_lock_connection(calls: list[tuple[int, str]]) -> list[str]:
    """The statements sent on the connection that took a user's lock (one update's here)."""
    locking = {conn for conn, query in calls if query == "SELECT key,"}
    assert len(locking) == 1, calls
    return [query for conn, query in calls if conn in locking]


async def _held_lock_of(db):
    return db.held_lock()


async def test_on_postgresql_a_late_write_from_this_process_never_undoes_another_process(
    tg: FakeTelegram, bot_pg: Bot
):
    """PTB writes a dialog's state at the next update of anyone in its process, or at its
    timer, from that process's memory. With several processes the user may have gone on
    elsewhere by then: here another process ended Dedi's /daftar (/batal there), and this
    process's late write of the state it knew must not bring the dialog back."""
    app, db = bot_pg.app, bot_pg.office.db
    dedi = tg.user(5001, "Dedi")
    await dedi.send("/daftar")
    await dedi.expect("nama lengkap")
    await dedi.expect_silence(0.3)  # the state is written after the reply
    async with db.session(OPD1) as session:
        stored = (await session.exec(select(PtbData).where(PtbData.key.startswith("conv:")))).one()
    async with db.transaction(OPD1) as session:
        await session.delete(await session.get(PtbData, stored.key))  # the other process

    daftar = next(h for h in app.handlers[0] if getattr(h, "name", None) == "daftar")
    key = (5001, 5001)
    daftar._conversations[key] = daftar._conversations[key]  # as PTB's handler leaves it
    await app.update_persistence()
    async with db.session(OPD1) as session:
        assert await session.get(PtbData, stored.key) is None

    await dedi.send("Dedi Saputra")  # no dialog any more: not taken as the name
    await dedi.expect("belum terdaftar")  # the stranger's welcome, not "Ketik NIP Anda"
