"""`kinerja-bot doctor` against the fake Bot API: a good setup passes, a broken one says what
to fix, line by line."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.cli import main
from bot.doctor import FAIL, OK, WARN, clock_check
from fakeapi import BOT_ID, BOT_USERNAME, FakeTelegram
from storage.files import FileStore
from storage.migrate import head_revision, upgrade
from tests.conftest import ADMIN_ID, free_port, migrate

TOKEN = "123456:BENAR"


@pytest.fixture
async def telegram() -> FakeTelegram:
    async with FakeTelegram(token=TOKEN) as server:
        yield server


def configure(monkeypatch, tmp_path: Path, tg: FakeTelegram, **env: str) -> str:
    """The operator's environment: the fake API, SQLite under tmp_path/data, polling mode."""
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path}/data/kinerja.db"
    settings = {
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": tg.base_url,
        "DATABASE_URL": url,
        "DATA_DIR": str(tmp_path / "data"),
        "WEBHOOK_URL": "",
        "TIMEZONE": "Asia/Jakarta",
        **env,
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    return url


async def doctor(capsys) -> tuple[int, list[str]]:
    """The command in a worker thread: it calls the fake API, which runs on this event loop."""
    code = await asyncio.to_thread(main, ["doctor"])
    return code, capsys.readouterr().out.splitlines()


def line(lines: list[str], start: str) -> str:
    found = [x for x in lines if x.startswith(start)]
    assert len(found) == 1, (start, lines)
    return found[0]


async def test_a_good_setup_passes_every_check(telegram, tmp_path, monkeypatch, capsys):
    url = configure(monkeypatch, tmp_path, telegram)
    await migrate(url)
    FileStore(tmp_path / "data" / "files").put(b"%PDF-1.4 nota")

    code, lines = await doctor(capsys)

    assert code == 0, lines
    assert line(lines, f"{OK} Token bot").endswith(
        f"tersambung sebagai @{BOT_USERNAME} (id {BOT_ID})"
    )
    assert line(lines, f"{OK} Webhook") == (
        f"{OK} Webhook — tidak ada (mode polling), 0 pembaruan menunggu"
    )
    assert "selisih dengan jam Telegram" in line(lines, f"{OK} Jam server")
    assert line(lines, f"{OK} Basis data").endswith(f"migrasi terbaru ({head_revision()})")
    assert "dapat ditulis, ruang kosong" in line(lines, f"{OK} Folder dokumen")
    assert "Asia/Jakarta" in line(lines, f"{OK} Zona waktu dan jam kerja")
    assert lines[-1] == "Semua pemeriksaan lulus."
    assert TOKEN not in "\n".join(lines)


async def test_a_broken_setup_says_what_to_fix(telegram, tmp_path, monkeypatch, capsys):
    """A revoked token (401), a database two versions behind, a data folder that is gone."""
    url = configure(
        monkeypatch,
        tmp_path,
        telegram,
        BOT_TOKEN="123456:SALAH",
        DATA_DIR=str(tmp_path / "hilang"),
    )
    await asyncio.to_thread(upgrade, url, "0002")

    code, lines = await doctor(capsys)

    assert code == 1
    assert line(lines, f"{FAIL} Token bot") == (
        f"{FAIL} Token bot — Telegram menolak token (getMe: 401 Unauthorized); token salah atau "
        "dicabut: salin lagi dari @BotFather (/mybots → API Token)"
    )
    assert line(lines, f"{FAIL} Basis data").endswith(
        f"pada migrasi 0002, terbaru {head_revision()}: tertinggal; jalankan kinerja-bot db upgrade "
        "(make run juga melakukannya)"
    )
    assert line(lines, f"{FAIL} Folder data") == (
        f"{FAIL} Folder data — {tmp_path / 'hilang'} tidak ada; periksa DATA_DIR di .env, "
        "atau pulihkan cadangan dengan kinerja-bot restore"
    )
    assert lines[-1] == "3 masalah perlu diperbaiki."
    assert "SALAH" not in "\n".join(lines)
    assert not (tmp_path / "hilang").exists()


async def test_a_stale_webhook_and_an_unknown_time_zone(telegram, tmp_path, monkeypatch, capsys):
    """Polling mode, but Telegram still posts to an old webhook that does not answer."""
    url = configure(monkeypatch, tmp_path, telegram, TIMEZONE="Asia/Jakrta")
    await migrate(url)
    FileStore(tmp_path / "data" / "files").put(b"%PDF-1.4 nota")
    old_hook = f"http://127.0.0.1:{free_port()}/kinerja"
    telegram.webhook_url = old_hook
    await telegram.user(ADMIN_ID, "Admin").send("/start")
    await asyncio.sleep(0.3)

    code, lines = await doctor(capsys)

    assert code == 1
    assert line(lines, f"{WARN} Webhook — terpasang") == (
        f"{WARN} Webhook — terpasang di {old_hook} padahal WEBHOOK_URL kosong (mode polling); "
        "kinerja-bot run mode polling akan menghapusnya; bila proses lain memakai webhook itu, "
        "hentikan dulu atau isi WEBHOOK_URL"
    )
    error = line(lines, f"{WARN} Webhook — kesalahan terakhir")
    assert error.endswith(
        "UTC: Connection refused; pastikan alamat WEBHOOK_URL terjangkau dari internet (HTTPS) "
        "dan bot berjalan"
    )
    assert line(lines, f"{FAIL} Zona waktu") == (
        f"{FAIL} Zona waktu — TIMEZONE='Asia/Jakrta' tidak dikenal; pakai nama IANA: "
        "Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT)"
    )
    assert lines[-1] == "1 masalah perlu diperbaiki."


def test_settings_that_do_not_load_are_named(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OFFICE_HOURS", "Senin sampai Jumat")
    assert main(["doctor"]) == 1
    first, *_ = capsys.readouterr().out.splitlines()
    assert first.startswith(f"{FAIL} Pengaturan — OFFICE_HOURS: Value error, OFFICE_HOURS tidak")
    assert first.endswith("; perbaiki nilainya di .env atau environment")


def test_the_clock_is_judged_against_telegrams():
    telegram = datetime(2025, 4, 14, 2, 0, tzinfo=timezone.utc)
    assert clock_check(telegram + timedelta(seconds=2), telegram).mark == OK
    late = clock_check(telegram - timedelta(seconds=90), telegram)
    assert (late.mark, late.detail) == (WARN, "selisih dengan jam Telegram -90 detik")
    assert clock_check(telegram + timedelta(minutes=6), telegram).mark == FAIL
    assert "timedatectl set-ntp true" in clock_check(telegram, None).line


def test_an_unreachable_bot_api_is_told_apart_from_a_wrong_token(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_BASE_URL", f"http://127.0.0.1:{free_port()}/bot")
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert f"{FAIL} Koneksi ke Telegram — 127.0.0.1:" in out
    assert "tidak terjangkau (ConnectError); periksa internet, proxy/firewall" in out
    assert TOKEN not in out
