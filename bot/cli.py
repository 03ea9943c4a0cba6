"""`kinerja-bot`: run the bot, migrate the database, add an admin, play the demo."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import datetime
from pathlib import Path

from bot import logs
from bot.config import Settings
from storage.migrate import upgrade

NO_TOKEN = """\
BOT_TOKEN belum diisi, jadi bot tidak bisa tersambung ke Telegram.

Cara mendapatkan token:
  1. Buka Telegram, cari @BotFather, kirim /newbot dan ikuti petunjuknya.
  2. Salin token yang diberikan ke file .env:  BOT_TOKEN=123456:ABC...
  3. Isi juga ADMIN_IDS dengan id Telegram Anda (tanyakan ke @userinfobot).
  4. Jalankan lagi: make run

Ingin melihat bot bekerja tanpa token? Jalankan: make demo
"""


def _run(settings: Settings) -> int:
    from bot import service
    from bot.app import build

    if not settings.bot_token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    problem = service.webhook_secret_problem(settings)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    try:
        folder = service.hold_data_folder(settings)
    except service.AlreadyRunning as busy:
        print(busy, file=sys.stderr)
        return 3
    poller = service.wait_for_poller_lock(settings)
    try:
        upgrade(settings.database_url)
        app = build(settings)
        if settings.webhook_url:
            asyncio.run(service.serve_webhook(app, settings))
        else:
            app.run_polling(allowed_updates=service.ALLOWED_UPDATES)
    finally:
        for held in (folder, poller):
            if held is not None:
                held.close()
    return 0


def _admin_add(settings: Settings, telegram_id: int) -> int:
    from bot.app import make_office
    from core.users import add_admin

    upgrade(settings.database_url)

    async def go() -> None:
        office = make_office(settings)
        user = await add_admin(office, telegram_id)
        await office.db.dispose()
        print(f"Admin ditambahkan: {user.nama} (id Telegram {telegram_id}).")

    asyncio.run(go())
    return 0


def _backup(settings: Settings, output: str) -> int:
    from storage.backup import backup

    for path in backup(settings.database_url, settings.files_dir, Path(output), datetime.now()):
        print(f"Cadangan ditulis: {path}")
    return 0


def _rekap(settings: Settings, periode: str, output: str) -> int:
    """The same recap workbook (and chart, beside it as .png) that /rekap builds."""
    from bot.app import make_office
    from core import recap
    from core.engine import SopError

    upgrade(settings.database_url)

    async def go() -> int:
        office = make_office(settings)
        try:
            period = await recap.period_by_name(office, periode)
            files = await recap.build(office, period.id, "kinerja-bot rekap (baris perintah)")
        except SopError as err:
            print(err, file=sys.stderr)
            return 1
        finally:
            await office.db.dispose()
        target = Path(output or files.file_name)
        target.write_bytes(files.workbook)
        chart = target.with_suffix(".png")
        chart.write_bytes(files.chart)
        print(f"Rekap {files.period}: {files.indicators} indikator → {target} (grafik: {chart})")
        return 0

    return asyncio.run(go())


def _demo(settings: Settings, output: str) -> int:
    from bot.demo import run_demo

    return asyncio.run(run_demo(output))


def _configure_logging(settings: Settings, args: argparse.Namespace) -> None:
    """The running bot's stderr is its log; a one-shot command prints its result there, so
    routine INFO lines (Alembic's migration steps among them) show only with --verbose."""
    service = args.command == "run" or args.verbose
    logs.configure(settings.log_level if service else logging.WARNING, settings.log_format)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="kinerja-bot", description="Bot SOP Pengukuran Data Kinerja"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="tampilkan juga log INFO (mis. migrasi)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="menjalankan bot (polling, atau webhook bila WEBHOOK_URL diisi)")
    db = sub.add_parser("db", help="basis data")
    db.add_argument("action", choices=["upgrade"])
    admin = sub.add_parser("admin", help="admin bot")
    admin.add_argument("action", choices=["add"])
    admin.add_argument("telegram_id", type=int)
    backup = sub.add_parser("backup", help="cadangan basis data dan dokumen")
    backup.add_argument("-o", "--output", default="backups")
    rekap = sub.add_parser("rekap", help="Rekapitulasi Hasil Pengukuran Data Kinerja (.xlsx)")
    rekap.add_argument("--periode", required=True, help='nama periode, mis. "Triwulan I 2025"')
    rekap.add_argument("-o", "--output", default="", help="file .xlsx (grafik .png di sampingnya)")
    demo = sub.add_parser("demo", help="memutar satu periode penuh dengan pengguna simulasi")
    demo.add_argument("-o", "--output", default="demo-output")
    args = parser.parse_args(argv)

    settings = Settings()
    _configure_logging(settings, args)
    if args.command == "run":
        return _run(settings)
    if args.command == "db":
        upgrade(settings.database_url)
        print("Basis data sudah versi terbaru.")
        return 0
    if args.command == "admin":
        return _admin_add(settings, args.telegram_id)
    if args.command == "backup":
        return _backup(settings, args.output)
    if args.command == "rekap":
        return _rekap(settings, args.periode, args.output)
    return _demo(settings, args.output)


if __name__ == "__main__":
    sys.exit(main())
