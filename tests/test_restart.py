"""Recovery is proven by SIGKILL at a chosen point and a fresh process on the same database."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import sys
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.app import make_office
from core import users
from core.sop import Role
from fakeapi import FakeTelegram
from storage.models import AuditLog, Figure, Outbox, Period, PtbData
from tests import kinerja_core
from tests import test_draft_unit as draft_unit
from tests.conftest import ADMIN_ID, OPD1, Clock, make_settings, migrate
from tests.kinerja_flow import kertas_kerja, kk_row

KD, SEK = 101, 102


# Bot processes are forked from a server that imported the bot once: a start then costs the
# bot's own start-up, not the two seconds of CPU its imports take (a third of the suite's CPU
# went there). Each is still `kinerja-bot run` (bot.cli.main) in a process of its own, killed
# for real; tests/test_cli.py and tests/test_lazy_imports.py start it from a fresh interpreter.
_FORKS = multiprocessing.get_context("forkserver")
_FORKS.set_forkserver_preload(["bot.cli", "bot.app", "bot.service", "bot.webhook"])


def _kinerja_bot_run(env: dict[str, str], cwd: Path, log: Path, niceness: int) -> None:
    """The child: the environment, folder, output and priority `kinerja-bot run` would have."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    if niceness:
        os.nice(niceness)
    from bot import cli

    sys.exit(cli.main(["run"]))


