"""Fast under a rush: the real bot beside a bare python-telegram-bot echo bot, in one run.

The fake Bot API and the simulated users live in this process; the echo bot and the real bot
(`kinerja-bot run`, i.e. `python -m bot.cli run`) each run in their own process, polling a
fresh fake server, so both sides pay the same HTTP and fake-server costs. Measured:

1. one registered ASN, `/tugas` round trip (send -> reply seen): median and p95, bot vs echo;
2. 20 users sending `/tugas` back to back for a fixed time: updates/s and p95, bot vs echo;
3. 20 ASN reporting figures through `/lapor` at once (pick, value, Kirim): p95 value -> tersimpan,
   warm, as scenario 1 warms up before it measures: one more ASN reports a figure alone first
   (the first `/lapor` since the start compiles its statements), then the 20 report three other
   indicators each at once (on PostgreSQL each pooled connection prepares a statement the
   first time it runs it, as a bot answering for a while has done; that rush is printed too);
   beside it the same scenario against its floors, a bare python-telegram-bot bot making the
   same Bot API calls (with PTB's defaults, and with the bot's HTTP client and updates side by
   side);
4. RSS of the bot process with 10,000 more registered users, after a few updates;
5. real limits (SEND_RATE=30, 1/s per chat): notices to 100 chats while 20 users ask `/tugas`:
   429s seen by the fake server (target 0).

Scenarios 1-3 run with the outgoing limits lifted (SEND_RATE=1000, PER_CHAT_INTERVAL=0).

    .venv/bin/python bench/bench_rush.py [--db sqlite|postgresql|both] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ADMIN_ID = 9001
ASN_COUNT = 20
PER_ASN = 3  # indicators each in a /lapor rush, so it has 60 samples
INDICATORS_PER_ASN = 2 * PER_ASN  # a first rush takes the other half, to warm up (bench_bot)
WARM_ASN = ASN_COUNT  # one more ASN, with one indicator: the /lapor warm-up
FIRST_ASN = 20_000
FIRST_EXTRA = 1_000_000
NOTICE_CHATS = 100
NOTICES_PER_CHAT = 2
TOKEN = "123456:BENCH"
_UPDATE_IDS = itertools.count(1, 1_000_000)  # the first update id of each fake server


# --------------------------------------------------------------------------- the echo bot


def echo_main(base_url: str) -> None:
    """Child process: the bare echo bot, PTB defaults (one update at a time)."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(update.message.text)

    app = ApplicationBuilder().token(TOKEN).base_url(base_url).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(poll_interval=0.0, timeout=1)


def floor_main(base_url: str, lean: bool = False) -> None:
    """Child process: scenario 3's floor, a bare python-telegram-bot bot (PTB defaults, no
    database, no dialog state) making the real bot's Bot API calls for one figure: the list
    with its buttons; the press answered and the question sent; the card with its Kirim
    button; the press answered, the card's button taken away and "tersimpan" sent. `lean`:
    the bot's own HTTP client and updates side by side, the least any PTB bot spends here."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.ext import (
        ApplicationBuilder,
        CallbackQueryHandler,
        CommandHandler,
        ContextTypes,
        MessageHandler,
        filters,
    )

    async def listing(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        i = update.effective_user.id - FIRST_ASN
        rows = [
            [InlineKeyboardButton(f"⬜ {code(i, k)} Indikator", callback_data=f"p:{k}")]
            for k in range(PER_ASN)
        ]
        await update.message.reply_text("Lapor realisasi", reply_markup=InlineKeyboardMarkup(rows))

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer()
        if query.data.startswith("p:"):
            await query.message.reply_text("Ketik realisasi")
            return
        await query.edit_message_reply_markup(None)
        await query.message.reply_text("Realisasi tersimpan")

    async def value(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        kirim = InlineKeyboardMarkup([[InlineKeyboardButton("✅ Kirim", callback_data="k")]])
        await update.message.reply_text(
            f"Periksa sebelum dikirim: {update.message.text}", reply_markup=kirim
        )

    builder = ApplicationBuilder().token(TOKEN).base_url(base_url)
    if lean:
        from bot.telegram_http import AiohttpRequest

        builder = builder.request(AiohttpRequest()).concurrent_updates(True)
        builder = builder.get_updates_request(AiohttpRequest(connection_pool_size=1))
    app = builder.build()
    app.add_handler(CommandHandler("lapor", listing))
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(MessageHandler(filters.TEXT, value))
    app.run_polling(poll_interval=0.0, timeout=1)


# --------------------------------------------------------------------------- figures


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


@dataclass
class Rush:
    """Closed-loop load: every user sends, waits for the answer, sends again."""

    done: int
    seconds: float
    latencies: list[float]
    cpu: float = 0.0  # the bot process's CPU seconds meanwhile

    @property
    def cpu_per_update(self) -> float:
        return self.cpu / self.done

    @property
    def rate(self) -> float:
        return self.done / self.seconds


async def round_trip(user, text: str) -> float:
    """Send `text`, wait for the bot's next message to that chat; seconds taken."""
    started = time.perf_counter()
    await user.send(text)
    await user.next_message(timeout=30)
    return time.perf_counter() - started


