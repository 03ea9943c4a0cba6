"""Data-entry dialogs expire by a stored timestamp: PTB's timeout jobs would not survive a restart."""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Sequence

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import messages
from bot.handlers.common import guarded, reply

MAX_AGE = 60 * 60
# "batal" typed without the slash, as people say it: it leaves a dialog like /batal and is
# never taken as an answer (as a note it returned a report to Tim SAKIP with "batal").
CANCEL_WORDS = filters.Regex(
    re.compile(r"^\W*(batal|batalkan|batal saja|tidak jadi|gak jadi|cancel)\W*$", re.IGNORECASE)
)
# A typed answer: text that is neither a command nor a cancel word.
TYPED = filters.TEXT & ~filters.COMMAND & ~CANCEL_WORDS
_DIALOGS = "dialogs"  # bot_data's key for the dialogs, found at the first update (`dialogs_of`)


def dialogs_of(update: Update, app: Application) -> tuple[list[ConversationHandler], tuple | None]:
    """The dialogs, and the key of this update's chat and user in them (None: no chat). PTB
    has no public way to read or set one conversation's state, hence the private
    `_get_key`/`_conversations` here and in bot/app.py (pinned by tests/test_multiprocess.py).
    Found once: the handlers do not change once the bot runs, and picking them out of a hundred
    (an ABC's `isinstance` each) several times an update cost more than the rest of this."""
    dialogs = app.bot_data.get(_DIALOGS)
    if dialogs is None:
        handlers = app.handlers.get(0, ())
        dialogs = [h for h in handlers if isinstance(h, ConversationHandler)]
        app.bot_data[_DIALOGS] = dialogs
    return dialogs, dialogs[0]._get_key(update) if dialogs and update.effective_chat else None


def fresh_dialog(update: Update, context: ContextTypes.DEFAULT_TYPE, name: str) -> None:
    """Start dialog `name` (its name in `dialog`) with empty answers, and end any other dialog
    of this user: they share the answers, and one earlier in the handlers would take the next
    answer meant for this one (a note typed for Kembalikan read as /lapor's value)."""
    dialogs, key = dialogs_of(update, context.application)
    for other in dialogs:
        if other.name != name and key is not None:
            other._conversations.pop(key, None)
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


@guarded
async def answer_in_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A sticker, a voice note, a location... where a dialog waits for a typed answer."""
    await reply(update, messages.ANSWER_IN_TEXT)


def dialog(
    name: str,
    entry_points: list[BaseHandler],
    states: dict[object, list[BaseHandler]],
    fallbacks: Sequence[BaseHandler] = (),
    **options: bool,
) -> ConversationHandler:
    """A data-entry dialog whose state is kept in the database (it survives a restart);
    /batal (or "batal" typed) leaves it, its own command starts it over, and a message of a
    kind no state takes is asked again as text. Dialogs started or answered by buttons keep
    one state per user and chat, so PTB's per_message=False notice is expected and silenced."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=entry_points,
            states=states,
            fallbacks=[
                CommandHandler("batal", cancel_command),
                MessageHandler(CANCEL_WORDS, cancel_command),
                *fallbacks,
                MessageHandler(~filters.COMMAND & ~filters.TEXT, answer_in_text),
            ],
            name=name,
            persistent=True,
            per_message=False,
            **{"allow_reentry": True, **options},
        )
