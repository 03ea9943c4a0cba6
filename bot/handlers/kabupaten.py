"""/kabupaten (Bappeda, Inspektorat, regency admins): every OPD of the regency in one period,
paged, what needs attention first; `/kabupaten rekap <periode>` builds the Rekapitulasi
Kabupaten workbook. Core checks the reader on every command and every page pressed; a page
button carries only the page and the period's short key, never an OPD."""

from __future__ import annotations

import time

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import keyboards, messages_kabupaten
from bot.handlers.common import callback_args, guarded, office, reply, text_after_command
from bot.handlers.rekap import progress_message
from core import kabupaten
from core.kabupaten_workbook import Regency
from core.periode import period_key

REKAP = "rekap"


def _nav(regency: Regency, page: int) -> InlineKeyboardMarkup | None:
    """The page buttons carry the page and the period's key, never an OPD."""
    total = messages_kabupaten.pages(regency)
    row = keyboards.nav_row(min(page, total - 1), total, f"kb:{period_key(regency.period)}")
    return InlineKeyboardMarkup([row]) if row else None


@guarded
async def kabupaten_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    typed = text_after_command(update)
    first, _, rest = typed.partition(" ")
    if first.casefold() == REKAP:
        await _rekap(update, context, rest.strip() or None)
        return
    regency = await kabupaten.regency(office(context), update.effective_user.id, typed or None)
    await reply(update, messages_kabupaten.page(regency, 0), _nav(regency, 0))


@guarded
async def kabupaten_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    name, page = callback_args(update)
    regency = await kabupaten.regency(office(context), update.effective_user.id, str(name))
    await update.callback_query.edit_message_text(
        messages_kabupaten.page(regency, int(page)),
        parse_mode=ParseMode.HTML,
        reply_markup=_nav(regency, int(page)),
    )


async def _rekap(update: Update, context: ContextTypes.DEFAULT_TYPE, period: str | None) -> None:
    o = office(context)
    await kabupaten.check_reader(o, update.effective_user.id)
    started = time.monotonic()
    status, progress = await progress_message(update, period or "terbaru", "Rekapitulasi Kabupaten")
    files = await kabupaten.build(o, update.effective_user.id, period, progress)
    await status.edit_text(
        messages_kabupaten.rekap_done(files.period, files.opds, time.monotonic() - started),
        parse_mode=ParseMode.HTML,
    )
    message = update.effective_message
    await message.reply_document(
        InputFile(files.workbook, filename=files.file_name),
        caption=f"Rekapitulasi Kabupaten — {files.period}",
    )
    await message.reply_photo(
        InputFile(files.chart, filename=files.chart_name),
        caption=f"Rata-rata capaian per OPD — {files.period}",
    )


def handlers() -> list:
    # Blocking, as /rekap: the regency rekap runs in a thread (nobody else waits for it), and
    # a process killed mid-build has not confirmed its update, so it comes again.
    return [
        CommandHandler("kabupaten", kabupaten_command),
        CallbackQueryHandler(kabupaten_page, pattern=r"^kb:[0-9]{4}-[1-4T]:\d+$"),
    ]
