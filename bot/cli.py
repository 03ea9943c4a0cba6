"""`kinerja-bot`: run the bot, migrate the database, add an admin or an OPD, back up and
restore, check the setup, play the demo."""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import sys
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from bot import logs
from bot.config import Settings

NO_TOKEN = """\
BOT_TOKEN belum diisi, jadi bot tidak bisa tersambung ke Telegram.

Cara mendapatkan token:
  1. Buka Telegram, cari @BotFather, kirim /newbot dan ikuti petunjuknya.
  2. Salin token yang diberikan ke file .env:  BOT_TOKEN=123456:ABC...
  3. Isi juga ADMIN_IDS dengan id Telegram Anda (tanyakan ke @userinfobot).
  4. Jalankan lagi: make run

Ingin melihat bot bekerja tanpa token? Jalankan: make demo
"""


RESTORE_USAGE = """\
Sebutkan satu file basis data (kinerja-*.db atau kinerja-*.sql) dan, bila ada, satu arsip
dokumen (dokumen-*.tar.gz) yang ditulis kinerja-bot backup, misalnya:

  kinerja-bot restore backups/kinerja-20250414-090000.db backups/dokumen-20250414-090000.tar.gz
"""

NOT_EMPTY = """\
Basis data tujuan sudah berisi data (tabel {tables}); pemulihan akan menimpanya.
Bila memang itu yang dimaksud, cadangkan dulu (kinerja-bot backup), lalu ulangi dengan --force.
"""


def upgrade(settings: Settings) -> None:
    """The schema brought to this code's version. Alembic (with Mako and Pygments, about 8 MB)
    is imported here, by the commands that migrate, and by `run` only in a child process.
    The migration that makes the office its first OPD names it OFFICE_NAME, from `.env` too."""
    from storage.migrate import upgrade as alembic_upgrade

    alembic_upgrade(settings.database_url, office_name=settings.office_name)


def _upgrade_in_child(settings: Settings) -> bool:
    """`upgrade` in a forked child, so Alembic never stays in the long-running bot's memory.
    Fork: the child starts at once with this process's imports, and no thread runs yet. It
    exits without closing what it inherited (the data folder's lock, the poller's connection).
    False if it failed; it printed why."""
    child = multiprocessing.get_context("fork").Process(target=upgrade, args=(settings,))
    child.start()
    child.join()
    return child.exitcode == 0


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
        if not _upgrade_in_child(settings):
            return 1
        app = build(settings)
        if settings.webhook_url:
            from bot import webhook

            asyncio.run(webhook.serve_webhook(app, settings))
        else:
            app.run_polling(allowed_updates=service.ALLOWED_UPDATES)
    finally:
        for held in (folder, poller):
            if held is not None:
                held.close()
    return 0


def _office_command(settings: Settings, act) -> int:
    """A one-shot command on the office's data: migrated first, a refusal printed as the bot
    would say it (exit code 1)."""
    from bot.app import make_office
    from core.engine import SopError

    upgrade(settings)

    async def go() -> int:
        office = make_office(settings)
        try:
            print(await act(office))
        except SopError as err:
            print(err, file=sys.stderr)
            return 1
        finally:
            await office.db.dispose()
        return 0

    return asyncio.run(go())


def _admin_add(settings: Settings, telegram_id: int, kode: str | None) -> int:
    from core.users import add_admin

    async def act(office) -> str:
        user = await add_admin(office, telegram_id, kode)
        return f"Admin ditambahkan: {user.nama} (id Telegram {telegram_id})."

    return _office_command(settings, act)


def _opd(settings: Settings, args: argparse.Namespace) -> int:
    """`opd add` and `opd list`; one function per action in `_OPD_ACTIONS`."""
    return _office_command(settings, lambda office: _OPD_ACTIONS[args.opd_action](office, args))


async def _opd_add(office, args: argparse.Namespace) -> str:
    from core.opd_admin import add_opd

    opd = await add_opd(
        office, args.kode, args.nama, args.office_name, admin_telegram_id=args.admin
    )
    admin = f", admin: id Telegram {args.admin}" if args.admin is not None else ""
    return f"OPD ditambahkan: {opd.kode} — {opd.nama}{admin}."


async def _opd_list(office, args: argparse.Namespace) -> str:
    from core.opd_admin import opd_list

    lines = [f"{'KODE':<16} {'PENGGUNA':>8}  NAMA — ADMIN"]
    for o in await opd_list(office):
        admins = ", ".join(o.admins) or "belum ada admin"
        lines.append(f"{o.kode:<16} {o.users:>8}  {o.nama} — {admins}")
    return "\n".join(lines)


