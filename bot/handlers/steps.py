"""Finishing a step: send its output document (it may be replaced), then /selesai or the button."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot import keyboards, messages
from bot.handlers.common import calendar, callback_args, guarded, kick, office, reply, set_buttons
from bot.handlers.files import download
from bot.handlers.period import opened_text
from core import workflow
from core.sop import Output, step
from core.transitions import Attached, Choice, Done


async def _attached(update: Update, result: Attached) -> None:
    s = step(result.step_no)
    if s.output_kind is Output.FORWARD:
        text = (
            f"📎 Lampiran <b>{escape(result.file_name)}</b> ditambahkan ke laporan periode "
            f"<b>{escape(result.period)}</b>. Tekan tombol untuk mengirim ke Kepala Dinas."
        )
        await reply(update, text, keyboards.finish(result.run_id, "📤 Kirim ke Kepala Dinas"))
        return
    verb = "mengganti dokumen sebelumnya" if result.replaced else "tersimpan"
    text = (
        f"📎 <b>{escape(result.file_name)}</b> {verb} sebagai <b>{escape(s.output)}</b> — "
        f"{s.title}, periode <b>{escape(result.period)}</b>.\n"
        "Salah file? Kirim ulang untuk mengganti. Bila sudah benar, tekan Selesaikan."
    )
    if result.summary:
        text = f"✅ {escape(result.summary)}\n{text}"
    await reply(update, text, keyboards.finish(result.run_id))


@guarded
async def document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await workflow.check_upload(office(context), update.effective_user.id)
    doc = await download(update)
    result = await workflow.attach_document(office(context), update.effective_user.id, doc)
    if isinstance(result, Choice):
        await reply(
            update,
            "Dokumen ini untuk langkah yang mana?",
            keyboards.column(
                [(label, f"att:{result.doc_id}:{rid}") for rid, label in result.options]
            ),
        )
        return
    await _attached(update, result)


@guarded
async def place(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    doc_id, run_id = callback_args(update)
    result = await workflow.place_document(
        office(context), update.effective_user.id, int(doc_id), int(run_id)
    )
    await set_buttons(update)
    await _attached(update, result)


@guarded
async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, messages.PHOTO_NOT_DOCUMENT)


async def _finished(
    update: Update, context: ContextTypes.DEFAULT_TYPE, result: Done | Choice
) -> None:
    if isinstance(result, Choice):
        await reply(
            update,
            "Langkah mana yang akan diselesaikan?",
            keyboards.choices(result, "fin"),
        )
        return
    kick(context)
    cal = await calendar(update, context)
    s = step(result.step_no)
    text = f"✅ {s.title} periode <b>{escape(result.period)}</b> selesai."
    if result.finished:
        text += " Periode selesai dan diarsipkan; laporan dikirim ke Kepala Dinas."
    else:
        text += "\n" + opened_text(result, cal)
    if update.callback_query:
        await set_buttons(update)
    await reply(update, text)


@guarded
async def selesai(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    result = await workflow.finish_step(office(context), update.effective_user.id)
    await _finished(update, context, result)


@guarded
async def finish_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (run_id,) = callback_args(update)
    result = await workflow.finish_step(office(context), update.effective_user.id, int(run_id))
    await _finished(update, context, result)


def handlers() -> list:
    return [
        CommandHandler("selesai", selesai),
        CallbackQueryHandler(finish_button, pattern=r"^fin:\d+$"),
        CallbackQueryHandler(place, pattern=r"^att:\d+:\d+$"),
        # Downloading up to 20 MB and checking a 5,000-row Kertas Kerja takes seconds: other
        # users' updates run beside it (bot/updates.py), this user's next one (say /selesai)
        # waits for it, so a step is never finished with the draft before this upload.
        MessageHandler(filters.Document.ALL, document),
        MessageHandler(filters.PHOTO, photo),
    ]