async def one_user(user, n: int) -> list[float]:
    for _ in range(20):  # warm-up
        await round_trip(user, "/tugas")
    return [await round_trip(user, "/tugas") for _ in range(n)]


async def rush(users: list, seconds: float, child: Child) -> Rush:
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []

    async def loop(user) -> None:
        while time.perf_counter() < deadline:
            latencies.append(await round_trip(user, "/tugas"))

    started, cpu = time.perf_counter(), child.cpu()
    await asyncio.gather(*(loop(u) for u in users))
    return Rush(len(latencies), time.perf_counter() - started, latencies, child.cpu() - cpu)


# --------------------------------------------------------------------------- processes


class Child:
    """A bot process pointed at a fake server; its output goes to a log file."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                argv, env={**os.environ, **env}, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
            )
        self.log = log

    def rss_mb(self) -> tuple[float, float]:
        """Current and peak resident memory (VmRSS, VmHWM) in MB."""
        fields = dict(
            line.split(":", 1)
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines()
        )
        return tuple(int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))  # type: ignore[return-value]

    def cpu(self) -> float:
        """CPU seconds used so far, every thread (user + system)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@asynccontextmanager
async def served(
    start: Callable[[str, str], Child], **limits: float
) -> AsyncIterator[tuple[object, Child]]:
    """A fresh fake server and a bot process polling it; stopped on leaving. Its update ids
    start above every earlier server's: on PostgreSQL the bot skips an update id it has seen."""
    from fakeapi import FakeTelegram

    async with FakeTelegram(first_update_id=next(_UPDATE_IDS), **limits) as tg:
        child = start(tg.base_url, tg.base_file_url)
        try:
            yield tg, child
        finally:
            await asyncio.to_thread(child.stop)


def echo_starter(tmp: Path, kind: str = "--echo") -> Callable[[str, str], Child]:
    return lambda url, _file_url: Child([sys.executable, __file__, kind, url], {}, tmp / "echo.log")


def bot_starter(tmp: Path, database_url: str, rate: float, per_chat: float):
    def start(url: str, file_url: str) -> Child:
        env = {
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": url,
            "TELEGRAM_BASE_FILE_URL": file_url,
            "DATABASE_URL": database_url,
            "DATA_DIR": str(tmp / "data"),
            "ADMIN_IDS": str(ADMIN_ID),
            "SEND_RATE": str(rate),
            "PER_CHAT_INTERVAL": str(per_chat),
        }
        profile = os.environ.get("BENCH_PROFILE")  # a path: the bot runs under cProfile
        wrap = ["-m", "cProfile", "-o", f"{profile}.{time.monotonic_ns()}"] if profile else []
        return Child([sys.executable, *wrap, "-m", "bot.cli", "run"], env, tmp / "bot.log")

    return start


