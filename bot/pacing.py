"""One clock per private chat for everything this process sends there.

Telegram allows about one message a second in a chat. The outbox sender kept that pace for its
notices, but a reply to the user who acted went out beside it: a user asking /tugas while their
reminders were going out could get a reply and a notice within the same second, and one of them
a 429. Here both take turns: one message to a chat at a time, the next a full interval after
Telegram answered the previous (Telegram counts when a request arrives, and a request held up on
our side would otherwise arrive too close to the next one).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from telegram.ext import AIORateLimiter

# Methods that put a new message in a chat. Edits answer the user's own press and are not
# held back a second behind it.
SENDING = frozenset(
    {"sendMessage", "sendDocument", "sendPhoto", "sendMediaGroup", "copyMessage", "forwardMessage"}
)
# Past this many chats remembered, those whose interval is over are forgotten.
PRUNE_AT = 1000
# The overall rate is kept below Telegram's and evenly: at exactly the limit, a request held up
# on its way (a busy machine) arrives together with the next one, and one of them gets a 429.
HEADROOM = 0.95
LONGEST_BURST = 0.1  # seconds' worth of the rate that may leave at once

# The chat whose turn this task holds: its own sends inside the turn do not queue again.
_holding: ContextVar[int | None] = ContextVar("kinerja_chat_turn", default=None)


class ChatPacing:
    """Turns per chat, shared by the outbox sender and the replies (`PacedRateLimiter`)."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._locks: dict[int, asyncio.Lock] = {}
        self._next: dict[int, float] = {}

    @asynccontextmanager
    async def turn(self, chat_id: int) -> AsyncIterator[None]:
        """Wait for this chat's turn, send inside it; the next turn starts an interval later.
        With no interval (limits lifted) only a 429's wait holds the chat back."""
        if _holding.get() == chat_id:
            yield
            return
        if self.interval <= 0:
            await self._until_free(chat_id)
            yield
            return
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        async with lock:
            await self._until_free(chat_id)
            token = _holding.set(chat_id)
            try:
                yield
            finally:
                _holding.reset(token)
                self.hold(chat_id, self.interval)
        if len(self._locks) > PRUNE_AT:
            self._prune()

    async def _until_free(self, chat_id: int) -> None:
        wait = self._next.get(chat_id, 0.0) - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)

    def hold(self, chat_id: int, seconds: float) -> None:
        """Nothing goes to this chat for `seconds` from now (an interval, or a 429's wait)."""
        until = time.monotonic() + seconds
        self._next[chat_id] = max(self._next.get(chat_id, 0.0), until)

    def _prune(self) -> None:
        now = time.monotonic()
        for chat_id in [c for c, t in self._next.items() if t <= now]:
            lock = self._locks.get(chat_id)
            if lock is None or not lock.locked():
                self._locks.pop(chat_id, None)
                del self._next[chat_id]


def overall_limit(rate: float) -> tuple[float, float]:
    """`(max_rate, time_period)` for an `aiolimiter.AsyncLimiter` that keeps `rate` per second
    (Telegram's overall limit) with headroom and in small bursts; never less than one request
    per period, which aiolimiter needs."""
    per_second = rate * HEADROOM
    period = max(LONGEST_BURST, 1 / per_second)
    return per_second * period, period


class PacedRateLimiter(AIORateLimiter):
    """PTB's limiter (overall rate, groups) plus this process's turns for private chats."""

    def __init__(self, pacing: ChatPacing, rate: float, **kwargs: Any) -> None:
        max_rate, period = overall_limit(rate)
        super().__init__(overall_max_rate=max_rate, overall_time_period=period, **kwargs)
        self.pacing = pacing

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        chat_id = data.get("chat_id")
        if endpoint not in SENDING or not isinstance(chat_id, int) or chat_id < 0:
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        async with self.pacing.turn(chat_id):
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
