"""Application assembly: every command and flow of the bot, registered on one screen."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.error import Conflict
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    ContextTypes,
    Defaults,
    TypeHandler,
)

from bot import commands, messages, scheduler
from bot.config import Settings
from bot.handlers import (
    admin,
    approval,
    deadlines,
    evaluasi,
    fallback,
    indicators,
    info,
    kabupaten,
    lapor,
    opd,
    period,
    registration,
    rekap,
    steps,
)
from bot.handlers.dialog import dialogs_of
from bot.inbox import Inbox
from bot.metrics import Metrics
from bot.pacing import ChatPacing, Lanes, PacedRateLimiter
from bot.persistence import DatabasePersistence
from bot.sender import Sender
from bot.telegram_bot import KinerjaBot
from bot.telegram_http import AiohttpRequest
from bot.updates import MAX_CONCURRENT_UPDATES, PerUserOrder
from core import deadlines as deadline_actions
from core.errors import report_failure
from core.office import Office, shifted_clock
from storage.db import Database, updates_in_flight
from storage.files import FileStore

log = logging.getLogger(__name__)


def make_office(settings: Settings) -> Office:
    offset = timedelta(seconds=settings.clock_offset_seconds)
    if offset:
        log.warning("the office clock is shifted by %s (CLOCK_OFFSET_SECONDS)", offset)
    return Office(
        db=Database(settings.database_url, settings.database_connections),
        files=FileStore(settings.files_dir),
        calendar_config=settings.calendar,
        admin_ids=settings.admin_ids,
        name=settings.office_name,
        rules=settings.rules,
        reminders=settings.reminders,
        outbox_retention=settings.outbox_retention,
        clock=shifted_clock(offset),
    )


async def flush_persistence(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A dialog's new state is written right after its handler, not at PTB's next timer tick.
    PTB marks this update's user_data for writing only after the last group, so it is written
    here at once: the user's next answer may reach another process. All of it in one
    transaction (DatabasePersistence.one_write). The user's own dialog states are written from
    here too: with several processes never by PTB, whose write may come after another process
    moved the dialog on (another user's update here may take it); with one, PTB's write of
    every dialog touched since (a task each) finds them written."""
    app = context.application
    persistence = app.persistence
    user = update.effective_user if isinstance(update, Update) else None
    async with persistence.one_write():
        if user is None:
            await app.update_persistence()
            return
        await persistence.save_user_data(user.id, context.user_data)
        dialogs, key = dialogs_of(update, app)
        if key is not None:
            states = {d.name: d._conversations.get(key) for d in dialogs}
            await persistence.save_dialogs(user.id, key, states)
        if persistence.shared:
            await persistence.mark_handled(user.id, update.update_id)


