"""/lapor: an ASN reports the realisation of one of their indicators in three moves.

pick indicator → type the value (read as Indonesians type it; an unusual value is confirmed) →
the card with target, realisasi, capaian and predikat → ✅ Kirim. From the card, before
sending, the ASN may add a faktor (the one that fits first: penghambat below target, pendukung
at or above it) or evidence (photo/document); each comes back to an updated card.

Only small values live in user_data (ids, the value as text, the version the card showed, the
faktor, the evidence's Telegram file id); the evidence is downloaded and stored on Kirim.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from pathlib import PurePath

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import keyboards, messages_data
from bot.handlers.common import calendar, callback_args, guarded, kick, office, reply, set_buttons
from bot.handlers.dialog import CANCEL_WORDS, TYPED, dialog, expired, fresh_dialog
from bot.handlers.period import opened_text
from core import indicators
from core.engine import SopError
from core.indicators import Preview, ReportItem, Submitted
from core.office import AlreadyHandled
from core.transitions import DOCUMENT_TYPES, MAX_UPLOAD, DocInput

PICK, VALUE, ODD, CARD, FAKTOR, EVIDENCE = range(6)
BACK = keyboards.column([(messages_data.BACK_TO_CARD, "lpc")])


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
    fresh_dialog(update, context, "lapor")
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
    await set_buttons(update, _pick_markup(editable, int(number)))
    return PICK


@guarded
async def pick(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """An indicator from the list, or straight from a notice's button."""
    (indicator_id,) = callback_args(update)
    item = await indicators.report_item(
        office(context), update.effective_user.id, int(indicator_id)
    )
    if item is None or not item.editable:
        raise SopError(
            "Indikator ini tidak bisa diisi sekarang (sudah divalidasi atau pelaporan ditutup). "
            "Ketik /progres."
        )
    fresh_dialog(update, context, "lapor")  # nothing typed for another indicator carries over
    context.user_data.update(ind=item.indicator_id, label=item.code)
    await reply(update, messages_data.ask_value(item))
    return VALUE


