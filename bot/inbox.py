"""Polling mode loses no update to a killed process.

PTB confirms the updates it fetched when it asks Telegram for the next ones, handled or not, so
the updates in hand when the process is killed were never delivered again. Now each fetched
update is kept in the database while PTB handles it, and before the next poll confirms it
(`KinerjaBot._post`), and dropped once handled (`PerUserOrder`); the next process handles what
is left first. A unit of work the dead process committed is not done again
(storage.db.handling). Webhook mode needs none of this: Telegram delivers an update again
until the bot answered 200 after handling it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from telegram import Update
from telegram.error import NetworkError
from telegram.ext import Application

from storage import inbox
from storage.db import Database

log = logging.getLogger(__name__)

# Starts that found an update still in hand: one that kills its process every time (a crash
# in its handling) is given up after this many, or it would stop the bot for good.
MAX_ATTEMPTS = 3
# An update kept longer than Telegram keeps one is not handled: found after the bot was down
# that long, or run in webhook mode meanwhile, its buttons and answers belong to another day.
MAX_AGE = timedelta(days=1)


class Inbox:
    """One polling process's kept updates (see the module's docstring)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._replayed: set[int] = set()  # ids handled again from the database at start
        self._ours: set[int] = set()  # those updates' objects (by id) until handled
        # Of those, the ids Telegram delivered again: a process killed before confirming them
        # leaves them in both places, and its copy is not handled a second time.
        self._again: set[int] = set()
        self._unkept: list[tuple[int, str]] = []  # fetched, not yet in the database
        self._keeping: asyncio.Task | None = None

    def fetched(self, updates: Sequence[dict[str, Any]]) -> None:
        """Telegram's answer: PTB handles its updates at once while they are kept; the next
        poll, which confirms them, waits for that (`before_poll`)."""
        for update in updates:
            update_id = update["update_id"]
            if update_id in self._replayed:
                self._replayed.discard(update_id)
                self._again.add(update_id)
            else:
                self._unkept.append((update_id, json.dumps(update, separators=(",", ":"))))
        if self._unkept and self._keeping is None:
            self._keeping = asyncio.create_task(self._keep())

    async def _keep(self) -> None:
        rows, self._unkept = self._unkept, []
        try:
            await inbox.keep(self.db, rows, datetime.now(timezone.utc))
        except Exception:
            self._unkept[:0] = rows
            raise

    async def _settled(self) -> None:
        """The keeping under way, finished (its failure leaves its rows unkept)."""
        keeping, self._keeping = self._keeping, None
        if keeping is not None:
            with contextlib.suppress(Exception):
                await keeping

    async def before_poll(self) -> None:
        """Before a poll confirms the updates of the last one: kept, or the poll fails and is
        made again (PTB retries a Telegram error with the same offset)."""
        await self._settled()
        if not self._unkept:
            return
        try:
            await self._keep()
        except Exception as exc:
            log.exception("could not keep %d fetched updates", len(self._unkept))
            raise NetworkError("updates not kept in the database") from exc

    async def finish(self) -> None:
        """At stop: the last keeping done, before the database closes."""
        await self._settled()

    async def replay(self, app: Application) -> None:
        """At start, before polling: the updates a dead process had in hand, in their order."""
        since = datetime.now(timezone.utc) - MAX_AGE
        bodies, given_up = await inbox.take_held(self.db, MAX_ATTEMPTS, since)
        for update_id in given_up:
            log.error(
                "update %s given up: kept before %s or %d starts stopped in it",
                update_id,
                since.isoformat(timespec="seconds"),
                MAX_ATTEMPTS,
            )
        for body in bodies:
            update = Update.de_json(json.loads(body), app.bot)
            self._replayed.add(update.update_id)
            self._ours.add(id(update))
            await app.update_queue.put(update)
        if bodies:
            log.warning(
                "%d updates in hand when the last process stopped: handled now", len(bodies)
            )

    def admit(self, update: object) -> bool:
        """False for Telegram's second copy of an update handled from the database."""
        if id(update) in self._ours:
            self._ours.discard(id(update))
            return True
        update_id = getattr(update, "update_id", None)
        if update_id in self._again:
            self._again.discard(update_id)
            return False
        return True

    async def done(self, update_id: int) -> None:
        """Handled: its kept copy dropped, once the keeping of it is over (a row kept after
        its drop would be handled again by the next process)."""
        keeping = self._keeping
        if keeping is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(keeping)
        for i, (unkept_id, _) in enumerate(self._unkept):
            if unkept_id == update_id:
                del self._unkept[i]
                return
        await inbox.drop(self.db, update_id)
