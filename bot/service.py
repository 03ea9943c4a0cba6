"""How `kinerja-bot run` holds the line against a second process.

A second process started by mistake (a forgotten terminal, `make run` twice) used to poll beside
the first: Telegram answered the overlapping polls with 409, dialogs broke and replies went out
twice. On SQLite one process owns the data folder (an exclusive lock on a file in it); on
PostgreSQL a poller waits for an advisory lock and takes over when its holder dies. Webhook
mode's endpoint is in bot/webhook.py.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sys
import time
from typing import IO, TYPE_CHECKING

from sqlalchemy.engine import make_url

from bot.config import Settings
from storage.db import is_sqlite

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]
MIN_SECRET = 32
# pg_advisory_lock key of the one polling process ("kinp" in ASCII).
POLL_LOCK_KEY = 0x6B696E70
POLL_RETRY_SECONDS = 2.0

SECRET_MISSING = f"""\
WEBHOOK_URL diisi tetapi WEBHOOK_SECRET kosong atau kurang dari {MIN_SECRET} karakter.
Tanpa rahasia yang kuat, siapa pun yang tahu alamat webhook dapat mengirim pesan palsu atas nama
pengguna. Buat satu dan isi di .env, misalnya:

  WEBHOOK_SECRET=$(python3 -c "import secrets; print(secrets.token_urlsafe(32))")

(hanya huruf, angka, _ dan -, sampai 256 karakter), lalu jalankan lagi.
"""

SQLITE_BUSY = """\
Bot sudah berjalan dengan folder data {data} (proses lain memegang {lock}).
Hentikan proses itu dulu (Ctrl+C di terminalnya, atau systemctl stop). Satu folder SQLite hanya
boleh dipakai satu proses; untuk beberapa proses sekaligus pakai PostgreSQL (DATABASE_URL) dan
mode webhook.
"""


class AlreadyRunning(Exception):
    """Another process owns this data folder; the message says what to do."""


def webhook_secret_problem(settings: Settings) -> str | None:
    """Why webhook mode must not start with these settings, or None when it may."""
    if settings.webhook_url and len(settings.webhook_secret) < MIN_SECRET:
        return SECRET_MISSING
    return None


def hold_data_folder(settings: Settings) -> IO[str] | None:
    """On SQLite: an exclusive lock on `<data>/kinerja.lock`, held while the returned file is
    open (the kernel releases it when the process dies, SIGKILL included)."""
    if not is_sqlite(settings.database_url):
        return None
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / "kinerja.lock"
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        handle.close()
        raise AlreadyRunning(SQLITE_BUSY.format(data=settings.data_dir, lock=path)) from exc
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def wait_for_poller_lock(settings: Settings) -> psycopg.Connection | None:
    """On PostgreSQL in polling mode: block until this process is the one poller; the lock lives
    as long as the returned connection, so a dead poller's lock frees itself."""
    if is_sqlite(settings.database_url) or settings.webhook_url:
        return None
    import psycopg  # PostgreSQL only: a SQLite bot never loads the driver

    url = make_url(settings.database_url).set(drivername="postgresql")
    conn = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
    told = False
    while not conn.execute("SELECT pg_try_advisory_lock(%s)", (POLL_LOCK_KEY,)).fetchone()[0]:
        if not told:
            print(
                "Proses bot lain sedang polling pada basis data ini; proses ini menunggu dan "
                "mengambil alih bila proses itu berhenti.",
                file=sys.stderr,
                flush=True,
            )
            told = True
        time.sleep(POLL_RETRY_SECONDS)
    if told:
        log.warning("took over polling from a process that stopped")
    return conn
