"""The last group: whatever no flow took gets a reply that says what to do."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot import messages
from bot.handlers.common import guarded, office, reply
from bot.handlers.registration import welcome_stranger
from core import users


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
        MessageHandler(filters.COMMAND, unknown_command),
        MessageHandler(filters.ALL, free_text),
        CallbackQueryHandler(stale_button),
    ]
