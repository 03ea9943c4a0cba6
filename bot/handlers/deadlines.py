"""Deadlines in chat: /libur (days off), /kepatuhan (SOP compliance), and noticing a user who
blocked the bot and writes again."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import CallbackQueryHandler, ChatMemberHandler, CommandHandler, ContextTypes

from bot import keyboards, messages
from bot.handlers.common import (
    calendar,
    callback_args,
    guarded,
    kick,
    office,
    reply,
    send_paged,
    set_buttons,
)
from core import compliance, deadlines, libur
from core.libur import ADDED, WORKING

_VERBS = {"tambah": "libur", "libur": "libur", "masuk": "masuk", "kerja": "masuk", "hapus": "hapus"}


def _removable(view: libur.DaysView) -> list[tuple[str, str]]:
    return [
        (f"🗑 {e.day:%d-%m-%Y} {e.name}"[:60], f"lbx:{e.day.isoformat()}")
        for e in view.entries
        if e.kind in (ADDED, WORKING) or (e.worked and e.kind != WORKING)
    ]


async def _show_days(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    o = office(context)
    view = await libur.list_days(o, update.effective_user.id)
    cal = await calendar(update, context)
    items = _removable(view) if view.can_edit else []
    markup = keyboards.paged(items, 0, "lbp") if items else None
    await send_paged(update, messages.days_off(view, cal), markup)


@guarded
async def libur_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/libur, /libur tambah <tanggal> <keterangan>, /libur masuk <tanggal>, /libur hapus <tanggal>."""
    args = list(context.args or [])
    if not args:
        await _show_days(update, context)
        return
    verb = _VERBS.get(args[0].lower())
    if verb is None or len(args) == 1:
        missing = "Tanggalnya belum ditulis.\n" if verb else ""
        await reply(update, missing + messages.LIBUR_USAGE)
        return
    day, note = libur.split_day(args[1:])
    o, who = office(context), update.effective_user.id
    if verb == "libur":
        change = await libur.add_day_off(o, who, day, note)
    elif verb == "masuk":
        change = await libur.add_working_day(o, who, day, note)
    else:
        change = await libur.remove_day(o, who, day)
    await reply(update, messages.day_changed(change))


@guarded
async def libur_remove_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (text,) = callback_args(update)
    change = await libur.remove_day(
        office(context), update.effective_user.id, libur.parse_day(text)
    )
    await reply(update, messages.day_changed(change))


@guarded
async def libur_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (page,) = callback_args(update)
    view = await libur.list_days(office(context), update.effective_user.id)
    items = _removable(view) if view.can_edit else []
    await set_buttons(update, keyboards.paged(items, int(page), "lbp"))


async def _show_compliance(
    update: Update, context: ContextTypes.DEFAULT_TYPE, period_id: int | None
) -> None:
    view, cal = await compliance.compliance_report(
        office(context), update.effective_user.id, period_id
    )
    await send_paged(update, messages.compliance(view, cal))


@guarded
async def kepatuhan(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    choices = await compliance.report_choices(office(context), update.effective_user.id)
    if len(choices) > 1:
        await reply(
            update,
            "Beberapa periode sedang berjalan. Pilih periode untuk laporan kepatuhan SOP:",
            keyboards.paged([(name, f"kp:{pid}") for pid, name in choices], 0, "kpp"),
        )
        return
    await _show_compliance(update, context, choices[0][0] if choices else None)


@guarded
async def kepatuhan_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (period_id,) = callback_args(update)
    await _show_compliance(update, context, int(period_id))


@guarded
async def kepatuhan_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (page,) = callback_args(update)
    choices = await compliance.report_choices(office(context), update.effective_user.id)
    items = [(name, f"kp:{pid}") for pid, name in choices]
    await set_buttons(update, keyboards.paged(items, int(page), "kpp"))


async def member_changed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Telegram tells the bot when a user blocks it (recorded, Tim SAKIP told once, reminders
    wait) and when they unblock it (reachable again: reminders resume). A user cannot write
    to a bot they block, so nothing else needs to look for their return."""
    change = update.my_chat_member
    if change.chat.type != ChatType.PRIVATE:
        return
    status = change.new_chat_member.status
    if status == ChatMemberStatus.BANNED:
        if await deadlines.record_blocked(office(context), change.chat.id):
            kick(context)
    elif status == ChatMemberStatus.MEMBER:
        await deadlines.clear_blocked(office(context), change.chat.id)


def handlers() -> list:
    return [
        ChatMemberHandler(member_changed, ChatMemberHandler.MY_CHAT_MEMBER),
        CommandHandler("libur", libur_command),
        CallbackQueryHandler(libur_remove_button, pattern=r"^lbx:\d{4}-\d{2}-\d{2}$"),
        CallbackQueryHandler(libur_page, pattern=r"^lbp:\d+$"),
        CommandHandler("kepatuhan", kepatuhan),
        CallbackQueryHandler(kepatuhan_button, pattern=r"^kp:\d+$"),
        CallbackQueryHandler(kepatuhan_page, pattern=r"^kpp:\d+$"),
    ]