DEFAULT = "default"
# `opd set` options of the reminder ladder and the Opd column each one sets.
LADDER_OPTIONS = {
    "reminder_interval": "reminder_interval_minutes",
    "reminder_max": "reminder_max",
    "reminder_escalate_after": "reminder_escalate_after",
    "reminder_headsup": "reminder_headsup",
}


def _count_or_default(text: str) -> int | str:
    """A whole number, or `default` for the environment's value."""
    if text == DEFAULT:
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bukan bilangan bulat atau 'default': {text!r}") from None


def _opd_changes(args: argparse.Namespace) -> dict[str, object]:
    """The columns `opd set` was asked to change; `default` (and headsup `default`) puts the
    environment's value back."""
    changes: dict[str, object] = {}
    if args.office_name is not None:
        changes["office_name"] = args.office_name
    if args.office_hours is not None:
        changes["office_hours"] = None if args.office_hours == DEFAULT else args.office_hours
    for option, column in LADDER_OPTIONS.items():
        value = getattr(args, option)
        if value is None:
            continue
        if option == "reminder_headsup":
            value = {"yes": True, "no": False}.get(value)
        changes[column] = None if value == DEFAULT else value
    return changes


async def _opd_set(office, args: argparse.Namespace) -> str:
    """One OPD's office name and reminder ladder; what is not given stays as it is."""
    from core.engine import SopError
    from core.opd import change_settings

    changes = _opd_changes(args)
    if not changes:
        raise SopError(
            "Tidak ada yang diubah: sebutkan misalnya --office-name, --office-hours atau --reminder-max."
        )
    async with office.db.transaction(across=True) as session:
        found = await change_settings(
            session, args.kode, changes, office.reminders, office.calendar_config
        )
    r = found.reminders
    hours = "; ".join(
        f"{_DAYS[day]} {opening:%H:%M}-{closing:%H:%M}"
        for day, (opening, closing) in sorted(found.calendar.office_hours.items())
    )
    return (
        f"OPD {found.kode} ({found.nama}): nama kantor {found.office_name!r}; jam kerja "
        f"{hours}; pengingat tiap {r.interval_minutes} menit kerja, {r.max_reminders}×, "
        f"eskalasi setelah pengingat {r.escalate_after}, peringatan separuh waktu "
        f"{'ya' if r.headsup else 'tidak'}. Bot yang berjalan memakainya dalam 1 menit."
    )


_DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


_OPD_ACTIONS = {"add": _opd_add, "list": _opd_list, "set": _opd_set}


def _backup(settings: Settings, output: str) -> int:
    from storage.backup import backup

    for path in backup(settings.database_url, settings.files_dir, Path(output), datetime.now()):
        print(f"Cadangan ditulis: {path}")
    return 0


def _restore(settings: Settings, sources: list[str], force: bool) -> int:
    """Put a backup in place: refused while the bot runs on this folder, and over a database
    that holds data unless --force."""
    from bot import service
    from storage import backup

    picked = _backup_files([Path(s) for s in sources])
    if isinstance(picked, str):
        print(picked, file=sys.stderr)
        return 2
    database, archive = picked
    try:
        folder = service.hold_data_folder(settings)
    except service.AlreadyRunning as busy:
        print(f"Pemulihan dibatalkan.\n{busy}", file=sys.stderr)
        return 3
    try:
        filled = backup.filled_tables(settings.database_url)
        if filled and not force:
            print(NOT_EMPTY.format(tables=", ".join(filled)), file=sys.stderr)
            return 1
        backup.check_source(settings.database_url, database)
        if archive:
            count = backup.restore_files(archive, settings.files_dir)
            print(f"Dokumen dipulihkan: {count} file → {settings.files_dir}")
        backup.restore_database(settings.database_url, database)
        print(f"Basis data dipulihkan dari {database.name}.")
        upgrade(settings)
        print("Basis data sudah versi terbaru.")
    except backup.RestoreRefused as refused:
        print(refused, file=sys.stderr)
        return 1
    finally:
        if folder is not None:
            folder.close()
    return 0


def _backup_files(paths: list[Path]) -> tuple[Path, Path | None] | str:
    """The database file and the documents archive among the arguments, or what is wrong."""
    databases = [p for p in paths if p.suffix in (".db", ".sql")]
    archives = [p for p in paths if p.name.endswith(".tar.gz")]
    if len(databases) != 1 or len(archives) > 1 or len(databases) + len(archives) != len(paths):
        return RESTORE_USAGE
    if missing := [p for p in paths if not p.is_file()]:
        return f"File cadangan tidak ditemukan: {', '.join(map(str, missing))}"
    return databases[0], (archives[0] if archives else None)


