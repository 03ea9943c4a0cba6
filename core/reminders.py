"""The reminder ladder of one open step run: pure, no database, no Telegram.

Given the run's due time, how far its ladder has come, the ladder settings, the working calendar
and `now`, `plan` says what to send now and when the scheduler must look at the run again
(stored in ``StepRun.next_action_at``, so the scan only compares an indexed column).

Rules (times in working time, see core.calendar):
- Rung k (1 ≤ k ≤ ``max_reminders``) falls due ``(k - 1) × interval_minutes`` working minutes
  after the due time: rung 1 exactly at the due time, then one every interval.
- The escalation to the superior (core.sop.SUPERIOR) falls due ``escalate_after × interval``
  after the due time, i.e. one interval after the last of those reminders went unanswered;
  ``escalate_after = 0`` or a role without a superior never escalates.
- The half-time heads-up ("sisa waktu …") is for steps of whole days: at half of the working
  minutes between opening and due time. It is dropped, not sent late, once the step is due.
- Nothing is sent outside office time: what falls due at night, on a weekend or a day off waits
  for the next working start. A due time exactly at closing is reminded at the next opening.
- Catching up after downtime: of several rungs due at once only the highest is sent; the
  others are counted as skipped. The escalation, if due, goes out once beside it.
- ``next_action_at`` is the earliest future event (next rung, escalation, heads-up), moved to
  the next working start; None when the ladder is finished. Rung times are computed from the
  due time with the current calendar, so a day off added later also delays the later rungs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from core.calendar import WorkingCalendar
from core.sop import step


@dataclass(frozen=True)
class ReminderRules:
    """Ladder settings, built once in bot/config.py from the environment."""

    interval_minutes: int = 60
    max_reminders: int = 3
    escalate_after: int = 3
    headsup: bool = True

    def __post_init__(self) -> None:
        if self.interval_minutes < 1:
            raise ValueError("REMINDER_INTERVAL_MINUTES harus minimal 1")
        if self.max_reminders < 1:
            raise ValueError("REMINDER_MAX harus minimal 1")
        if not 0 <= self.escalate_after <= self.max_reminders:
            raise ValueError("REMINDER_ESCALATE_AFTER harus antara 0 dan REMINDER_MAX")


@dataclass(frozen=True)
class Ladder:
    """Where one run's ladder stands: the columns of StepRun the plan reads and writes."""

    opened_at: datetime
    due_at: datetime | None
    whole_days: bool = False
    reminders_sent: int = 0
    reminders_skipped: int = 0
    escalated: bool = False
    headsup_done: bool = False
    has_superior: bool = True


@dataclass(frozen=True)
class Plan:
    """What to send now, and the ladder after sending it."""

    after: Ladder
    next_action_at: datetime | None
    reminder: int | None = None
    skipped: tuple[int, ...] = ()
    escalate: bool = False
    headsup: bool = False
    late_minutes: int = 0
    left_minutes: int = 0
    deferred: bool = False

    @property
    def sends(self) -> bool:
        return self.reminder is not None or self.escalate or self.headsup


def rung_at(ladder: Ladder, rules: ReminderRules, cal: WorkingCalendar, rung: int) -> datetime:
    """When rung `rung` (1-based) falls due."""
    assert ladder.due_at is not None
    return cal.add_working_minutes(ladder.due_at, (rung - 1) * rules.interval_minutes)


def escalation_at(ladder: Ladder, rules: ReminderRules, cal: WorkingCalendar) -> datetime | None:
    if ladder.due_at is None or not ladder.has_superior or rules.escalate_after == 0:
        return None
    return cal.add_working_minutes(ladder.due_at, rules.escalate_after * rules.interval_minutes)


