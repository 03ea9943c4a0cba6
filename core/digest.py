"""The weekly regency digest: which OPD are late, to the regency's readers and admins.

Once a week (DIGEST_DAY at DIGEST_HOUR, moved to the next working day of the regency's default
calendar) every active Bappeda and Inspektorat holder and every ADMIN_IDS admin gets one
message listing each open step past its due time (OPD, period, step, how late in that OPD's
working time), or saying that none is late. Nothing is remembered in memory: the week's rows
are keyed ``digest:<ISO year>-W<week>:<chat>`` and written with ON CONFLICT DO NOTHING, so
restarts and several processes send it once, and a scheduler that was down at the hour sends
it at its next tick (late, once). A digest more than a week overdue is not sent any more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from html import escape
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from core import engine
from core.calendar import WorkingCalendar, format_duration
from core.office import Office
from core.opd import first_opd, opd_count
from core.outbox import enqueue
from core.sop import REGENCY_ROLES
from storage.models import Opd, Period, StepRun, User

KIND = "digest"


@dataclass(frozen=True)
class DigestRules:
    """DIGEST_DAY (ISO weekday, 1 = Senin) and DIGEST_HOUR (local time)."""

    day: int = 1
    at: time = time(8, 0)

    def __post_init__(self) -> None:
        if not 1 <= self.day <= 7:
            raise ValueError("DIGEST_DAY harus 1 (Senin) sampai 7 (Minggu)")


@dataclass(frozen=True)
class LateStep:
    opd: str
    period: str
    step_no: int
    late_minutes: int


def moment(year: int, week: int, rules: DigestRules, cal: WorkingCalendar) -> datetime:
    """When the digest of ISO week (year, week) goes out: its day, or the next working day,
    at the hour, in the calendar's time zone."""
    day = cal.working_day_from(date.fromisocalendar(year, week, rules.day))
    return datetime.combine(day, rules.at, ZoneInfo(cal.config.timezone))


def due_week(now: datetime, rules: DigestRules, cal: WorkingCalendar) -> str | None:
    """The week whose digest is due at `now` (`2025-W16`): the latest whose moment has come,
    if that was less than a week ago; None before this week's moment and after a long stop.
    Last week's is looked at too, as a day off may move it into this week."""
    local = cal.to_local(now).date()
    for back in (0, 7):
        year, week, _ = (local - timedelta(days=back)).isocalendar()
        at = moment(year, week, rules, cal)
        if at <= now < at + timedelta(days=7):
            return f"{year}-W{week:02d}"
    return None


def text(p: dict) -> str:
    """The digest as sent: the late steps, most late first, or that none is late."""
    late = p["late"]
    head = f"📊 <b>Ringkasan mingguan kabupaten</b> (pekan {escape(p['week'])})"
    if not late:
        return (
            f"{head}\n\nTidak ada OPD yang terlambat: semua langkah yang berjalan masih dalam "
            "batas waktu. 👍"
        )
    opd_count = len({s["opd"] for s in late})
    lines = [head, "", f"<b>{opd_count} OPD terlambat</b> (dihitung dalam jam kerja tiap OPD):"]
    for s in late:
        lines.append(
            f"• <b>{escape(s['opd'])}</b> — {escape(s['period'])}, Langkah {s['step_no']}: "
            f"terlambat {format_duration(s['late_minutes'])}"
        )
    return "\n".join(lines)


async def late_steps(office: Office, now: datetime) -> list[LateStep]:
    """Every OPD's open steps past their due time, lateness in that OPD's own working time,
    most late first (a step whose due time passed outside office hours is not late yet)."""
    q = (
        select(Opd.id, Opd.nama, Period.name, StepRun.step_no, StepRun.due_at)
        .join(Period, col(Period.id) == StepRun.period_id)
        .join(Opd, col(Opd.id) == StepRun.opd_id)
        .where(StepRun.status == engine.OPEN, col(StepRun.due_at) < now)
    )
    async with office.db.session(across=True) as session:
        rows = (await session.exec(q)).all()
    found = []
    for opd_id, opd, period, step_no, due_at in rows:
        cal = await office.calendar(opd_id=opd_id)
        late = cal.working_minutes_between(due_at, now)
        if late > 0:
            found.append(LateStep(opd, period, step_no, late))
    return sorted(found, key=lambda s: (-s.late_minutes, s.opd, s.period, s.step_no))


async def _recipients(office: Office, session) -> dict[int, int]:
    """Chat id → the OPD its outbox row belongs to: the active holders of the regency roles
    and, in a regency of several OPD, the ADMIN_IDS admins (one without an account counts as
    the first OPD's); whoever blocked the bot is left out. A single office is no regency:
    its admins get no digest, as before there were OPD."""
    admins = office.admin_ids if await opd_count(session) > 1 else frozenset()
    rows = (
        await session.exec(
            select(User.telegram_id, User.opd_id, User.blocked_at).where(
                (User.status == "aktif") & col(User.role).in_([r.value for r in REGENCY_ROLES])
                | col(User.telegram_id).in_(admins)
            )
        )
    ).all()
    chats = {chat: opd for chat, opd, blocked in rows if blocked is None}
    unknown = admins - {chat for chat, _, _ in rows}
    if unknown:
        first = await first_opd(session)
        chats.update(dict.fromkeys(unknown, first))
    return chats


async def send_weekly(office: Office, week: str, late: Sequence[LateStep]) -> int:
    """Write the week's digest for every recipient (a row already there is left alone).
    Returns the number of recipients."""
    now = office.clock()
    payload = {"week": week, "late": [s.__dict__ for s in late]}
    async with office.db.transaction(across=True) as session:
        chats = await _recipients(office, session)
        for chat_id, opd_id in sorted(chats.items()):
            await enqueue(
                session,
                key=f"{KIND}:{week}:{chat_id}",
                chat_id=chat_id,
                kind=KIND,
                payload=payload,
                now=now,
                opd_id=opd_id,
            )
    return len(chats)
