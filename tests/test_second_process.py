"""A second `kinerja-bot run` started by mistake: refused on SQLite, waiting on PostgreSQL; and
webhook mode that will not start without a strong secret."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

from sqlmodel import select

from bot.cli import main
from fakeapi import FakeTelegram
from storage.models import Outbox
from tests.conftest import ADMIN_ID, OPD1, Bot
from tests.test_restart import BotProcess, wait_for

ROOT = Path(__file__).parent.parent


def second_run(env: dict, timeout: float = 20) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


async def test_a_second_process_on_the_same_sqlite_folder_refuses_to_start(
    tg: FakeTelegram, tmp_path: Path
):
    first = BotProcess(tg, tmp_path / "data")
    first.start()
    try:
        stranger = tg.user(4242, "Tamu")
        await stranger.send("/start")
        await stranger.expect("Anda belum terdaftar", timeout=20)
        second = second_run(first.env)
        assert second.returncode == 3
        assert "Bot sudah berjalan dengan folder data" in second.stderr
        assert "PostgreSQL" in second.stderr
        # The first process goes on answering, once.
        await stranger.send("/start")
        await stranger.expect("Anda belum terdaftar", timeout=10)
        await stranger.expect_silence(1.0)
    finally:
        first.stop()


async def test_on_postgresql_a_second_poller_waits_and_takes_over_when_the_first_dies(
    tg: FakeTelegram, tmp_path: Path, pg_url: str
):
    first = BotProcess(tg, tmp_path / "satu")
    first.env["DATABASE_URL"] = pg_url
    first.start()
    second = BotProcess(tg, tmp_path / "dua")
    second.env["DATABASE_URL"] = pg_url
    try:
        stranger = tg.user(4242, "Tamu")
        await stranger.send("/start")
        await stranger.expect("Anda belum terdaftar", timeout=20)
        second.start()

        async def waiting() -> bool:
            return "menunggu dan mengambil alih" in second.log.read_text()

        await wait_for(waiting, timeout=30)
        await stranger.send("/start")
        await stranger.expect("Anda belum terdaftar", timeout=10)
        await stranger.expect_silence(2.0)  # one answer: the second process does not poll

        first.kill()
        await stranger.send("/start")
        await stranger.expect("Anda belum terdaftar", timeout=30)
        await stranger.expect_silence(1.0)
    finally:
        first.stop()
        second.stop()


def test_webhook_mode_refuses_to_start_without_a_strong_secret(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_TOKEN", "123456:TEST")
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.kantor.go.id/telegram")
    for secret in ("", "pendek"):
        monkeypatch.setenv("WEBHOOK_SECRET", secret)
        assert main(["run"]) == 2
        err = capsys.readouterr().err
        assert "WEBHOOK_SECRET" in err and "secrets.token_urlsafe(32)" in err
    assert not (tmp_path / "data" / "kinerja.db").exists()


async def test_a_polling_conflict_is_logged_once_and_never_alerts_the_admins(
    tg: FakeTelegram, bot: Bot, caplog
):
    caplog.set_level(logging.ERROR, logger="bot.app")
    tg.fail_next(
        "getUpdates",
        status=409,
        description="Conflict: terminated by other getUpdates request",
        times=3,
    )
    stranger = tg.user(4242, "Tamu")
    await stranger.send("/start")
    await stranger.expect("Anda belum terdaftar", timeout=15)
    conflicts = [r for r in caplog.records if "getUpdates conflict" in r.getMessage()]
    assert len(conflicts) == 1
    async with bot.office.db.session(OPD1) as session:
        alerts = (await session.exec(select(Outbox).where(Outbox.chat_id == ADMIN_ID))).all()
    assert alerts == []
