"""Bot processes in webhook mode on one PostgreSQL, behind a proxy that spreads the updates over
them: a dialog whose answers land on different processes goes on where it was, nothing is sent
twice, and a process killed mid-way loses nothing (issue 10's storm: 200 ASN over three)."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func
from sqlmodel import col, select

from bot.app import make_office
from bot.messages import STALE_BUTTON, render
from bot.sender import TEXT_LIMIT
from core import outbox, users
from core.office import Office
from core.sop import Role
from core.text import html_pages
from fakeapi import FakeTelegram, FakeUser
from fakeapi.models import BotMessage
from storage.db import Database
from storage.migrate import upgrade
from storage.models import AuditLog, Figure, Outbox, PtbData, StepRun, User
from tests import kinerja_core
from tests.conftest import ADMIN_ID, OPD1, Clock, make_settings
from tests.kinerja_flow import kertas_kerja, kk_row
from tests.proxy import RoundRobin
from tests.test_restart import wait_for
from tests.test_service import webhook_process
from tests.test_webhook import SECRET


async def test_an_older_update_finished_after_a_newer_one_is_still_handled(
    tg: FakeTelegram, tmp_path: Path, pg_url: str
):
    """Two quick updates of one user can reach two processes and finish newest first; the
    older one is no repeat and is handled (it was dropped as "already handled" before: an
    admin approving requests quickly lost approvals). The same update again does nothing."""
    proc, base = webhook_process(tg, tmp_path / "data", pg_url)
    proc.start()
    try:
        stranger = tg.user(4242, "Tamu")
        await stranger.send("/start")
        await stranger.expect("belum terdaftar", timeout=ANSWER)
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with aiohttp.ClientSession() as session:
            for update_id in (1001, 1000, 1001):
                update = {"update_id": update_id, "message": {"message_id": update_id,
                          "date": 0, "text": "halo", "chat": {"id": 4242, "type": "private"},
                          "from": {"id": 4242, "is_bot": False, "first_name": "Tamu"}}}  # fmt: skip
                async with session.post(base + "/telegram", json=update, headers=headers) as resp:
                    assert resp.status == 200  # answered once handled
        assert len(stranger.inbox) == 2
    finally:
        proc.stop()


STORM = 200
# Longest wait for one answer: 200 people at once on two shared cores queue for seconds.
ANSWER = 60
# The office time the storm runs at, whatever the machine's clock says (CLOCK_OFFSET_SECONDS):
# Tuesday 15 April 2025, 09:00 in Jakarta, after a working Monday.
STORM_AT = datetime(2025, 4, 15, 2, 0, tzinfo=timezone.utc)
# A ladder short enough that rungs, a skipped rung and an escalation fall due within the storm.
LADDER = {"reminder_interval_minutes": 1, "reminder_max": 3, "reminder_escalate_after": 2}


def nip_of(n: int) -> str:
    return f"19900101201501{n:04d}"


async def register_by_chat(user: FakeUser, n: int) -> None:
    await user.send("/daftar")
    await user.expect("nama lengkap", timeout=ANSWER)
    await user.send(f"Pegawai Nomor {n}")
    await user.expect("NIP", timeout=ANSWER)
    await user.send(nip_of(n))
    await user.expect("jabatan", timeout=ANSWER)
    await user.send("Pelaksana")
    await user.expect("sudah dikirim ke admin", timeout=ANSWER)


async def test_dialogs_hop_processes_and_survive_a_killed_one(
    tg: FakeTelegram, tmp_path: Path, pg_url: str
):
    bots = [webhook_process(tg, tmp_path / f"bot-{n}", pg_url) for n in (1, 2)]
    async with RoundRobin([base for _proc, base in bots]) as proxy:
        procs = [proc for proc, _base in bots]
        for proc in procs:
            proc.env.update(WEBHOOK_URL=proxy.url, DATA_DIR=str(tmp_path / "shared"))
        procs[0].start()
        await wait_for(lambda: _answers(tg), timeout=30)
        procs[1].start()
        try:
            await _until_both_answer(tg, proxy)
            admin = tg.user(ADMIN_ID, "Admin")
            await admin.send("/start")
            await admin.expect("Halo, Admin", timeout=ANSWER)

            names = [nip_of(n) for n in (*range(6), *range(10, 13), *range(20, 23))]
            first = [tg.user(500 + n, f"P{n}") for n in range(6)]
            await asyncio.gather(*(register_by_chat(u, n) for n, u in enumerate(first)))
            assert set(proxy.served) == {0, 1}

            # The kill falls between dialogs, not on a notice in flight: a killed holder's
            # claims wait 20 s to go stale, and the storm below and tests/test_restart.py
            # prove that takeover.
            db = Database(pg_url)
            await all_delivered(db)
            procs[0].kill()  # SIGKILL: the other process carries on
            later = [tg.user(600 + n, f"Q{n}") for n in range(3)]
            await asyncio.gather(*(register_by_chat(u, 10 + n) for n, u in enumerate(later)))
            procs[0].start()
            again = [tg.user(700 + n, f"R{n}") for n in range(3)]
            await asyncio.gather(*(register_by_chat(u, 20 + n) for n, u in enumerate(again)))

            await all_delivered(db)
            requests = [m for m in admin.messages if m.plain.startswith("🆕 Permintaan")]
            arrived = Counter(next(n for n in names if n in m.plain) for m in requests)
            assert set(arrived) == set(names)  # every request arrived
            async with db.session(OPD1) as session:
                resent = [
                    r
                    for r in (await session.exec(select(Outbox))).all()
                    if "dikirim ulang" in (r.error or "")
                ]
            # A request twice only where the kill fell between Telegram's OK and the row's
            # mark, and then the resend is on record (decisions.md: never lost, doubled only so).
            assert sum(arrived.values()) - len(names) <= len(resent)
            async with db.session(OPD1) as session:
                pending = (await session.exec(select(User).where(User.status == "menunggu"))).all()
            assert len(pending) == 12
            await db.dispose()
        finally:
            for proc in procs:
                proc.stop()


async def _answers(tg: FakeTelegram) -> bool:
    return tg.webhook_url is not None


async def _until_both_answer(tg: FakeTelegram, proxy: RoundRobin) -> None:
    """Both processes are up when a stranger's /start is answered through each of them."""
    stranger = tg.user(4242, "Tamu")
    deadline = time.monotonic() + ANSWER  # a process starting on a loaded machine takes seconds
    while time.monotonic() < deadline:
        await stranger.send("/start")
        await stranger.expect("belum terdaftar", timeout=ANSWER)
        if set(proxy.served) == {0, 1}:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the second process never answered")


