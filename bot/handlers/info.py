"""Reading the record: /tugas, /status, /arsip (and re-sending archived documents), /bantuan."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import keyboards, messages
from bot.handlers.common import (
    calendar,
    callback_args,
    guarded,
    office,
    reply,
    send_paged,
    set_buttons,
    text_after_command,
)
from core import users, views
from core.sop import Role

# How many other periods /status names when it shows the one that closed last.
RECENT = 5
_MARK = {"berjalan": "⏳", "selesai": "🗄", "dibatalkan": "✖️"}


@guarded
async def tugas(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    items = await views.my_tasks(office(context), update.effective_user.id)
    await send_paged(
        update, messages.tasks(items, await calendar(update, context)), keyboards.tasks(items)
    )


async def _timeline(update: Update, context: ContextTypes.DEFAULT_TYPE, period_id: int) -> None:
    t = await views.timeline(office(context), update.effective_user.id, period_id)
    await send_paged(update, messages.timeline(t, await calendar(update, context)))


@guarded
async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/status`: the running period (or a choice of them), else the one that closed last;
    `/status <nama periode>`: that one."""
    wanted = text_after_command(update)
    if wanted:
        await _named_status(update, context, wanted)
        return
    running = await views.running(office(context), update.effective_user.id)
    if not running:
        await _latest_status(update, context)
        return
    if len(running) == 1:
        await _timeline(update, context, running[0][0])
        return
    await reply(
        update,
        "Pilih periode:",
        keyboards.paged([(name, f"st:{pid}") for pid, name in running], 0, "stp"),
    )


def _period_items(entries: Sequence[views.ArchiveEntry]) -> list[tuple[str, str]]:
    return [(f"{_MARK[e.status]} {e.name}", f"st:{e.period_id}") for e in entries]


async def _named_status(update: Update, context: ContextTypes.DEFAULT_TYPE, wanted: str) -> None:
    entries = await views.all_periods(office(context), update.effective_user.id)
    found = views.match_periods(entries, wanted)
    if len(found) == 1:
        await _timeline(update, context, found[0].period_id)
    elif not entries:
        await reply(update, messages.NO_PERIODS)
    elif found:
        shown = found[: keyboards.PAGE]
        text = messages.periods_matching(wanted, len(found), len(shown))
        await reply(update, text, keyboards.column(_period_items(shown)))
    else:
        text = messages.periods_matching(wanted, 0, 0)
        await reply(update, text, keyboards.paged(_period_items(entries), 0, "sta"))


async def _latest_status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    entries = await views.all_periods(office(context), update.effective_user.id)
    if not entries:
        await reply(update, messages.NO_PERIODS)
        return
    latest, *others = entries
    t = await views.timeline(office(context), update.effective_user.id, latest.period_id)
    names = [e.name for e in others[:RECENT]]
    await send_paged(update, messages.latest_timeline(t, await calendar(update, context), names))


@guarded
async def all_periods_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (page,) = callback_args(update)
    entries = await views.all_periods(office(context), update.effective_user.id)
    await set_buttons(update, keyboards.paged(_period_items(entries), int(page), "sta"))


@guarded
async def status_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (period_id,) = callback_args(update)
    await _timeline(update, context, int(period_id))


@guarded
async def status_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (page,) = callback_args(update)
    running = await views.running(office(context), update.effective_user.id)
    items = [(name, f"st:{pid}") for pid, name in running]
    await set_buttons(update, keyboards.paged(items, int(page), "stp"))


def _archive_items(entries: list[views.ArchiveEntry]) -> list[tuple[str, str]]:
    return [(f"{_MARK[e.status]} {e.name}", f"ar:{e.period_id}") for e in entries]


@guarded
async def arsip(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    entries = await views.archive(office(context), update.effective_user.id)
    markup = keyboards.paged(_archive_items(entries), 0, "arp") if entries else None
    await reply(update, messages.archive_list(entries), markup)


@guarded
async def archive_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (page,) = callback_args(update)
    entries = await views.archive(office(context), update.effective_user.id)
    await set_buttons(update, keyboards.paged(_archive_items(entries), int(page), "arp"))


def _document_items(docs: Sequence[views.ArchivedDoc]) -> list[tuple[str, str]]:
    """One button per document, its step (and round) kept whole and the file name shortened."""
    items = []
    for d in docs:
        kode = f"Langkah {d.step_no}" if d.step_no else "Tanpa langkah"
        kode += f", putaran {d.round}: " if d.round is not None else ": "
        items.append((keyboards.label(kode, d.file_name), f"doc:{d.id}"))
    return items


@guarded
async def archive_period(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (period_id,) = callback_args(update)
    archived = await views.archived_period(
        office(context), update.effective_user.id, int(period_id)
    )
    if not archived.docs:
        await reply(update, "Periode ini tidak memiliki dokumen.")
        return
    markup = keyboards.paged(_document_items(archived.docs), 0, f"adp:{period_id}")
    await send_paged(update, messages.archived_period(archived), markup)


@guarded
async def archive_docs_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    period_id, page = callback_args(update)
    docs = await views.archived_documents(office(context), update.effective_user.id, int(period_id))
    await set_buttons(update, keyboards.paged(_document_items(docs), int(page), f"adp:{period_id}"))


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
    regency = users.is_regency_admin(office(context), update.effective_user.id)
    text = messages.help_text(role, admin, registered, regency)
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
        CallbackQueryHandler(all_periods_page, pattern=r"^sta:\d+$"),
        CallbackQueryHandler(archive_period, pattern=r"^ar:\d+$"),
        CallbackQueryHandler(archive_page, pattern=r"^arp:\d+$"),
        CallbackQueryHandler(archive_docs_page, pattern=r"^adp:\d+:\d+$"),
        CallbackQueryHandler(send_document, pattern=r"^doc:\d+$"),
    ]
