"""One clock per private chat for everything this process sends there, and the overall rate
shared out: replies first, then the outbox's OPD in turn (`Lanes`).

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
from collections import OrderedDict, deque
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
# Set while the outbox sender sends: it took its place in `Lanes` already.
_counted: ContextVar[bool] = ContextVar("kinerja_rate_counted", default=False)


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


class Lanes:
    """The overall rate (Telegram's 30 messages a second) shared by everything this process
    sends. A reply to the user who acted takes the next free slot; the outbox's messages wait
    in one lane per OPD, served in turn, so one OPD's broadcast of thousands of rows holds
    another OPD's reminders back by one message per turn, not by its whole backlog."""

    def __init__(self, rate: float) -> None:
        per_second = rate * HEADROOM
        self.interval = 1 / per_second if rate > 0 else 0.0
        self.burst = max(1.0, per_second * LONGEST_BURST)
        self._tokens = self.burst
        self._stamp = time.monotonic()
        self._replies: deque[asyncio.Future] = deque()
        self._lanes: OrderedDict[int, deque[asyncio.Future]] = OrderedDict()
        self._waker: asyncio.Task | None = None

    async def acquire(self, lane: int | None = None) -> None:
        """Wait for a slot: `lane` None for a reply, else the OPD of an outbox message."""
        if not self.interval:
            return
        self._refill()
        if not (self._replies or self._lanes) and self._tokens >= 1:
            self._tokens -= 1
            return
        waiter = asyncio.get_running_loop().create_future()
        queue = self._replies if lane is None else self._lanes.setdefault(lane, deque())
        queue.append(waiter)
        if self._waker is None or self._waker.done():
            self._waker = asyncio.create_task(self._hand_out())
        await waiter  # a cancelled waiter is skipped by _next

    @asynccontextmanager
    async def outbox_turn(self, opd_id: int) -> AsyncIterator[None]:
        """A slot in the OPD's lane for one outbox send: the bot's rate limiter, which the
        send passes through, does not count it a second time."""
        await self.acquire(opd_id)
        token = _counted.set(True)
        try:
            yield
        finally:
            _counted.reset(token)

    def _refill(self) -> None:
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) / self.interval)
        self._stamp = now

    def _next(self) -> asyncio.Future | None:
        """The reply waiting longest, else the head of the next OPD's lane (round robin)."""
        while self._replies:
            waiter = self._replies.popleft()
            if not waiter.done():
                return waiter
        while self._lanes:
            lane, queue = next(iter(self._lanes.items()))
            waiter = queue.popleft()
            if queue:
                self._lanes.move_to_end(lane)
            else:
                del self._lanes[lane]
            if not waiter.done():
                return waiter
        return None

    async def _hand_out(self) -> None:
        while self._replies or self._lanes:
            self._refill()
            if self._tokens < 1:
                await asyncio.sleep((1 - self._tokens) * self.interval)
                continue
            waiter = self._next()
            if waiter is not None:
                self._tokens -= 1
                waiter.set_result(None)


class PacedRateLimiter(AIORateLimiter):
    """PTB's limiter for groups, this process's `Lanes` for the overall rate (a reply ahead of
    any queued outbox message) and its turns for private chats."""

    def __init__(self, pacing: ChatPacing, lanes: Lanes) -> None:
        # No retries: a 429 goes back to the sender, which holds that chat (bot/sender.py).
        super().__init__(overall_max_rate=0, max_retries=0)
        self.pacing, self.lanes = pacing, lanes

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
            await self._overall(chat_id)
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        async with self.pacing.turn(chat_id):
            await self._overall(chat_id)
            # PTB's limiter adds nothing to a private chat here (no overall rate, no retries),
            # only its layers around every reply.
            return await callback(*args, **kwargs)

    async def _overall(self, chat_id: object) -> None:
        """A slot of the overall rate for a call to a chat (as PTB's overall limit counts),
        taken inside the chat's turn so no slot idles while the chat waits its second."""
        if chat_id is not None and not _counted.get():
            await self.lanes.acquire()
