"""What every handler shares: the office, replies in HTML, and turning a refusal into a reply."""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Awaitable, Callable
from html import escape
from typing import cast

from telegram import ForceReply, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import ContextTypes, ConversationHandler

from bot import callbacks, messages
from bot.sender import Sender
from bot.telegram_bot import KinerjaBot
from bot.updates import after_update
from core.calendar import WorkingCalendar
from core.engine import SopError
from core.office import AlreadyHandled, Office
from core.text import html_pages

log = logging.getLogger(__name__)
# The most characters of one message of a long answer (Telegram's limit is 4096).
PAGE_LIMIT = 3900

_COMMAND = re.compile(r"^/\S+")
# A second press of the same button within this many seconds is a double tap, not a new act.
REPEAT_SECONDS = 3.0

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[object]]


def office(context: ContextTypes.DEFAULT_TYPE) -> Office:
    return context.application.bot_data["office"]


def kick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Wake the sender: the action just committed outbox rows. It wakes when this update is
    handled, so the acting user's own reply comes before the notices to others and to them."""
    sender: Sender | None = context.application.bot_data.get("sender")
    if sender is not None:
        after_update(sender.kick)


def _bot(update: Update) -> KinerjaBot:
    return cast(KinerjaBot, update.get_bot())


async def reply(
    update: Update, text: str, markup: InlineKeyboardMarkup | ForceReply | None = None
) -> None:
    """Answer the user who acted, wherever they acted from (a message or a button)."""
    await _bot(update).send_html(update.effective_chat.id, text, markup)


async def send_paged(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """A long answer in several messages, each within Telegram's 4096 characters and never cut
    inside a tag or an entity (a note of `&` cut inside `&amp;` made no answer at all); the
    buttons come with the last one."""
    parts = html_pages(text, PAGE_LIMIT)
    for n, part in enumerate(parts, 1):
        await reply(update, part, markup if n == len(parts) else None)


async def set_buttons(update: Update, markup: InlineKeyboardMarkup | None = None) -> None:
    """The pressed button's message gets this keyboard (another page of it), or none: a
    button that has done its work is taken away."""
    message = update.callback_query.message
    await _bot(update).set_keyboard(message.chat.id, message.message_id, markup)


async def answer(update: Update, text: str | None = None, *, show_alert: bool = False) -> None:
    """Stop the button's spinner. A press older than Telegram's answer window (held up by a
    restart or a queue) cannot be answered any more; its work is done all the same, so that
    refusal is not a failure to report."""
    try:
        await update.callback_query.answer(text, show_alert=show_alert)
    except BadRequest as err:
        if "query is too old" not in str(err).lower():
            raise
        log.info("button press %s answered too late", update.callback_query.id)


def guarded(handler: Handler) -> Handler:
    """Private chats only; a `SopError` becomes its Indonesian text; a button is always answered,
    its data parsed before the handler sees it, and a repeated tap is answered quietly."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
        chat = update.effective_chat
        if chat is not None and chat.type != ChatType.PRIVATE:
            if update.callback_query:
                await answer(update, messages.GROUP_ONLY_PRIVATE, show_alert=True)
            elif update.effective_message and (update.effective_message.text or "").startswith("/"):
                await update.effective_message.reply_text(messages.GROUP_ONLY_PRIVATE)
            return None
        if update.callback_query and _repeated(update, context):
            await answer(update)  # a double tap: the first press did the work
            return None
        try:
            if update.callback_query:
                callbacks.parse(update.callback_query.data)  # forged or stale: refused here
            result = await handler(update, context)
        except SopError as err:
            if update.callback_query:
                await answer(update)
            await reply(update, escape(str(err)))
            return None
        except AlreadyHandled:
            # Delivered again: the process that had it died after its action committed.
            if update.callback_query:
                await answer(update)
            context.user_data.clear()
            await reply(update, messages.ALREADY_HANDLED)
            return ConversationHandler.END
        except BadRequest as err:
            # A second tap edits a message to what it already shows: nothing to tell anyone.
            if not (update.callback_query and "not modified" in str(err).lower()):
                raise
            await answer(update)
            return None
        if update.callback_query:
            await answer(update)
            _remember_press(update, context)
        return result

    return wrapper


def _press_key(update: Update) -> tuple[int, str | None]:
    query = update.callback_query
    return (query.message.message_id if query.message else 0, query.data)


def _repeated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """The same button of the same message pressed again by the same user a moment after it
    succeeded. One user's updates run in order, so the second tap comes after the first's work."""
    last = context.application.bot_data.get("presses", {}).get(update.effective_user.id)
    return (
        last is not None
        and last[0] == _press_key(update)
        and time.monotonic() - last[1] < REPEAT_SECONDS
    )


def _remember_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    presses = context.application.bot_data.setdefault("presses", {})
    presses[update.effective_user.id] = (_press_key(update), time.monotonic())


async def calendar(update: Update, context: ContextTypes.DEFAULT_TYPE) -> WorkingCalendar:
    """The calendar of the user's OPD with the days off its admins added, for showing due
    times."""
    return await office(context).user_calendar(update.effective_user.id)


def text_after_command(update: Update) -> str:
    """What follows `/command` (or `/command@bot`) as typed: line breaks and spacing kept,
    where `context.args` would join the words with single spaces."""
    return _COMMAND.sub("", update.effective_message.text or "", count=1).strip()


def callback_args(update: Update) -> tuple[int | str, ...]:
    """`verb:1:kd` → (1, "kd"), parsed and checked by bot/callbacks.py."""
    return callbacks.parse(update.callback_query.data)[1]
