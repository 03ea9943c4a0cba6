"""Reminders end to end: the real application, its JobQueue job, the outbox sender and the fake
Bot API. The office clock is moved by the test; the job is run at once with `Job.run`, so no
test waits for real minutes (only the 429 case waits out its one-second retry_after).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlmodel import select

from bot import scheduler
from core.reminders import ReminderRules
from fakeapi import FakeTelegram
from storage.models import Outbox, StepRun, User
from tests.conftest import ADMIN_ID, OPD1, Bot, Clock, make_settings, register, running_bot

SEK_ID, KD_ID, TIM_ID = 102, 101, 103


async def run_job(bot_app) -> None:
    """The scheduler's own job, run now instead of at its next tick."""
    (job,) = bot_app.job_queue.get_jobs_by_name(scheduler.JOB_NAME)
    await job.run(bot_app)


async def outbox_row(office, kind: str, status: str) -> Outbox:
    """The one row of `kind`, once the sender has marked it (it marks right after Telegram's OK)."""
    for _ in range(100):
        async with office.db.session(OPD1) as session:
            row = (await session.exec(select(Outbox).where(Outbox.kind == kind))).one()
        if row.status == status:
            return row
        await asyncio.sleep(0.02)
    raise AssertionError(f"{kind} row is {row.status!r}, not {status!r}")


async def setup_period(tg: FakeTelegram, with_team: bool = False):
    admin = tg.user(ADMIN_ID, "Admin")
    kd = tg.user(KD_ID, "Bambang")
    sek = tg.user(SEK_ID, "Siti")
    await register(admin, kd, "Bambang Purwanto", "196909211996021001", "Kepala Dinas")
    await register(admin, sek, "Siti Aminah", "197501012000032002", "Sekretaris")
    tim = None
    if with_team:
        tim = tg.user(TIM_ID, "Tono")
        await register(admin, tim, "Tono Sugiarto", "198001012005011003", "Tim SAKIP")
    await kd.send("/mulai")
    await kd.expect("nama periode")
    await kd.send("Triwulan I 2025")
    await kd.expect("Nota Dinas")
    await kd.send("Dengan ini diperintahkan pengukuran data kinerja triwulan I.")
    await kd.expect("dimulai")
    await sek.expect("Langkah 2: tugas baru")  # opened Monday 09:00, due 10:00
    await sek.next_message()  # the Nota Dinas travels with it
    return kd, sek, tim


async def test_the_scan_job_is_scheduled_with_grace_and_coalescing(bot: Bot) -> None:
    (job,) = bot.app.job_queue.get_jobs_by_name(scheduler.JOB_NAME)
    assert job.job.misfire_grace_time == 30 and job.job.coalesce is True
    assert job.job.trigger.interval.total_seconds() == 60
    assert bot.office.reminders == ReminderRules()


async def test_step_2_overdue_reminds_the_sekretaris_then_the_kepala_dinas(
    tg: FakeTelegram, bot: Bot, clock: Clock
) -> None:
    kd, sek, _ = await setup_period(tg)
    clock.advance(minutes=59)
    await run_job(bot.app)
    await sek.expect_silence(0.3)

    clock.advance(minutes=1)  # 10:00, the due time
    await run_job(bot.app)
    first = await sek.expect("Pengingat 1 dari 3")
    assert "Langkah 2" in first.plain and "batas waktunya sudah lewat" in first.plain
    assert "Batas waktu: Senin, 14 April 2025 10:00" in first.plain

    await sek.send("/tugas")
    tasks = await sek.expect("Tugas Anda")
    assert "Pengingat terkirim: 1 dari 3; pengingat ke-2 Senin, 14 April 2025 11:00" in tasks.plain

    for rung in (2, 3):
        clock.advance(minutes=60)
        await run_job(bot.app)
        msg = await sek.expect(f"Pengingat {rung} dari 3")
        assert f"terlambat {rung - 1} jam" in msg.plain
    assert "dilaporkan ke Kepala Dinas" in msg.plain
    await kd.expect_silence(0.3)

    clock.advance(minutes=60)  # 13:00: three reminders unanswered
    await run_job(bot.app)
    escalation = await kd.expect("Eskalasi keterlambatan: Langkah 2")
    assert "Siti Aminah" in escalation.plain and "terlambat 3 jam" in escalation.plain
    assert "diingatkan 3 kali" in escalation.plain
    await sek.expect_silence(0.3)

    clock.advance(hours=20)
    await run_job(bot.app)
    await kd.expect_silence(0.3)
    await sek.expect_silence(0.1)
    async with bot.office.db.session(OPD1) as session:
        keys = sorted(r.key for r in (await session.exec(select(Outbox))).all())
    assert sum(k.startswith("reminder:") for k in keys) == 3
    assert sum(k.startswith("escalation:") for k in keys) == 1


