"""SOP compliance (Mutu Baku): each step's standard time against the working time it took.

One builder serves /kepatuhan and the recap workbook's Kepatuhan SOP sheet: `period_compliance`
reads a period's step runs, `averages` the same over every finished period, and `table` turns a
report into headers plus rows of plain values (str, int, aware datetime, None) that
core.rekap_workbook.ComplianceTable takes as they are (`workbook_table`).

Definitions (working minutes, see core.calendar):
- standar (menit kerja): working minutes from opening to the due time; for "1 hari" this
  depends on when the step opened, so it is measured, not assumed;
- waktu aktual: working minutes from opening to finishing (to `now` while the step is open);
- terlambat: working minutes from the due time to finishing (to `now` while open), 0 if none;
- pengingat: reminders actually sent to the actor (rungs skipped after downtime not counted).
- Bottleneck (hambatan): a step whose average lateness is above zero, the latest first, at
  most three; within the current period, the late runs, latest first.
Step 1 is counted (it is finished on the spot); step 11 has no time standard and is left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import engine
from core.calendar import WorkingCalendar, format_duration
from core.office import Office
from core.rekap_workbook import ComplianceTable
from core.sop import Role, step
from core.users import active_user
from storage import queries
from storage.models import Period, StepRun

HEADERS = (
    "No",
    "Putaran",
    "Kegiatan",
    "Pelaksana",
    "Standar",
    "Dibuka",
    "Batas Waktu",
    "Selesai",
    "Standar (menit kerja)",
    "Waktu Kerja Aktual (menit)",
    "Terlambat (menit)",
    "Status",
    "Pengingat",
)
AVERAGE_HEADERS = (
    "No",
    "Kegiatan",
    "Standar",
    "Jumlah pelaksanaan",
    "Rata-rata waktu aktual (menit)",
    "Rata-rata terlambat (menit)",
    "Terlambat (kali)",
    "Rata-rata pengingat",
)
MAX_BOTTLENECKS = 3


@dataclass(frozen=True)
class RunCompliance:
    step_no: int
    round: int
    kegiatan: str
    actor: str
    done_by: str | None
    standard: str
    opened_at: datetime
    due_at: datetime
    done_at: datetime | None
    standard_minutes: int
    actual_minutes: int
    late_minutes: int
    status: str
    open: bool
    cancelled: bool
    reminders: int
    escalated: bool

    @property
    def on_time(self) -> bool:
        return self.late_minutes == 0


@dataclass(frozen=True)
class StepAverage:
    step_no: int
    kegiatan: str
    standard: str
    runs: int
    periods: int
    actual_minutes: int
    late_minutes: int
    late_runs: int
    reminders: float


@dataclass(frozen=True)
class PeriodCompliance:
    period_id: int
    period: str
    status: str
    rows: tuple[RunCompliance, ...]

    @property
    def late(self) -> tuple[RunCompliance, ...]:
        return tuple(r for r in self.rows if r.late_minutes > 0)

    @property
    def bottlenecks(self) -> tuple[RunCompliance, ...]:
        ordered = sorted(self.late, key=lambda r: (-r.late_minutes, r.step_no))
        return tuple(ordered[:MAX_BOTTLENECKS])

    @property
    def total_actual(self) -> int:
        return sum(r.actual_minutes for r in self.rows)

    @property
    def total_standard(self) -> int:
        return sum(r.standard_minutes for r in self.rows)


@dataclass(frozen=True)
class History:
    """Averages per step over finished periods (the current one excluded)."""

    periods: int
    steps: tuple[StepAverage, ...]

    @property
    def bottlenecks(self) -> tuple[StepAverage, ...]:
        late = [s for s in self.steps if s.late_minutes > 0]
        late.sort(key=lambda s: (-s.late_minutes, s.step_no))
        return tuple(late[:MAX_BOTTLENECKS])


def _status(open_: bool, cancelled: bool, late: int, outcome: str | None) -> str:
    if cancelled:
        return "Dibatalkan"
    if open_:
        return f"Berjalan, terlambat {format_duration(late)}" if late else "Berjalan"
    text = f"Terlambat {format_duration(late)}" if late else "Tepat waktu"
    if outcome == engine.REJECTED:
        text += " (dikembalikan)"
    return text


def run_compliance(
    run: StepRun, cal: WorkingCalendar, now: datetime, names: dict[int, str] | None = None
) -> RunCompliance | None:
    """One run against its standard; None for a run without a due time (the archive step)."""
    if run.due_at is None:
        return None
    s = step(run.step_no)
    open_ = run.status == engine.OPEN
    cancelled = run.status == engine.CANCELLED
    end = run.done_at or now
    late = cal.working_minutes_between(run.due_at, end) if end > run.due_at else 0
    return RunCompliance(
        step_no=run.step_no,
        round=run.round,
        kegiatan=s.kegiatan,
        actor=s.actor.label,
        done_by=(names or {}).get(run.done_by) if run.done_by else None,
        standard=s.waktu.label,
        opened_at=run.opened_at,
        due_at=run.due_at,
        done_at=run.done_at,
        standard_minutes=cal.working_minutes_between(run.opened_at, run.due_at),
        actual_minutes=cal.working_minutes_between(run.opened_at, end),
        late_minutes=0 if cancelled else late,
        status=_status(open_, cancelled, late, run.outcome),
        open=open_,
        cancelled=cancelled,
        reminders=max(run.reminders_sent - run.reminders_skipped, 0),
        escalated=run.escalated,
    )


async def period_compliance(
    session: AsyncSession, period_id: int, cal: WorkingCalendar, now: datetime
) -> PeriodCompliance:
    """Every timed step run of one period, in the order they were opened."""
    period = await session.get(Period, period_id)
    if period is None:
        raise engine.SopError("Periode tidak ditemukan.")
    runs = (
        await session.exec(
            select(StepRun)
            .where(StepRun.period_id == period_id)
            .order_by(col(StepRun.opened_at), col(StepRun.id))
        )
    ).all()
    names = await queries.user_names(session=session, among=queries.run_doers(period_id))
    rows = tuple(r for r in (run_compliance(x, cal, now, names) for x in runs) if r is not None)
    return PeriodCompliance(period.id, period.name, period.status, rows)


async def history(
    session: AsyncSession, cal: WorkingCalendar, now: datetime, exclude: int | None = None
) -> History:
    """Averages per step over every finished period (cancelled ones are left out)."""
    q = (
        select(StepRun)
        .join(Period, col(Period.id) == StepRun.period_id)
        .where(Period.status == engine.FINISHED, StepRun.status == engine.DONE)
    )
    if exclude is not None:
        q = q.where(StepRun.period_id != exclude)
    runs = (await session.exec(q)).all()
    by_step: dict[int, list[RunCompliance]] = defaultdict(list)
    periods_by_step: dict[int, set[int]] = defaultdict(set)
    periods: set[int] = set()
    for run in runs:
        row = run_compliance(run, cal, now)
        if row is None:
            continue
        by_step[run.step_no].append(row)
        periods_by_step[run.step_no].add(run.period_id)
        periods.add(run.period_id)
    steps = []
    for no in sorted(by_step):
        rows = by_step[no]
        n = len(rows)
        steps.append(
            StepAverage(
                step_no=no,
                kegiatan=step(no).kegiatan,
                standard=step(no).waktu.label,
                runs=n,
                periods=len(periods_by_step[no]),
                actual_minutes=round(sum(r.actual_minutes for r in rows) / n),
                late_minutes=round(sum(r.late_minutes for r in rows) / n),
                late_runs=sum(1 for r in rows if r.late_minutes > 0),
                reminders=round(sum(r.reminders for r in rows) / n, 1),
            )
        )
    return History(len(periods), tuple(steps))


def table(report: PeriodCompliance) -> tuple[tuple[str, ...], list[list[object]]]:
    """Headers and rows of plain values: str, int, aware datetime or None."""
    rows = [
        [
            r.step_no,
            r.round,
            r.kegiatan,
            f"{r.actor} ({r.done_by})" if r.done_by else r.actor,
            r.standard,
            r.opened_at,
            r.due_at,
            r.done_at,
            r.standard_minutes,
            r.actual_minutes,
            r.late_minutes,
            r.status,
            r.reminders,
        ]
        for r in report.rows
    ]
    return HEADERS, rows


def average_table(hist: History) -> tuple[tuple[str, ...], list[list[object]]]:
    rows = [
        [
            s.step_no,
            s.kegiatan,
            s.standard,
            s.runs,
            s.actual_minutes,
            s.late_minutes,
            s.late_runs,
            s.reminders,
        ]
        for s in hist.steps
    ]
    return AVERAGE_HEADERS, rows


def workbook_table(report: PeriodCompliance) -> ComplianceTable:
    """The table of the recap workbook's Kepatuhan SOP sheet."""
    headers, rows = table(report)
    return ComplianceTable(headers=headers, rows=tuple(tuple(r) for r in rows))


