"""`kinerja-bot doctor`: one line per thing the bot needs, each saying what is wrong and how to
fix it, so an office without a programmer can tell a revoked token from a full disk."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings, parse_office_hours
from storage.migrate import current_revision, head_revision, known_revision

OK, WARN, FAIL = "✅", "⚠️", "❌"
UPGRADE = "jalankan kinerja-bot db upgrade (make run juga melakukannya)"
# Free space under which new documents may soon fail to save.
LOW_DISK, NO_DISK = 1 << 30, 200 << 20
# Clock drift that shifts due times and reminders visibly.
SKEW_WARN, SKEW_FAIL = 60, 300
PILE_UP = 100
DAYS = ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min")


@dataclass(frozen=True)
class Check:
    mark: str
    what: str
    detail: str
    fix: str = ""

    @property
    def line(self) -> str:
        return f"{self.mark} {self.what} — {self.detail}" + (f"; {self.fix}" if self.fix else "")


def report(checks: Iterable[Check]) -> tuple[str, int]:
    """The printed lines and the exit code: 1 when anything failed (warnings pass)."""
    checks = list(checks)
    failed = sum(c.mark == FAIL for c in checks)
    summary = f"{failed} masalah perlu diperbaiki." if failed else "Semua pemeriksaan lulus."
    return "\n".join([*(c.line for c in checks), "", summary]), int(bool(failed))


def invalid_settings(error: ValidationError) -> list[Check]:
    """Settings that refuse to load: nothing else can be checked until they are fixed."""
    return [
        Check(
            FAIL,
            "Pengaturan",
            f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}",
            "perbaiki nilainya di .env atau environment",
        )
        for e in error.errors()
    ]


def run_checks(settings: Settings) -> list[Check]:
    """Every check, in the order an operator fixes things: Telegram, database, files, time."""
    return [
        *_telegram(settings),
        _database(settings.database_url),
        _files(settings),
        _calendar(settings),
    ]


# ---------------------------------------------------------------- Telegram


class _ApiFailed(Exception):
    """The Bot API answered with an error (ok: false) or not like the Bot API at all."""

    def __init__(self, code: int, detail: str) -> None:
        super().__init__(detail)
        self.code = code


def _call(client: httpx.Client, settings: Settings, method: str) -> tuple[dict, httpx.Response]:
    """One Bot API call the way PTB builds its URL (the token appended unless `{token}`)."""
    base = settings.telegram_base_url
    url = base.format(token=settings.bot_token) if "{token}" in base else base + settings.bot_token
    response = client.get(f"{url}/{method}")
    try:
        body = response.json()
    except ValueError as exc:
        raise _ApiFailed(response.status_code, f"{method}: HTTP {response.status_code}") from exc
    if not body.get("ok"):
        code = body.get("error_code", response.status_code)
        raise _ApiFailed(code, f"{method}: {code} {body.get('description')}")
    return body["result"], response


def _telegram(settings: Settings) -> list[Check]:
    if not settings.bot_token:
        return [
            Check(FAIL, "Token bot", "BOT_TOKEN kosong", "minta token ke @BotFather, isi di .env")
        ]
    host = urlparse(settings.telegram_base_url).netloc
    try:
        with httpx.Client(timeout=10) as client:
            me, response = _call(client, settings, "getMe")
            hook, _ = _call(client, settings, "getWebhookInfo")
    except httpx.HTTPError as exc:  # never str(exc): it may quote the URL, token included
        return [
            Check(
                FAIL,
                "Koneksi ke Telegram",
                f"{host} tidak terjangkau ({type(exc).__name__})",
                "periksa internet, proxy/firewall, atau TELEGRAM_BASE_URL",
            )
        ]
    except _ApiFailed as exc:
        if exc.code in (401, 404):  # Telegram's answers to a wrong or revoked token
            fix = "token salah atau dicabut: salin lagi dari @BotFather (/mybots → API Token)"
            return [Check(FAIL, "Token bot", f"Telegram menolak token ({exc})", fix)]
        fix = "periksa TELEGRAM_BASE_URL (harus berakhir /bot) dan proxy"
        return [Check(FAIL, "Koneksi ke Telegram", f"jawaban tak terduga ({exc})", fix)]
    server = response.headers.get("Date")
    return [
        Check(OK, "Token bot", f"tersambung sebagai @{me.get('username')} (id {me.get('id')})"),
        *_webhook(settings, hook),
        clock_check(datetime.now(timezone.utc), parsedate_to_datetime(server) if server else None),
    ]


def _webhook(settings: Settings, info: dict) -> list[Check]:
    url, pending = info.get("url", ""), info.get("pending_update_count", 0)
    checks = []
    if url == settings.webhook_url:
        mode = f"terpasang di {url}" if url else "tidak ada (mode polling)"
        checks.append(Check(OK, "Webhook", f"{mode}, {pending} pembaruan menunggu"))
    elif settings.webhook_url:
        checks.append(
            Check(
                WARN,
                "Webhook",
                f"Telegram mengirim ke {url or '(tidak ada)'}, WEBHOOK_URL={settings.webhook_url}",
                "jalankan ulang bot: kinerja-bot run memasang WEBHOOK_URL",
            )
        )
    else:
        checks.append(
            Check(
                WARN,
                "Webhook",
                f"terpasang di {url} padahal WEBHOOK_URL kosong (mode polling)",
                "kinerja-bot run mode polling akan menghapusnya; bila proses lain memakai "
                "webhook itu, hentikan dulu atau isi WEBHOOK_URL",
            )
        )
    if pending >= PILE_UP:
        checks.append(
            Check(
                WARN,
                "Pesan masuk",
                f"{pending} pembaruan menumpuk di Telegram",
                "bot tidak berjalan atau tidak menerima pesan: jalankan bot dan lihat lognya",
            )
        )
    if info.get("last_error_message"):
        when = datetime.fromtimestamp(info.get("last_error_date", 0), timezone.utc)
        checks.append(
            Check(
                WARN,
                "Webhook",
                f"kesalahan terakhir {when:%Y-%m-%d %H:%M} UTC: {info['last_error_message']}",
                "pastikan alamat WEBHOOK_URL terjangkau dari internet (HTTPS) dan bot berjalan",
            )
        )
    return checks


def clock_check(system: datetime, server: datetime | None) -> Check:
    """This machine's clock against the Bot API's `Date` header: due times and reminders are
    counted from it."""
    fix = "sinkronkan jam server dengan NTP (timedatectl set-ntp true)"
    if server is None:
        return Check(WARN, "Jam server", "tidak dapat dibandingkan dengan Telegram", fix)
    skew = round((system - server).total_seconds())
    detail = f"selisih dengan jam Telegram {skew:+d} detik"
    if abs(skew) > SKEW_FAIL:
        return Check(FAIL, "Jam server", detail, fix)
    if abs(skew) > SKEW_WARN:
        return Check(WARN, "Jam server", detail, fix)
    return Check(OK, "Jam server", detail)


# ---------------------------------------------------------------- database, files, calendar


def _database(database_url: str) -> Check:
    where = make_url(database_url).render_as_string(hide_password=True)
    try:
        current = current_revision(database_url)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return Check(
            FAIL,
            "Basis data",
            f"{where} tidak dapat dibuka: {reason}",
            "periksa DATABASE_URL dan apakah server basis data berjalan",
        )
    head = head_revision()
    if current == head:
        return Check(OK, "Basis data", f"{where}, migrasi terbaru ({head})")
    if current is None:
        return Check(FAIL, "Basis data", f"{where} belum dibuat atau kosong", UPGRADE)
    if not known_revision(current):
        return Check(
            FAIL,
            "Basis data",
            f"{where} pada migrasi {current}, tidak dikenal versi bot ini (terbaru {head})",
            "basis data dari versi bot yang lebih baru: pasang versi itu",
        )
    return Check(
        FAIL, "Basis data", f"{where} pada migrasi {current}, terbaru {head}: tertinggal", UPGRADE
    )


def _files(settings: Settings) -> Check:
    data, files = settings.data_dir, settings.files_dir
    if not data.is_dir():
        return Check(
            FAIL,
            "Folder data",
            f"{data.resolve()} tidak ada",
            "periksa DATA_DIR di .env, atau pulihkan cadangan dengan kinerja-bot restore",
        )
    target = files if files.is_dir() else data
    try:
        with tempfile.TemporaryFile(dir=target):
            pass
    except OSError as exc:
        return Check(
            FAIL,
            "Folder dokumen",
            f"{target.resolve()} tidak dapat ditulis ({exc.strerror})",
            "beri hak tulis kepada pengguna yang menjalankan bot (chown/chmod)",
        )
    free = shutil.disk_usage(target).free
    space = f"ruang kosong {free / (1 << 30):.1f} GB".replace(".", ",")
    if free < NO_DISK:
        return Check(FAIL, "Folder dokumen", f"{target.resolve()}: {space}", "kosongkan disk")
    if free < LOW_DISK:
        return Check(WARN, "Folder dokumen", f"{target.resolve()}: {space}", "kosongkan disk")
    if target is data:
        return Check(
            WARN,
            "Folder dokumen",
            f"{files.resolve()} belum ada (dibuat saat dokumen pertama disimpan); {space}",
            "bila sudah pernah ada dokumen, pulihkan dari cadangan (kinerja-bot restore)",
        )
    return Check(OK, "Folder dokumen", f"{files.resolve()} dapat ditulis, {space}")


def _calendar(settings: Settings) -> Check:
    try:
        zone = ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return Check(
            FAIL,
            "Zona waktu",
            f"TIMEZONE={settings.timezone!r} tidak dikenal",
            "pakai nama IANA: Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT)",
        )
    hours = parse_office_hours(settings.office_hours)
    if not hours:
        return Check(FAIL, "Jam kerja", "OFFICE_HOURS kosong", "isi mis. 1-4 07:30-16:00")
    days = "; ".join(
        f"{DAYS[d]} {start:%H:%M}–{end:%H:%M}" for d, (start, end) in sorted(hours.items())
    )
    now = datetime.now(zone)
    return Check(
        OK, "Zona waktu dan jam kerja", f"{settings.timezone}, sekarang {now:%H:%M}; {days}"
    )
