"""Data-entry dialogs expire by a stored timestamp: PTB's timeout jobs would not survive a restart."""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, ConversationHandler, filters
from telegram.warnings import PTBUserWarning

from bot import messages
from bot.handlers.common import guarded, reply

MAX_AGE = 60 * 60
# A typed answer: text that is not a command.
TYPED = filters.TEXT & ~filters.COMMAND


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


def dialog(
    name: str,
    entry_points: list[BaseHandler],
    states: dict[object, list[BaseHandler]],
    fallbacks: Sequence[BaseHandler] = (),
    **options: bool,
) -> ConversationHandler:
    """A data-entry dialog whose state is kept in the database (it survives a restart);
    /batal leaves it. Dialogs started or answered by buttons keep one state per user and
    chat, so PTB's per_message=False notice is expected and silenced here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=entry_points,
            states=states,
            fallbacks=[CommandHandler("batal", cancel_command), *fallbacks],
            name=name,
            persistent=True,
            per_message=False,
            **options,
        )