async def register_and_wait(user: FakeUser, n: int) -> None:
    await register_by_chat(user, n)
    await user.expect("disetujui", timeout=ANSWER)


def approve_every_request(tg: FakeTelegram, admin: FakeUser) -> set[asyncio.Task]:
    """The admin presses ASN under each ASN's registration request as it arrives (the
    officials' requests were decided through core)."""
    presses: set[asyncio.Task] = set()

    def on_message(message: BotMessage) -> None:
        if message.chat_id == ADMIN_ID and nip_of(0)[:-4] in message.plain:
            presses.add(asyncio.create_task(admin.press("ASN", message)))

    tg.on_bot_message.append(on_message)
    return presses


# The answers to Kirim: stored now, or stored by a first Kirim whose answer was lost.
CONFIRMED = ("✅ Realisasi", "Realisasi ini sudah tersimpan")


async def report_one(user: FakeUser) -> str:
    """The /lapor dialog of one indicator, after the notice that step 5 is open, as a person
    goes through it: each move answers what the bot showed last. When a process dies right
    after answering, the next move can reach another process before the update comes again:
    the bot refuses it (a stale button, "use the buttons"), shows the same step again, and the
    person does that step again."""
    await user.expect("Langkah 5: laporkan realisasi", timeout=ANSWER)
    await user.send("/lapor")
    while True:
        message = await user.next_message(timeout=ANSWER)
        shown = message.plain
        if shown.startswith("Lapor realisasi"):
            await user.press(message.buttons[0][0][0], message)
        elif "Ketik realisasi" in shown:
            await user.send("85")
        elif shown.startswith("Periksa sebelum dikirim"):
            await user.press("✅ Kirim", message)
        elif shown.startswith(CONFIRMED):
            return shown


async def when(done: list, count: int) -> None:
    """Until `count` people are through: a point in the storm, whatever the machine's speed."""
    await wait_for(lambda: _reached(done, count), timeout=300)


async def _reached(done: list, count: int) -> bool:
    return len(done) >= count