@contextmanager
def sampled(child: Child, seconds: float, suffix: str = "") -> Iterator[None]:
    """With BENCH_PYSPY set (a path), py-spy samples the bot during the block (raw stacks)."""
    path = os.environ.get("BENCH_PYSPY")
    if not path:
        yield
        return
    spy = subprocess.Popen(
        [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(child.proc.pid),
         "--duration", str(int(seconds)), "--rate", "250", "--format", "raw", "--threads",
         "--nonblocking", "-o", path + suffix],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield
    finally:
        spy.wait(seconds + 30)


async def ready(user, child: Child, text: str = "/tugas") -> None:
    """The first answer: the process is up and polling."""
    await user.send(text)
    try:
        await user.next_message(timeout=60)
    except AssertionError as exc:
        raise SystemExit(
            f"no answer from {child.proc.args}; log:\n{child.log.read_text()[-3000:]}"
        ) from exc


# --------------------------------------------------------------------------- the office


def asn_nip(i: int) -> str:
    return f"1990030320150310{i:02d}"


async def seed(database_url: str, data: Path):
    """Kepala Dinas, Sekretaris, two Tim SAKIP and 20 ASN registered; a period at step 5 with
    six indicators per ASN, set up through core; every notice so far marked sent."""
    from sqlmodel import select

    from bot.app import make_office
    from bot.config import Settings
    from core import users
    from core.sop import Role
    from storage.migrate import upgrade
    from storage.models import Outbox
    from tests.conftest import OPD1, Clock
    from tests.kinerja_core import NAMES, NIP, ROLES, Period
    from tests.kinerja_flow import kertas_kerja, kk_row

    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        database_url=database_url,
        data_dir=data,
        admin_ids=frozenset({ADMIN_ID}),
    )
    await asyncio.to_thread(upgrade, database_url)
    office = make_office(settings)
    clock = Clock(datetime.now(timezone.utc))
    office.clock = clock
    people = [(tid, NAMES[tid], NIP[tid], role) for tid, role in ROLES.items() if role != Role.ASN]
    people += [(FIRST_ASN + i, f"ASN {i}", asn_nip(i), Role.ASN) for i in range(ASN_COUNT + 1)]
    for tid, nama, nip, role in people:
        reg = await users.register(office, tid, None, nama, nip, "Pelaksana")
        await users.set_role(office, ADMIN_ID, reg.user_id, role, confirm=True)
    rows = [
        kk_row("Program", code(i, k), f"Program {i}.{k}", f"Jumlah layanan {i}.{k}", asn_nip(i),
               satuan="kasus", tahunan=40, tw=(10, 10, 10, 10))
        for i in range(ASN_COUNT + 1) for k in range(1 if i == WARM_ASN else INDICATORS_PER_ASN)
    ]  # fmt: skip
    period = await Period(office, clock).start("Triwulan IV 2026")
    await period.to_reporting(kertas_kerja(rows))
    async with office.db.transaction(OPD1) as session:
        for row in (await session.exec(select(Outbox))).all():
            row.status = "terkirim"
            session.add(row)
    return office


def code(i: int, k: int) -> str:
    return f"1.{i * INDICATORS_PER_ASN + k + 1:02d}"


async def add_users(office, n: int) -> None:
    """`n` more active ASN, inserted directly (one statement)."""
    from sqlalchemy import insert

    from bench.common import OPD1
    from storage.db import core_execute
    from storage.models import User

    now = datetime.now(timezone.utc)
    rows = [
        {
            "opd_id": OPD1,
            "telegram_id": FIRST_EXTRA + i,
            "nama": f"Pegawai {i}",
            "nip": f"1980010120050{i:05d}",
            "jabatan": "Pelaksana",
            "role": "asn",
            "status": "aktif",
            "created_at": now,
            "approved_at": now,
        }
        for i in range(n)
    ]
    async with office.db.transaction(OPD1) as session:
        await core_execute(session, insert(User), rows)


async def enqueue_notices(office) -> None:
    from bench.common import OPD1, enqueue_reminders

    now = datetime.now(timezone.utc)
    async with office.db.transaction(OPD1) as session:
        await enqueue_reminders(
            session,
            chats=NOTICE_CHATS,
            per_chat=NOTICES_PER_CHAT,
            first_chat=FIRST_EXTRA,
            now=now,
            key="bench",
        )


