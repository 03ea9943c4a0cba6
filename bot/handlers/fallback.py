"""The last group: whatever no flow took gets a reply that says what to do."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot import messages
from bot.handlers.common import guarded, office, reply
from bot.handlers.dialog import CANCEL_WORDS
from bot.handlers.registration import welcome_stranger
from core import users


@guarded
async def nothing_to_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, messages.NOTHING_TO_CANCEL)


@guarded
async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, messages.UNKNOWN_COMMAND)


@guarded
async def free_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A stranger gets the polite welcome; a user, a pointer to /bantuan."""
    user, _ = await users.lookup(office(context), update.effective_user.id)
    if user is None or user.status in (users.REFUSED, users.ADMIN_ONLY):
        await welcome_stranger(update, context)
        return
    await reply(update, messages.FREE_TEXT)


@guarded
async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, messages.STALE_BUTTON)


def handlers() -> list:
    return [
        CommandHandler("batal", nothing_to_cancel),
        MessageHandler(CANCEL_WORDS, nothing_to_cancel),
        MessageHandler(filters.COMMAND, unknown_command),
        MessageHandler(filters.ALL, free_text),
        CallbackQueryHandler(stale_button),
    ]
