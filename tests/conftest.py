"""Shared fixtures: a fake Bot API server, a fresh database, and the real bot polling it."""

from __future__ import annotations

import asyncio
import gc
import os
import random
import socket
import sqlite3
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy.engine import make_url
from telegram.ext import Application

from bot.app import build, make_office
from bot.config import Settings
from core.office import Office
from fakeapi import FakeTelegram, FakeUser
from fakeapi.ptb import polling
from storage.db import Database, is_sqlite
from storage.migrate import upgrade
from storage.models import Opd

# Speed is measured in bench/, never asserted in tests: Hypothesis's 200 ms per example fails on
# a loaded machine (two test workers on two cores) for no fault of the code.
hypothesis_settings.register_profile("kinerja", deadline=None)
hypothesis_settings.load_profile("kinerja")

# Ports for the tests' own servers, below the ephemeral range (Linux: 32768–60999) from which
# outgoing connections take theirs: a port the kernel picked as free could be taken by another
# test's connection before the server binds it ("address already in use", seen in CI).
_OWN_PORTS = range(20000, 32768)
_ports = random.SystemRandom()  # not reseeded alike in every test worker


def free_port() -> int:
    """A port nothing listens on now, for a server a test starts (or leaves closed)."""
    while True:
        port = _ports.choice(_OWN_PORTS)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `longest` first: with several workers and work stealing (pyproject.toml) a long
    test then runs beside the others instead of alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("longest") is None)


ADMIN_ID = 9001
# The one OPD every database has from its migrations (the single office's).
OPD1 = 1
# Monday 14 April 2025, 09:00 in Jakarta: a working day (7 April was cuti bersama).
START = datetime(2025, 4, 14, 2, 0, tzinfo=timezone.utc)
PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


async def second_opd(db: Database) -> int:
    """A second OPD beside OPD1 (its id): a regency of two."""
    async with db.transaction(across=True) as session:
        opd = Opd(kode="OPD2", nama="Dinas Kesehatan", office_name="Dinas Kesehatan")
        session.add(opd)
        await session.flush()
        return opd.id


class Clock:
    """The office clock under the test's control: no test waits for real minutes."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def make_settings(
    tg: FakeTelegram, data: Path, database_url: str | None = None, **overrides: object
) -> Settings:
    """The test settings; `overrides` are further Settings fields (e.g. the reminder ladder)."""
    return Settings(
        _env_file=None,
        bot_token="123456:TEST",
        telegram_base_url=tg.base_url,
        telegram_base_file_url=tg.base_file_url,
        database_url=database_url or f"sqlite:///{data}/kinerja.db",
        data_dir=data,
        admin_ids=frozenset({ADMIN_ID}),
        office_name="Dinas Tenaga Kerja Kabupaten Mojokerto",
        send_rate=1000,
        per_chat_interval=0,
        persistence_interval=0.2,
        **overrides,
    )


# A database migrated once per test worker and office name, copied for each test that starts
# from nothing: Alembic's upgrade from nothing takes half a second, most of a short test's set-up.
_MIGRATED: dict[str | None, Path] = {}


async def migrate(database_url: str, office_name: str | None = None) -> None:
    """As `kinerja-bot run` migrates (OFFICE_NAME names the first OPD); a new SQLite file is a
    copy of one migrated the same way (tests/test_migrations.py runs the migrations themselves)."""
    name = make_url(database_url).database if is_sqlite(database_url) else None
    path = Path(name) if name and name != ":memory:" else None
    if path is None or path.exists():
        await asyncio.to_thread(upgrade, database_url, office_name=office_name)
        return
    if office_name not in _MIGRATED:
        template = Path(tempfile.mkdtemp(prefix="kinerja-migrated-")) / "kinerja.db"
        await asyncio.to_thread(upgrade, f"sqlite:///{template}", office_name=office_name)
        _MIGRATED[office_name] = template
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(_MIGRATED[office_name]) as source, sqlite3.connect(path) as copy:
        source.backup(copy)


@asynccontextmanager
async def running_bot(
    settings: Settings, clock: Callable[[], datetime]
) -> AsyncIterator[tuple[Application, Office]]:
    """Migrate, build the real application and poll the fake server, as `kinerja-bot run`."""
    await migrate(settings.database_url, settings.office_name)
    office = make_office(settings)
    office.clock = clock
    app = build(settings, office)
    async with polling(app):
        yield app, office


@pytest.fixture(autouse=True)
def _unfrozen() -> Iterator[None]:
    """A bot started in this process froze what was alive then (bot/app.py); the next test's
    garbage must stay collectable, so the test worker does not grow test after test."""
    yield
    gc.unfreeze()


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
def clock() -> Clock:
    return Clock()


@dataclass
class Bot:
    app: Application
    office: Office
    settings: Settings


@pytest.fixture
async def bot(tg: FakeTelegram, tmp_path: Path, clock: Clock) -> AsyncIterator[Bot]:
    settings = make_settings(tg, tmp_path / "data")
    async with running_bot(settings, clock) as (app, office):
        yield Bot(app, office, settings)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards; skipped when no server
    outside CI."""
    with fresh_pg_database() as url:
        yield url


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """An empty PostgreSQL database, dropped on leaving (see `pg_url`)."""
    import psycopg

    admin_url = PG_URL.replace("+psycopg", "")
    try:
        conn = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        # In CI the server is part of the machine: a missing one is a failure, never a skip.
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL not reachable at {admin_url} (CI=true): {exc}")
        pytest.skip(f"PostgreSQL not reachable at {admin_url}: {exc}")
    name = f"kinerja_test_{uuid.uuid4().hex[:12]}"
    conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


@pytest.fixture
async def bot_pg(tg: FakeTelegram, tmp_path: Path, clock: Clock, pg_url: str) -> AsyncIterator[Bot]:
    settings = make_settings(tg, tmp_path / "data", pg_url)
    async with running_bot(settings, clock) as (app, office):
        yield Bot(app, office, settings)


async def register(
    admin: FakeUser, user: FakeUser, nama: str, nip: str, role_button: str, opd: str = ""
) -> None:
    """The whole /daftar dialog (answering which OPD with its kode when several exist), then
    the admin's approval with a role."""
    if not admin.messages:
        await admin.send("/start")
        await admin.expect("Halo, Admin")
    await user.send("/daftar")
    if opd:
        await user.expect("OPD mana")
        await user.send(opd)
    await user.expect("nama lengkap")
    await user.send(nama)
    await user.expect("NIP")
    await user.send(nip)
    await user.expect("jabatan")
    await user.send(f"Jabatan {nama}")
    await user.expect("sudah dikirim ke admin")
    request = await admin.expect(nama)
    await admin.press(role_button, request)
    await admin.expect_edit(nama)
    await user.expect("disetujui")