async def test_a_429_is_waited_out_and_the_reminder_still_arrives(
    tg: FakeTelegram, bot: Bot, clock: Clock
) -> None:
    _, sek, _ = await setup_period(tg)
    clock.advance(hours=1)
    tg.fail_next("sendMessage", status=429, retry_after=1, chat_id=SEK_ID)
    started = time.monotonic()
    await run_job(bot.app)
    reminder = await sek.expect("Pengingat 1 dari 3", timeout=5)
    assert time.monotonic() - started >= 0.9  # retry_after was waited out
    assert "Langkah 2" in reminder.plain
    assert tg.stats["429s"] == 1
    await outbox_row(bot.office, "reminder", "terkirim")
    assert sum(m.chat_id == SEK_ID and "Pengingat" in m.plain for m in tg.bot_messages) == 1
    # What /metrics and /healthz show of it.
    metrics = bot.app.bot_data["metrics"]
    count = metrics.registry.get_sample_value
    assert count("kinerja_reminders_total", {"kind": "reminder"}) == 1
    assert count("kinerja_reminders_total", {"kind": "escalation"}) == 0
    assert count("kinerja_telegram_429_total") == 1
    assert count("kinerja_scan_duration_seconds_count") == 1
    assert metrics.last_scan == clock.now


async def test_a_user_who_blocked_the_bot_is_recorded_and_reported_once(
    tg: FakeTelegram, bot: Bot, clock: Clock
) -> None:
    """Telegram tells the bot of the block (my_chat_member): recorded then, Tim SAKIP told once,
    no reminder tried while it lasts; unblocking (as writing again does) lets the ladder go on."""
    _, sek, tim = await setup_period(tg, with_team=True)
    await tim.expect_silence(0.2)
    blocked_at = clock.now
    tg.block(SEK_ID)
    report = await tim.expect("memblokir bot")
    assert "Siti Aminah" in report.plain
    async with bot.office.db.session(OPD1) as session:
        siti = (await session.exec(select(User).where(User.telegram_id == SEK_ID))).one()
    assert siti.blocked_at == blocked_at

    errors = tg.stats["errors"]
    for _ in range(2):  # rungs 1 and 2: not tried while she blocks the bot, not reported again
        clock.advance(hours=1)
        await run_job(bot.app)
    await tim.expect_silence(0.3)
    assert tg.stats["errors"] == errors

    await sek.send("/tugas")  # she writes again: reachable, and the ladder goes on
    await sek.expect("Tugas Anda")
    clock.advance(hours=1)
    await run_job(bot.app)
    await sek.expect("Pengingat 3 dari 3")
    async with bot.office.db.session(OPD1) as session:
        siti = (await session.exec(select(User).where(User.telegram_id == SEK_ID))).one()
    assert siti.blocked_at is None


async def test_a_403_records_the_block_when_telegram_did_not_say(
    tg: FakeTelegram, bot: Bot, clock: Clock
) -> None:
    """A block the bot was not told of (its my_chat_member update lost) shows as a 403 on the
    next reminder: recorded then, and reported once."""
    _, _, tim = await setup_period(tg, with_team=True)
    await tim.expect_silence(0.2)
    tg.block(SEK_ID)
    await tim.expect("memblokir bot")
    async with bot.office.db.transaction(OPD1) as session:
        siti = (await session.exec(select(User).where(User.telegram_id == SEK_ID))).one()
        siti.blocked_at = None
        session.add(siti)
    clock.advance(hours=1)
    await run_job(bot.app)
    await outbox_row(bot.office, "reminder", "diblokir")
    async with bot.office.db.session(OPD1) as session:
        siti = (await session.exec(select(User).where(User.telegram_id == SEK_ID))).one()
    assert siti.blocked_at == clock.now


async def test_a_restart_between_due_time_and_reminder_sends_it_once(
    tg: FakeTelegram, tmp_path: Path, clock: Clock
) -> None:
    settings = make_settings(tg, tmp_path / "data")
    async with running_bot(settings, clock):
        _, sek, _ = await setup_period(tg)
    clock.advance(hours=1, minutes=10)  # the bot was down at 10:00
    async with running_bot(settings, clock) as (app, office):
        await run_job(app)
        reminder = await sek.expect("Pengingat 1 dari 3")
        assert "terlambat 10 menit" in reminder.plain
        await run_job(app)
        await sek.expect_silence(0.3)
    async with running_bot(settings, clock) as (app, office):
        await run_job(app)
        await sek.expect_silence(0.3)
        async with office.db.session(OPD1) as session:
            run = (await session.exec(select(StepRun).where(StepRun.step_no == 2))).one()
    assert run.reminders_sent == 1
    assert sum(m.chat_id == SEK_ID and "Pengingat" in m.plain for m in tg.bot_messages) == 1


