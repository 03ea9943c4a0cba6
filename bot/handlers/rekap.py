"""/rekap (Tim SAKIP): the Rekapitulasi workbook and its chart, built from the database.

Step 7: built, sent, and stored as the step's output (then "Selesaikan"). Step 8: the recap
finished at step 7 becomes the Draft Laporan for the Sekretaris. Other steps: a preview that is
not stored. The build's CPU work runs in a thread, so other users' updates are not held while
it runs (only this user's next ones wait); a progress message is edited as it goes. It blocks
its update: a process killed mid-build has not yet confirmed it, so it is delivered again.
"""

from __future__ import annotations

import logging
import time

from telegram import InputFile, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import keyboards, messages_data
from bot.handlers.common import callback_args, guarded, office, reply
from core import recap
from core.laporan import actions as laporan
from core.recap import RecapTarget
from core.transitions import Choice
from core.users import lookup

log = logging.getLogger(__name__)


async def _run(update: Update, context: ContextTypes.DEFAULT_TYPE, period_id=None) -> None:
    o = office(context)
    uid = update.effective_user.id
    found = await recap.target(o, uid, period_id)
    if isinstance(found, Choice):
        await reply(
            update,
            "Rekap periode yang mana?",
            keyboards.choices(found, "rk"),
        )
        return
    if found.step_no == recap.DRAFT_STEP:
        await _draft_and_send(update, context, found)
        return
    await _build_and_send(update, context, found)


async def progress_message(
    update: Update, period: str, what: str = "rekap periode"
) -> tuple[Message, recap.Progress]:
    """A status message edited as the build goes through its phases (/rekap, /kabupaten)."""
    done: list[str] = []
    status = await update.effective_message.reply_text(
        messages_data.recap_progress(period, "mulai", done, what), parse_mode=ParseMode.HTML
    )

    async def progress(phase: str) -> None:
        text = messages_data.recap_progress(period, phase, done, what)
        done.append(phase)
        try:
            await status.edit_text(text, parse_mode=ParseMode.HTML)
        except BadRequest as exc:  # "message is not modified" and the like cost nothing
            log.debug("progress edit skipped: %s", exc)

    return status, progress


async def _draft_and_send(
    update: Update, context: ContextTypes.DEFAULT_TYPE, found: RecapTarget
) -> None:
    """Step 8: the Draft Laporan (.docx) built and stored beside the step 7 workbook and chart,
    all three sent back so Tim SAKIP can check, edit and send the .docx again."""
    status, progress = await progress_message(update, found.period)
    files = await laporan.draft(
        office(context), update.effective_user.id, found.period_id, progress
    )
    await status.edit_text(messages_data.draft_built(found.period), parse_mode=ParseMode.HTML)
    message = update.effective_message
    await message.reply_document(
        InputFile(files.laporan, filename=files.laporan_name), caption=laporan.DRAFT_KIND
    )
    for content, name, mime in files.attached:
        if mime.startswith("image/"):
            await message.reply_photo(InputFile(content, filename=name), caption=recap.CHART_KIND)
        else:
            await message.reply_document(InputFile(content, filename=name))
    await reply(
        update, messages_data.draft_ready(files.stored), keyboards.finish(files.stored.run_id)
    )


async def _build_and_send(
    update: Update, context: ContextTypes.DEFAULT_TYPE, found: RecapTarget
) -> None:
    o = office(context)
    started = time.monotonic()
    status, progress = await progress_message(update, found.period)
    user, _ = await lookup(o, update.effective_user.id)
    files = await recap.build(
        o, found.period_id, user.nama if user else "Tim SAKIP", progress, opd_id=found.opd_id
    )
    stored = None
    if found.stores:
        stored = await recap.store(o, update.effective_user.id, files)
    await status.edit_text(
        messages_data.recap_done(files, time.monotonic() - started), parse_mode=ParseMode.HTML
    )
    caption = f"Rekapitulasi Hasil Pengukuran Data Kinerja — {files.period}"
    if stored is None:
        caption += " (pratinjau)"
    message = update.effective_message
    await message.reply_document(
        InputFile(files.workbook, filename=files.file_name), caption=caption
    )
    # The chart as a photo: it previews in the chat instead of waiting to be opened.
    await message.reply_photo(
        InputFile(files.chart, filename=files.chart_name), caption=recap.CHART_KIND
    )
    await reply(
        update,
        messages_data.recap_next(stored),
        keyboards.finish(stored.run_id) if stored is not None else None,
    )


@guarded
async def rekap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _run(update, context)


@guarded
async def rekap_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (period_id,) = callback_args(update)
    await _run(update, context, int(period_id))


def handlers() -> list:
    return [
        CommandHandler("rekap", rekap),
        CallbackQueryHandler(rekap_button, pattern=r"^rk:\d+$"),
    ]
