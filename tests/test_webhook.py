"""Webhook mode: `kinerja-bot run` with WEBHOOK_URL takes updates by HTTP, and refuses a request
without the secret token."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from fakeapi import FakeTelegram
from tests.conftest import free_port
from tests.test_restart import BotProcess

SECRET = "rahasia-kantor-yang-panjang-0123456789"


async def test_webhook_mode_answers_and_checks_the_secret(tg: FakeTelegram, tmp_path: Path):
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    proc = BotProcess(tg, tmp_path / "data")
    proc.env.update(WEBHOOK_URL=url, WEBHOOK_SECRET=SECRET, WEBHOOK_LISTEN="127.0.0.1")
    proc.env["WEBHOOK_PORT"] = str(port)
    proc.start()
    try:
        stranger = tg.user(4242, "Tamu")
        await stranger.send("/start")
        await stranger.expect("Anda belum terdaftar", timeout=20)
        assert tg.webhook_url == url and tg.webhook_secret == SECRET
        update = {"update_id": 999, "message": {"message_id": 1, "date": 0, "text": "hai",
                  "chat": {"id": 4242, "type": "private"}, "from": {"id": 4242, "is_bot": False,
                  "first_name": "Tamu"}}}  # fmt: skip
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json=update) as resp:
                assert resp.status == 403
            wrong = {"X-Telegram-Bot-Api-Secret-Token": "tebakan"}
            async with session.post(url, json=update, headers=wrong) as resp:
                assert resp.status == 403
        await stranger.expect_silence(0.5)
        assert tg.webhook_statuses == [200]
    finally:
        proc.stop()