# --------------------------------------------------------------------------- scenarios


async def lapor(asn, item: str) -> tuple[float, float]:
    """One figure: /lapor, pick, value, Kirim. Returns (value -> card, value -> tersimpan)."""
    await asn.send("/lapor")
    listing = await asn.expect("Lapor realisasi", timeout=30)
    button = next(t for row in listing.buttons for t, _ in row if f" {item} " in f"{t} ")
    await asn.press(button, listing)
    await asn.expect("Ketik realisasi", timeout=30)
    started = time.perf_counter()
    await asn.send("7")
    card = await asn.expect("Periksa sebelum dikirim", timeout=30)
    shown = time.perf_counter() - started
    await asn.press("✅ Kirim", card)
    await asn.expect("tersimpan", timeout=30)
    return shown, time.perf_counter() - started


async def lapor_rush(asns: list, first: int = 0) -> list[tuple[float, float]]:
    """Each ASN reports PER_ASN indicators, theirs from the `first`-th on, all ASN at once."""

    async def one(i: int, asn) -> list[tuple[float, float]]:
        return [await lapor(asn, code(i, k)) for k in range(first, first + PER_ASN)]

    per_user = await asyncio.gather(*(one(i, a) for i, a in enumerate(asns)))
    return [t for ts in per_user for t in ts]


async def bench_echo(tmp: Path, n: int, seconds: float) -> tuple[list[float], Rush]:
    async with served(echo_starter(tmp)) as (tg, child):
        users = [tg.user(FIRST_ASN + i, f"ASN {i}") for i in range(ASN_COUNT)]
        await ready(users[0], child)
        single = await one_user(users[0], n)
        return single, await rush(users, seconds, child)


@dataclass
class Floor:
    lapor: list[tuple[float, float]]
    cpu: float  # the floor process's CPU seconds for the whole rush


async def bench_floor(tmp: Path, kind: str) -> Floor:
    """Scenario 3 against a floor bot (`floor_main`), after one figure: it has no statements
    to prepare, so the bot's first rush has nothing to warm here."""
    async with served(echo_starter(tmp, kind)) as (tg, child):
        asns = [tg.user(FIRST_ASN + i, f"ASN {i}") for i in range(ASN_COUNT)]
        await ready(asns[0], child, "/lapor")
        await lapor(asns[0], code(0, 0))
        cpu = child.cpu()
        figures = await lapor_rush(asns)
        return Floor(figures, child.cpu() - cpu)


@dataclass
class BotFigures:
    single: list[float]
    rush: Rush
    lapor: list[tuple[float, float]]
    first_lapor: float
    lapor_load: tuple[float, float, float]
    warming_lapor: list[tuple[float, float]]
    warming_cpu: float
    rss_after_rush: tuple[float, float]
    rss_10k: tuple[float, float]
    limited_429s: int
    limited_errors: int
    limited_delivered: int
    limited_seconds: float
    limited_tugas: list[float]


