"""Once started, the bot keeps what start-up built out of the garbage collector's sight, so a
full collection under a rush walks only what updates made since (bot/app.py, post_init)."""

from __future__ import annotations

import gc
from pathlib import Path

from fakeapi import FakeTelegram
from tests.conftest import Clock, make_settings, running_bot


async def test_start_up_objects_are_frozen_out_of_collections(
    tg: FakeTelegram, tmp_path: Path, clock: Clock
) -> None:
    gc.unfreeze()
    async with running_bot(make_settings(tg, tmp_path / "data"), clock):
        frozen = gc.get_freeze_count()
        # Modules, PTB's and SQLAlchemy's structures, the application: tens of thousands.
        assert frozen > 50_000
        # What a full collection walks now is what was made after the start.
        assert len(gc.get_objects()) < frozen / 4
        user = tg.user(5001, "Dedi")
        await user.send("/start")
        assert "/daftar" in (await user.next_message()).text