@guarded
async def got_value(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    if await expired(update, context):
        return ConversationHandler.END
    return await _take_value(update, context, update.message.text)


@guarded
async def scale_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """`1,5 m` was asked back: the pressed reading is taken as if typed."""
    (choice,) = callback_args(update)
    choices = context.user_data.pop("scales", None)
    await set_buttons(update)
    if not choices:
        await reply(update, "Ketik ulang angka realisasinya.")
        return VALUE
    return await _take_value(update, context, choices[0 if choice == "j" else 1])


async def _take_value(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> int:
    try:
        pv = await indicators.preview(
            office(context), update.effective_user.id, context.user_data["ind"], text
        )
    except indicators.ScaleQuestion as question:
        context.user_data["scales"] = question.choices
        await reply(
            update,
            f"{escape(str(question))} Yang mana?",
            keyboards.column([(question.choices[0], "lpm:j"), (question.choices[1], "lpm:m")]),
        )
        return VALUE
    data = context.user_data
    data.update(value=format(pv.value, "f"), ver=pv.version)
    # A correction keeps the faktor already filed unless the card replaces them.
    data.setdefault("pendukung", pv.kept_pendukung)
    data.setdefault("penghambat", pv.kept_penghambat)
    if pv.needs_confirmation:
        await reply(
            update,
            messages_data.confirm_odd(pv),
            keyboards.column([("✅ Ya, pakai angka ini", "lpy"), ("✏️ Ketik ulang", "lpn")]),
        )
        return ODD
    return await _show_card(update, context, pv)


@guarded
async def odd_yes(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await set_buttons(update)
    return await _show_card(update, context)


@guarded
async def odd_no(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await set_buttons(update)
    context.user_data.pop("value", None)
    await reply(update, "Ketik ulang angka realisasinya.")
    return VALUE


def _card_markup(pv: Preview, data: dict) -> InlineKeyboardMarkup:
    """Kirim first; then the faktor that fits the capaian, the other, evidence, change, cancel."""
    order = ("h", "d") if pv.measured.below_target else ("d", "h")
    faktor = [
        keyboards.button(
            f"{'✏️' if data.get(keyboards.FAKTOR_CODES[c]) else '➕'} "
            f"Faktor {keyboards.FAKTOR_CODES[c]}",
            f"lpf:{c}",
        )
        for c in order
    ]
    has_evidence = data.get("evidence") or pv.kept_evidence
    evidence = "📎 Ganti bukti dukung" if has_evidence else "📎 Bukti dukung"
    return InlineKeyboardMarkup(
        [
            [keyboards.button("✅ Kirim", "lpok")],
            faktor,
            [keyboards.button(evidence, "lpb")],
            [keyboards.button("✏️ Ubah angka", "lped"), keyboards.button("✖️ Batal", "lpx")],
        ]
    )


async def _show_card(
    update: Update, context: ContextTypes.DEFAULT_TYPE, pv: Preview | None = None
) -> int:
    """The confirmation card; measured again from the stored value (it may have changed since)
    unless the caller has just measured it."""
    data = context.user_data
    if pv is None:
        pv = await indicators.preview(
            office(context), update.effective_user.id, data["ind"], value=Decimal(data["value"])
        )
    evidence = data["evidence"][1] if data.get("evidence") else pv.kept_evidence
    text = messages_data.confirm_text(pv, data.get("pendukung"), data.get("penghambat"), evidence)
    await reply(update, text, _card_markup(pv, data))
    return CARD


@guarded
async def ask_faktor(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    (code,) = callback_args(update)
    await set_buttons(update)
    context.user_data["asking"] = keyboards.FAKTOR_CODES[code]
    await reply(update, messages_data.ASK_FAKTOR[code], BACK)
    return FAKTOR


@guarded
async def got_faktor(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    if await expired(update, context):
        return ConversationHandler.END
    text = indicators.faktor_text(update.message.text)  # refused: asked again
    data = context.user_data
    data[data.pop("asking", "pendukung")] = text
    return await _show_card(update, context)


@guarded
async def ask_evidence(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await set_buttons(update)
    await reply(update, messages_data.ASK_EVIDENCE, BACK)
    return EVIDENCE


@guarded
async def back_to_card(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await set_buttons(update)
    context.user_data.pop("asking", None)
    return await _show_card(update, context)


@guarded
async def got_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    if await expired(update, context):
        return ConversationHandler.END
    photo = update.message.photo[-1]
    if photo.file_size and photo.file_size > MAX_UPLOAD:
        raise SopError("Foto lebih dari 20 MB. Kirim yang lebih kecil, atau tekan Kembali.")
    name = f"Bukti {context.user_data.get('label', '')}.jpg".replace("#", "-")
    context.user_data["evidence"] = [photo.file_id, name, "image/jpeg"]
    return await _show_card(update, context)


@guarded
async def got_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    if await expired(update, context):
        return ConversationHandler.END
    doc = update.message.document
    name = doc.file_name or "bukti"
    if doc.file_size and doc.file_size > MAX_UPLOAD:
        raise SopError("File lebih dari 20 MB. Kirim yang lebih kecil, atau tekan Kembali.")
    if PurePath(name).suffix.lower() not in DOCUMENT_TYPES:
        raise SopError(
            "Jenis file ini tidak diterima sebagai bukti. Kirim PDF, dokumen Word/Excel, "
            "atau gambar JPG/PNG, atau tekan Kembali."
        )
    context.user_data["evidence"] = [doc.file_id, name, doc.mime_type]
    return await _show_card(update, context)


async def _evidence(context: ContextTypes.DEFAULT_TYPE) -> DocInput | None:
    """The evidence chosen on the card, downloaded only now that the figure is sent."""
    if not context.user_data.get("evidence"):
        return None
    file_id, name, mime = context.user_data["evidence"]
    telegram_file = await context.bot.get_file(file_id)
    content = bytes(await telegram_file.download_as_bytearray())
    return DocInput(content, name, mime, file_id)


@guarded
async def confirmed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    if await expired(update, context):
        return ConversationHandler.END
    data = context.user_data
    try:
        result = await indicators.submit(
            office(context),
            update.effective_user.id,
            data["ind"],
            Decimal(data["value"]),
            version=data["ver"],
            pendukung=data.get("pendukung"),
            penghambat=data.get("penghambat"),
            evidence=await _evidence(context),
        )
    except indicators.AlreadyStored as stored:
        # The first Kirim was stored, but its process died before the dialog's end was saved
        # (or the press came again): said so, and the dialog ends as it did then.
        data.clear()
        await reply(update, escape(str(stored)))
        return ConversationHandler.END
    except AlreadyHandled:
        # This very press, stored by a process that died before replying.
        data.clear()
        await reply(update, messages_data.STORED_BEFORE)
        return ConversationHandler.END
    if result.notified:
        kick(context)
    data.clear()
    await set_buttons(update)
    await _tell_submitted(update, context, result)
    return ConversationHandler.END


async def _tell_submitted(
    update: Update, context: ContextTypes.DEFAULT_TYPE, result: Submitted
) -> None:
    """The stored figure; the next indicator of this PIC one tap away, if any is left."""
    opened = ""
    if result.done is not None:
        opened = opened_text(result.done, await calendar(update, context))
    markup = None
    if result.done is None and result.next_indicator_id is not None:
        markup = keyboards.column([("📝 Indikator berikutnya", f"lp:{result.next_indicator_id}")])
    await reply(update, messages_data.submitted_text(result, opened), markup)


@guarded
async def change_value(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await set_buttons(update)
    await reply(update, "Ketik angka realisasi yang benar.")
    return VALUE


@guarded
async def abort(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.clear()
    await set_buttons(update)
    await reply(update, "Dibatalkan. Realisasi tidak dikirim.")
    return ConversationHandler.END


@guarded
async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, messages_data.NOT_TEXT)


@guarded
async def evidence_please(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Text, a sticker, a voice note... where the evidence is awaited."""
    await reply(update, messages_data.EVIDENCE_PLEASE, BACK)


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
            VALUE: [
                MessageHandler(TYPED, got_value),
                CallbackQueryHandler(scale_chosen, pattern=r"^lpm:[jm]$"),
            ],
            ODD: [
                CallbackQueryHandler(odd_yes, pattern=r"^lpy$"),
                CallbackQueryHandler(odd_no, pattern=r"^lpn$"),
                MessageHandler(TYPED, use_buttons),
            ],
            CARD: [
                CallbackQueryHandler(confirmed, pattern=r"^lpok$"),
                CallbackQueryHandler(ask_faktor, pattern=r"^lpf:[dh]$"),
                CallbackQueryHandler(ask_evidence, pattern=r"^lpb$"),
                CallbackQueryHandler(change_value, pattern=r"^lped$"),
                CallbackQueryHandler(abort, pattern=r"^lpx$"),
                # Evidence sent without pressing 📎 first is taken all the same.
                MessageHandler(filters.PHOTO, got_photo),
                MessageHandler(filters.Document.ALL, got_document),
                MessageHandler(TYPED, use_buttons),
            ],
            FAKTOR: [
                MessageHandler(TYPED, got_faktor),
                CallbackQueryHandler(back_to_card, pattern=r"^lpc$"),
            ],
            EVIDENCE: [
                MessageHandler(filters.PHOTO, got_photo),
                MessageHandler(filters.Document.ALL, got_document),
                CallbackQueryHandler(back_to_card, pattern=r"^lpc$"),
                MessageHandler(~filters.COMMAND & ~CANCEL_WORDS, evidence_please),
            ],
        },
        [
            CallbackQueryHandler(pick, pattern=r"^lp:\d+$"),
            MessageHandler(~filters.COMMAND & ~filters.TEXT, not_text),
        ],
    )
    return [report, CallbackQueryHandler(page, pattern=r"^lpp:\d+$")]