async def bench_bot(tmp: Path, database_url: str, n: int, seconds: float) -> BotFigures:
    office = await seed(database_url, tmp / "data")
    fast = bot_starter(tmp, database_url, 1000, 0)
    async with served(fast) as (tg, child):
        asns = [tg.user(FIRST_ASN + i, f"ASN {i}") for i in range(ASN_COUNT)]
        await ready(asns[0], child)
        single = await one_user(asns[0], n)
        with sampled(child, seconds):
            load = await rush(asns, seconds, child)
        _, first_lapor = await lapor(tg.user(FIRST_ASN + WARM_ASN, "ASN"), code(WARM_ASN, 0))
        cpu = child.cpu()
        warming_lapor = await lapor_rush(asns, PER_ASN)
        warming_cpu = child.cpu() - cpu
        cpu, own, started = child.cpu(), time.process_time(), time.perf_counter()
        with sampled(child, 4, ".lapor"):
            figures = await lapor_rush(asns)
        lapor_load = (time.perf_counter() - started, child.cpu() - cpu, time.process_time() - own)
        rss_after_rush = child.rss_mb()

    await add_users(office, 10_000)
    async with served(fast) as (tg, child):
        asns = [tg.user(FIRST_ASN + i, f"ASN {i}") for i in range(ASN_COUNT)]
        await ready(asns[0], child)
        await asyncio.gather(*(round_trip(a, "/tugas") for a in asns))
        await asyncio.gather(*(round_trip(a, "/status") for a in asns))
        rss_10k = child.rss_mb()

    await enqueue_notices(office)
    await office.db.dispose()
    limited = bot_starter(tmp, database_url, 30, 1.0)
    async with served(limited, global_rate=30, per_chat_rate=1) as (tg, child):
        for c in range(NOTICE_CHATS):
            tg.user(FIRST_EXTRA + c, f"Pegawai {c}")
            tg._known_chats.add(FIRST_EXTRA + c)  # they wrote to the bot earlier
        asns = [tg.user(FIRST_ASN + i, f"ASN {i}") for i in range(ASN_COUNT)]
        started = time.perf_counter()
        await ready(asns[0], child)
        tugas = await asyncio.gather(*(round_trip(a, "/tugas") for a in asns[1:]))
        total = NOTICE_CHATS * NOTICES_PER_CHAT
        notices = lambda: sum(  # noqa: E731
            1 for m in tg.bot_messages if m.chat_id >= FIRST_EXTRA
        )
        deadline = time.perf_counter() + 60
        while notices() < total and time.perf_counter() < deadline:
            await asyncio.sleep(0.1)
        limited_seconds = time.perf_counter() - started
        stats = dict(tg.stats)
    return BotFigures(
        single,
        load,
        figures,
        first_lapor,
        lapor_load,
        warming_lapor,
        warming_cpu,
        rss_after_rush,
        rss_10k,
        stats["429s"],
        stats["errors"],
        notices(),
        limited_seconds,
        list(tugas),
    )


# --------------------------------------------------------------------------- report


