"""/lapor: an ASN reports the realisation of one of their indicators, step by step.

pick indicator → value (read as Indonesians type it; an unusual value is confirmed) →
faktor pendukung → faktor penghambat (both optional) → evidence (photo/document, optional) →
confirmation showing target, realisasi, capaian and predikat → stored.

Only small values live in user_data (ids, the value as text, the evidence's Telegram file id);
the evidence is downloaded and stored when the figure is confirmed.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import PurePath

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import keyboards, messages_data
from bot.handlers.common import calendar, callback_args, guarded, kick, office, reply
from bot.handlers.dialog import TYPED, dialog, expired, fresh_dialog
from bot.handlers.period import opened_text
from core import indicators
from core.engine import SopError
from core.indicators import ReportItem
from core.transitions import DOCUMENT_TYPES, MAX_UPLOAD, DocInput

PICK, VALUE, ODD, PENDUKUNG, PENGHAMBAT, EVIDENCE, CONFIRM = range(7)
SKIP = keyboards.column([("⏭ Lewati", "lps")])


async def _items(update: Update, context: ContextTypes.DEFAULT_TYPE) -> list[ReportItem]:
    return await indicators.my_indicators(office(context), update.effective_user.id)


def _pick_markup(items: list[ReportItem], page: int) -> keyboards.InlineKeyboardMarkup | None:
    several = len({i.period_id for i in items}) > 1
    buttons = [(messages_data.item_label(i, several), f"lp:{i.indicator_id}") for i in items]
    return keyboards.paged(buttons, page, "lpp")


async def _show_list(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    items = await _items(update, context)
    editable = [i for i in items if i.editable]
    if not editable:
        context.user_data.clear()
        await reply(update, messages_data.NOTHING_TO_REPORT)
        return ConversationHandler.END
    fresh_dialog(context, "lapor")
    done = sum(1 for i in items if i.status == indicators.VALID)
    await reply(update, messages_data.lapor_list(editable, done), _pick_markup(editable, 0))
    return PICK


@guarded
async def lapor(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    return await _show_list(update, context)


@guarded
async def page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    (number,) = callback_args(update)
    editable = [i for i in await _items(update, context) if i.editable]
    await update.callback_query.edit_message_reply_markup(_pick_markup(editable, int(number)))
    return PICK


@guarded
async def pick(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """An indicator from the list, or straight from a notice's button."""
    (indicator_id,) = callback_args(update)
    item = next(
        (i for i in await _items(update, context) if i.indicator_id == int(indicator_id)), None
    )
    if item is None or not item.editable:
        raise SopError(
            "Indikator ini tidak bisa diisi sekarang (sudah divalidasi atau pelaporan ditutup). "
            "Ketik /progres."
        )
    if context.user_data.get("dialog") != "lapor":
        fresh_dialog(context, "lapor")
    context.user_data.update(ind=item.indicator_id, label=item.code)
    await reply(update, messages_data.ask_value(item))
    return VALUE