async def load_dialogs(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """With several processes (PostgreSQL) a user's previous answer may have been handled by
    another one: the user's data and dialog states are read from the database, in one
    statement, before any dialog looks at the update. PTB has no public way to set one conversation's state, hence the private
    `_get_key`/`_conversations` (pinned by tests/test_multiprocess.py)."""
    persistence = context.application.persistence
    if not (isinstance(update, Update) and persistence.shared and update.effective_user):
        return
    dialogs, key = dialogs_of(update, context.application)
    handled, data, states = await persistence.stored_dialogs(
        update.effective_user.id, [d.name for d in dialogs] if key else [], key or ()
    )
    context.user_data.clear()
    context.user_data.update(data)
    if update.update_id in handled:
        # Delivered again after its first process died between handling it and answering
        # 200: handled already, so nothing happens.
        log.info("update %s already handled", update.update_id)
        raise ApplicationHandlerStop
    if key is None:
        return
    for d in dialogs:
        if d.name in states:
            d._conversations.update_no_track({key: states[d.name]})
        else:
            d._conversations.pop(key, None)


def _where(update: object) -> str:
    """Where it failed, without anything the user typed: a command name or a button's verb."""
    if not isinstance(update, Update):
        return "tugas terjadwal"
    if update.callback_query and update.callback_query.data:
        return "tombol " + update.callback_query.data.split(":")[0][:16]
    text = update.effective_message.text if update.effective_message else None
    if text and text.startswith("/"):
        return text.split()[0].split("@")[0][:32]
    return "pesan"


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update is None and isinstance(context.error, Conflict):
        # Another poller on this token: the operator's matter, said once in the log, never an
        # alert to the admins for every poll.
        if not context.bot_data.get("conflict_logged"):
            context.bot_data["conflict_logged"] = True
            log.error(
                "getUpdates conflict: another process polls with this token (%s)", context.error
            )
        return
    context.application.bot_data["metrics"].errors.inc()
    log.error("update %s failed", getattr(update, "update_id", None), exc_info=context.error)
    office: Office = context.application.bot_data["office"]
    try:
        await report_failure(office, f"{type(context.error).__name__} di {_where(update)}")
        context.application.bot_data["sender"].kick()
    except Exception:
        log.exception("could not queue the failure report for admins")
    if isinstance(update, Update) and update.callback_query:
        with contextlib.suppress(Exception):
            await update.callback_query.answer()
    if isinstance(update, Update) and update.effective_message:
        try:
            await update.effective_message.reply_text(messages.SOMETHING_WRONG)
        except Exception:
            log.exception("could not tell the user about the failure")


def build(settings: Settings, office: Office | None = None) -> Application:
    office = office or make_office(settings)
    metrics = Metrics()
    # One turn per chat for replies and notices alike: together they keep Telegram's 1/s.
    pacing = ChatPacing(settings.per_chat_interval)
    # One overall rate: a reply takes the next slot, the outbox's OPD take the others in turn.
    lanes = Lanes(settings.send_rate)

    # Polling mode keeps the updates in hand in the database (bot/inbox.py).
    kept = None if settings.webhook_url else Inbox(office.db)
    # One user's updates in order, different users' side by side (bot/updates.py): dialogs
    # see their answers in order, and a slow upload holds nobody else.
    order = PerUserOrder(
        # On PostgreSQL each update in flight holds two connections: within the pool.
        max_concurrent_updates=MAX_CONCURRENT_UPDATES
        if office.db.is_sqlite
        else updates_in_flight(office.db.connections),
        shared_lock=None if office.db.is_sqlite else office.db.user_lock,
        on_handled=metrics.updates.inc,
        inbox=kept,
    )

    async def post_init(app: Application) -> None:
        app.bot_data["office"] = office
        sender = Sender(
            office,
            app.bot,
            pacing=pacing,
            lanes=lanes,
            # 403: record the user as blocked and tell Tim SAKIP, once.
            on_blocked=lambda chat_id: deadline_actions.record_blocked(office, chat_id),
            metrics=metrics,
            busy=order.busy_users,
        )
        app.bot_data["sender"] = sender
        app.bot_data["sender_task"] = asyncio.create_task(sender.run())
        # Every minute: reminders, escalations and heads-ups that are due, from the database.
        scheduler.schedule(app, settings.reminder_scan_seconds, settings.digest)
        await commands.set_default(app.bot)
        if kept is not None:
            await kept.replay(app)
        # What start-up built lives as long as the process: out of the collector's sight, a
        # full collection no longer walks it and stalls every update in flight (~80 ms of
        # 150,000 objects measured under a rush, bench/README.md).
        gc.collect()
        gc.freeze()

    async def post_stop(app: Application) -> None:
        if kept is not None:
            await kept.finish()
        await app.bot_data["sender"].stop()
        app.bot_data["sender_task"].cancel()

    async def post_shutdown(app: Application) -> None:
        await office.db.dispose()

    telegram = KinerjaBot(
        settings.bot_token,
        base_url=settings.telegram_base_url,
        base_file_url=settings.telegram_base_file_url,
        # aiohttp instead of PTB's httpx: a tenth of the CPU a request (bot/telegram_http.py).
        request=AiohttpRequest(),
        get_updates_request=AiohttpRequest(connection_pool_size=1),
        defaults=Defaults(tzinfo=ZoneInfo(office.calendar_config.timezone)),
        rate_limiter=PacedRateLimiter(pacing, lanes),
        inbox=kept,
    )
    app = (
        ApplicationBuilder()
        .bot(telegram)
        .persistence(DatabasePersistence(office.db, settings.persistence_interval))
        .concurrent_updates(order)
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    # Group -3 first: on PostgreSQL the user's dialogs as stored, whichever process had them.
    app.add_handler(TypeHandler(Update, load_dialogs), group=-3)
    app.bot_data["metrics"] = metrics
    # Group 0, in order: dialogs before the plain document handler, the fallback last.
    # The /lapor dialog takes its evidence before the plain document handler of `steps`.
    flows = (registration, period, approval, lapor, evaluasi, indicators, rekap, steps)
    for module in (*flows, info, kabupaten, admin, opd, deadlines, fallback):
        app.add_handlers(module.handlers())
    # Group 99 runs after every update, so a dialog's state is on disk before the next one.
    app.add_handler(TypeHandler(Update, flush_persistence), group=99)
    app.add_error_handler(on_error)
    return app
