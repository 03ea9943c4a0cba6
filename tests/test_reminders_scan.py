"""The overdue scan against a real database: outbox rows, ladder columns, overlap and restart.

The clock is explicit: every scan gets its `now`; nothing waits for real minutes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.messages import render
from core import deadlines, reminders, workflow
from core.office import Office
from core.transitions import DocInput
from storage.db import Database
from storage.files import FileStore
from storage.models import AuditLog, Outbox, Period, StepRun, User
from tests.conftest import OPD1, migrate

JKT = ZoneInfo("Asia/Jakarta")
# Monday 14 April 2025, 09:00 WIB: step 2 (60 menit) opened now is due at 10:00.
MONDAY_9 = datetime(2025, 4, 14, 9, 0, tzinfo=JKT)
KD, SEK, TIM1, TIM2, ASN1 = 101, 102, 103, 104, 105
NOTA = DocInput(b"%PDF-1.4 nota\n%%EOF", "nota.pdf", "application/pdf")


def wib(day_offset: int, hour: int, minute: int = 0) -> datetime:
    day = MONDAY_9.date() + timedelta(days=day_offset)
    return datetime.combine(day, time(hour, minute), JKT)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now.astimezone(timezone.utc)


def make_office(url: str, files: Path, clock: Clock) -> Office:
    return Office(db=Database(url), files=FileStore(files), clock=clock, admin_ids=frozenset({1}))


async def seeded(url: str, files: Path) -> Office:
    """A migrated database with the five duties, and an office on it at Monday 09:00."""
    await migrate(url)
    o = make_office(url, files, Clock(MONDAY_9))
    async with o.db.transaction(OPD1) as session:
        for tid, nama, role in (
            (KD, "Bambang", "kepala_dinas"),
            (SEK, "Siti", "sekretaris"),
            (TIM1, "Tono", "tim_sakip"),
            (TIM2, "Tari", "tim_sakip"),
            (ASN1, "Ani", "asn"),
        ):
            session.add(
                User(telegram_id=tid, nama=nama, nip=f"{tid:018d}", jabatan="x", role=role,
                     status="aktif")
            )  # fmt: skip
    return o


@pytest.fixture
async def office(tmp_path: Path) -> AsyncIterator[Office]:
    o = await seeded(f"sqlite:///{tmp_path}/kinerja.db", tmp_path / "files")
    yield o
    await o.db.dispose()


@pytest.fixture
async def pg_office(pg_url: str, tmp_path: Path) -> AsyncIterator[Office]:
    o = await seeded(pg_url, tmp_path / "files")
    yield o
    await o.db.dispose()


async def start(office: Office) -> int:
    """The Kepala Dinas starts a period: step 2 opens for the Sekretaris."""
    await workflow.start_period(office, KD, "Triwulan I 2025", NOTA)
    async with office.db.session(OPD1) as session:
        run = (await session.exec(select(StepRun).where(StepRun.step_no == 2))).one()
        return run.id


async def rows(office: Office, prefix: str = "") -> list[Outbox]:
    async with office.db.session(OPD1) as session:
        q = select(Outbox).where(col(Outbox.key).startswith(prefix)).order_by(col(Outbox.id))
        return list((await session.exec(q)).all())


async def run_row(office: Office, run_id: int) -> StepRun:
    async with office.db.session(OPD1) as session:
        return await session.get(StepRun, run_id)


def chats(outbox: list[Outbox]) -> list[int]:
    return [r.chat_id for r in outbox]


async def test_opening_stores_the_due_time_as_the_next_action(office: Office) -> None:
    run = await run_row(office, await start(office))
    assert run.due_at == wib(0, 10)
    assert run.next_action_at == run.due_at


async def test_nothing_before_the_due_time_and_a_reminder_exactly_at_it(office: Office) -> None:
    run_id = await start(office)
    result = await deadlines.scan(office, wib(0, 9, 59))
    assert result.runs == 0 and await rows(office, "reminder") == []
    result = await deadlines.scan(office, wib(0, 10))
    assert result.reminders == 1
    sent = await rows(office, "reminder")
    assert [r.key for r in sent] == [f"reminder:{run_id}:1:2"]
    assert chats(sent) == [SEK]
    payload = json.loads(sent[0].payload)
    assert payload["rung"] == 1 and payload["late_minutes"] == 0
    run = await run_row(office, run_id)
    assert (run.reminders_sent, run.escalated, run.next_action_at) == (1, False, wib(0, 11))


async def test_the_ladder_reaches_the_kepala_dinas_after_three_reminders(office: Office) -> None:
    run_id = await start(office)
    for hour in (10, 11, 12):
        await deadlines.scan(office, wib(0, hour))
    sent = await rows(office, "reminder")
    assert chats(sent) == [SEK, SEK, SEK]
    assert await rows(office, "escalation") == []
    # Rung 3 is the one the escalation follows: it names who is told next, and when.
    payloads = [json.loads(r.payload) for r in sent]
    assert [p["superior"] for p in payloads[:2]] == [None, None]
    assert payloads[2]["superior"] == {
        "role": "Kepala Dinas", "names": ["Bambang"], "others": 0, "told": False,
        "in_minutes": 60,
    }  # fmt: skip
    assert payloads[2]["skipped"] == []
    result = await deadlines.scan(office, wib(0, 13))
    assert result.escalations == 1
    esc = await rows(office, "escalation")
    assert chats(esc) == [KD]
    payload = json.loads(esc[0].payload)
    assert payload["reminders"] == 3 and payload["late_minutes"] == 180
    assert payload["actors"] == ["Siti"]
    run = await run_row(office, run_id)
    assert run.escalated and run.next_action_at is None
    await deadlines.scan(office, wib(1, 13))
    assert len(await rows(office, "reminder")) == 3 and len(esc) == 1


async def test_a_late_last_rung_says_how_near_the_escalation_is(office: Office) -> None:
    await start(office)
    await deadlines.scan(office, wib(0, 12, 50))  # down since 09:00; the escalation is at 13:00
    (sent,) = await rows(office, "reminder")
    payload = json.loads(sent.payload)
    assert (payload["rung"], payload["skipped"]) == (3, [1, 2])
    assert payload["superior"]["in_minutes"] == 10 and not payload["superior"]["told"]
    async with office.db.session(OPD1) as session:
        text = render("reminder", payload, await office.calendar(session))
    assert "Bila 10 menit lagi (dihitung dalam jam kerja) belum selesai" in text


async def test_two_overlapping_scans_send_once(office: Office) -> None:
    run_id = await start(office)
    now = wib(0, 13, 30)  # down since before the due time: rung 3 and the escalation are due
    results = await asyncio.gather(*(deadlines.scan(office, now) for _ in range(4)))
    assert sum(r.reminders for r in results) == 1
    assert sum(r.escalations for r in results) == 1
    (sent,) = await rows(office, "reminder")
    assert sent.key == f"reminder:{run_id}:3:2"
    payload = json.loads(sent.payload)
    assert payload["skipped"] == [1, 2] and payload["superior"]["told"] is True
    assert len(await rows(office, "escalation")) == 1
    run = await run_row(office, run_id)
    assert (run.reminders_sent, run.reminders_skipped, run.escalated) == (3, 2, True)
    async with office.db.session(OPD1) as session:
        moves = (await session.exec(select(AuditLog).where(AuditLog.action == "pengingat"))).all()
    assert len(moves) == 1
    assert json.loads(moves[0].detail) == {
        "run": run_id,
        "rung": 3,
        "skipped": [1, 2],
        "escalation": True,
        "headsup": False,
    }


async def test_two_overlapping_scans_send_once_on_postgresql(pg_office: Office) -> None:
    """Under the advisory lock a second scan skips; the conditional update would stop it too."""
    run_id = await start(pg_office)
    results = await asyncio.gather(*(deadlines.scan(pg_office, wib(0, 13, 30)) for _ in range(4)))
    assert sum(r.reminders for r in results) == 1
    assert sum(r.escalations for r in results) == 1
    assert [r.key for r in await rows(pg_office, "reminder")] == [f"reminder:{run_id}:3:2"]
    assert chats(await rows(pg_office, "escalation")) == [KD]
    await deadlines.scan(pg_office, wib(0, 14))
    assert len(await rows(pg_office, "reminder")) == 1


async def test_a_restart_between_due_time_and_reminder_sends_once(
    office: Office, tmp_path: Path
) -> None:
    run_id = await start(office)
    await office.db.dispose()  # the process stops before the due time and comes back after it
    again = make_office(office.db.url, tmp_path / "files", Clock(wib(0, 10, 20)))
    try:
        await deadlines.scan(again, again.clock())
        await deadlines.scan(again, again.clock())
        reminders = await rows(again, "reminder")
        assert [r.key for r in reminders] == [f"reminder:{run_id}:1:2"]
        assert json.loads(reminders[0].payload)["late_minutes"] == 20
    finally:
        await again.db.dispose()


async def test_night_downtime_waits_for_the_morning(office: Office) -> None:
    run_id = await start(office)
    result = await deadlines.scan(office, wib(0, 21))
    assert result.deferred == 1 and await rows(office, "reminder") == []
    run = await run_row(office, run_id)
    assert run.next_action_at == wib(1, 7, 30) and run.reminders_sent == 0
    await deadlines.scan(office, wib(1, 7, 30))
    sent = await rows(office, "reminder")
    # Six working hours late by Tuesday's opening: rung 3 of 3, and the escalation with it.
    assert [r.key for r in sent] == [f"reminder:{run_id}:3:2"]
    assert chats(await rows(office, "escalation")) == [KD]


async def test_tim_sakip_steps_remind_every_member_and_escalate_to_the_sekretaris(
    office: Office,
) -> None:
    await start(office)
    await workflow.attach_document(office, SEK, DocInput(b"%PDF notulen", "n.pdf"))
    office.clock.now = wib(0, 9, 30)
    await workflow.finish_step(office, SEK)
    # Step 3 (120 menit) opened 09:30, due 11:30.
    await deadlines.scan(office, wib(0, 11, 30))
    assert sorted(chats(await rows(office, "reminder"))) == [TIM1, TIM2]
    await deadlines.scan(office, wib(0, 14, 30))
    assert chats(await rows(office, "escalation")) == [SEK]


async def test_blocked_users_are_recorded_once_and_skipped_by_the_scan(office: Office) -> None:
    run_id = await start(office)
    assert await deadlines.record_blocked(office, SEK)
    assert not await deadlines.record_blocked(office, SEK)  # once
    reports = await rows(office, "diblokir")
    assert sorted(chats(reports)) == [TIM1, TIM2]
    await deadlines.scan(office, wib(0, 10))
    assert await rows(office, "reminder") == []  # nobody to remind: the Sekretaris blocked us
    run = await run_row(office, run_id)
    assert run.reminders_sent == 1  # the rung passed all the same
    assert await deadlines.clear_blocked(office, SEK)
    await deadlines.scan(office, wib(0, 11))
    assert chats(await rows(office, "reminder")) == [SEK]
    assert not await deadlines.record_blocked(office, 999)  # not a registered user


async def test_a_one_day_step_gets_its_half_time_heads_up(office: Office) -> None:
    """Step 4 (1 hari) opened Monday 09:00 is due Tuesday 09:00: the heads-up comes at 13:15."""
    async with office.db.transaction(OPD1) as session:
        period = Period(name="Triwulan II 2025", year=2025)
        session.add(period)
        await session.flush()
        opened, due = MONDAY_9, wib(1, 9)
        cal = await office.calendar(session)
        run = StepRun(
            period_id=period.id,
            step_no=4,
            opened_at=opened,
            due_at=due,
            next_action_at=reminders.opening_action_at(4, opened, due, office.reminders, cal),
        )
        session.add(run)
        await session.flush()
        run_id = run.id
    assert (await run_row(office, run_id)).next_action_at == wib(0, 13, 15)
    assert (await deadlines.scan(office, wib(0, 13, 14))).runs == 0
    result = await deadlines.scan(office, wib(0, 13, 15))
    assert result.headsups == 1 and result.reminders == 0
    heads = await rows(office, "headsup")
    assert sorted(chats(heads)) == [TIM1, TIM2]
    payload = json.loads(heads[0].payload)
    assert payload["left_minutes"] == 255
    async with office.db.session(OPD1) as session:
        text = render("headsup", payload, await office.calendar(session))
    assert "sisa waktu <b>4 jam 15 menit</b>" in text and "Selasa, 15 April 2025 09:00" in text
    run = await run_row(office, run_id)
    assert run.headsup_done and run.next_action_at == due
    await deadlines.scan(office, wib(1, 9))
    assert chats(await rows(office, "reminder")) in ([TIM1, TIM2], [TIM2, TIM1])
