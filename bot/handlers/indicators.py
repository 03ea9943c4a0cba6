"""The Kertas Kerja template (/template), what is left to report (/progres), and closing the
reporting step early (/tutup_lapor, Tim SAKIP)."""

from __future__ import annotations

import asyncio
from html import escape

from telegram import InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import keyboards, messages_data
from bot.handlers.common import calendar, callback_args, guarded, kick, office, reply, set_buttons
from bot.handlers.period import opened_text
from core import indicators, users
from core.kertas_kerja import build_template
from core.transitions import Choice


@guarded
async def template(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any registered user may take the template; Tim SAKIP uploads it at step 4. It is built
    on a worker thread: the first one imports openpyxl, which would hold every other user."""
    await users.check_active(office(context), update.effective_user.id)
    workbook = await asyncio.to_thread(build_template)
    await update.effective_message.reply_document(
        InputFile(workbook, filename=messages_data.TEMPLATE_NAME),
        caption=messages_data.TEMPLATE_CAPTION,
    )


async def _progress(update: Update, context: ContextTypes.DEFAULT_TYPE, period_id=None) -> None:
    result = await indicators.progress(office(context), update.effective_user.id, period_id)
    if isinstance(result, Choice):
        await reply(
            update,
            "Pilih periode:",
            keyboards.choices(result, "pg"),
        )
        return
    parts = messages_data.progress_text(result)
    for part in parts[:-1]:
        await reply(update, part)
    markup = (
        keyboards.column([("🔒 Tutup pelaporan", f"tla:{result.period_id}")])
        if result.can_close
        else None
    )
    await reply(update, parts[-1], markup)


@guarded
async def progres(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _progress(update, context)


@guarded
async def progres_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (period_id,) = callback_args(update)
    await _progress(update, context, int(period_id))


async def _ask_close(update: Update, context: ContextTypes.DEFAULT_TYPE, period_id: int) -> None:
    """Closing records every missing figure as missing, for good: name them, then ask."""
    preview = await indicators.closing_preview(office(context), update.effective_user.id, period_id)
    markup = keyboards.column(
        [("🔒 Ya, tutup pelaporan", f"tl:{preview.period_id}"), ("✖️ Batal", "tlx")]
    )
    await reply(update, messages_data.closing_text(preview), markup)


@guarded
async def tutup_lapor(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    gaps = await indicators.reporting_gaps(office(context), update.effective_user.id)
    if len(gaps) == 1:
        await _ask_close(update, context, gaps[0][0])
        return
    buttons = [(f"🔒 {name} ({missing} belum)", f"tla:{pid}") for pid, name, missing, _ in gaps]
    await reply(update, messages_data.closing_choice(gaps), keyboards.column(buttons))


@guarded
async def ask_close_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The Tutup pelaporan button of /progres, or a period chosen after /tutup_lapor."""
    (period_id,) = callback_args(update)
    await _ask_close(update, context, int(period_id))


@guarded
async def close_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (period_id,) = callback_args(update)
    o = office(context)
    done = await indicators.close_reporting(o, update.effective_user.id, int(period_id))
    kick(context)
    cal = await calendar(update, context)
    await set_buttons(update)
    await reply(
        update,
        f"🔒 Pelaporan realisasi periode <b>{escape(done.period)}</b> ditutup.\n"
        + opened_text(done, cal),
    )


@guarded
async def keep_open(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await set_buttons(update)
    await reply(update, "Pelaporan tetap dibuka. Tidak ada yang diubah.")


def handlers() -> list:
    return [
        CommandHandler("template", template),
        CallbackQueryHandler(template, pattern=r"^tpl$"),
        CommandHandler("progres", progres),
        CallbackQueryHandler(progres_button, pattern=r"^pg:\d+$"),
        CommandHandler("tutup_lapor", tutup_lapor),
        CallbackQueryHandler(ask_close_button, pattern=r"^tla:\d+$"),
        CallbackQueryHandler(close_button, pattern=r"^tl:\d+$"),
        CallbackQueryHandler(keep_open, pattern=r"^tlx$"),
    ]
