"""Token buckets for the fake server's flood limits."""

from __future__ import annotations

import math
import time
from collections.abc import Callable


class TokenBucket:
    """`capacity` tokens, refilled continuously at `rate` tokens per second."""

    def __init__(
        self, rate: float, capacity: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or capacity <= 0:
            raise ValueError("rate and capacity must be positive")
        self.rate = rate
        self.capacity = capacity
        self._clock = clock
        self._tokens = capacity
        self._stamp = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def wait_time(self) -> float:
        """Seconds until one token is available (0 if one is available now)."""
        self._refill()
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate

    def take(self) -> None:
        self._refill()
        self._tokens -= 1


class FloodControl:
    """An overall bucket (one second's worth, burst = rate) and one bucket per chat (burst 1)."""

    def __init__(
        self,
        global_rate: float | None,
        per_chat_rate: float | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._global = (
            TokenBucket(global_rate, max(global_rate, 1.0), clock) if global_rate else None
        )
        self._per_chat_rate = per_chat_rate
        self._chats: dict[int, TokenBucket] = {}

    @property
    def active(self) -> bool:
        return self._global is not None or self._per_chat_rate is not None

    def acquire(self, chat_id: int | None) -> int:
        """Take a token from every applicable bucket, or take none and return retry_after (s)."""
        buckets = [self._global] if self._global else []
        if self._per_chat_rate and chat_id is not None:
            bucket = self._chats.get(chat_id)
            if bucket is None:
                bucket = self._chats[chat_id] = TokenBucket(self._per_chat_rate, 1, self._clock)
            buckets.append(bucket)
        wait = max((b.wait_time() for b in buckets), default=0.0)
        if wait > 0:
            return max(1, math.ceil(wait))
        for bucket in buckets:
            bucket.take()
        return 0
