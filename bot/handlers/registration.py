"""/start, /daftar (a data-entry dialog), /profil, and the admin's approval buttons."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
)

from bot import commands, keyboards, messages
from bot.handlers.common import callback_args, guarded, kick, office, reply, set_buttons
from bot.handlers.dialog import TYPED, dialog, expired, fresh_dialog
from core import users
from core.office import AlreadyHandled
from core.sop import Role
from core.text import full_stop
from core.users import NeedsReplaceConfirmation

# The states are stored with the dialog: OPD came later, so it is the last number.
NAMA, NIP, JABATAN, OPD = range(4)


async def welcome_stranger(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """How to register, naming the office the person would join (core.users.office_name)."""
    name = await users.office_name(office(context), update.effective_user.id)
    await reply(update, messages.STRANGER.format(office=escape(name)))


@guarded
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    telegram_id = update.effective_user.id
    user, admin = await users.lookup(office(context), telegram_id)
    regency = users.is_regency_admin(office(context), telegram_id)
    active = user is not None and user.status == users.ACTIVE
    if regency:
        # A regency admin's menu has /opd and /pindah: set here, as no role change sets it.
        role = Role(user.role) if active else None
        await commands.set_for_user(context.bot, telegram_id, role, True, regency=True)
    if admin and not active:
        await reply(update, messages.ADMIN_WELCOME)
        return
    if user is None or user.status in (users.REFUSED, users.ADMIN_ONLY):
        await welcome_stranger(update, context)
        return
    if user.status == users.PENDING:
        await reply(update, users.AWAITING_APPROVAL)
        return
    await reply(
        update,
        f"Halo, {escape(user.nama)}{full_stop(user.nama)} "
        + messages.help_text(Role(user.role), admin, True, regency),
    )


def _opd_buttons(opds: Sequence[users.OpdChoice], page: int) -> InlineKeyboardMarkup | None:
    items = [(f"{o.nama} ({o.kode})", f"ro:{o.id}") for o in opds]
    return keyboards.paged(items, page, "rop")


@guarded
async def daftar(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """With several OPD the first question is which one; with one, nothing is asked."""
    await users.check_can_register(office(context), update.effective_user.id)
    fresh_dialog(update, context, "daftar")
    opds = await users.registration_opds(office(context))
    if not opds:
        await reply(update, messages.ASK_NAMA)
        return NAMA
    await reply(update, messages.ASK_OPD, _opd_buttons(opds, 0))
    return OPD


async def _opd_chosen(
    update: Update, context: ContextTypes.DEFAULT_TYPE, choice: int | str
) -> int | None:
    if await expired(update, context):
        return ConversationHandler.END
    opd = await users.chosen_opd(office(context), choice)
    context.user_data["opd"] = opd.id
    await reply(update, messages.opd_chosen(opd.nama))
    return NAMA


@guarded
async def opd_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    (opd_id,) = callback_args(update)
    return await _opd_chosen(update, context, int(opd_id))


@guarded
async def opd_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    return await _opd_chosen(update, context, update.message.text)


@guarded
async def opd_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (page,) = callback_args(update)
    opds = await users.registration_opds(office(context))
    await set_buttons(update, _opd_buttons(opds, int(page)))


@guarded
async def got_nama(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if await expired(update, context):
        return ConversationHandler.END
    context.user_data["nama"] = users.clean_text(update.message.text, "Nama")
    await reply(update, messages.ASK_NIP)
    return NIP


@guarded
async def got_nip(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if await expired(update, context):
        return ConversationHandler.END
    context.user_data["nip"] = await users.free_nip(
        office(context), update.message.text, update.effective_user.id
    )
    await reply(update, messages.ASK_JABATAN)
    return JABATAN


@guarded
async def got_jabatan(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if await expired(update, context):
        return ConversationHandler.END
    jabatan = users.clean_text(update.message.text, "Jabatan")
    data = context.user_data
    try:
        await users.register(
            office(context),
            update.effective_user.id,
            update.effective_user.username,
            data["nama"],
            data["nip"],
            jabatan,
            data.get("opd"),
        )
    except users.AlreadyIn as already:
        # Filed already, by a process that died before the dialog's end was saved (the answer
        # came again to another): said so, and the dialog ends as it did then.
        data.clear()
        await reply(update, escape(str(already)))
        return ConversationHandler.END
    except AlreadyHandled:
        pass  # this very answer, filed by a process that died before replying: said as then
    kick(context)
    await reply(update, messages.registration_sent(data["nama"]))
    data.clear()
    return ConversationHandler.END


@guarded
async def profil(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user, admin = await users.lookup(office(context), update.effective_user.id)
    if user is None or user.status in (users.REFUSED, users.ADMIN_ONLY):
        await reply(update, users.NOT_REGISTERED)
        return
    await reply(
        update,
        messages.profile(
            user.nama, user.nip, user.jabatan, Role(user.role).label, user.status, admin
        ),
    )


async def _role_result(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    *,
    request: bool,
    confirm: bool = False,
) -> None:
    """A duty from a registration request's buttons (`request`) or from /pengguna; a duty that
    has a holder is handed over only after the admin confirms it for that holder."""
    user_id, code, *holder = callback_args(update)
    role = keyboards.ROLE_CODES[code]
    result = await users.set_role(
        office(context),
        update.effective_user.id,
        user_id,
        role,
        confirm,
        holder=holder[0] if holder else None,
        request=request,
    )
    if isinstance(result, NeedsReplaceConfirmation):
        verb = "regc" if request else "rolec"
        await reply(
            update,
            f"{escape(role.label)} saat ini dijabat <b>{escape(result.current.nama)}</b>"
            f"{full_stop(result.current.nama)} "
            f"Ganti dengan <b>{escape(result.user.nama)}</b>? {escape(result.current.nama)} "
            "akan menjadi ASN.",
            keyboards.column([("✅ Ya, ganti", f"{verb}:{user_id}:{code}:{result.current.id}")]),
        )
        return
    kick(context)
    bot = context.bot
    await commands.set_for_user(bot, result.user.telegram_id, role, False)
    if result.replaced is not None:
        await commands.set_for_user(bot, result.replaced.telegram_id, Role.ASN, False)
    text = f"✅ {escape(result.user.nama)} sekarang <b>{escape(role.label)}</b>."
    if result.replaced is not None:
        text += f" {escape(result.replaced.nama)} menjadi ASN."
    if update.callback_query:
        await update.callback_query.edit_message_text(text, parse_mode="HTML")
    else:
        await reply(update, text)


def _role_press(*, request: bool, confirm: bool = False) -> Callable:
    """The handler of one of the four duty buttons: a request's (`reg`, `regc`) or /pengguna's
    (`role`, `rolec`), asked first or confirmed."""

    @guarded
    async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _role_result(update, context, request=request, confirm=confirm)

    return press


approve = _role_press(request=True)
approve_confirmed = _role_press(request=True, confirm=True)
change_role = _role_press(request=False)
change_confirmed = _role_press(request=False, confirm=True)


@guarded
async def refuse(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    (user_id,) = callback_args(update)
    user = await users.refuse(office(context), update.effective_user.id, int(user_id))
    kick(context)
    await update.callback_query.edit_message_text(
        f"❌ Pendaftaran {escape(user.nama)} ditolak.", parse_mode="HTML"
    )


def handlers() -> list:
    register = dialog(
        "daftar",
        [CommandHandler("daftar", daftar)],
        {
            OPD: [
                CallbackQueryHandler(opd_pressed, pattern=r"^ro:\d+$"),
                CallbackQueryHandler(opd_page, pattern=r"^rop:\d+$"),
                MessageHandler(TYPED, opd_typed),
            ],
            NAMA: [MessageHandler(TYPED, got_nama)],
            NIP: [MessageHandler(TYPED, got_nip)],
            JABATAN: [MessageHandler(TYPED, got_jabatan)],
        },
    )
    return [
        CommandHandler("start", start),
        register,
        CommandHandler("profil", profil),
        CallbackQueryHandler(approve, pattern=r"^reg:\d+:\w+$"),
        CallbackQueryHandler(approve_confirmed, pattern=r"^regc:\d+:\w+:\d+$"),
        CallbackQueryHandler(refuse, pattern=r"^regx:\d+$"),
    ]
