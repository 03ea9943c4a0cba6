"""How `kinerja-bot run` holds the line against a second process and serves webhooks.

A second process started by mistake (a forgotten terminal, `make run` twice) used to poll beside
the first: Telegram answered the overlapping polls with 409, dialogs broke and replies went out
twice. On SQLite one process owns the data folder (an exclusive lock on a file in it); on
PostgreSQL a poller waits for an advisory lock and takes over when its holder dies. Webhook
mode serves its own endpoint so the secret is compared in constant time (PTB compares with `!=`),
beside `/healthz` and `/metrics` for the proxy and the monitoring.
"""

from __future__ import annotations

import asyncio
import fcntl
import functools
import hmac
import json
import logging
import os
import signal
import sys
import time
from typing import IO
from urllib.parse import urlparse

import psycopg
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.engine import make_url
from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from bot.metrics import Metrics
from core import outbox
from core.office import Office
from storage.db import is_sqlite

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MIN_SECRET = 32
# pg_advisory_lock key of the one polling process ("kinp" in ASCII).
POLL_LOCK_KEY = 0x6B696E70
POLL_RETRY_SECONDS = 2.0
# Telegram sends updates of at most a few kilobytes; a larger body is not Telegram.
MAX_UPDATE_BYTES = 1 << 20
# A health check or a scrape that waits longer on the database reports it as unreachable.
HEALTH_TIMEOUT = 3.0

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


def _webhook_app(app: Application, path: str, secret: str) -> web.Application:
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        token = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(token, expected):
            return web.Response(status=403)
        try:
            update = Update.de_json(json.loads(await request.read()), app.bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400)
        # Answered only once handled (in the update processor, so one user's updates stay in
        # order): a process that dies mid-update never said 200, and the proxy or Telegram
        # delivers the update again, to a process that is alive. Repeats are harmless: every
        # act is a conditional update, and a repeated Kirim answers "sudah tersimpan".
        await app.update_processor.process_update(update, app.process_update(update))
        return web.Response()

    server = web.Application(client_max_size=MAX_UPDATE_BYTES)
    server.router.add_post(path, receive)
    server.router.add_get("/healthz", functools.partial(healthz, app))
    server.router.add_get("/metrics", functools.partial(metrics, app))
    return server


async def _database_answers(office: Office) -> bool:
    try:
        await asyncio.wait_for(office.db.ping(), HEALTH_TIMEOUT)
    except Exception as exc:
        log.warning("health check: database unreachable (%s)", type(exc).__name__)
        return False
    return True


async def healthz(app: Application, _request: web.Request) -> web.Response:
    """For the proxy and the operator: 200 when the database answers and the sender runs, 503
    otherwise, with the last overdue scan's time. No secret is needed, so nothing personal."""
    database = await _database_answers(app.bot_data["office"])
    task = app.bot_data.get("sender_task")
    sender = task is not None and not task.done()
    last_scan = app.bot_data["metrics"].last_scan
    body = {
        "status": "ok" if database and sender else "gagal",
        "database": database,
        "sender": sender,
        "last_scan": last_scan.isoformat() if last_scan else None,
    }
    return web.json_response(body, status=200 if database and sender else 503)


async def metrics(app: Application, _request: web.Request) -> web.Response:
    """The Prometheus text format; the outbox gauges are read from the database now."""
    office: Office = app.bot_data["office"]
    counters: Metrics = app.bot_data["metrics"]
    now = office.clock()
    try:
        async with office.db.session() as session:
            count, oldest = await asyncio.wait_for(outbox.backlog(session, now), HEALTH_TIMEOUT)
        counters.outbox(count, oldest, now)
    except Exception as exc:
        log.warning("metrics: outbox backlog unreadable (%s)", type(exc).__name__)
        counters.outbox_unreadable()
    return web.Response(body=counters.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})


async def serve_webhook(app: Application, settings: Settings) -> None:
    """Run the application on webhooks until SIGINT/SIGTERM, as run_webhook would (hooks
    included), behind our own endpoint."""
    path = "/" + urlparse(settings.webhook_url).path.lstrip("/")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with app:
        if app.post_init:
            await app.post_init(app)
        # No access log: each update has its own line (bot/updates.py), and the proxy's health
        # checks every few seconds would bury it.
        runner = web.AppRunner(_webhook_app(app, path, settings.webhook_secret), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, settings.webhook_listen, settings.webhook_port).start()
        await app.bot.set_webhook(
            settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
        )
        await app.start()
        log.info(
            "webhook listening on %s:%s%s", settings.webhook_listen, settings.webhook_port, path
        )
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
            await app.stop()
            if app.post_stop:
                await app.post_stop(app)
    if app.post_shutdown:
        await app.post_shutdown(app)
