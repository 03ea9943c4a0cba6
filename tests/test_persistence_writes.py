"""Dialog state is written only when it changes (SQLite, one process): a read command writes
nothing once its user's state is stored, while a dialog's step still reaches the database."""

from __future__ import annotations

from sqlalchemy import event
from sqlmodel import select

from fakeapi import FakeTelegram
from storage.models import PtbData
from tests.conftest import Bot


async def test_read_commands_write_no_dialog_state_and_a_dialog_step_does(
    tg: FakeTelegram, bot: Bot
):
    writes: list[str] = []
    event.listen(
        bot.office.db.engine.sync_engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_: (
            writes.append(statement)
            if "ptbdata" in statement and not statement.startswith("SELECT")
            else None
        ),
    )
    dedi = tg.user(5001, "Dedi")
    await dedi.send("/tugas")
    await dedi.next_message()
    await dedi.send("/bantuan")
    await dedi.next_message()
    first = len(writes)
    for command in ("/tugas", "/bantuan", "/tugas"):
        await dedi.send(command)
        await dedi.next_message()
    assert len(writes) == first  # the same empty state: nothing written again

    await dedi.send("/daftar")
    await dedi.expect("nama lengkap")
    await dedi.expect_silence(0.3)  # the state write follows the reply
    assert len(writes) > first
    async with bot.office.db.session() as session:
        keys = [r.key for r in (await session.exec(select(PtbData))).all()]
    assert any(k.startswith("conv:") and "5001" in k for k in keys), keys
