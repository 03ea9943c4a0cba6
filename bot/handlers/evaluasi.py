"""/evaluasi: Tim SAKIP walks through the submitted figures, one card at a time.

✅ Valid or ↩️ Kembalikan (the note is asked with a forced reply and goes to the PIC); the card
is then edited to show the decision, who made it and when, and the next card follows. The
decision is a conditional update on the version shown, so a figure corrected in between, or
decided by another member, is never decided twice.
"""

from __future__ import annotations

from html import escape

from telegram import ForceReply, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
)

from bot import keyboards, messages_data
from bot.handlers.common import calendar, callback_args, guarded, kick, office, reply, set_buttons
from bot.handlers.dialog import TYPED, dialog, expired, fresh_dialog
from bot.handlers.period import opened_text
from core import indicators
from core.engine import SopError
from core.indicators import Card, Decided, Idle
from core.transitions import Choice, Done

NOTE = 0


def card_markup(c: Card) -> InlineKeyboardMarkup:
    rows = [
        [
            keyboards.button("✅ Valid", f"ev:{c.figure_id}:{c.version}"),
            keyboards.button("↩️ Kembalikan", f"ek:{c.figure_id}:{c.version}"),
        ],
        [keyboards.button("⏭ Lewati", f"es:{c.period_id}:{c.position}")],
    ]
    if c.has_evidence:
        rows[1].append(keyboards.button("📎 Bukti", f"eb:{c.figure_id}"))
    return InlineKeyboardMarkup(rows)


async def _step_done(update: Update, context: ContextTypes.DEFAULT_TYPE, done: Done) -> None:
    kick(context)
    cal = await calendar(update, context)
    await reply(
        update,
        f"✅ Semua angka periode <b>{escape(done.period)}</b> valid: Langkah 6 selesai.\n"
        + opened_text(done, cal),
    )


async def _show_next(
    update: Update, context: ContextTypes.DEFAULT_TYPE, period_id=None, after=None
) -> None:
    result = await indicators.next_card(office(context), update.effective_user.id, period_id, after)
    if isinstance(result, Choice):
        await reply(
            update,
            "Beberapa periode menunggu evaluasi. Pilih periodenya:",
            keyboards.choices(result, "evgo"),
        )
    elif isinstance(result, Done):
        await _step_done(update, context, result)
    elif isinstance(result, Idle):
        await reply(update, messages_data.idle_text(result))
    else:
        await reply(update, messages_data.card_text(result), card_markup(result))


@guarded
async def evaluasi(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _show_next(update, context)


@guarded
async def evaluasi_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (period_id,) = callback_args(update)
    await _show_next(update, context, int(period_id))


@guarded
async def skip(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    period_id, position = callback_args(update)
    await set_buttons(update)
    await _show_next(update, context, int(period_id), int(position))


async def _after_decision(
    update: Update, context: ContextTypes.DEFAULT_TYPE, decided: Decided, chat_id, message_id
) -> None:
    """Edit the card to record the decision, then show the next one (or the step's end)."""
    kick(context)
    cal = await calendar(update, context)
    text = (
        messages_data.card_text(decided.card)
        + "\n\n"
        + messages_data.decision_line(decided.valid, decided.by, decided.at, cal, decided.note)
    )
    await context.bot.edit_message_text(
        text, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML
    )
    if decided.done is not None:
        await _step_done(update, context, decided.done)
        return
    await _show_next(update, context, decided.card.period_id, decided.card.position)


@guarded
async def valid(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    figure_id, version = callback_args(update)
    decided = await indicators.decide_figure(
        office(context), update.effective_user.id, int(figure_id), int(version), True
    )
    message = update.callback_query.message
    await _after_decision(update, context, decided, message.chat_id, message.message_id)


@guarded
async def ask_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    figure_id, version = callback_args(update)
    await indicators.check_can_return(
        office(context), update.effective_user.id, int(figure_id), int(version)
    )
    message = update.callback_query.message
    fresh_dialog(update, context, "evaluasi")
    context.user_data.update(
        fig=int(figure_id), ver=int(version), chat=message.chat_id, msg=message.message_id
    )
    await reply(
        update,
        messages_data.ASK_RETURN_NOTE,
        ForceReply(input_field_placeholder="Catatan perbaikan"),
    )
    return NOTE


@guarded
async def got_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    if await expired(update, context):
        return ConversationHandler.END
    note = indicators.return_note(update.message.text)  # refused: asked again
    data = context.user_data
    try:
        decided = await indicators.decide_figure(
            office(context), update.effective_user.id, data["fig"], data["ver"], False, note
        )
    except SopError as err:
        data.clear()
        await reply(update, escape(str(err)))
        return ConversationHandler.END
    chat, msg = data["chat"], data["msg"]
    data.clear()
    await reply(update, f"↩️ Dikembalikan ke {escape(decided.card.pic)} dengan catatan Anda.")
    await _after_decision(update, context, decided, chat, msg)
    return ConversationHandler.END


@guarded
async def show_evidence(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (figure_id,) = callback_args(update)
    doc, content = await indicators.evidence(
        office(context), update.effective_user.id, int(figure_id)
    )
    await update.effective_message.reply_document(
        InputFile(content, filename=doc.file_name), caption=doc.kind
    )


def handlers() -> list:
    note = dialog(
        "evaluasi",
        [CallbackQueryHandler(ask_note, pattern=r"^ek:\d+:\d+$")],
        {NOTE: [MessageHandler(TYPED, got_note)]},
    )
    return [
        CommandHandler("evaluasi", evaluasi),
        CallbackQueryHandler(evaluasi_button, pattern=r"^evgo:\d+$"),
        CallbackQueryHandler(valid, pattern=r"^ev:\d+:\d+$"),
        CallbackQueryHandler(skip, pattern=r"^es:\d+:\d+$"),
        CallbackQueryHandler(show_evidence, pattern=r"^eb:\d+$"),
        note,
    ]
