"""Bulk sending: 300 chats x 10 reminders through the outbox sender (bot/sender.py) against the
fake Bot API enforcing 300 messages/s overall and 1/s per chat (token buckets of one second).

The fake server runs in its own process, so its work does not share the bot's event loop and
the timing is the bot's. The floor is the larger of total/R and the per-chat 10 s (nine
intervals of 1 s after the first message are the true minimum: 9 s). Reported: time against
the floor, 429s received (target 0), messages lost (must be 0) and doubled.

With `--other-opd N`, a second OPD writes N reminders (one to each of N other chats) after the
broadcast: where they arrive among all messages shows the rate shared between OPD (the first
OPD's backlog must not come before them; two OPD in turn put them within the first 2N or so).

    .venv/bin/python bench/bench_send.py [--chats 300] [--per-chat 10] [--rate 300]
        [--other-opd 0]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIRST_CHAT = 10_000


# --------------------------------------------------------------------------- fake server process


def serve(conn, chats: int, rate: float, other: int = 0) -> None:
    """Child process: the fake Bot API with flood limits; answers 'stats' on the pipe."""
    sys.path.insert(0, str(ROOT))
    from fakeapi import FakeTelegram

    async def main() -> None:
        async with FakeTelegram(global_rate=rate, per_chat_rate=1) as tg:
            for i in range(chats + other):
                user = tg.user(FIRST_CHAT + i, f"U{i}")
                tg._known_chats.add(user.chat_id)  # the user wrote to the bot earlier
            arrivals: list[float] = []
            tg.on_bot_message.append(lambda m: arrivals.append(time.monotonic()))
            conn.send(("ready", tg.base_url, tg.base_file_url))
            loop = asyncio.get_running_loop()
            while True:
                request = await loop.run_in_executor(None, conn.recv)
                if request == "stats":
                    texts = Counter((m.chat_id, m.plain) for m in tg.bot_messages)
                    conn.send(
                        {
                            "sent": tg.stats["sent"],
                            "429s": tg.stats["429s"],
                            "errors": tg.stats["errors"],
                            "unique": len(texts),
                            "doubled": sum(n - 1 for n in texts.values() if n > 1),
                            "span": arrivals[-1] - arrivals[0] if arrivals else 0.0,
                            "per_second": _per_second(arrivals),
                            # Positions of the second OPD's messages (its chats come last).
                            "other": [
                                i
                                for i, m in enumerate(tg.bot_messages)
                                if m.chat_id >= FIRST_CHAT + chats
                            ],
                        }
                    )
                elif request == "stop":
                    return

    asyncio.run(main())


def _per_second(arrivals: list[float]) -> list[int]:
    if not arrivals:
        return []
    counts = Counter(int(t - arrivals[0]) for t in arrivals)
    return [counts.get(i, 0) for i in range(max(counts) + 1)]


# --------------------------------------------------------------------------- the bot side


async def run(args: argparse.Namespace, base_url: str, base_file_url: str) -> dict:
    from bench.common import OPD1, enqueue_reminders
    from bot.app import build, make_office
    from bot.config import Settings
    from bot.sender import Sender
    from storage.migrate import upgrade

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            bot_token="123456:BENCH",
            telegram_base_url=base_url,
            telegram_base_file_url=base_file_url,
            database_url=f"sqlite:///{tmp}/bench.db",
            data_dir=Path(tmp),
            send_rate=args.rate,
            per_chat_interval=1.0,
        )
        await asyncio.to_thread(upgrade, settings.database_url)
        office = make_office(settings)
        now = datetime(2025, 8, 4, 3, 0, tzinfo=timezone.utc)
        office.clock = lambda: now
        total = args.chats * args.per_chat + args.other_opd
        async with office.db.transaction(OPD1) as session:
            await enqueue_reminders(
                session,
                chats=args.chats,
                per_chat=args.per_chat,
                first_chat=FIRST_CHAT,
                now=now,
                key="reminder",
            )
        if args.other_opd:
            from storage.models import Opd

            async with office.db.transaction(across=True) as session:
                other = Opd(kode="OPD2", nama="OPD lain", office_name="OPD lain")
                session.add(other)
                await session.flush()
                other_id = other.id
            async with office.db.transaction(other_id) as session:
                await enqueue_reminders(
                    session,
                    chats=args.other_opd,
                    per_chat=1,
                    first_chat=FIRST_CHAT + args.chats,
                    now=now,
                    key="other",
                )
        app = build(settings, office)  # the bot's own HTTP client and rate limiter
        async with app:
            sender = Sender(office, app.bot, rate=args.rate, per_chat_interval=1.0)
            started, cpu = time.perf_counter(), time.process_time()
            task = asyncio.create_task(sender.run())
            await sender.drain(timeout=300)
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu
            await sender.stop()
            task.cancel()
        async with office.db.session(OPD1) as session:
            from sqlalchemy import text

            statuses = dict(
                (
                    await session.exec(text("SELECT status, count(*) FROM outbox GROUP BY status"))
                ).all()
            )
        await office.db.dispose()
    return {"elapsed": elapsed, "cpu": cpu, "total": total, "statuses": statuses}


def once(args: argparse.Namespace) -> tuple[dict, dict]:
    """One run against a fresh fake server process (full flood buckets)."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(
        target=serve, args=(child, args.chats, args.rate, args.other_opd), daemon=True
    )
    server.start()
    _, base_url, base_file_url = parent.recv()
    try:
        result = asyncio.run(run(args, base_url, base_file_url))
        parent.send("stats")
        stats = parent.recv()
    finally:
        parent.send("stop")
        server.join(5)
    return result, stats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--per-chat", type=int, default=10)
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--other-opd", type=int, default=0, help="reminders of a second OPD")
    args = parser.parse_args()

    total = args.chats * args.per_chat + args.other_opd
    floor = max(total / args.rate, float(args.per_chat))
    print(
        f"{args.chats} chats x {args.per_chat} messages"
        + (f" + {args.other_opd} of a second OPD" if args.other_opd else "")
        + f" = {total:,} at R = {args.rate:g}/s, "
        f"1/s per chat; floor {floor:.1f} s (true minimum {args.per_chat - 1} s)"
    )
    times, ok = [], True
    for i in range(args.repeat):
        result, stats = once(args)
        lost = total - stats["unique"]
        times.append(result["elapsed"])
        ok = ok and lost == 0 and stats["doubled"] == 0
        print(
            f"  run {i + 1}: {result['elapsed']:.2f} s (ratio {result['elapsed'] / floor:.3f}; "
            f"bot CPU {result['cpu']:.1f} s = {result['cpu'] / total * 1000:.2f} ms/message); "
            f"429s received {stats['429s']}, other errors {stats['errors']}; "
            f"delivered {stats['unique']:,}, lost {lost}, doubled {stats['doubled']}; "
            f"outbox {result['statuses']}\n"
            f"         sent per second {stats['per_second']}",
            flush=True,
        )
        if args.other_opd:
            other = stats["other"]
            print(
                f"         second OPD's {args.other_opd} reminders: first at message "
                f"{other[0] + 1}, last at {other[-1] + 1} of {stats['sent']:,}",
                flush=True,
            )
    median = statistics.median(times)
    print(f"  median {median:.2f} s, best {min(times):.2f} s (ratio {median / floor:.3f})")
    ok = ok and median <= floor * 1.1
    print("targets (none lost or doubled, within 10 % of the floor):", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