async def periods_due_in_the_storm(office: Office, clock: Clock, now: datetime) -> dict[str, int]:
    """Three periods opened back in office time so that their ladders move during the storm:
    step 2 of two (reminded since before the storm; one with a rung to skip and an escalation
    ahead) and step 5 of the third, due in 10 s, with one indicator for each of STORM ASN.
    Returns the open run of each, by period name."""
    runs = {}
    for name, due in (
        ("Triwulan II 2025", now - timedelta(seconds=45)),
        ("Triwulan III 2025", now - timedelta(seconds=100)),
    ):
        clock.now = due - timedelta(minutes=60)  # step 2 takes 60 working minutes
        period = await kinerja_core.Period(office, clock).start(name)
        runs[name] = await period.open_run_id()
    rows = [
        kk_row("Program", f"1.{n:02d}", f"Program {n}", f"Indikator {n}", nip_of(n), tw=(80,) * 4)
        for n in range(STORM)
    ]
    # Step 5 takes one working day: opened on Monday at this time, it is due now + 10 s.
    clock.now = now + timedelta(seconds=10) - timedelta(days=1, minutes=30)
    period = await kinerja_core.Period(office, clock).start("Triwulan I 2025")
    await period.to_reporting(kertas_kerja(rows))
    runs["Triwulan I 2025"] = await period.open_run_id()
    async with office.db.session(OPD1) as session:
        step5 = await session.get(StepRun, runs["Triwulan I 2025"])
    assert step5.step_no == 5 and step5.due_at == now + timedelta(seconds=10)
    return runs


