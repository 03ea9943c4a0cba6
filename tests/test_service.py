"""Run like a service: `/healthz` and `/metrics` beside the webhook, one log line per event with
the update and user id (never what the user typed)."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
import psycopg
from prometheus_client.parser import text_string_to_metric_families

from bot import logs
from fakeapi import FakeTelegram
from tests.conftest import ADMIN_ID, PG_URL, Bot, free_port
from tests.proxy import RoundRobin
from tests.test_restart import BotProcess
from tests.test_webhook import SECRET

TYPED = "Nomor rekening saya 1234-5678, tolong dirahasiakan"


def webhook_process(
    tg: FakeTelegram, data: Path, database_url: str | None = None
) -> tuple[BotProcess, str]:
    """A `kinerja-bot run` in webhook mode logging JSON, and the base address it listens on."""
    port = free_port()
    proc = BotProcess(tg, data)
    proc.env.update(
        WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        LOG_FORMAT="json",
        REMINDER_SCAN_SECONDS="0.5",
    )
    if database_url:
        proc.env["DATABASE_URL"] = database_url
    return proc, f"http://127.0.0.1:{port}"


async def get(base: str, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(base + path) as resp:
        return resp.status, await resp.text()


async def health_when(
    proc: BotProcess, base: str, ready: Callable[[int, dict], bool], timeout: float = 20
) -> tuple[int, dict]:
    """Poll /healthz until `ready(status, body)`; the last answer otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            status, text = await get(base, "/healthz")
            answer = (status, json.loads(text))
            if ready(*answer) or time.monotonic() > deadline:
                return answer
        except aiohttp.ClientConnectionError:
            assert time.monotonic() < deadline, proc.log.read_text()
        await asyncio.sleep(0.2)


def samples(exposition: str) -> dict[str, float]:
    return {
        s.name + "".join(f"{{{v}}}" for v in s.labels.values()): s.value
        for family in text_string_to_metric_families(exposition)
        for s in family.samples
    }


async def test_health_metrics_and_log_lines_of_a_webhook_process(tg: FakeTelegram, tmp_path: Path):
    proc, base = webhook_process(tg, tmp_path / "data")
    proc.start()
    try:
        stranger = tg.user(4242, "Tamu")
        await stranger.send("/start")
        await stranger.expect("Anda belum terdaftar", timeout=20)
        status, body = await health_when(proc, base, lambda _s, b: b["last_scan"] is not None)
        assert status == 200
        assert body["status"] == "ok" and body["database"] is True and body["sender"] is True
        assert "T" in body["last_scan"] and set(body) == {
            "status",
            "database",
            "sender",
            "last_scan",
        }

        before = samples((await get(base, "/metrics"))[1])
        await stranger.send(TYPED)
        await stranger.expect("Anda belum terdaftar", timeout=10)
        await asyncio.sleep(0.3)
        status, text = await get(base, "/metrics")
        after = samples(text)
        assert status == 200
        assert after["kinerja_updates_total"] == before["kinerja_updates_total"] + 1
        assert after["kinerja_outbox_backlog"] == 0
        assert after["kinerja_outbox_oldest_age_seconds"] == 0
        assert after["kinerja_scan_duration_seconds_count"] >= 1
        for name in ("kinerja_errors_total", "kinerja_messages_sent_total"):
            assert name in after
        assert "kinerja_telegram_429_total" in after
        assert "4242" not in text
    finally:
        proc.stop()

    lines = proc.log.read_text().splitlines()
    entries = [json.loads(line) for line in lines]
    assert TYPED not in proc.log.read_text() and "rekening" not in proc.log.read_text()
    handled = [e for e in entries if e["message"].startswith("update handled")]
    assert len(handled) >= 2 and all(e["user_id"] == 4242 for e in handled)
    assert len({e["update_id"] for e in handled}) == len(handled)
    assert all(isinstance(e["update_id"], int) for e in handled)


async def test_healthz_answers_503_when_the_database_is_gone(
    tg: FakeTelegram, tmp_path: Path, pg_url: str
):
    proc, base = webhook_process(tg, tmp_path / "data", pg_url)
    proc.start()
    try:
        status, body = await health_when(proc, base, lambda s, _b: s == 200)
        assert status == 200 and body["database"] is True
        name = pg_url.rsplit("/", 1)[1]
        with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        status, body = await health_when(proc, base, lambda s, _b: s == 503)
        assert status == 503
        assert body["status"] == "gagal" and body["database"] is False
        assert body["sender"] is True
        status, text = await get(base, "/metrics")
        after = samples(text)
        assert status == 200 and "kinerja_updates_total" in after
        assert math.isnan(after["kinerja_outbox_backlog"])
    finally:
        proc.stop()


