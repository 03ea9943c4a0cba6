"""Admin: the user list, changing duties and deactivating users, each press re-checked in core."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import commands, keyboards
from bot.handlers.common import (
    callback_args,
    guarded,
    office,
    reply,
    set_buttons,
    text_after_command,
)
from bot.handlers.registration import change_confirmed, change_role
from core import users
from core.sop import Role

_STATUS = {"aktif": "🟢", "nonaktif": "⚪", "menunggu": "🕒"}


def _items(rows: Sequence) -> list[tuple[str, str]]:
    """The users of a list as buttons (core's rows)."""
    return [(f"{_STATUS[u.status]} {u.nama} — {Role(u.role).label}", f"usr:{u.id}") for u in rows]


@guarded
async def pengguna(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The admin's own OPD's users; `/pengguna KODE`: another OPD's, for a regency admin."""
    kode = text_after_command(update)
    if kode:
        opd, rows = await users.opd_users(office(context), update.effective_user.id, kode)
        title, page_data = f"<b>Pengguna {escape(opd.nama)}</b>", f"uspo:{opd.id}"
    else:
        rows = await users.list_users(office(context), update.effective_user.id)
        title, page_data = "<b>Pengguna</b>", "usp"
    if not rows:
        await reply(update, "Belum ada pengguna terdaftar.")
        return
    await reply(
        update,
        f"{title} — pilih untuk mengubah peran atau status:",
        keyboards.paged(_items(rows), 0, page_data),
    )


@guarded
async def users_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (page,) = callback_args(update)
    rows = await users.list_users(office(context), update.effective_user.id)
    await set_buttons(update, keyboards.paged(_items(rows), int(page), "usp"))


@guarded
async def opd_users_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    opd_id, page = callback_args(update)
    opd, rows = await users.opd_users(office(context), update.effective_user.id, int(opd_id))
    await set_buttons(update, keyboards.paged(_items(rows), int(page), f"uspo:{opd.id}"))


@guarded
async def show_user(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (user_id,) = callback_args(update)
    u = await users.get_user(office(context), update.effective_user.id, int(user_id))
    text = (
        f"<b>{escape(u.nama)}</b>\nNIP: {escape(u.nip)}\nJabatan: {escape(u.jabatan)}\n"
        f"Peran: {escape(Role(u.role).label)}\nStatus: {escape(u.status)}\n\nPilih peran baru:"
    )
    regency = users.is_regency_admin(office(context), update.effective_user.id)
    await reply(update, text, keyboards.manage_user(u.id, u.status == users.ACTIVE, regency))


@guarded
async def toggle_active(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    verb = update.callback_query.data.split(":")[0]
    (user_id,) = callback_args(update)
    u = await users.set_active(
        office(context), update.effective_user.id, int(user_id), verb == "on"
    )
    await commands.set_for_user(
        context.bot, u.telegram_id, Role(u.role) if u.status == users.ACTIVE else None, False
    )
    state = "diaktifkan kembali" if u.status == users.ACTIVE else "dinonaktifkan"
    await update.callback_query.edit_message_text(f"{escape(u.nama)} {state}.", parse_mode="HTML")


def handlers() -> list:
    return [
        CommandHandler("pengguna", pengguna),
        CallbackQueryHandler(users_page, pattern=r"^usp:\d+$"),
        CallbackQueryHandler(opd_users_page, pattern=r"^uspo:\d+:\d+$"),
        CallbackQueryHandler(show_user, pattern=r"^usr:\d+$"),
        CallbackQueryHandler(change_role, pattern=r"^role:\d+:\w+$"),
        CallbackQueryHandler(change_confirmed, pattern=r"^rolec:\d+:\w+:\d+$"),
        CallbackQueryHandler(toggle_active, pattern=r"^(on|off):\d+$"),
    ]
