"""Step 9: the Sekretaris's /setuju or /tolak <catatan>, stateless, or the buttons that ask the note."""

from __future__ import annotations

import time
from html import escape

from telegram import ForceReply, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
)

from bot import keyboards, messages
from bot.handlers.common import (
    calendar,
    callback_args,
    guarded,
    kick,
    office,
    reply,
    set_buttons,
    text_after_command,
)
from bot.handlers.dialog import MAX_AGE, TYPED, dialog, expired, fresh_dialog
from bot.handlers.period import opened_text
from core import workflow
from core.engine import SopError, require_note
from core.transitions import Choice, Done

NOTE = 0


async def _decided(
    update: Update, context: ContextTypes.DEFAULT_TYPE, result: Done | Choice, approve: bool
) -> None:
    if isinstance(result, Choice):
        await reply(
            update,
            "Beberapa periode menunggu keputusan Anda. Pilih periodenya:",
            keyboards.choices(result, "ok" if approve else "no"),
        )
        return
    kick(context)
    cal = await calendar(update, context)
    if approve:
        text = (
            f"✅ Draft laporan periode <b>{escape(result.period)}</b> <b>disetujui</b> dan menjadi "
            "Laporan Hasil Pengukuran Data Kinerja.\n" + opened_text(result, cal)
        )
    else:
        text = (
            f"↩️ Draft laporan periode <b>{escape(result.period)}</b> dikembalikan ke Tim SAKIP "
            f"(putaran {result.round}).\n" + opened_text(result, cal)
        )
    await reply(update, text)


@guarded
async def setuju(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    result = await workflow.decide(office(context), update.effective_user.id, True, None)
    await _decided(update, context, result, True)


@guarded
async def tolak(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    note = text_after_command(update)
    result = await workflow.decide(office(context), update.effective_user.id, False, note)
    if isinstance(result, Choice):
        # Kept for the choice just shown, and for a while only: a Tolak pressed days later
        # on another message asks for its own note.
        context.user_data["tolak_catatan"] = {
            "note": note,
            "runs": [run_id for run_id, _ in result.options],
            "at": time.time(),
        }
    await _decided(update, context, result, False)


def _typed_note(context: ContextTypes.DEFAULT_TYPE, run_id: int) -> str | None:
    """The note of `/tolak <catatan>`, if this Tolak answers the choice it was typed for."""
    kept = context.user_data.pop("tolak_catatan", None)
    if not isinstance(kept, dict) or run_id not in kept["runs"]:
        return None
    return kept["note"] if time.time() - kept["at"] <= MAX_AGE else None


@guarded
async def approve_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (run_id,) = callback_args(update)
    result = await workflow.decide(office(context), update.effective_user.id, True, None, run_id)
    await set_buttons(update)
    await _decided(update, context, result, True)


@guarded
async def reject_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """With a note typed in `/tolak <catatan>` for this choice, reject at once; else ask."""
    (run_id,) = callback_args(update)
    note = _typed_note(context, run_id)
    if note:
        result = await workflow.decide(
            office(context), update.effective_user.id, False, note, run_id
        )
        await _decided(update, context, result, False)
        return ConversationHandler.END
    await workflow.check_can_decide(office(context), update.effective_user.id, run_id)
    fresh_dialog(update, context, "tolak")
    context.user_data["run_id"] = run_id
    await reply(
        update,
        messages.ASK_REJECT_NOTE,
        ForceReply(input_field_placeholder="Catatan arahan perbaikan"),
    )
    return NOTE


@guarded
async def got_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    if await expired(update, context):
        return ConversationHandler.END
    note = require_note(update.message.text)  # refused: asked again
    try:
        # A note begun before buttons named their run has none: the draft waiting is meant.
        run_id = context.user_data.get("run_id")
        result = await workflow.decide(
            office(context), update.effective_user.id, False, note, run_id
        )
    except SopError as err:
        # Decided meanwhile (by /setuju, or this note delivered again after a crash): the note
        # has nowhere to go, so the dialog ends instead of asking for it again and again.
        context.user_data.clear()
        await reply(update, escape(str(err)))
        return ConversationHandler.END
    context.user_data.clear()
    await _decided(update, context, result, False)
    return ConversationHandler.END


def handlers() -> list:
    note = dialog(
        "tolak",
        [CallbackQueryHandler(reject_button, pattern=r"^no:\d+$")],
        {NOTE: [MessageHandler(TYPED, got_note)]},
    )
    return [
        CommandHandler("setuju", setuju),
        CommandHandler("tolak", tolak),
        CallbackQueryHandler(approve_button, pattern=r"^ok:\d+$"),
        note,
    ]
