"""Helpers for running a python-telegram-bot Application against the fake server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from telegram.ext import Application


@asynccontextmanager
async def polling(app: Application, *, timeout: int = 1) -> AsyncIterator[Application]:
    """Run `app` as `run_polling` does (post_init/post_stop/post_shutdown hooks included), with
    no pause between polls, and stop and shut down on exit.

    A short long-poll `timeout` keeps shutdown quick; the fake server answers a long poll as
    soon as an update arrives, so it costs no latency.
    """
    async with app:
        if app.post_init:
            await app.post_init(app)
        # As run_polling does: errors of getUpdates go to the application's error handlers.
        await app.updater.start_polling(
            poll_interval=0.0,
            timeout=timeout,
            error_callback=lambda exc: app.create_task(app.process_error(error=exc, update=None)),
        )
        await app.start()
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            if app.post_stop:
                await app.post_stop(app)
    if app.post_shutdown:
        await app.post_shutdown(app)