@guarded
async def got_value(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    if await expired(update, context):
        return ConversationHandler.END
    pv = await indicators.preview(
        office(context), update.effective_user.id, context.user_data["ind"], update.message.text
    )
    context.user_data["value"] = format(pv.value, "f")
    if pv.needs_confirmation:
        await reply(
            update,
            messages_data.confirm_odd(pv),
            keyboards.column([("✅ Ya, pakai angka ini", "lpy"), ("✏️ Ketik ulang", "lpn")]),
        )
        return ODD
    await reply(update, messages_data.ASK_PENDUKUNG, SKIP)
    return PENDUKUNG


@guarded
async def odd_yes(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await update.callback_query.edit_message_reply_markup(None)
    await reply(update, messages_data.ASK_PENDUKUNG, SKIP)
    return PENDUKUNG


@guarded
async def odd_no(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await update.callback_query.edit_message_reply_markup(None)
    context.user_data.pop("value", None)
    await reply(update, "Ketik ulang angka realisasinya.")
    return VALUE


@guarded
async def got_pendukung(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if await expired(update, context):
        return ConversationHandler.END
    if update.message is not None:
        context.user_data["pendukung"] = update.message.text.strip()[: indicators.MAX_FAKTOR]
    else:
        await update.callback_query.edit_message_reply_markup(None)
    await reply(update, messages_data.ASK_PENGHAMBAT, SKIP)
    return PENGHAMBAT


@guarded
async def got_penghambat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if await expired(update, context):
        return ConversationHandler.END
    if update.message is not None:
        context.user_data["penghambat"] = update.message.text.strip()[: indicators.MAX_FAKTOR]
    else:
        await update.callback_query.edit_message_reply_markup(None)
    await reply(update, messages_data.ASK_EVIDENCE, SKIP)
    return EVIDENCE


@guarded
async def got_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if await expired(update, context):
        return ConversationHandler.END
    photo = update.message.photo[-1]
    if photo.file_size and photo.file_size > MAX_UPLOAD:
        raise SopError("Foto lebih dari 20 MB. Kirim yang lebih kecil, atau tekan Lewati.")
    name = f"Bukti {context.user_data.get('label', '')}.jpg".replace("#", "-")
    context.user_data["evidence"] = [photo.file_id, name, "image/jpeg"]
    return await _confirm(update, context)


@guarded
async def got_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if await expired(update, context):
        return ConversationHandler.END
    doc = update.message.document
    name = doc.file_name or "bukti"
    if doc.file_size and doc.file_size > MAX_UPLOAD:
        raise SopError("File lebih dari 20 MB. Kirim yang lebih kecil, atau tekan Lewati.")
    if PurePath(name).suffix.lower() not in DOCUMENT_TYPES:
        raise SopError(
            "Jenis file ini tidak diterima sebagai bukti. Kirim PDF, dokumen Word/Excel, "
            "atau gambar JPG/PNG, atau tekan Lewati."
        )
    context.user_data["evidence"] = [doc.file_id, name, doc.mime_type]
    return await _confirm(update, context)


@guarded
async def skip_evidence(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await update.callback_query.edit_message_reply_markup(None)
    context.user_data.pop("evidence", None)
    return await _confirm(update, context)


async def _confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data = context.user_data
    pv = await indicators.preview(
        office(context), update.effective_user.id, data["ind"], value=Decimal(data["value"])
    )
    evidence = data["evidence"][1] if data.get("evidence") else None
    await reply(
        update,
        messages_data.confirm_text(pv, data.get("pendukung"), data.get("penghambat"), evidence),
        keyboards.InlineKeyboardMarkup(
            [
                [keyboards.button("✅ Kirim", "lpok")],
                [keyboards.button("✏️ Ubah angka", "lped"), keyboards.button("✖️ Batal", "lpx")],
            ]
        ),
    )
    return CONFIRM


@guarded
async def confirmed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if await expired(update, context):
        return ConversationHandler.END
    data = context.user_data
    evidence = None
    if data.get("evidence"):
        file_id, name, mime = data["evidence"]
        telegram_file = await context.bot.get_file(file_id)
        content = bytes(await telegram_file.download_as_bytearray())
        evidence = DocInput(content, name, mime, file_id)
    o = office(context)
    result = await indicators.submit(
        o,
        update.effective_user.id,
        data["ind"],
        Decimal(data["value"]),
        data.get("pendukung"),
        data.get("penghambat"),
        evidence,
    )
    kick(context)
    data.clear()
    await update.callback_query.edit_message_reply_markup(None)
    opened = ""
    if result.done is not None:
        opened = opened_text(result.done, await calendar(context))
    await reply(update, messages_data.submitted_text(result, opened))
    return ConversationHandler.END


@guarded
async def change_value(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await update.callback_query.edit_message_reply_markup(None)
    await reply(update, "Ketik angka realisasi yang benar.")
    return VALUE


@guarded
async def abort(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.clear()
    await update.callback_query.edit_message_reply_markup(None)
    await reply(update, "Dibatalkan. Realisasi tidak dikirim.")
    return ConversationHandler.END


@guarded
async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, messages_data.NOT_TEXT)


@guarded
async def use_buttons(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, "Pilih dengan tombol di atas, atau /batal.")


def handlers() -> list:
    report = dialog(
        "lapor",
        [
            CommandHandler("lapor", lapor),
            CallbackQueryHandler(lapor, pattern=r"^lpgo$"),
            CallbackQueryHandler(pick, pattern=r"^lp:\d+$"),
        ],
        {
            PICK: [
                CallbackQueryHandler(pick, pattern=r"^lp:\d+$"),
                CallbackQueryHandler(page, pattern=r"^lpp:\d+$"),
                MessageHandler(TYPED, use_buttons),
            ],
            VALUE: [MessageHandler(TYPED, got_value)],
            ODD: [
                CallbackQueryHandler(odd_yes, pattern=r"^lpy$"),
                CallbackQueryHandler(odd_no, pattern=r"^lpn$"),
                MessageHandler(TYPED, use_buttons),
            ],
            PENDUKUNG: [
                MessageHandler(TYPED, got_pendukung),
                CallbackQueryHandler(got_pendukung, pattern=r"^lps$"),
            ],
            PENGHAMBAT: [
                MessageHandler(TYPED, got_penghambat),
                CallbackQueryHandler(got_penghambat, pattern=r"^lps$"),
            ],
            EVIDENCE: [
                MessageHandler(filters.PHOTO, got_photo),
                MessageHandler(filters.Document.ALL, got_document),
                CallbackQueryHandler(skip_evidence, pattern=r"^lps$"),
                MessageHandler(TYPED, use_buttons),
            ],
            CONFIRM: [
                CallbackQueryHandler(confirmed, pattern=r"^lpok$"),
                CallbackQueryHandler(change_value, pattern=r"^lped$"),
                CallbackQueryHandler(abort, pattern=r"^lpx$"),
                MessageHandler(TYPED, use_buttons),
            ],
        },
        [
            CallbackQueryHandler(pick, pattern=r"^lp:\d+$"),
            MessageHandler(~filters.COMMAND & ~filters.TEXT, not_text),
        ],
        allow_reentry=True,
    )
    return [report, CallbackQueryHandler(page, pattern=r"^lpp:\d+$")]