def headsup_at(ladder: Ladder, rules: ReminderRules, cal: WorkingCalendar) -> datetime | None:
    if ladder.due_at is None or not (rules.headsup and ladder.whole_days):
        return None
    span = cal.working_minutes_between(ladder.opened_at, ladder.due_at)
    return cal.add_working_minutes(ladder.opened_at, span // 2)


def first_action_at(ladder: Ladder, rules: ReminderRules, cal: WorkingCalendar) -> datetime | None:
    """`next_action_at` of a run just opened: its heads-up, else its due time."""
    if ladder.due_at is None:
        return None
    return headsup_at(ladder, rules, cal) or ladder.due_at


def _events(ladder: Ladder, rules: ReminderRules, cal: WorkingCalendar) -> list[datetime]:
    """Times of everything still to come on this ladder."""
    times = []
    if ladder.reminders_sent < rules.max_reminders:
        times.append(rung_at(ladder, rules, cal, ladder.reminders_sent + 1))
    if not ladder.escalated:
        esc = escalation_at(ladder, rules, cal)
        if esc is not None:
            times.append(esc)
    if not ladder.headsup_done:
        head = headsup_at(ladder, rules, cal)
        if head is not None and head < ladder.due_at:
            times.append(head)
    return times


def next_action(
    ladder: Ladder, rules: ReminderRules, cal: WorkingCalendar, now: datetime
) -> datetime | None:
    """The earliest coming event, moved into office time; None when the ladder is finished."""
    coming = [t for t in _events(ladder, rules, cal) if t > now]
    if not coming:
        return None
    return cal.next_working_start(min(coming))


def next_reminder(
    ladder: Ladder, rules: ReminderRules, cal: WorkingCalendar, now: datetime
) -> tuple[int, datetime] | None:
    """The actor's next reminder (rung, when it goes out), for /tugas; None when none is left."""
    if ladder.due_at is None or ladder.reminders_sent >= rules.max_reminders:
        return None
    rung = ladder.reminders_sent + 1
    at = rung_at(ladder, rules, cal, rung)
    return rung, cal.next_working_start(max(at, now))


def plan(ladder: Ladder, rules: ReminderRules, cal: WorkingCalendar, now: datetime) -> Plan:
    """What is due at `now`; see the module docstring for the rules."""
    if ladder.due_at is None:
        return Plan(ladder, None)
    due = ladder.due_at
    after = ladder
    headsup = False
    if not ladder.headsup_done:
        head = headsup_at(ladder, rules, cal)
        if head is not None and now >= due:
            after = replace(after, headsup_done=True)  # too late for it: dropped
        elif head is not None and now >= head:
            headsup = True
    reached = 0
    while reached < rules.max_reminders and rung_at(ladder, rules, cal, reached + 1) <= now:
        reached += 1
    rung = reached if reached > ladder.reminders_sent else None
    esc = escalation_at(ladder, rules, cal)
    escalate = not ladder.escalated and esc is not None and esc <= now
    if (rung or escalate or headsup) and not cal.is_office_time(now):
        # Due, but at night or on a day off: wait for the next working start, change nothing.
        return Plan(ladder, cal.next_working_start(now), deferred=True)
    skipped: tuple[int, ...] = ()
    if rung is not None:
        skipped = tuple(range(ladder.reminders_sent + 1, rung))
        after = replace(
            after,
            reminders_sent=rung,
            reminders_skipped=ladder.reminders_skipped + len(skipped),
        )
    if escalate:
        after = replace(after, escalated=True)
    if headsup:
        after = replace(after, headsup_done=True)
    late = cal.working_minutes_between(due, now) if now > due else 0
    left = cal.working_minutes_between(now, due) if now < due else 0
    return Plan(
        after,
        next_action(after, rules, cal, now),
        reminder=rung,
        skipped=skipped,
        escalate=escalate,
        headsup=headsup,
        late_minutes=late,
        left_minutes=left,
    )


def opening_action_at(
    step_no: int, opened_at: datetime, due_at: datetime | None, rules: ReminderRules, cal
) -> datetime | None:
    """`next_action_at` for a run being opened: the half-time heads-up or the due time."""
    whole_days = step(step_no).waktu.days > 0
    return first_action_at(Ladder(opened_at, due_at, whole_days), rules, cal)
