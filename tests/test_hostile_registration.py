"""Registration under hostile or clumsy input: invisible characters, other scripts' digits, a
NIP typed twice, and two approvals racing for one duty."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.handlers.registration import JABATAN
from core import users
from core.engine import SopError
from core.sop import Role
from core.text import ascii_digits, strip_invisible
from fakeapi import FakeTelegram
from storage.models import User
from tests import dialog_state
from tests.conftest import ADMIN_ID, OPD1, Bot
from tests.test_cycle_e2e import register_pending
from tests.test_restart import wait_for

INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u202e\u202d\u00ad"


def test_strip_invisible_keeps_line_breaks_and_letters():
    assert strip_invisible("Bu\u200bdi\u202e Santoso\n1.\tSatu\x00") == "Budi Santoso\n1.\tSatu"
    assert ascii_digits("１９８５٠١") == "198501"


async def started(tg: FakeTelegram):
    admin = tg.user(ADMIN_ID, "Admin")
    await admin.send("/start")
    await admin.expect("Halo, Admin")
    return admin


async def test_a_name_of_invisible_characters_is_refused_and_they_never_reach_the_record(
    tg: FakeTelegram, bot: Bot
):
    await started(tg)
    user = tg.user(300, "Siluman")
    await user.send("/daftar")
    await user.expect("nama lengkap")
    await user.send(INVISIBLE)
    await user.expect("Nama belum diisi dengan benar")
    await user.send("Dewi\u202e Sar\u200btika")
    await user.expect("NIP")
    # Full-width and Arabic-Indic digits are the same NIP, stored in ASCII.
    await user.send("１９８５０１０１２０１０٠١١٠٠١")
    await user.expect("jabatan")
    await user.send("Analis\u2060 Data")
    await user.expect("sudah dikirim ke admin")
    async with bot.office.db.session(OPD1) as session:
        stored = (await session.exec(select(User).where(User.telegram_id == 300))).one()
    assert (stored.nama, stored.nip, stored.jabatan) == (
        "Dewi Sartika",
        "198501012010011001",
        "Analis Data",
    )


async def test_a_nip_already_pending_or_active_is_refused_at_the_nip_question(
    tg: FakeTelegram, bot: Bot
):
    admin = await started(tg)
    first = tg.user(301, "Dewi")
    await register_pending(first, "Dewi Sartika", "198501012010011001")
    request = await admin.expect("Dewi Sartika")

    second = tg.user(302, "Penyamar")
    await second.send("/daftar")
    await second.expect("nama lengkap")
    await second.send("Orang Lain")
    await second.expect("NIP")
    await second.send("198501012010011001")
    refused = await second.expect("sudah terdaftar atau sedang menunggu persetujuan")
    assert "Hubungi admin" in refused.plain

    await admin.press("ASN", request)
    await first.expect("disetujui")
    await second.send("1985 0101 2010 01 1001")
    await second.expect("sudah terdaftar")
    async with bot.office.db.session(OPD1) as session:
        people = (await session.exec(select(User).where(User.nip == "198501012010011001"))).all()
    assert [u.telegram_id for u in people] == [301]


async def test_the_database_refuses_a_second_live_user_with_one_nip(bot: Bot):
    async with bot.office.db.session(OPD1) as session:
        session.add(User(telegram_id=1, nama="A", nip="1" * 18, jabatan="x", status="aktif"))
        session.add(User(telegram_id=2, nama="B", nip="1" * 18, jabatan="x", status="menunggu"))
        with pytest.raises(IntegrityError):
            await session.commit()


async def _pending(office, telegram_id: int, nip: str) -> int:
    registered = await users.register(office, telegram_id, None, f"Calon {telegram_id}", nip, "x")
    return registered.user_id


async def test_two_approvals_at_once_make_one_sekretaris(bot: Bot):
    await two_approvals_at_once(bot.office)


async def test_two_approvals_at_once_make_one_sekretaris_on_postgresql(bot_pg: Bot):
    await two_approvals_at_once(bot_pg.office)


async def two_approvals_at_once(office) -> None:
    """Both approvals see no Sekretaris yet; the database lets exactly one of them through."""
    a = await _pending(office, 401, "197501012000032002")
    b = await _pending(office, 402, "197601012000032003")
    results = await asyncio.gather(
        users.set_role(office, ADMIN_ID, a, Role.SEKRETARIS),
        users.set_role(office, ADMIN_ID, b, Role.SEKRETARIS),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, SopError)]
    won = [r for r in results if isinstance(r, users.RoleSet)]
    waited = [r for r in results if isinstance(r, users.NeedsReplaceConfirmation)]
    # One wins; the other is refused by the index, or (if it read after the commit) asked to
    # confirm the replacement as usual: never two holders.
    assert len(won) == 1 and len(refused) + len(waited) == 1
    if refused:
        assert "baru saja diberikan kepada orang lain" in str(refused[0])
    async with office.db.session(OPD1) as session:
        holders = (
            await session.exec(
                select(User).where(User.role == "sekretaris", User.status == "aktif")
            )
        ).all()
    assert len(holders) == 1


async def test_the_last_answer_again_after_its_process_died_ends_the_dialog(
    tg: FakeTelegram, bot_pg: Bot
):
    """The jabatan was filed, but the process died before the dialog's end was saved (found by
    the storm test); the answer comes again to another process: it says the request waits and
    ends the dialog, instead of asking for the jabatan for ever."""
    await started(tg)
    user = tg.user(304, "Dewi")
    await user.send("/daftar")
    await user.expect("nama lengkap")
    await user.send("Dewi Sartika")
    await user.expect("NIP")
    await user.send("198501012010011001")
    await user.expect("jabatan")
    saved = await dialog_state.saved_at(bot_pg, user.id, "daftar", JABATAN)
    await user.send("Analis Data")
    await user.expect("sudah dikirim ke admin")
    await dialog_state.put_back(bot_pg, saved, user.id, "daftar")
    await user.send("Analis Data")
    await user.expect("masih menunggu persetujuan")
    await wait_for(lambda: dialog_state.ended(bot_pg, user.id, "daftar"))
