"""Data-entry dialogs expire by a stored timestamp: PTB's timeout jobs would not survive a restart."""

from __future__ import annotations

import time

from telegram import Update
from telegram.ext import ContextTypes, ConversationHandler

from bot import messages
from bot.handlers.common import guarded, reply

MAX_AGE = 60 * 60


def fresh_dialog(context: ContextTypes.DEFAULT_TYPE, name: str) -> None:
    context.user_data.clear()
    context.user_data.update(dialog=name, started=time.time())


async def expired(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """A dialog left for more than an hour starts over rather than filing stale answers."""
    started = context.user_data.get("started", 0)
    if time.time() - started <= MAX_AGE:
        return False
    context.user_data.clear()
    await reply(update, "Isian sebelumnya sudah kedaluwarsa. Silakan mulai lagi dari perintahnya.")
    return True


@guarded
async def cancel_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.clear()
    await reply(update, messages.CANCELLED)
    return ConversationHandler.END
