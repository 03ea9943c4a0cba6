"""Hand-built and stale button presses, from every role: refused, answered, nothing changed.

A modified client can send any callback data; every verb the bot knows (bot/callbacks.py) is
pressed with empty, malformed, huge, negative and foreign arguments, and a few verbs it does
not know. No press may reach the error handler, every query is answered, and the record stays
as it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sqlalchemy import func
from sqlmodel import select
from telegram.ext import CallbackQueryHandler, ConversationHandler

from bot import messages
from bot.callbacks import VERBS
from bot.messages_data import ASK_RETURN_NOTE
from core import users
from core.sop import Role
from fakeapi import FakeTelegram
from storage.models import AuditLog, Document, Figure, Outbox, Period, StepRun, User
from tests.conftest import ADMIN_ID, OPD1, Bot
from tests.test_cycle_e2e import people, register_pending
from tests.test_periods_e2e import start_period

BAD_ARGS = ("", "abc", "-1", "0", "99999999999999999999999", "٣", "1.5", "2147483648")


def forged(verb: str, shape: tuple[str, ...]) -> list[str]:
    """Malformed presses of one verb: wrong count, and every bad value in each position."""
    good = ["1"] * len(shape)
    out = [verb, f"{verb}:1:1:1:1", f"{verb}:"]
    for position in range(len(shape)):
        for bad in BAD_ARGS:
            args = list(good)
            args[position] = bad
            out.append(":".join([verb, *args]))
    return list(dict.fromkeys(out))


async def snapshot(bot: Bot) -> tuple:
    async with bot.office.db.session(OPD1) as session:
        counts = []
        for table in (AuditLog, Document, Figure, Period, StepRun):
            counts.append((await session.exec(select(func.count()).select_from(table))).one())
        users = sorted((u.id, u.role, u.status) for u in (await session.exec(select(User))).all())
        runs = sorted((r.id, r.status) for r in (await session.exec(select(StepRun))).all())
    return tuple(counts), tuple(users), tuple(runs)


async def test_every_forged_press_is_refused_answered_and_changes_nothing(
    tg: FakeTelegram, bot: Bot
):
    admin, kd, sek, tim1, _, asn1, _ = await people(tg)
    await start_period(kd, "Triwulan I 2025")
    stranger = tg.user(4242, "Tamu")
    await stranger.send("/start")
    await stranger.expect("belum terdaftar")
    for user in (admin, kd, sek, tim1, asn1):
        await user.send("/bantuan")
        await user.expect("Perintah yang bisa")
    before = await snapshot(bot)

    presses: list[tuple[object, str]] = []
    roles = (stranger, asn1, tim1, sek, kd, admin)
    for n, (verb, shape) in enumerate(sorted(VERBS.items())):
        for m, data in enumerate(forged(verb, shape)):
            presses.append((roles[(n + m) % len(roles)], data))
        if shape:
            # Well-formed ids of things that are not the presser's, from the roles that hold
            # no power over them.
            foreign = ":".join([verb, *("999999" if k != "role" else "kd" for k in shape)])
            presses += [(stranger, foreign), (asn1, foreign)]
    presses += [(asn1, "hapus:semua"), (stranger, "x" * 64), (tim1, ":::")]

    queries = []
    for user, data in presses:
        queries.append(await user.press_data(data, user.messages[-1]))
    for query in queries:
        await tg.callback_answer(query, timeout=20)

    assert len(queries) > 400
    assert await snapshot(bot) == before
    async with bot.office.db.session(OPD1) as session:
        alerts = (await session.exec(select(Outbox).where(Outbox.kind == "error"))).all()
    assert alerts == []
    # Buttons that lead to a dialog refuse before asking: nobody was asked for a note.
    asked = (messages.SOMETHING_WRONG[:30], messages.ASK_REJECT_NOTE[:30], ASK_RETURN_NOTE[:30])
    for user in roles:
        assert not any(text in m.text for m in user.messages for text in asked)


async def paged_users(tg: FakeTelegram, bot: Bot):
    """The admin's /pengguna with a second page: (admin, the listing with Berikutnya)."""
    admin, *_ = await people(tg)
    for n in range(4):
        registered = await users.register(
            bot.office, 700 + n, None, f"Pegawai {n}", f"19900101201501{n:04d}", "Pelaksana"
        )
        await users.set_role(bot.office, ADMIN_ID, registered.user_id, Role.ASN)
    await admin.send("/pengguna")
    return admin, await admin.expect("Pengguna")


