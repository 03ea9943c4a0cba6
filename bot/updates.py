"""Different users' updates side by side, one user's strictly in the order they arrived.

With PTB's default (one update at a time) a slow upload or a busy database holds every other
user; with plain concurrency a document followed at once by /selesai could finish the step with
the earlier draft, and a ConversationHandler could see one user's answers out of order. Here
each user has a lock: their updates wait for each other, nobody else's do.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot import logs
from bot.inbox import Inbox
from storage.db import handling

log = logging.getLogger(__name__)

# Updates in flight at once, across users; a user's queued updates count too.
MAX_CONCURRENT_UPDATES = 512


@dataclass
class _Afterwards:
    calls: list[Callable[[], None]] = field(default_factory=list)
    done: bool = False


_afterwards: ContextVar[_Afterwards | None] = ContextVar("kinerja_afterwards", default=None)


def after_update(call: Callable[[], None]) -> None:
    """Run `call` once the update being processed is handled, or at once outside one (or when
    the update is already done, for a `block=False` handler). Waking the outbox sender this way
    lets the acting user read their own confirmation before the notices it caused."""
    pending = _afterwards.get()
    if pending is None or pending.done:
        call()
    else:
        pending.calls.append(call)


def _sender(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_user is not None:
        return update.effective_user.id
    return None


class PerUserOrder(BaseUpdateProcessor):
    """A lock per user id, dropped when none of that user's updates is waiting."""

    def __init__(
        self,
        max_concurrent_updates: int = MAX_CONCURRENT_UPDATES,
        shared_lock: Callable[[int], AbstractAsyncContextManager[None]] | None = None,
        on_handled: Callable[[], None] | None = None,
        inbox: Inbox | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._pending: dict[int, int] = {}
        # With several processes, the user's lock in the database as well (storage.db.user_lock).
        self._shared_lock = shared_lock
        self._on_handled = on_handled
        self._inbox = inbox  # polling mode (bot/inbox.py)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Every log line of the update carries its ids (bot/logs.py), the last one says how long
        it took (waiting for the user's earlier updates included); `on_handled` counts it. Its
        units of work record the update (storage.db.handling): delivered again after a crash,
        it does nothing twice."""
        if self._inbox is not None and not self._inbox.admit(update):
            coroutine.close()  # Telegram's second copy of an update handled already
            return
        user = _sender(update)
        update_id = getattr(update, "update_id", None)
        started = time.monotonic()
        pending = _Afterwards()
        token = _afterwards.set(pending)
        units = handling(update_id) if update_id is not None else nullcontext()
        with logs.update_context(update_id, user), units:
            try:
                await self._in_order(user, update_id, coroutine)
            finally:
                pending.done = True
                _afterwards.reset(token)
                for call in pending.calls:
                    call()
                log.info("update handled in %.0f ms", (time.monotonic() - started) * 1000)
                if self._on_handled is not None:
                    self._on_handled()

    async def _in_order(
        self, user: int | None, update_id: int | None, coroutine: Awaitable[Any]
    ) -> None:
        if user is None:
            await self._handled(update_id, coroutine)
            return
        lock = self._locks.setdefault(user, asyncio.Lock())
        self._pending[user] = self._pending.get(user, 0) + 1
        try:
            async with lock:
                if self._shared_lock is None:
                    await self._handled(update_id, coroutine)
                else:
                    async with self._shared_lock(user):
                        await self._handled(update_id, coroutine)
        finally:
            self._pending[user] -= 1
            if not self._pending[user]:
                del self._pending[user], self._locks[user]

    async def _handled(self, update_id: int | None, coroutine: Awaitable[Any]) -> None:
        """The update, then its kept copy dropped (polling): under the user's lock, so on
        PostgreSQL in the statement that lets the lock go. Not after a failure: the next
        process tries it."""
        await coroutine
        if self._inbox is not None and update_id is not None:
            await self._inbox.done(update_id)

    def busy_users(self) -> list[int]:
        """The users with an update in hand or waiting here (a private chat's id is its user's)."""
        return list(self._pending)

    async def initialize(self) -> None:
        """Nothing to allocate: locks are made on demand."""

    async def shutdown(self) -> None:
        """Nothing to free: a lock lives only while its user has updates in flight."""
