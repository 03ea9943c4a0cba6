"""Polling mode loses no update to a killed process (bot/inbox.py): an update in hand is kept
in the database before PTB confirms it to Telegram, and the next process handles it."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlmodel import select
from telegram import Update
from telegram.error import NetworkError

from bot.inbox import MAX_AGE, MAX_ATTEMPTS, Inbox
from fakeapi import FakeTelegram
from storage.db import Database
from storage.models import InboxUpdate
from tests.conftest import migrate
from tests.test_rekap_restart import at_recap, kill_mid_recap, stored
from tests.test_restart import BotProcess, wait_for


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
async def test_an_update_in_hand_when_the_poller_is_killed_is_handled_by_the_next(
    tg: FakeTelegram, tmp_path: Path, database: str, request
):
    """/rekap killed mid-build in polling mode, once PTB confirmed it to Telegram with its next
    poll: only the kept copy brings it to the next process, which builds the recap."""
    url = request.getfixturevalue("pg_url") if database == "postgresql" else None
    office = await at_recap(tmp_path, url)
    proc = BotProcess(tg, tmp_path / "data")
    if url:
        proc.env["DATABASE_URL"] = url
    try:
        await kill_mid_recap(tg, proc, office, confirmed=True)
        proc.start()
        await wait_for(lambda: stored(office), timeout=60)
        await wait_for(lambda: _kept(office.db, 0), timeout=10)
        assert "handled now" in proc.log.read_text()
    finally:
        proc.stop()
        await office.db.dispose()


async def _kept(db: Database, n: int) -> bool:
    async with db.session(across=True) as session:
        return len((await session.exec(select(InboxUpdate))).all()) == n


def _raw(update_id: int) -> dict:
    """An update as Telegram sends it."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": 7, "type": "private"},
            "from": {"id": 7, "is_bot": False, "first_name": "Ani"},
            "text": "/tugas",
        },
    }


async def test_a_kept_update_is_handled_once_and_given_up_after_killing_every_start(
    tmp_path: Path,
):
    url = f"sqlite:///{tmp_path}/i.db"
    await migrate(url)
    db = Database(url)
    try:
        first = Inbox(db)
        first.fetched([_raw(10), _raw(11)])
        await first.before_poll()
        await first.done(10)
        assert await _kept(db, 1)
        # Handled before its keeping was over: no row is left behind for the next process.
        first.fetched([_raw(9)])
        await first.done(9)
        await first.finish()
        assert await _kept(db, 1)

        # The next process: update 11 from the database, then Telegram's copy of it (the dead
        # process had not confirmed it) is not handled a second time; 12 is new.
        app = SimpleNamespace(update_queue=asyncio.Queue(), bot=None)
        second = Inbox(db)
        await second.replay(app)
        replayed = app.update_queue.get_nowait()
        assert replayed.update_id == 11 and app.update_queue.empty()
        second.fetched([_raw(11), _raw(12)])
        await second.before_poll()
        again, new = Update.de_json(_raw(11), None), Update.de_json(_raw(12), None)
        assert second.admit(replayed) and second.admit(new)
        assert not second.admit(again)
        await second.done(11)
        await second.done(12)
        assert await _kept(db, 0)

        # One that kills every process handling it is given up after MAX_ATTEMPTS starts.
        second.fetched([_raw(13)])
        await second.before_poll()
        for _ in range(MAX_ATTEMPTS):
            app = SimpleNamespace(update_queue=asyncio.Queue(), bot=None)
            await Inbox(db).replay(app)
            assert app.update_queue.get_nowait().update_id == 13
        app = SimpleNamespace(update_queue=asyncio.Queue(), bot=None)
        await Inbox(db).replay(app)
        assert app.update_queue.empty() and await _kept(db, 0)
    finally:
        await db.dispose()


async def test_an_update_kept_longer_than_telegram_keeps_one_is_not_handled(tmp_path: Path):
    """Found after the bot was down for days (or ran in webhook mode meanwhile), an update in
    hand belongs to another day: its /setuju or its button is not acted on now."""
    url = f"sqlite:///{tmp_path}/old.db"
    await migrate(url)
    db = Database(url)
    try:
        now = datetime.now(timezone.utc)
        async with db.transaction(across=True) as session:
            for update_id, age in ((30, MAX_AGE + timedelta(minutes=1)), (31, timedelta(hours=2))):
                body = json.dumps(_raw(update_id))
                session.add(InboxUpdate(update_id=update_id, body=body, kept_at=now - age))
        app = SimpleNamespace(update_queue=asyncio.Queue(), bot=None)
        await Inbox(db).replay(app)
        assert app.update_queue.get_nowait().update_id == 31 and app.update_queue.empty()
        async with db.session(across=True) as session:
            assert (await session.exec(select(InboxUpdate.update_id))).all() == [31]
    finally:
        await db.dispose()


async def test_a_poll_whose_updates_cannot_be_kept_is_made_again(tmp_path: Path):
    """With the database gone, the poll fails as a network error does: PTB asks again with the
    same offset, so nothing unkept is confirmed."""
    url = f"sqlite:///{tmp_path}/gone.db"
    db = Database(url)  # never migrated: no inbox table
    try:
        kept = Inbox(db)
        kept.fetched([_raw(20)])
        with pytest.raises(NetworkError):
            await kept.before_poll()
        with pytest.raises(NetworkError):  # the next try too: the update is still unkept
            await kept.before_poll()
    finally:
        await db.dispose()
