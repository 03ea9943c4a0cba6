"""Run the fake Bot API alone: ``python -m fakeapi --port 8081``.

Point the bot at the printed base_url. Lines typed on stdin are sent to the bot by a simulated
user; ``!press <button text or data>`` presses an inline button, ``!file <path>`` sends a
document. Bot messages are printed as they arrive.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path

from .models import BotMessage
from .server import FakeTelegram
from .users import FakeUser


def _print_message(message: BotMessage) -> None:
    print(f"[bot -> {message.chat_id}] {message.describe()}", flush=True)


async def _read_commands(user: FakeUser) -> None:
    while line := await asyncio.to_thread(sys.stdin.readline):
        line = line.rstrip("\n")
        try:
            if line.startswith("!press "):
                await user.press(line.removeprefix("!press ").strip())
            elif line.startswith("!file "):
                path = Path(line.removeprefix("!file ").strip())
                await user.send_document(path.read_bytes(), path.name)
            elif line:
                await user.send(line)
        except (AssertionError, OSError) as error:
            print(f"! {error}", flush=True)


async def _main(args: argparse.Namespace) -> None:
    tg = FakeTelegram(
        args.host, args.port, global_rate=args.global_rate, per_chat_rate=args.per_chat_rate
    )
    async with tg:
        tg.on_bot_message.append(_print_message)
        user = tg.user(args.user_id, args.first_name, username=args.username)
        print(f"base_url      {tg.base_url}", flush=True)
        print(f"base_file_url {tg.base_file_url}", flush=True)
        print(f"typing sends as {args.first_name} (id {args.user_id}); Ctrl-C stops", flush=True)
        if sys.stdin.isatty() or args.stdin:
            await _read_commands(user)
        await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m fakeapi", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--global-rate", type=float, default=None)
    parser.add_argument("--per-chat-rate", type=float, default=None)
    parser.add_argument("--user-id", type=int, default=1001)
    parser.add_argument("--first-name", default="Budi")
    parser.add_argument("--username", default="budi")
    parser.add_argument("--stdin", action="store_true", help="read commands from a non-tty stdin")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