class BotProcess:
    """`kinerja-bot run` in its own process, pointed at the fake server."""

    def __init__(self, tg: FakeTelegram, data: Path) -> None:
        settings = make_settings(tg, data)
        self.env = {
            **os.environ,
            "BOT_TOKEN": settings.bot_token,
            "TELEGRAM_BASE_URL": settings.telegram_base_url,
            "TELEGRAM_BASE_FILE_URL": settings.telegram_base_file_url,
            "DATABASE_URL": settings.database_url,
            "DATA_DIR": str(data),
            "ADMIN_IDS": str(ADMIN_ID),
            "SEND_RATE": "1000",
            "PER_CHAT_INTERVAL": "0",
            "PERSISTENCE_INTERVAL": "0.2",
        }
        data.mkdir(parents=True, exist_ok=True)
        self.log = data / "bot.log"
        self.proc: multiprocessing.process.BaseProcess | None = None
        # A long CPU-bound test lowers its bots' priority (see nice(1)): the other test worker's
        # short tests, which wait seconds for an answer, then keep their share of the cores.
        self.niceness = 0

    def start(self) -> None:
        self.log.touch()  # there as soon as started, as a redirect made by the shell
        self.proc = _FORKS.Process(
            target=_kinerja_bot_run,
            args=(self.env, Path(__file__).parent.parent, self.log, self.niceness),
        )
        self.proc.start()

    def _running(self) -> bool:
        return self.proc is not None and self.proc.exitcode is None

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, nothing is flushed."""
        assert self._running(), self.log.read_text()
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.join()

    async def restart(self) -> None:
        """SIGTERM, as systemd or a deploy stops it (PTB and the sender finish), then start."""
        assert self._running(), self.log.read_text()
        self.proc.terminate()
        await asyncio.to_thread(self.proc.join, 90)  # in-flight updates finish first
        self.start()

    def stop(self) -> None:
        if self._running():
            self.proc.kill()
            self.proc.join()


@pytest.fixture
async def seeded(tg: FakeTelegram, tmp_path: Path):
    """A database with a Kepala Dinas and a Sekretaris, and the bot process around it."""
    data = tmp_path / "data"
    settings = make_settings(tg, data)
    await migrate(settings.database_url)
    office = make_office(settings)
    for tid, nama, nip, role in (
        (KD, "Bambang Purwanto", "196909211996021001", Role.KEPALA_DINAS),
        (SEK, "Siti Aminah", "197501012000032002", Role.SEKRETARIS),
    ):
        registered = await users.register(office, tid, None, nama, nip, "Pejabat")
        await users.set_role(office, ADMIN_ID, registered.user_id, role)
    async with office.db.transaction(OPD1) as session:
        # The approval notices are not part of these tests.
        for row in (await session.exec(select(Outbox))).all():
            row.status = "terkirim"
            session.add(row)
    proc = BotProcess(tg, data)
    yield office, proc
    proc.stop()
    await office.db.dispose()


async def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def test_dialog_resumes_after_sigkill(tg: FakeTelegram, seeded):
    office, proc = seeded
    kd, sek = tg.user(KD, "Bambang"), tg.user(SEK, "Siti")
    await sek.send("/start")
    proc.start()
    await sek.expect("Halo", timeout=20)
    await kd.send("/mulai")
    await kd.expect("nama periode")
    await kd.send("Triwulan II 2025")
    await kd.expect("Kirim <b>Nota Dinas</b>")

    async def dialog_saved() -> bool:
        async with office.db.session(OPD1) as session:
            rows = (
                await session.exec(select(PtbData).where(col(PtbData.key).startswith("conv:mulai")))
            ).all()
            return any(r.value == "1" for r in rows)

    await wait_for(dialog_saved)
    proc.kill()

    proc.start()
    await kd.send_document(b"%PDF-1.4 nota\n%%EOF", "Nota.pdf", "application/pdf")
    done = await kd.expect("dimulai", timeout=20)
    assert "Triwulan II 2025" in done.plain
    await sek.expect("Langkah 2: tugas baru")
    assert (await sek.next_message()).document.file_name == "Nota.pdf"
    await sek.expect_silence(0.5)
    async with office.db.session(OPD1) as session:
        assert [p.name for p in (await session.exec(select(Period))).all()] == ["Triwulan II 2025"]


async def test_notice_claimed_but_unsent_goes_out_once_after_sigkill(tg: FakeTelegram, seeded):
    office, proc = seeded
    kd, sek = tg.user(KD, "Bambang"), tg.user(SEK, "Siti")
    await sek.send("/start")
    proc.start()
    await sek.expect("Halo", timeout=20)
    # The Sekretaris's notice meets a 429: the sender holds it, claimed, when the process dies.
    tg.fail_next("sendMessage", status=429, retry_after=30, chat_id=SEK)
    await kd.send("/mulai")
    await kd.expect("nama periode")
    await kd.send("Triwulan III 2025")
    await kd.expect("Nota Dinas")
    await kd.send("Nota Dinas: lakukan pengukuran data kinerja triwulan III.")
    await kd.expect("dimulai")

    async def claimed() -> bool:
        async with office.db.session(OPD1) as session:
            rows = (await session.exec(select(Outbox).where(Outbox.chat_id == SEK))).all()
            held = any(r.status == "diklaim" and r.kind == "step_opened" for r in rows)
            return held and tg.stats["429s"] == 1

    await wait_for(claimed)
    proc.kill()
    assert sek.inbox_empty(), sek._described(sek._inbox)

    proc.start()
    await sek.expect("Langkah 2: tugas baru", timeout=20)
    nota = await sek.next_message()
    assert nota.document is not None
    await sek.expect_silence(1.0)
    async with office.db.session(OPD1) as session:
        rows = (await session.exec(select(Outbox).where(Outbox.kind == "step_opened"))).all()
        assert [(r.status, r.progress) for r in rows] == [("terkirim", 1)]
    assert "dikirim ulang" in proc.log.read_text()


async def test_draft_unit_killed_mid_way_finishes_with_the_buttons_last(tg: FakeTelegram, seeded):
    """SIGKILL the moment Telegram takes the workbook: the next process sends the unit again
    from its first part not marked delivered, and the decision buttons still come last."""
    office, proc = seeded
    sek = tg.user(SEK, "Siti")
    await sek.send("/start")
    proc.start()
    await sek.expect("Halo", timeout=20)
    killed: list[int] = []

    def kill_on_the_workbook(message) -> None:
        if message.chat_id == SEK and message.document and not killed:
            killed.append(message.message_id)
            proc.kill()

    tg.on_bot_message.append(kill_on_the_workbook)
    await draft_unit.queue_draft(office, datetime.now(timezone.utc))

    async def was_killed() -> bool:
        return bool(killed)

    await wait_for(was_killed)
    assert [m.document.content for m in draft_unit.unit_of(sek)] == [draft_unit.WORKBOOK]
    proc.start()
    await sek.expect("Langkah 9: tugas baru", timeout=20)
    unit = draft_unit.unit_of(sek)
    # The workbook again (its delivery was never marked: the logged resend), then the rest.
    assert [m.message_id for m in unit[:1]] == killed and len(unit) == 4
    draft_unit.assert_whole_unit(unit)
    await sek.expect_silence(0.5)
    assert "dikirim ulang" in proc.log.read_text()


async def dialog_rows(office) -> dict[str, str]:
    async with office.db.session(OPD1) as session:
        return {r.key: r.value for r in (await session.exec(select(PtbData))).all()}


async def card_in_a_process(tg: FakeTelegram, tmp_path: Path, rows: list) -> tuple:
    """Reporting open in a bot process; the ASN picks the first indicator and types 85,5: the
    card is shown and the dialog's state (on the card, with the value) is saved."""
    clock = Clock()
    office = await kinerja_core.make(tmp_path, clock)
    period = await kinerja_core.Period(office, clock).start("Triwulan I 2025")
    await period.to_reporting(kertas_kerja(rows))
    proc = BotProcess(tg, tmp_path / "data")
    asn = tg.user(kinerja_core.ASN1, "Ani")
    proc.start()
    try:
        await asn.send("/lapor")
        listing = await asn.expect("Lapor realisasi", timeout=20)
        await asn.press(listing.buttons[0][0][0], listing)
        await asn.expect("Ketik realisasi")
        await asn.send("85,5")
        card = await asn.expect("Periksa sebelum dikirim")

        async def card_saved() -> bool:
            saved = await dialog_rows(office)
            state = [v for k, v in saved.items() if k.startswith("conv:lapor")]
            return state == ["3"] and any("85.5" in v for v in saved.values())

        await wait_for(card_saved)
    except BaseException:
        proc.stop()
        raise
    return office, proc, asn, card


