"""The regency admin's /opd (list, add, name an OPD's admin) and /pindah (move a person)."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import commands, keyboards, messages
from bot.handlers.common import (
    callback_args,
    guarded,
    kick,
    office,
    reply,
    set_buttons,
    text_after_command,
)
from core import opd_admin
from core.engine import SopError
from core.sop import Role

_USAGE = f"{opd_admin.OPD_USAGE}\n{opd_admin.ADMIN_USAGE}"


def _opd_buttons(opds: Sequence[opd_admin.OpdSummary], page: int) -> InlineKeyboardMarkup | None:
    items = [(f"{o.kode} — {o.nama} ({o.users} pengguna)", f"od:{o.id}") for o in opds]
    return keyboards.paged(items, page, "odp")


@guarded
async def opd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/opd`, `/opd tambah KODE Nama`, `/opd admin KODE NIP`: regency admins only."""
    telegram_id = update.effective_user.id
    verb, _, rest = text_after_command(update).partition(" ")
    verb = verb.lower()
    if verb == "tambah":
        created = await opd_admin.create_opd(office(context), telegram_id, rest)
        await reply(update, messages.opd_created(created.kode, created.nama))
        return
    if verb == "admin":
        user, unit = await opd_admin.grant_opd_admin(office(context), telegram_id, rest)
        kick(context)
        await commands.set_for_user(context.bot, user.telegram_id, Role(user.role), True)
        await reply(update, messages.opd_admin_granted(user.nama, unit.nama))
        return
    opds = await opd_admin.regency_opds(office(context), telegram_id)
    if verb:
        await reply(update, _USAGE)
        return
    await reply(update, messages.opd_list(len(opds)), _opd_buttons(opds, 0))


@guarded
async def opd_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (page,) = callback_args(update)
    opds = await opd_admin.regency_opds(office(context), update.effective_user.id)
    await set_buttons(update, _opd_buttons(opds, int(page)))


@guarded
async def show_opd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (opd_id,) = callback_args(update)
    opds = await opd_admin.regency_opds(office(context), update.effective_user.id)
    found = next((o for o in opds if o.id == opd_id), None)
    if found is None:
        raise SopError("OPD tidak ditemukan. Ketik /opd untuk melihat daftarnya.")
    await reply(
        update,
        messages.opd_detail(found.kode, found.nama, found.office_name, found.users, found.admins),
    )


@guarded
async def pindah(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/pindah NIP KODE`: asks for confirmation before anything moves."""
    plan = await opd_admin.plan_move(
        office(context), update.effective_user.id, text_after_command(update)
    )
    await reply(
        update,
        messages.move_question(plan.nama, plan.role.label, plan.source, plan.target),
        keyboards.column([("✅ Ya, pindahkan", f"pnd:{plan.user_id}:{plan.target_id}")]),
    )


@guarded
async def pindah_confirmed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user_id, opd_id = callback_args(update)
    moved = await opd_admin.move_user(
        office(context), update.effective_user.id, int(user_id), int(opd_id)
    )
    kick(context)
    await commands.set_for_user(context.bot, moved.telegram_id, Role.ASN, False)
    await update.callback_query.edit_message_text(
        messages.moved(moved.nama, moved.source, moved.target, moved.indicators),
        parse_mode="HTML",
    )


def handlers() -> list:
    return [
        CommandHandler("opd", opd),
        CommandHandler("pindah", pindah),
        CallbackQueryHandler(opd_page, pattern=r"^odp:\d+$"),
        CallbackQueryHandler(show_opd, pattern=r"^od:\d+$"),
        CallbackQueryHandler(pindah_confirmed, pattern=r"^pnd:\d+:\d+$"),
    ]