def record(message: str, *args: object, exc: bool = False) -> logging.LogRecord:
    info = None
    if exc:
        try:
            raise ValueError("baris satu\nbaris dua")
        except ValueError as err:
            info = (type(err), err, err.__traceback__)
    rec = logging.LogRecord("bot.x", logging.ERROR, __file__, 1, message, args, info)
    logs.UpdateIds().filter(rec)
    return rec


def test_log_lines_are_one_line_each_with_the_ids_inside_an_update():
    outside = record("mulai")
    with logs.update_context(77, 4242):
        inside = record("update %s failed", 77, exc=True)
    line = logs.JsonFormatter().format(inside)
    entry = json.loads(line)
    assert "\n" not in line
    assert (entry["update_id"], entry["user_id"], entry["level"]) == (77, 4242, "ERROR")
    assert entry["message"] == "update 77 failed" and "baris dua" in entry["exception"]
    assert json.loads(logs.JsonFormatter().format(outside))["update_id"] is None
    text = logs.TextFormatter().format(inside)
    assert "\n" not in text and "[update=77 user=4242]" in text and "baris dua" in text
    assert "[update=" not in logs.TextFormatter().format(record("mulai"))


async def test_the_compose_topology_with_processes_migrate_then_two_bots_behind_a_proxy(
    tg: FakeTelegram, tmp_path: Path, pg_url: str
):
    """What `docker compose up` starts, as processes on this machine: the one-shot migration,
    then two webhook bots on one PostgreSQL database and one documents folder, behind a proxy."""
    shared = tmp_path / "shared"
    bots = [webhook_process(tg, tmp_path / f"bot-{n}", pg_url) for n in (1, 2)]
    migrate = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        env={**bots[0][0].env, "DATA_DIR": str(shared)},
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert migrate.returncode == 0, migrate.stderr
    async with RoundRobin([base for _proc, base in bots]) as proxy:
        for proc, _base in bots:
            proc.env.update(
                WEBHOOK_URL=f"http://127.0.0.1:{proxy.port}/telegram", DATA_DIR=str(shared)
            )
            proc.start()
        try:
            for proc, base in bots:
                status, body = await health_when(proc, base, lambda s, _b: s == 200)
                assert status == 200, body
            assert tg.webhook_url == f"http://127.0.0.1:{proxy.port}/telegram"
            for uid in range(5001, 5005):
                guest = tg.user(uid, f"Tamu {uid}")
                await guest.send("/start")
                await guest.expect("Anda belum terdaftar", timeout=20)
            status, text = await get(f"http://127.0.0.1:{proxy.port}", "/healthz")
            assert status == 200 and json.loads(text)["status"] == "ok"
            # An update's log line follows its reply: wait for the last one before stopping.
            for _ in range(100):
                handled = [
                    {json.loads(line)["user_id"] for line in proc.log.read_text().splitlines()
                     if '"update handled' in line}
                    for proc, _base in bots
                ]  # fmt: skip
                if handled[0] | handled[1] == set(range(5001, 5005)):
                    break
                await asyncio.sleep(0.1)
        finally:
            for proc, _base in bots:
                proc.stop()
    assert handled[0] and handled[1], "each bot handled some of the updates"
    assert handled[0] | handled[1] == set(range(5001, 5005))
    assert tg.webhook_statuses == [200] * 4


async def test_the_counters_follow_updates_outbox_sends_and_429s(tg: FakeTelegram, bot: Bot):
    """In process, where the registry can be read: a registration request reaches the admin
    through the outbox after one 429."""
    count = bot.app.bot_data["metrics"].registry.get_sample_value
    admin = tg.user(ADMIN_ID, "Admin")
    await admin.send("/start")
    await admin.expect("Halo, Admin")
    tg.fail_next("sendMessage", status=429, retry_after=1, chat_id=ADMIN_ID)
    user = tg.user(5101, "Rina")
    for typed, answer in (
        ("/daftar", "nama lengkap"),
        ("Rina Wulandari", "NIP"),
        ("198703152010012003", "jabatan"),
        ("Analis Kinerja", "sudah dikirim ke admin"),
    ):
        await user.send(typed)
        await user.expect(answer)
    await admin.expect("Rina Wulandari", timeout=10)
    await asyncio.sleep(0.1)
    assert count("kinerja_updates_total") == 5
    assert count("kinerja_telegram_429_total") == 1
    assert count("kinerja_messages_sent_total") == 1
    assert count("kinerja_errors_total") == 0
