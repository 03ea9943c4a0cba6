"""The overdue scan and the weekly regency digest on PTB's JobQueue: every minute, from the
database, with an explicit `now`.

APScheduler's default misfire grace time is 1 s, so a tick delayed by a busy loop would be
skipped; the job gets 30 s of grace and coalesces missed ticks into one. Nothing about pending
reminders lives in the job: every tick derives them from the database (core.deadlines.scan),
so a restart or hours of downtime lose nothing. One repeating job never overlaps itself; two
processes are kept apart by the scan's own guards.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from telegram.ext import Application, ContextTypes, Job

from core import deadlines, digest, outbox
from core.calendar import WorkingCalendar
from core.deadlines import ScanResult
from core.digest import DigestRules

log = logging.getLogger(__name__)

JOB_NAME = "pemindai-tenggat"
MISFIRE_GRACE_SECONDS = 30
CLEAR_JOB = "pembersih-outbox"
CLEAR_OUTBOX_SECONDS = 3600
# How long the record of a handled update is kept: Telegram redelivers an update within a day.
HANDLED_KEPT = timedelta(days=2)
DIGEST_JOB = "ringkasan-mingguan"
DIGEST_CHECK_SECONDS = 60
# bot_data key of the week whose digest this process has written (the database is the record;
# this only spares the other ticks of that week their reads and inserts).
DIGEST_WRITTEN = "digest_week"


async def run_scan(app: Application) -> ScanResult:
    """One scan at the office clock's `now`; the sender is woken when rows were written."""
    office = app.bot_data["office"]
    started = time.monotonic()
    result = await deadlines.scan(office, office.clock())
    app.bot_data["metrics"].scanned(
        office.clock(),
        time.monotonic() - started,
        {
            "reminder": result.reminders,
            "escalation": result.escalations,
            "headsup": result.headsups,
        },
    )
    if result.messages or result.runs:
        log.info(
            "scan: %d runs, %d reminders, %d escalations, %d heads-ups, %d skipped, %d deferred",
            result.runs,
            result.reminders,
            result.escalations,
            result.headsups,
            result.skipped,
            result.deferred,
        )
    if result.messages:
        sender = app.bot_data.get("sender")
        if sender is not None:
            sender.kick()
    return result


async def scan_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_scan(context.application)


async def clear_outbox_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    office = context.application.bot_data["office"]
    cleared = await outbox.clear_delivered(office, office.clock())
    if cleared:
        log.info("outbox: cleared the payload of %d delivered messages past retention", cleared)
    forgotten = await office.db.forget_handled(office.clock() - HANDLED_KEPT)
    if forgotten:
        log.info("forgot %d handled updates older than %s", forgotten, HANDLED_KEPT)


async def run_digest(app: Application, rules: DigestRules) -> int:
    """The weekly digest, if its moment has come (on the regency's default calendar) and this
    process has not written it yet; returns the number of recipients written for."""
    office = app.bot_data["office"]
    now = office.clock()
    week = digest.due_week(now, rules, WorkingCalendar(office.calendar_config))
    if week is None or app.bot_data.get(DIGEST_WRITTEN) == week:
        return 0
    count = await digest.send_weekly(office, week, await digest.late_steps(office, now))
    app.bot_data[DIGEST_WRITTEN] = week
    log.info("weekly digest %s written for %d recipients", week, count)
    sender = app.bot_data.get("sender")
    if sender is not None:
        sender.kick()
    return count


async def digest_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_digest(context.application, context.job.data)


def schedule(app: Application, interval_seconds: float, digest_rules: DigestRules) -> Job | None:
    """Register the repeating scan (called from post_init); interval 0 turns it off. The
    outbox's retention runs hourly and the digest's check every minute either way."""
    if app.job_queue is None:
        raise RuntimeError("JobQueue tidak tersedia: pasang python-telegram-bot[job-queue]")
    app.job_queue.run_repeating(
        clear_outbox_job, interval=CLEAR_OUTBOX_SECONDS, first=60, name=CLEAR_JOB
    )
    app.job_queue.run_repeating(
        digest_job,
        interval=DIGEST_CHECK_SECONDS,
        first=DIGEST_CHECK_SECONDS,
        name=DIGEST_JOB,
        data=digest_rules,
        job_kwargs={"misfire_grace_time": MISFIRE_GRACE_SECONDS, "coalesce": True},
    )
    if interval_seconds <= 0:
        log.warning("the overdue scan is off (REMINDER_SCAN_SECONDS=0): no reminders are sent")
        return None
    return app.job_queue.run_repeating(
        scan_job,
        interval=interval_seconds,
        first=interval_seconds,
        name=JOB_NAME,
        job_kwargs={"misfire_grace_time": MISFIRE_GRACE_SECONDS, "coalesce": True},
    )