def _doctor(loaded: Settings | ValidationError) -> int:
    """Settings that do not load are the doctor's first finding, not a traceback."""
    from bot import doctor

    if isinstance(loaded, ValidationError):
        checks = doctor.invalid_settings(loaded)
    else:
        checks = doctor.run_checks(loaded)
    text, code = doctor.report(checks)
    print(text)
    return code


def _rekap(settings: Settings, periode: str, output: str, kode: str | None) -> int:
    """The same recap workbook (and chart, beside it as .png) that /rekap builds."""
    from core import recap

    async def act(office) -> str:
        period = await recap.period_by_name(office, periode, kode)
        files = await recap.build(
            office, period.id, "kinerja-bot rekap (baris perintah)", opd_id=period.opd_id
        )
        target = Path(output or files.file_name)
        target.write_bytes(files.workbook)
        chart = target.with_suffix(".png")
        chart.write_bytes(files.chart)
        return f"Rekap {files.period}: {files.indicators} indikator → {target} (grafik: {chart})"

    return _office_command(settings, act)


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
    admin.add_argument("--opd", default=None, help="kode OPD (bawaan: OPD pertama)")
    opd = sub.add_parser("opd", help="OPD kabupaten: tambah, daftar, atur")
    opd_sub = opd.add_subparsers(dest="opd_action", required=True)
    opd_add = opd_sub.add_parser("add", help="menambah OPD")
    opd_add.add_argument("--kode", required=True, help="2–16 huruf/angka/titik/strip, mis. DINKES")
    opd_add.add_argument("--nama", required=True, help='mis. "Dinas Kesehatan"')
    opd_add.add_argument("--office-name", default=None, help="nama di dokumen (bawaan: --nama)")
    opd_add.add_argument("--admin", type=int, default=None, help="id Telegram admin OPD")
    opd_sub.add_parser("list", help="daftar OPD dengan jumlah pengguna dan adminnya")
    opd_set = opd_sub.add_parser(
        "set", help="nama kantor dan pengingat satu OPD ('default': nilai dari .env)"
    )
    opd_set.add_argument("kode", help="kode OPD, mis. OPD1")
    opd_set.add_argument("--office-name", help="nama kantor pada dokumen dan /start")
    opd_set.add_argument(
        "--office-hours", metavar="JAM", help="jam kerja, mis. '1-4 07:30-16:00; 5 07:30-16:30'"
    )
    for option in ("interval", "max", "escalate-after"):
        opd_set.add_argument(f"--reminder-{option}", type=_count_or_default, metavar="N")
    opd_set.add_argument("--reminder-headsup", choices=["yes", "no", DEFAULT])
    backup = sub.add_parser("backup", help="cadangan basis data dan dokumen")
    backup.add_argument("-o", "--output", default="backups")
    rekap = sub.add_parser("rekap", help="Rekapitulasi Hasil Pengukuran Data Kinerja (.xlsx)")
    rekap.add_argument("--periode", required=True, help='nama periode, mis. "Triwulan I 2025"')
    rekap.add_argument("-o", "--output", default="", help="file .xlsx (grafik .png di sampingnya)")
    rekap.add_argument("--opd", default=None, help="kode OPD, bila periode itu ada di beberapa OPD")
    restore = sub.add_parser("restore", help="memulihkan cadangan ke basis data dan folder data")
    restore.add_argument("files", nargs="+", help="kinerja-*.db atau .sql, dan dokumen-*.tar.gz")
    restore.add_argument(
        "--force", action="store_true", help="menimpa basis data yang sudah berisi data"
    )
    sub.add_parser("doctor", help="memeriksa token, webhook, basis data, folder data dan jam")
    demo = sub.add_parser("demo", help="memutar satu periode penuh dengan pengguna simulasi")
    demo.add_argument("-o", "--output", default="demo-output")
    args = parser.parse_args(argv)

    try:
        settings = Settings()
    except ValidationError as error:
        if args.command != "doctor":
            raise
        return _doctor(error)
    _configure_logging(settings, args)
    if args.command == "run":
        return _run(settings)
    if args.command == "db":
        upgrade(settings)
        print("Basis data sudah versi terbaru.")
        return 0
    if args.command == "admin":
        return _admin_add(settings, args.telegram_id, args.opd)
    if args.command == "opd":
        return _opd(settings, args)
    if args.command == "backup":
        return _backup(settings, args.output)
    if args.command == "restore":
        return _restore(settings, args.files, args.force)
    if args.command == "doctor":
        return _doctor(settings)
    if args.command == "rekap":
        return _rekap(settings, args.periode, args.output, args.opd)
    return _demo(settings, args.output)


if __name__ == "__main__":
    sys.exit(main())