def report(
    label: str, echo: tuple[list[float], Rush], floors: tuple[Floor, Floor], bot: BotFigures
) -> bool:
    echo_single, echo_rush = echo
    checks: list[tuple[str, bool]] = []
    e_med, b_med = statistics.median(echo_single), statistics.median(bot.single)
    print(f"\n[{label}]")
    print(
        f"1. one user, /tugas round trip ({len(bot.single)} requests): "
        f"bot median {ms(b_med)}, p95 {ms(p95(bot.single))}; "
        f"echo median {ms(e_med)}, p95 {ms(p95(echo_single))}; ratio {b_med / e_med:.2f}x"
    )
    checks.append(("/tugas median <= 3x echo", b_med <= 3 * e_med))
    b, e = bot.rush, echo_rush
    print(
        f"2. {ASN_COUNT} users, {b.seconds:.0f} s of /tugas: bot {b.rate:.0f} updates/s, "
        f"p95 {ms(p95(b.latencies))}; echo {e.rate:.0f} updates/s, p95 {ms(p95(e.latencies))}; "
        f"bot/echo {b.rate / e.rate:.0%}; CPU per update: bot {ms(b.cpu_per_update)}, "
        f"echo {ms(e.cpu_per_update)}"
    )
    checks.append(("20 users >= 50 % of echo updates/s", b.rate >= 0.5 * e.rate))
    checks.append(("20 users p95 < 150 ms", p95(b.latencies) < 0.150))
    card = [c for c, _ in bot.lapor]
    stored = [s for _, s in bot.lapor]
    print(
        f"3. {ASN_COUNT} ASN at once, {len(stored)} figures through /lapor: value -> tersimpan "
        f"median {ms(statistics.median(stored))}, p95 {ms(p95(stored))} "
        f"(value -> card p95 {ms(p95(card))}); {bot.lapor_load[0]:.1f} s, CPU: bot "
        f"{bot.lapor_load[1]:.1f} s, users and fake server {bot.lapor_load[2]:.1f} s; before it, "
        f"the first /lapor since the start, one ASN alone: {ms(bot.first_lapor)}"
    )
    warming = [s for _, s in bot.warming_lapor]
    print(
        f"   the rush before it, {PER_ASN} other indicators each (PostgreSQL: each pooled "
        f"connection prepares the statements): value -> tersimpan median "
        f"{ms(statistics.median(warming))}, p95 {ms(p95(warming))}; CPU per figure: bot "
        f"{ms(bot.warming_cpu / len(warming))}"
    )
    names = ("PTB's defaults", "aiohttp, updates side by side")
    for name, floor in zip(names, floors, strict=True):
        floor_stored = [s for _, s in floor.lapor]
        print(
            f"   floor (bare PTB, {name}, no database, the same Bot API calls): value -> "
            f"tersimpan median {ms(statistics.median(floor_stored))}, p95 "
            f"{ms(p95(floor_stored))}; bot/floor p95 {p95(stored) / p95(floor_stored):.2f}x; "
            f"CPU per figure: bot {ms(bot.lapor_load[1] / len(stored))}, floor "
            f"{ms(floor.cpu / len(floor_stored))}"
        )
    checks.append(("/lapor p95 < 200 ms", p95(stored) < 0.200))
    print(
        f"4. bot RSS after scenarios 1-3: {bot.rss_after_rush[0]:.0f} MB (peak "
        f"{bot.rss_after_rush[1]:.0f} MB); with 10,000 more users after a few updates: "
        f"{bot.rss_10k[0]:.0f} MB (peak {bot.rss_10k[1]:.0f} MB)"
    )
    checks.append(("RSS < 150 MB with 10,000 users", bot.rss_10k[1] < 150))
    total = NOTICE_CHATS * NOTICES_PER_CHAT
    print(
        f"5. SEND_RATE=30, 1/s per chat: {total} notices to {NOTICE_CHATS} chats "
        f"({bot.limited_delivered} delivered in {bot.limited_seconds:.1f} s from the bot's "
        f"start; floor {total / 30:.1f} s) while {len(bot.limited_tugas)} users asked /tugas "
        f"(answer median {ms(statistics.median(bot.limited_tugas))}, max "
        f"{ms(max(bot.limited_tugas))}); 429s {bot.limited_429s}, other errors "
        f"{bot.limited_errors}"
    )
    checks.append(("no 429 under the real limits", bot.limited_429s == 0))
    checks.append(("every notice delivered", bot.limited_delivered == total))
    for name, ok in checks:
        print(f"   {'met   ' if ok else 'MISSED'} {name}")
    return all(ok for _, ok in checks)


async def main_async(args: argparse.Namespace) -> int:
    from bench.common import fresh_pg, python_speed

    print(f"load average before: {os.getloadavg()}; plain Python: {python_speed():.1f} ms")
    ok = True
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        echo = await bench_echo(tmp, args.requests, args.seconds)
        floors = (await bench_floor(tmp, "--floor"), await bench_floor(tmp, "--lean-floor"))
        if args.db in ("sqlite", "both"):
            (tmp / "sqlite").mkdir()
            bot = await bench_bot(
                tmp / "sqlite",
                f"sqlite:///{tmp}/sqlite/kinerja.db",
                args.requests,
                args.seconds,
            )
            ok = report("SQLite", echo, floors, bot) and ok
        if args.db in ("postgresql", "both"):
            with fresh_pg("rush") as url:
                if url is not None:
                    (tmp / "pg").mkdir()
                    bot = await bench_bot(tmp / "pg", url, args.requests, args.seconds)
                    ok = report("PostgreSQL", echo, floors, bot) and ok
    print(f"load average after: {os.getloadavg()}; plain Python: {python_speed():.1f} ms")
    print("targets:", "met" if ok else "MISSED")
    return 0 if ok else 1


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--echo":
        echo_main(sys.argv[2])
        return 0
    if len(sys.argv) == 3 and sys.argv[1] in ("--floor", "--lean-floor"):
        floor_main(sys.argv[2], lean=sys.argv[1] == "--lean-floor")
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