async def test_after_the_escalation_every_reminder_says_the_superior_was_told(
    tg: FakeTelegram, tmp_path: Path, clock: Clock
) -> None:
    """A ladder that escalates after the first reminder: rungs 2 and 3 name who was told."""
    settings = make_settings(tg, tmp_path / "data", reminder_escalate_after=1)
    async with running_bot(settings, clock) as (app, _):
        kd, sek, _ = await setup_period(tg)
        clock.advance(hours=1)  # 10:00, the due time
        await run_job(app)
        first = await sek.expect("Pengingat 1 dari 3")
        assert (
            "Bila 1 jam lagi (dihitung dalam jam kerja) belum selesai, keterlambatan ini "
            "dilaporkan ke Kepala Dinas (Bambang Purwanto)." in first.plain
        )
        clock.advance(hours=1)
        await run_job(app)
        second = await sek.expect("Pengingat 2 dari 3")
        assert "terlambat 1 jam (dihitung dalam jam kerja)" in second.plain
        told = "Kepala Dinas (Bambang Purwanto) sudah diberi tahu tentang keterlambatan ini."
        assert told in second.plain and "terakhir" not in second.plain
        await kd.expect("Eskalasi keterlambatan: Langkah 2")
        clock.advance(hours=1)
        await run_job(app)
        last = await sek.expect("Pengingat 3 dari 3")
        assert f"Ini pengingat terakhir; tidak ada pengingat lagi. {told}" in last.plain
        await kd.expect_silence(0.2)


async def test_after_downtime_the_reminder_names_the_skipped_rungs_and_working_time(
    tg: FakeTelegram, tmp_path: Path, clock: Clock
) -> None:
    """Down from Monday 09:00 to Tuesday 08:10: rungs 1-2 were missed, rung 3 is the last and
    the escalation goes with it; lateness counts office hours only (not 22 hours)."""
    settings = make_settings(tg, tmp_path / "data")
    async with running_bot(settings, clock):
        kd, sek, _ = await setup_period(tg)
    clock.advance(hours=23, minutes=10)
    async with running_bot(settings, clock) as (app, _):
        await run_job(app)
        reminder = await sek.expect("Pengingat 3 dari 3")
        assert "(pengingat 1–2 terlewat karena bot tidak aktif)" in reminder.plain
        # Monday 10:00-16:00 and Tuesday 07:30-08:10 are the working time since the due time.
        assert "terlambat 6 jam 40 menit (dihitung dalam jam kerja)" in reminder.plain
        assert (
            "Ini pengingat terakhir; tidak ada pengingat lagi. Kepala Dinas (Bambang Purwanto) "
            "sudah diberi tahu tentang keterlambatan ini." in reminder.plain
        )
        escalation = await kd.expect("Eskalasi keterlambatan: Langkah 2")
        assert "terlambat 6 jam 40 menit (dihitung dalam jam kerja)" in escalation.plain
        await sek.expect_silence(0.2)


async def test_the_reminder_carries_the_button_of_tugas_checked_on_press(
    tg: FakeTelegram, bot: Bot, clock: Clock
) -> None:
    _, sek, _ = await setup_period(tg)
    clock.advance(hours=1)
    await run_job(bot.app)
    reminder = await sek.expect("Pengingat 1 dari 3")
    await sek.send("/tugas")
    tasks = await sek.expect("Tugas Anda")
    assert (
        reminder.buttons
        == tasks.buttons
        == [[("✅ Selesaikan langkah", reminder.buttons[0][0][1])]]
    )

    await sek.press("✅ Selesaikan langkah", reminder)  # no Notulen Rapat yet: refused
    await sek.expect("belum bisa diselesaikan: kirim dulu dokumen Notulen Rapat")
    await sek.send_document(b"%PDF-1.4 notulen\n%%EOF", "notulen.pdf", "application/pdf")
    await sek.expect("tersimpan sebagai")
    await sek.press("✅ Selesaikan langkah", reminder)
    await sek.expect("Langkah 2 periode")
    assert not (await sek.expect_edit("Pengingat 1 dari 3")).buttons
    await sek.press("✅ Selesaikan langkah", tasks)  # the same button, the step closed now
    await sek.expect("sudah selesai atau bukan tugas Anda")
