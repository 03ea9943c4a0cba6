"""Webhook mode's own endpoint, so the secret is compared in constant time (PTB compares with
`!=`), beside `/healthz` and `/metrics` for the proxy and the monitoring.

A module apart from bot/service.py so that a polling bot never imports aiohttp (about 8 MB).
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
import logging
import signal
from urllib.parse import urlparse

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from bot.metrics import Metrics
from bot.service import ALLOWED_UPDATES
from core import outbox
from core.office import Office

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram sends updates of at most a few kilobytes; a larger body is not Telegram.
MAX_UPDATE_BYTES = 1 << 20
# A health check or a scrape that waits longer on the database reports it as unreachable.
HEALTH_TIMEOUT = 3.0


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
        async with office.db.session(across=True) as session:
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
