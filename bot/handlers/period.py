"""Step 1 (/mulai: period name, then the Nota Dinas) and cancelling a period (/batalkan)."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import keyboards, messages
from bot.dates import when
from bot.handlers.common import calendar, callback_args, guarded, kick, office, reply
from bot.handlers.dialog import TYPED, dialog, expired, fresh_dialog
from bot.handlers.files import download
from core import views, workflow
from core.calendar import WorkingCalendar
from core.sop import step
from core.transitions import DocInput, Done

NAME, NOTA = range(2)


def opened_text(done: Done, cal: WorkingCalendar) -> str:
    lines = []
    for o in done.opened:
        s = step(o.step_no)
        lines.append(
            f"{s.title} dibuka untuk {escape(s.actor.label)}, batas {when(o.due_at, cal)}."
        )
    return "\n".join(lines)


@guarded
async def mulai(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await workflow.check_can_start(office(context), update.effective_user.id)
    fresh_dialog(update, context, "mulai")
    await reply(update, messages.ASK_PERIOD)
    return NAME


@guarded
async def got_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if await expired(update, context):
        return ConversationHandler.END
    name = await workflow.new_period_name(
        office(context), update.effective_user.id, update.message.text
    )
    context.user_data["period"] = name
    await reply(update, messages.ASK_NOTA.format(period=escape(name)))
    return NOTA


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE, nota: DocInput) -> int:
    o = office(context)
    done = await workflow.start_period(
        o, update.effective_user.id, context.user_data["period"], nota
    )
    kick(context)
    cal = await calendar(update, context)
    await reply(
        update,
        f"✅ Periode <b>{escape(done.period)}</b> dimulai dan Nota Dinas tersimpan.\n"
        + opened_text(done, cal),
    )
    context.user_data.clear()
    return ConversationHandler.END


@guarded
async def got_nota_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if await expired(update, context):
        return ConversationHandler.END
    doc = await download(update)
    return await _start(update, context, doc)


@guarded
async def got_nota_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if await expired(update, context):
        return ConversationHandler.END
    text = update.message.text.strip()
    if len(text) < 10:
        await reply(update, "Isi Nota Dinas terlalu pendek. Ketik isinya, atau kirim dokumennya.")
        return NOTA
    name = context.user_data["period"]
    nota = DocInput(text.encode(), f"Nota Dinas - {name}.txt", "text/plain")
    return await _start(update, context, nota)


@guarded
async def nota_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await reply(update, messages.PHOTO_NOT_DOCUMENT)
    return NOTA


@guarded
async def batalkan(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    periods = await views.cancellable(office(context), update.effective_user.id)
    if not periods:
        await reply(update, "Tidak ada periode yang sedang berjalan.")
        return
    await reply(
        update,
        "Pilih periode yang akan <b>dibatalkan</b> (tetap tersimpan di arsip sebagai batal):",
        keyboards.column([(f"✖️ {name}", f"cx:{pid}") for pid, name in periods]),
    )


@guarded
async def cancel_period(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (period_id,) = callback_args(update)
    name = await workflow.cancel_period(office(context), update.effective_user.id, int(period_id))
    await update.callback_query.edit_message_text(
        f"Periode <b>{escape(name)}</b> dibatalkan dan disimpan di arsip.", parse_mode="HTML"
    )


def handlers() -> list:
    start = dialog(
        "mulai",
        [CommandHandler("mulai", mulai)],
        {
            NAME: [MessageHandler(TYPED, got_name)],
            NOTA: [
                MessageHandler(filters.Document.ALL, got_nota_document),
                MessageHandler(filters.PHOTO, nota_photo),
                MessageHandler(TYPED, got_nota_text),
            ],
        },
    )
    return [
        start,
        CommandHandler("batalkan", batalkan),
        CallbackQueryHandler(cancel_period, pattern=r"^cx:\d+$"),
    ]
