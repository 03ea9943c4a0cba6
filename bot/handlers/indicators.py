"""The Kertas Kerja template (/template), what is left to report (/progres), and closing the
reporting step early (/tutup_lapor, Tim SAKIP)."""

from __future__ import annotations

from html import escape

from telegram import InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import keyboards, messages_data
from bot.handlers.common import calendar, callback_args, guarded, kick, office, reply
from bot.handlers.period import opened_text
from core import indicators, users
from core.kertas_kerja import build_template
from core.transitions import Choice


@guarded
async def template(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any registered user may take the template; Tim SAKIP uploads it at step 4."""
    await users.check_active(office(context), update.effective_user.id)
    await update.effective_message.reply_document(
        InputFile(build_template(), filename=messages_data.TEMPLATE_NAME),
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
        keyboards.column([("🔒 Tutup pelaporan", f"tl:{result.period_id}")])
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


@guarded
async def tutup_lapor(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask first: closing records every missing figure as missing, for good."""
    gaps = await indicators.reporting_gaps(office(context), update.effective_user.id)
    lines = ["<b>Tutup pelaporan realisasi (Langkah 5)?</b>"]
    buttons = []
    for pid, name, missing, total in gaps:
        lines.append(f"• {escape(name)}: {total - missing}/{total} masuk, {missing} belum")
        buttons.append((f"🔒 Tutup {name} ({missing} belum)", f"tl:{pid}"))
    lines.append(
        "Indikator yang belum dilaporkan dicatat <b>tanpa realisasi</b> dan Langkah 6 dibuka."
    )
    await reply(update, "\n".join(lines), keyboards.column(buttons))


@guarded
async def close_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (period_id,) = callback_args(update)
    o = office(context)
    done = await indicators.close_reporting(o, update.effective_user.id, int(period_id))
    kick(context)
    cal = await calendar(context)
    await update.callback_query.edit_message_reply_markup(None)
    await reply(
        update,
        f"🔒 Pelaporan realisasi periode <b>{escape(done.period)}</b> ditutup.\n"
        + opened_text(done, cal),
    )


def handlers() -> list:
    return [
        CommandHandler("template", template),
        CallbackQueryHandler(template, pattern=r"^tpl$"),
        CommandHandler("progres", progres),
        CallbackQueryHandler(progres_button, pattern=r"^pg:\d+$"),
        CommandHandler("tutup_lapor", tutup_lapor),
        CallbackQueryHandler(close_button, pattern=r"^tl:\d+$"),
    ]