PIC = kinerja_core.NIP[kinerja_core.ASN1]
PLACEMENT = kk_row("Program", "1.02", "Penempatan", "Persentase ditempatkan", PIC, tw=(80,) * 4)


async def test_lapor_dialog_resumes_after_sigkill(tg: FakeTelegram, tmp_path: Path):
    """The ASN typed the value and got the card; the process dies; after restart the card's
    buttons still work (a faktor is added) and the figure is stored with the value typed before
    the kill."""
    office, proc, asn, card = await card_in_a_process(tg, tmp_path, [PLACEMENT])
    try:
        proc.kill()

        proc.start()
        await asn.press("➕ Faktor penghambat", card)
        await asn.expect("faktor penghambat", timeout=20)
        await asn.send("Pelatihan berjalan sesuai jadwal")
        check = await asn.expect("Periksa sebelum dikirim")
        assert "85,5" in check.plain
        assert "Faktor penghambat: Pelatihan berjalan sesuai jadwal" in check.plain
        await asn.press("✅ Kirim", check)
        await asn.expect("tersimpan")
    finally:
        proc.stop()
    async with office.db.session(OPD1) as session:
        (figure,) = (await session.exec(select(Figure))).all()
    assert figure.realisasi == Decimal("85.5")
    assert figure.faktor_penghambat == "Pelatihan berjalan sesuai jadwal"
    await office.db.dispose()


async def test_kirim_again_after_a_crash_between_commit_and_dialog_save_stores_nothing(
    tg: FakeTelegram, tmp_path: Path
):
    """The figure was committed, then the process died before the dialog's new state was
    written: after the restart the card is still open and the ASN presses Kirim again. The
    card's version keys the submission: "sudah tersimpan", no second version, no second audit."""
    mediation = kk_row("Program", "1.03", "Mediasi", "Jumlah mediasi", PIC, tw=(5,) * 4,
                       satuan="kasus")  # fmt: skip
    office, proc, asn, card = await card_in_a_process(tg, tmp_path, [PLACEMENT, mediation])
    try:
        before_kirim = await dialog_rows(office)
        await asn.press("✅ Kirim", card)
        await asn.expect("tersimpan")
        proc.kill()
        # As if the kill had come between the commit and the dialog's save.
        async with office.db.transaction(OPD1) as session:
            for row in (await session.exec(select(PtbData))).all():
                await session.delete(row)
            for key, value in before_kirim.items():
                session.add(PtbData(key=key, value=value))

        proc.start()
        # The card as the phone still shows it (the kill came before its buttons were removed).
        await asn.press_data("lpok", card)
        again = await asn.expect("sudah tersimpan", timeout=20)
        assert "tidak ada yang diubah" in again.plain
    finally:
        proc.stop()
    async with office.db.session(OPD1) as session:
        (figure,) = (await session.exec(select(Figure))).all()
        audits = (
            await session.exec(select(AuditLog).where(AuditLog.action == "lapor_realisasi"))
        ).all()
    assert (figure.realisasi, figure.version) == (Decimal("85.5"), 1)
    assert len(audits) == 1
    await office.db.dispose()