@pytest.mark.longest
async def test_a_storm_of_asn_registering_and_reporting_over_three_processes(
    tg: FakeTelegram, tmp_path: Path, pg_url: str
):
    """STORM ASN register by chat (the admin approving each) and report a figure through /lapor,
    every answer landing on whichever of three webhook processes the proxy picks; one process
    is restarted (SIGTERM) mid-registration and another SIGKILLed mid-reporting while reminders
    fall due. Every figure confirmed is stored once, every dialog ends confirmed with one answer
    per step, every notice and reminder arrives exactly once, and every rung is acted on once."""
    offset = STORM_AT - datetime.now(timezone.utc)

    def office_now() -> datetime:
        return datetime.now(timezone.utc) + offset

    sent: list[BotMessage] = []  # as sent: edits change a BotMessage in place later
    tg.on_bot_message.append(lambda message: sent.append(copy.copy(message)))
    clock = Clock(office_now())
    settings = make_settings(tg, tmp_path / "shared", pg_url, **LADDER)
    await asyncio.to_thread(upgrade, pg_url)
    office = make_office(settings)
    office.clock = clock
    bots = [webhook_process(tg, tmp_path / f"bot-{n}", pg_url) for n in (1, 2, 3)]
    async with RoundRobin([base for _proc, base in bots]) as proxy:
        procs = [proc for proc, _base in bots]
        for proc in procs:
            proc.niceness = 10  # three busy bots on two shared cores: the other worker first
            proc.env.update(
                WEBHOOK_URL=proxy.url,
                DATA_DIR=str(tmp_path / "shared"),
                CLOCK_OFFSET_SECONDS=str(offset.total_seconds()),
                REMINDER_SCAN_SECONDS="2",  # three processes: a look every 0.7 s between them
                DATABASE_CONNECTIONS="12",  # 3 × 12 within PostgreSQL's 100, beside other tests
                **{k.upper(): str(v) for k, v in LADDER.items()},
            )
            proc.start()
        try:
            await _until_all_answer(tg, proxy, len(procs))
            admin = tg.user(ADMIN_ID, "Admin")
            await admin.send("/start")
            await admin.expect("Halo, Admin", timeout=ANSWER)
            for tid, role in kinerja_core.ROLES.items():
                if role is Role.ASN:
                    continue
                official = tg.user(tid, kinerja_core.NAMES[tid])
                await official.send("/start")
                await official.expect("belum terdaftar", timeout=ANSWER)
                clock.now = office_now()
                reg = await users.register(
                    office, tid, None, kinerja_core.NAMES[tid], kinerja_core.NIP[tid], "Pejabat"
                )
                await users.set_role(office, ADMIN_ID, reg.user_id, role)

            presses = approve_every_request(tg, admin)
            asn = [tg.user(800 + n, f"Pegawai {n}") for n in range(STORM)]
            registered: list[int] = []

            async def registering(n: int) -> None:
                await register_and_wait(asn[n], n)
                registered.append(n)

            async def restarted_mid_registration() -> None:
                await when(registered, STORM // 3)
                await procs[1].restart()

            await asyncio.gather(
                *(registering(n) for n in range(STORM)), restarted_mid_registration()
            )
            # One press a request; two only where its row says it was sent again (a send whose
            # answer a loaded machine lost), as `_every_notice_once` allows for every notice.
            assert STORM <= len(presses) <= STORM + await _resent(office, "registration_request")

            now = office_now()
            runs = await periods_due_in_the_storm(office, clock, now)
            confirmed: list[str] = []

            async def reporting(user: FakeUser) -> None:
                confirmed.append(await report_one(user))

            async def killed_mid_reporting() -> None:
                await when(confirmed, STORM // 4)
                procs[0].kill()  # SIGKILL: nothing flushed, claims left behind
                await asyncio.sleep(1.0)
                procs[0].start()

            # Half report (one process killed among them), then step 5 falls due with the
            # other half still owing: its first reminder comes mid-storm however fast the
            # machine, and the rest report while the ladders move on.
            half = STORM // 2
            await asyncio.gather(*(reporting(u) for u in asn[:half]), killed_mid_reporting())
            step5 = runs["Triwulan I 2025"]
            await wait_for(lambda: _moved(office, step5, 1), timeout=ANSWER)
            await asyncio.gather(*(reporting(u) for u in asn[half:]))
            assert len(confirmed) == STORM
            tim = tg.user(kinerja_core.TIM1, kinerja_core.NAMES[kinerja_core.TIM1])
            await tim.expect("Langkah 6: tugas baru", timeout=ANSWER)
            # The ladders' last moves of the storm: office time has passed them.
            await wait_for(lambda: _moved(office, runs["Triwulan III 2025"], 3), timeout=ANSWER)
            await all_delivered(office.db)
        finally:
            for proc in procs:
                proc.stop()
    retried = {u["message"]["from"]["id"] if "message" in u else u["callback_query"]["from"]["id"]
               for u in proxy.retried}  # fmt: skip
    await _each_figure_once(office)
    await _no_dialog_left_open(office, asn)
    _one_answer_per_step(asn, sent, retried)
    await _every_notice_once(office, sent)
    await _every_rung_once(office, runs)
    await office.db.dispose()


async def _moved(office: Office, run_id: int, rung: int) -> bool:
    async with office.db.session(OPD1) as session:
        run = await session.get(StepRun, run_id)
        await session.refresh(run)
    return run.reminders_sent >= rung


async def all_delivered(db: Database) -> None:
    """Until every outbox row is delivered (a killed holder's claims go stale in 20 s); the rows
    that never are, if so."""

    async def delivered() -> bool:
        async with db.session(OPD1) as session:
            q = select(func.count()).select_from(Outbox).where(Outbox.status != outbox.SENT)
            return (await session.exec(q)).one() == 0

    try:
        await wait_for(delivered, timeout=ANSWER)
    except AssertionError:
        async with db.session(OPD1) as session:
            rows = (await session.exec(select(Outbox))).all()
        raise AssertionError(
            [(r.key, r.status, r.error) for r in rows if r.status != outbox.SENT]
        ) from None


async def _each_figure_once(office: Office) -> None:
    """Every ASN's one figure stored once, at its first version, each report on record once;
    step 5 closed by the last figure and step 6 opened once."""
    async with office.db.session(OPD1) as session:
        figures = (await session.exec(select(Figure))).all()
        reported = (
            await session.exec(select(AuditLog).where(AuditLog.action == "lapor_realisasi"))
        ).all()
        opened6 = (await session.exec(select(StepRun).where(StepRun.step_no == 6))).all()
    assert len(figures) == STORM and {f.version for f in figures} == {1}
    assert len({f.indicator_id for f in figures}) == STORM
    assert len(reported) == STORM
    assert len(opened6) == 1


async def _no_dialog_left_open(office: Office, asn: list[FakeUser]) -> None:
    """Both dialogs of every ASN ended, as stored for whichever process comes next."""
    async with office.db.session(OPD1) as session:
        keys = (
            await session.exec(select(PtbData.key).where(col(PtbData.key).like("conv:%")))
        ).all()
    chats = {str(user.id) for user in asn}
    assert not [k for k in keys if any(f"[{c}, {c}]" in k for c in chats)], keys[:5]


# The bot's answers in each step of the two dialogs: each comes once per user.
ANSWERS = (
    "nama lengkap",
    "NIP Anda (18 digit)",
    "jabatan Anda, misalnya",
    "sudah dikirim ke admin",
    "Lapor realisasi",
    "Ketik realisasi",
    "Periksa sebelum dikirim",
)


# What a move gets when it overtook the answer before it (only after a process died).
REFUSALS = (STALE_BUTTON, "Pilih dengan tombol di atas", "terjadi kesalahan")


def _one_answer_per_step(asn: list[FakeUser], sent: list[BotMessage], retried: set[int]) -> None:
    """No dialog lost (each ended confirmed) or forked (one answer per step), except where the
    proxy handed a user's update to a second process after the first died with it."""
    by_chat: dict[int, list[BotMessage]] = {}
    for message in sent:
        by_chat.setdefault(message.chat_id, []).append(message)
    for user in asn:
        mine = by_chat[user.id]
        counts = [sum(m.matches(a) for m in mine) for a in ANSWERS]
        confirmed = sum(m.plain.startswith(CONFIRMED) for m in mine)
        refused = sum(m.matches(r) for m in mine for r in REFUSALS)
        if user.id in retried:
            assert all(c >= 1 for c in counts) and confirmed >= 1, (user.id, counts)
        else:
            assert counts == [1] * len(ANSWERS) and confirmed == 1, (user.id, counts)
            assert not any(m.plain.startswith(CONFIRMED[1]) for m in mine), user.id
            assert refused == 0, (user.id, [m.plain for m in mine])


async def _resent(office: Office, kind: str) -> int:
    """Rows of this kind that say they were sent again."""
    async with office.db.session(OPD1) as session:
        rows = (await session.exec(select(Outbox).where(Outbox.kind == kind))).all()
    return sum(1 for row in rows if _sent_again(row))


def _sent_again(row: Outbox) -> bool:
    return row.error == outbox.TAKEN_OVER or (row.error or "").startswith(outbox.NO_ANSWER)


async def _every_notice_once(office: Office, sent: list[BotMessage]) -> None:
    """Every outbox row arrived in its chat exactly once, text for text; twice only where the
    row says it was sent again: a process died between Telegram's OK and the row's mark, or
    Telegram's answer was lost (a loaded machine: the send timed out)."""
    async with office.db.session(OPD1) as session:
        rows = (await session.exec(select(Outbox))).all()
        cal = await office.calendar(session)
    expected: Counter[tuple[int, str]] = Counter()
    resent: Counter[tuple[int, str]] = Counter()
    for row in rows:
        for page in html_pages(render(row.kind, json.loads(row.payload), cal), TEXT_LIMIT):
            expected[(row.chat_id, page)] += 1
            if _sent_again(row):
                resent[(row.chat_id, page)] += 1
    arrived = Counter((m.chat_id, m.text) for m in sent if (m.chat_id, m.text) in expected)
    missing = expected - arrived
    doubled = arrived - expected - resent
    assert not missing and not doubled, (list(missing.items())[:3], list(doubled.items())[:3])
    kinds = Counter(row.kind for row in rows)
    assert kinds["registration_request"] == kinds["registration_approved"] == STORM + 4
    assert kinds["reminder"] and kinds["escalation"]


async def _every_rung_once(office: Office, runs: dict[str, int]) -> None:
    """Across three processes scanning every half second, each ladder move of each run is on
    record once, and the runs' ladders stand where those moves put them."""
    async with office.db.session(OPD1) as session:
        moves = [
            json.loads(a.detail)
            for a in (
                await session.exec(select(AuditLog).where(AuditLog.action == "pengingat"))
            ).all()
        ]
        reminders = (await session.exec(select(Outbox).where(Outbox.kind == "reminder"))).all()
        ladders = {name: await session.get(StepRun, run) for name, run in runs.items()}
    acts = Counter((m["run"], m["rung"]) for m in moves if m["rung"] is not None)
    acts.update((m["run"], "eskalasi") for m in moves if m["escalation"])
    acts.update((m["run"], "sisa waktu") for m in moves if m["headsup"])
    assert set(acts.values()) == {1}, acts
    for name, run in ladders.items():
        rungs = {m["rung"] for m in moves if m["run"] == run.id and m["rung"]}
        skipped = {r for m in moves if m["run"] == run.id for r in m["skipped"]}
        assert rungs | skipped == set(range(1, run.reminders_sent + 1)), name
        assert run.escalated == (acts[(run.id, "eskalasi")] == 1), name
    step5 = ladders["Triwulan I 2025"]
    assert acts[(step5.id, 1)] == 1  # mid-storm, to the PICs still owing a figure
    late = ladders["Triwulan III 2025"]
    assert [m["skipped"] for m in moves if m["run"] == late.id and m["rung"] == 2] == [[1]]
    assert late.escalated and late.reminders_sent == 3
    keyed = {(int(r.key.split(":")[1]), int(r.key.split(":")[2])) for r in reminders}
    assert keyed == {k for k in acts if isinstance(k[1], int)}


async def _until_all_answer(tg: FakeTelegram, proxy: RoundRobin, count: int) -> None:
    stranger = tg.user(4242, "Tamu")
    for _ in range(60):
        await stranger.send("/start")
        await stranger.expect("belum terdaftar", timeout=30)
        if len(set(proxy.served)) == count:
            return
    raise AssertionError("not every process answered")
