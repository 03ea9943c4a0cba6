"""Per-role command menus: one chat scope per user, set when the role changes (not per message)."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

from core.sop import Role

log = logging.getLogger(__name__)

_BASE = [
    ("tugas", "Langkah yang menunggu Anda"),
    ("status", "Linimasa periode berjalan atau terakhir"),
    ("selesai", "Selesaikan langkah setelah kirim dokumen"),
    ("lapor", "Lapor realisasi indikator Anda"),
    ("progres", "Indikator yang belum dilaporkan"),
    ("arsip", "Arsip periode selesai"),
    ("profil", "Data Anda"),
    ("libur", "Hari libur dan cuti bersama"),
    ("bantuan", "Daftar perintah"),
    ("batal", "Batalkan isian"),
]
_COMPLIANCE = ("kepatuhan", "Kepatuhan SOP: waktu standar vs aktual")
_KABUPATEN = ("kabupaten", "Rekap seluruh OPD kabupaten")
_BY_ROLE = {
    Role.KEPALA_DINAS: [
        ("mulai", "Mulai periode pengukuran"),
        ("batalkan", "Batalkan periode"),
        _COMPLIANCE,
    ],
    Role.SEKRETARIS: [
        ("setuju", "Setujui draft laporan"),
        ("tolak", "Kembalikan draft + catatan"),
        _COMPLIANCE,
    ],
    Role.TIM_SAKIP: [
        ("template", "Template Kertas Kerja (.xlsx)"),
        ("evaluasi", "Evaluasi realisasi yang masuk"),
        ("tutup_lapor", "Tutup pelaporan realisasi"),
        ("rekap", "Susun Rekapitulasi dan grafik"),
        _COMPLIANCE,
    ],
    Role.ASN: [],
    Role.BAPPEDA: [_KABUPATEN],
    Role.INSPEKTORAT: [_KABUPATEN],
}
_ADMIN = [
    ("pengguna", "Kelola pengguna dan peran"),
    ("batalkan", "Batalkan periode"),
    ("libur", "Hari libur: lihat, tambah, hapus"),
]
# Regency admins (ADMIN_IDS) only.
_REGENCY = [
    _KABUPATEN,
    ("opd", "Kelola OPD kabupaten"),
    ("pindah", "Pindahkan pegawai ke OPD lain"),
]
STRANGER = [("daftar", "Daftar sebagai pengguna"), ("bantuan", "Daftar perintah")]


def commands_for(role: Role | None, admin: bool, regency: bool = False) -> list[BotCommand]:
    pairs = [] if role is None else _BY_ROLE[role] + _BASE
    if admin:
        pairs += _ADMIN
    if regency:
        pairs += _REGENCY
    if role is None:
        pairs += STRANGER
    return [BotCommand(c, d) for c, d in dict(pairs).items()]


async def set_default(bot: Bot) -> None:
    await bot.set_my_commands(commands_for(None, False), scope=BotCommandScopeAllPrivateChats())


async def set_for_user(
    bot: Bot, telegram_id: int, role: Role | None, admin: bool, regency: bool = False
) -> None:
    """A failure here only costs the menu, never the action that caused it."""
    try:
        await bot.set_my_commands(
            commands_for(role, admin, regency), scope=BotCommandScopeChat(telegram_id)
        )
    except TelegramError as exc:
        log.warning("could not set commands for %s: %s", telegram_id, exc)