async def test_a_double_tap_is_answered_quietly(tg: FakeTelegram, bot: Bot):
    """The second press of Berikutnya is a double tap: answered quietly, the message left as it
    is (no second edit, which Telegram would refuse as "message is not modified"), no alert."""
    admin, listing = await paged_users(tg, bot)
    edits = tg.stats["edited"]
    first = await admin.press("Berikutnya ▶", listing)
    second = await admin.press("Berikutnya ▶", listing)
    await tg.callback_answer(first)
    await tg.callback_answer(second)
    await admin.expect_edit("Pengguna")
    await admin.expect_silence(0.5)
    assert tg.stats["edited"] == edits + 1 and tg.stats["errors"] == 0
    async with bot.office.db.session(OPD1) as session:
        alerts = (await session.exec(select(Outbox).where(Outbox.kind == "error"))).all()
    assert alerts == []


async def test_a_press_answered_too_late_still_does_its_work_quietly(tg: FakeTelegram, bot: Bot):
    """A press redelivered after a crash, or held up past Telegram's answer window, cannot be
    answered any more ("query is too old"): its work is done and shown, nobody is alarmed."""
    admin, listing = await paged_users(tg, bot)
    too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    tg.fail_next("answerCallbackQuery", status=400, description=too_old)
    await admin.press("Berikutnya ▶", listing)
    await admin.expect_edit("Pengguna")
    await admin.expect_silence(0.5)
    async with bot.office.db.session(OPD1) as session:
        alerts = (await session.exec(select(Outbox).where(Outbox.kind == "error"))).all()
    assert alerts == []


def every_handler(app) -> Iterator:
    """Every handler of the application, dialogs' entry points, states and fallbacks included."""

    def walk(handlers) -> Iterator:
        for handler in handlers:
            if isinstance(handler, ConversationHandler):
                yield from walk(handler.entry_points)
                for state in handler.states.values():
                    yield from walk(state)
                yield from walk(handler.fallbacks)
            else:
                yield handler

    return walk(h for group in app.handlers.values() for h in group)


def _patterns(app) -> set[str]:
    """The callback patterns of every handler."""
    return {
        h.pattern.pattern
        for h in every_handler(app)
        if isinstance(h, CallbackQueryHandler) and h.pattern is not None
    }


def test_every_button_verb_is_declared_and_every_declared_verb_is_handled(bot: Bot):
    patterns = _patterns(bot.app)
    handled = {re.match(r"\^\(?([a-z|]+)\)?", p)[1] for p in patterns}
    verbs = {v for alternatives in handled for v in alternatives.split("|")}
    assert verbs == set(VERBS)


async def test_double_taps_in_the_flows_act_once_and_answer_quietly(tg: FakeTelegram, bot: Bot):
    admin, kd, sek, *_ = await people(tg)
    newcomer = tg.user(300, "Dewi")
    await register_pending(newcomer, "Dewi Sartika", "198501012010011001")
    request = await admin.expect("Dewi Sartika")
    before = await _role_acts(bot)
    first = await admin.press("ASN", request)
    second = await admin.press("ASN", request)
    await tg.callback_answer(first)
    await tg.callback_answer(second)
    await newcomer.expect("disetujui")
    await newcomer.expect_silence(0.5)  # one approval notice, no "Peran Anda sekarang"
    assert await _role_acts(bot) == before + 1

    await start_period(kd, "Triwulan I 2025")
    await sek.expect("Langkah 2: tugas baru")
    await sek.send_document(b"%PDF-1.4 notulen", "Notulen.pdf", "application/pdf")
    stored = await sek.expect("tersimpan sebagai")
    await sek.press("✅ Selesaikan langkah", stored)
    await sek.press("✅ Selesaikan langkah", stored)
    await sek.expect("Langkah 2 periode Triwulan I 2025 selesai")
    await sek.expect_silence(0.5)  # no "sudah selesai" refusal for the second tap
    async with bot.office.db.session(OPD1) as session:
        alerts = (await session.exec(select(Outbox).where(Outbox.kind == "error"))).all()
    assert alerts == []


async def _role_acts(bot: Bot) -> int:
    async with bot.office.db.session(OPD1) as session:
        acts = (await session.exec(select(AuditLog.action))).all()
    return sum(a in ("setujui_pendaftaran", "ubah_peran") for a in acts)
