"""The one task that delivers the outbox: 1 message per second per chat, an overall rate,
429s waited out for that chat only, blocked users recorded and never retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from datetime import timedelta

from telegram import InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot import keyboards, messages
from bot.metrics import Metrics
from bot.pacing import ChatPacing, Lanes
from bot.telegram_bot import KinerjaBot
from core import outbox, users
from core.office import Office
from core.outbox import Message
from core.recap import CHART_KIND
from core.text import html_pages

log = logging.getLogger(__name__)

MARK_EVERY = 0.1
TEXT_LIMIT = 4096


def _unit(documents: list[int], texts: int, *, has_buttons: bool) -> list[tuple[str, int]]:
    """The parts of one outbox row in sending order (`progress` counts them): the text's pieces
    (by index) and the documents (by id). A message with buttons goes last, so nobody acts
    before every document arrived; a plain notice first."""
    docs = [("doc", d) for d in documents]
    pieces = [("text", n) for n in range(texts)]
    return [*docs, *pieces] if has_buttons else [*pieces, *docs]


class Sender:
    def __init__(
        self,
        office: Office,
        bot: KinerjaBot,
        *,
        rate: float = 30.0,
        per_chat_interval: float = 1.0,
        pacing: ChatPacing | None = None,
        lanes: Lanes | None = None,
        batch: int = 500,
        on_blocked: Callable[[int], Awaitable[object]] | None = None,
        metrics: Metrics | None = None,
        busy: Callable[[], Collection[int]] = tuple,
    ) -> None:
        self.office, self.bot = office, bot
        # The chats with an update in hand in this process (bot/updates.py): their notices
        # wait for its end, when the sender is woken (`after_update`), not for its next tick.
        self.busy = busy
        # Tests and benchmarks that build a Sender alone count into a registry of their own.
        self.metrics = metrics or Metrics()
        # The overall rate, shared with the replies in the bot (which go first) and between
        # the OPD (in turn); a Sender built alone keeps its own.
        self.lanes = lanes or Lanes(rate)
        # Shared with the replies' rate limiter in the bot (bot/pacing.py); a Sender built alone
        # paces its own notices.
        self.pacing = pacing or ChatPacing(per_chat_interval)
        self.batch = batch
        self.on_blocked = on_blocked
        self._wake = asyncio.Event()
        self._queues: dict[int, asyncio.Queue[Message]] = {}
        self._workers: dict[int, asyncio.Task] = {}
        self._inflight = 0
        # Rows this process claimed and has not yet marked: never claimed a second time here,
        # however long a 429 or a slow upload keeps them (the claim would look stale).
        self._held: set[int] = set()
        self._stopped = False
        # Delivered rows waiting for their 'terkirim' mark, written together every MARK_EVERY s.
        self._sent: list[int] = []
        self._flusher: asyncio.Task | None = None

    def kick(self) -> None:
        """Called after a commit that wrote outbox rows, so they go out without waiting a tick."""
        self._wake.set()

    async def run(self) -> None:
        self._flusher = asyncio.create_task(self._flush_loop())
        if self.office.db.is_sqlite:
            async with self.office.db.transaction(across=True) as session:
                released = await outbox.release_claims(session)
            if released:
                log.warning("%d pesan outbox dari proses sebelumnya dikirim ulang", released)
        while not self._stopped:
            try:
                claimed = await self._claim()
            except Exception:
                log.exception("outbox claim failed")
                claimed = 0
            if not claimed:
                self._wake.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=1.0)

    async def stop(self) -> None:
        self._stopped = True
        self._wake.set()
        for task in self._workers.values():
            task.cancel()
        await asyncio.gather(*self._workers.values(), return_exceptions=True)
        if self._flusher is not None:
            self._flusher.cancel()
        await self._flush_sent()

    async def _flush_loop(self) -> None:
        refreshed = time.monotonic()
        while not self._stopped:
            await asyncio.sleep(MARK_EVERY)
            await self._flush_sent()
            if time.monotonic() - refreshed >= outbox.CLAIM_REFRESH.total_seconds():
                refreshed = time.monotonic()
                await self._refresh_claims()

    async def _refresh_claims(self) -> None:
        """Tell other processes these rows are still in hand (PostgreSQL; harmless on SQLite)."""
        try:
            async with self.office.db.transaction(across=True) as session:
                await outbox.refresh_claims(session, set(self._held), self.office.clock())
        except Exception:
            log.exception("could not refresh %d outbox claims", len(self._held))

    async def _flush_sent(self) -> None:
        """One UPDATE for the rows delivered since the last one. At 300 messages a second a
        transaction per message costs a quarter of the sender's time; the price is that a
        process killed in this short window resends those rows after its restart (logged)."""
        if not self._sent:
            return
        ids, self._sent = self._sent, []
        try:
            async with self.office.db.transaction(across=True) as session:
                await outbox.mark_sent(session, ids, self.office.clock())
        except Exception:
            log.exception("could not mark %d outbox rows as sent; trying again", len(ids))
            self._sent = ids + self._sent
            return
        self._held.difference_update(ids)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait until nothing is claimed or due; used by the demo and the CLI."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            async with self.office.db.session(across=True) as session:
                due = await outbox.pending_count(session)
            if due == 0 and self._inflight == 0:
                return
            self.kick()
            await asyncio.sleep(0.05)

    async def _claim(self) -> int:
        room = self.batch - self._inflight
        if room <= 0:
            return 0
        async with self.office.db.transaction(across=True) as session:
            rows = await outbox.claim(
                session, self.office.clock(), room, held=self._held, busy=self.busy()
            )
        for msg in rows:
            self._held.add(msg.id)
            self._inflight += 1
            queue = self._queues.setdefault(msg.chat_id, asyncio.Queue())
            queue.put_nowait(msg)
            if msg.chat_id not in self._workers or self._workers[msg.chat_id].done():
                self._workers[msg.chat_id] = asyncio.create_task(self._chat_worker(msg.chat_id))
        return len(rows)

    async def _chat_worker(self, chat_id: int) -> None:
        queue = self._queues[chat_id]
        while not queue.empty():
            msg = queue.get_nowait()
            try:
                await self._deliver(msg)
            except Exception:
                log.exception("outbox message %s failed", msg.id)
                await self._mark(msg, outbox.FAILED, error="kesalahan tak terduga")
            finally:
                self._inflight -= 1

    async def _deliver(self, msg: Message) -> None:
        # Texts show times in the OPD's calendar, kept by the office between reads.
        cal = await self.office.calendar(opd_id=msg.opd_id)
        markup = keyboards.for_outbox(
            msg.kind, msg.payload, users.is_regency_admin(self.office, msg.chat_id)
        )
        # A text built from long user input goes in several messages rather than failing.
        texts = html_pages(messages.render(msg.kind, msg.payload, cal), TEXT_LIMIT)
        parts = _unit(msg.payload.get("documents", []), len(texts), has_buttons=markup is not None)
        done = msg.progress
        for index, (kind, ref) in enumerate(parts):
            if index < done:
                continue
            while True:
                try:
                    async with self.pacing.turn(msg.chat_id), self.lanes.outbox_turn(msg.opd_id):
                        if kind == "text":
                            await self.bot.send_html(
                                msg.chat_id,
                                texts[ref],
                                markup if ref == len(texts) - 1 else None,
                            )
                        else:
                            await self._send_document(msg.chat_id, ref)
                    self.metrics.sent.inc()
                    break
                except RetryAfter as exc:
                    self.metrics.too_many.inc()
                    wait = exc.retry_after
                    wait = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                    log.warning("429 for chat %s, waiting %.0f s", msg.chat_id, wait)
                    self.pacing.hold(msg.chat_id, wait)
                except Forbidden as exc:
                    # The user recorded as blocked first: a row marked so says it is on record.
                    await self._blocked(msg.chat_id)
                    await self._mark(msg, outbox.BLOCKED, error=str(exc))
                    return
                except BadRequest as exc:
                    await self._mark(msg, outbox.FAILED, error=str(exc))
                    log.error("outbox message %s refused: %s", msg.id, exc)
                    return
                except (TimedOut, NetworkError) as exc:
                    if msg.attempts >= outbox.MAX_ATTEMPTS:
                        await self._mark(msg, outbox.FAILED, error=str(exc))
                        return
                    # Telegram may have taken it before the answer was lost: said so.
                    log.warning(
                        "outbox %s to chat %s: %s; sent again later, may arrive twice",
                        msg.id,
                        msg.chat_id,
                        exc,
                    )
                    retry = self.office.clock() + timedelta(seconds=5 * msg.attempts)
                    error = f"{outbox.NO_ANSWER} ({exc})"
                    await self._mark(msg, outbox.NEW, error=error, retry_at=retry, progress=index)
                    return
            if index + 1 < len(parts):
                await self._mark(msg, outbox.CLAIMED, progress=index + 1)
        self._sent.append(msg.id)

    async def _blocked(self, chat_id: int) -> None:
        """Record the user as blocked (and report it) through the hook; never retried."""
        if self.on_blocked is None:
            return
        try:
            await self.on_blocked(chat_id)
        except Exception:
            log.exception("could not record chat %s as blocked", chat_id)
        self.kick()

    async def _send_document(self, chat_id: int, doc_id: int) -> None:
        row, content = await outbox.document_for_sending(self.office, doc_id)
        caption = row.kind
        if row.kind == CHART_KIND:
            # The chart previews in the chat as a photo. A photo's file id cannot be sent as a
            # document (and /arsip sends documents), so the small PNG is uploaded each time.
            await self.bot.send_photo(
                chat_id, InputFile(content, filename=row.file_name), caption=caption
            )
            return
        if row.telegram_file_id:
            try:
                await self.bot.send_document(chat_id, row.telegram_file_id, caption=caption)
                return
            except BadRequest:
                log.info("file id of document %s no longer valid; uploading the bytes", doc_id)
        sent = await self.bot.send_document(
            chat_id, InputFile(content, filename=row.file_name), caption=caption
        )
        await outbox.remember_file_id(self.office, doc_id, sent.document.file_id)

    async def _mark(self, msg: Message, status: str, **kw) -> None:
        async with self.office.db.transaction(across=True) as session:
            await outbox.mark(session, msg.id, status, self.office.clock(), **kw)
        if status != outbox.CLAIMED:
            self._held.discard(msg.id)