def summary_lines(report: PeriodCompliance) -> Sequence[str]:
    """Plain Indonesian lines under the table: totals and bottlenecks (for chat and workbook)."""
    lines = [
        f"Total waktu kerja aktual {format_duration(report.total_actual)} "
        f"dari standar {format_duration(report.total_standard)}.",
    ]
    if report.bottlenecks:
        parts = [
            f"Langkah {r.step_no} (terlambat {format_duration(r.late_minutes)})"
            for r in report.bottlenecks
        ]
        lines.append("Hambatan: " + ", ".join(parts) + ".")
    else:
        lines.append("Tidak ada langkah yang melewati standar waktu.")
    return lines


# --- /kepatuhan -------------------------------------------------------------------------------

READERS = (Role.KEPALA_DINAS, Role.SEKRETARIS, Role.TIM_SAKIP)


@dataclass(frozen=True)
class ComplianceView:
    current: PeriodCompliance | None
    history: History


async def _require_reader(office: Office, session: AsyncSession, telegram_id: int) -> None:
    user = await active_user(session, telegram_id)
    if Role(user.role) not in READERS:
        raise engine.SopError(
            "Laporan kepatuhan SOP hanya untuk Kepala Dinas, Sekretaris dan Tim SAKIP."
        )


async def report_choices(office: Office, telegram_id: int) -> list[tuple[int, str]]:
    """The periods /kepatuhan may show: the running ones, else the latest closed one."""
    async with office.db.session() as session:
        await _require_reader(office, session, telegram_id)
        running = await queries.running_periods(session=session)
        if running:
            return [(p.id, p.name) for p in running]
        closed = await queries.periods(session=session, statuses=(engine.FINISHED,))
        return [(closed[0].id, closed[0].name)] if closed else []


async def compliance_report(
    office: Office, telegram_id: int, period_id: int | None
) -> tuple[ComplianceView, WorkingCalendar]:
    """One period against the SOP standards, and the averages over the other finished periods."""
    now = office.clock()
    async with office.db.session() as session:
        await _require_reader(office, session, telegram_id)
        cal = await office.calendar(session)
        current = (
            await period_compliance(session, period_id, cal, now) if period_id is not None else None
        )
        hist = await history(session, cal, now, exclude=period_id)
        return ComplianceView(current, hist), cal
