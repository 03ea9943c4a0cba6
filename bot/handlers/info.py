"""Reading the record: /tugas, /status, /arsip (and re-sending archived documents), /bantuan."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import keyboards, messages
from bot.handlers.common import calendar, callback_args, guarded, office, reply
from core import users, views
from core.sop import Role
from core.text import pages

LIMIT = 3900


async def _send_paged(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Long texts go out in several messages, each within Telegram's 4096 characters; the
    buttons come with the last one."""
    parts = pages(text, LIMIT)
    for n, part in enumerate(parts, 1):
        await reply(update, part, markup if n == len(parts) else None)


@guarded
async def tugas(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    items = await views.my_tasks(office(context), update.effective_user.id)
    await _send_paged(
        update, messages.tasks(items, await calendar(context)), keyboards.tasks(items)
    )


async def _timeline(update: Update, context: ContextTypes.DEFAULT_TYPE, period_id: int) -> None:
    t = await views.timeline(office(context), update.effective_user.id, period_id)
    await _send_paged(update, messages.timeline(t, await calendar(context)))


@guarded
async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    running = await views.running(office(context), update.effective_user.id)
    if not running:
        await reply(
            update, "Tidak ada periode yang sedang berjalan. Periode selesai ada di /arsip."
        )
        return
    if len(running) == 1:
        await _timeline(update, context, running[0][0])
        return
    await reply(
        update,
        "Pilih periode:",
        keyboards.paged([(name, f"st:{pid}") for pid, name in running], 0, "stp"),
    )


@guarded
async def status_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (period_id,) = callback_args(update)
    await _timeline(update, context, int(period_id))


@guarded
async def status_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (page,) = callback_args(update)
    running = await views.running(office(context), update.effective_user.id)
    items = [(name, f"st:{pid}") for pid, name in running]
    await update.callback_query.edit_message_reply_markup(keyboards.paged(items, int(page), "stp"))


def _archive_items(entries: list[views.ArchiveEntry]) -> list[tuple[str, str]]:
    mark = {"selesai": "🗄", "dibatalkan": "✖️"}
    return [(f"{mark[e.status]} {e.name}", f"ar:{e.period_id}") for e in entries]


@guarded
async def arsip(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    entries = await views.archive(office(context), update.effective_user.id)
    markup = keyboards.paged(_archive_items(entries), 0, "arp") if entries else None
    await reply(update, messages.archive_list(entries), markup)


@guarded
async def archive_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (page,) = callback_args(update)
    entries = await views.archive(office(context), update.effective_user.id)
    await update.callback_query.edit_message_reply_markup(
        keyboards.paged(_archive_items(entries), int(page), "arp")
    )


@guarded
async def archive_period(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (period_id,) = callback_args(update)
    docs = await views.archived_documents(office(context), update.effective_user.id, int(period_id))
    if not docs:
        await reply(update, "Periode ini tidak memiliki dokumen.")
        return
    items = [(f"{d.step_no or '-'}. {d.kind}: {d.file_name}", f"doc:{d.id}") for d in docs]
    await reply(
        update, "Pilih dokumen untuk dikirim ulang:", keyboards.paged(items, 0, f"adp:{period_id}")
    )


@guarded
async def archive_docs_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    period_id, page = callback_args(update)
    docs = await views.archived_documents(office(context), update.effective_user.id, int(period_id))
    items = [(f"{d.step_no or '-'}. {d.kind}: {d.file_name}", f"doc:{d.id}") for d in docs]
    await update.callback_query.edit_message_reply_markup(
        keyboards.paged(items, int(page), f"adp:{period_id}")
    )


@guarded
async def send_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (doc_id,) = callback_args(update)
    doc, content = await views.document(office(context), update.effective_user.id, int(doc_id))
    await update.effective_message.reply_document(
        InputFile(content, filename=doc.file_name), caption=doc.kind[:1000]
    )


@guarded
async def bantuan(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user, admin = await users.lookup(office(context), update.effective_user.id)
    registered = user is not None and user.status == users.ACTIVE
    role = Role(user.role) if registered else None
    text = messages.help_text(role, admin, registered)
    if registered:
        waiting = await views.my_tasks(office(context), update.effective_user.id)
        text += "\n\n" + messages.waiting_now(len(waiting))
    await reply(update, text)


def handlers() -> list:
    return [
        CommandHandler("tugas", tugas),
        CommandHandler("status", status),
        CommandHandler("arsip", arsip),
        CommandHandler("bantuan", bantuan),
        CommandHandler("help", bantuan),
        CallbackQueryHandler(status_button, pattern=r"^st:\d+$"),
        CallbackQueryHandler(status_page, pattern=r"^stp:\d+$"),
        CallbackQueryHandler(archive_period, pattern=r"^ar:\d+$"),
        CallbackQueryHandler(archive_page, pattern=r"^arp:\d+$"),
        CallbackQueryHandler(archive_docs_page, pattern=r"^adp:\d+:\d+$"),
        CallbackQueryHandler(send_document, pattern=r"^doc:\d+$"),
    ]
