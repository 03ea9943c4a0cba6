"""Deadline actions: the overdue scan that writes reminders to the outbox, and blocked users.

The scan selects open step runs whose stored ``next_action_at`` has come (one indexed
comparison, no working-time arithmetic per row), asks core.reminders what is due, and in the
SAME transaction moves the run's ladder on and writes the outbox rows. Two guards make a
reminder go out once even when scans overlap (two scheduler ticks, two processes):

- the ladder moves on by a conditional update (``WHERE reminders_sent = <as read> AND …``):
  of two scans that read the same state, one updates the row and the other updates nothing
  and sends nothing;
- every outbox row has a unique key, ``reminder:{run}:{rung}:{user}``,
  ``escalation:{run}:{user}``, ``headsup:{run}:{user}``, inserted with ON CONFLICT DO NOTHING.

On PostgreSQL the scan also runs under ``pg_try_advisory_xact_lock``, so a second process
skips the work instead of racing for it.

Targets: the ladder belongs to a step run and reminds everyone who holds the step's role; in
step 5 only the PICs who still owe a figure (core.indicators.reporting_targets), all on the
run's one ladder. A per-(run, user) ladder, so that a PIC who was late to join gets their own
rungs, fits the same scheme: a row with the ladder columns (reminders_sent, reminders_skipped,
escalated, next_action_at) per (run, user), selected by the same indexed comparison, planned
with the same ``core.reminders.plan``, and keyed ``reminder:{run}:{rung}:{user}`` as now.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import engine
from core.calendar import WorkingCalendar
from core.indicators import reporting_targets
from core.office import Office
from core.outbox import enqueue, enqueue_users
from core.reminders import Ladder, Plan, ReminderRules, escalation_at, next_reminder, plan
from core.sop import SUPERIOR, Output, Role, step
from core.users import acting_user, audit
from storage import queries
from storage.models import Period, StepRun, User
from storage.scope import IDENTITY

log = logging.getLogger(__name__)

# pg_try_advisory_xact_lock key of the overdue scan ("kinj" in ASCII).
SCAN_LOCK_KEY = 0x6B696E6A
BATCH = 100
# A reminder names at most this many of the superiors it mentions ("… dan 3 lainnya").
NAMES_SHOWN = 5
MAX_BATCHES = 100


@dataclass
class ScanResult:
    runs: int = 0
    reminders: int = 0
    escalations: int = 0
    headsups: int = 0
    skipped: int = 0
    deferred: int = 0
    lost: int = 0
    locked_out: bool = False
    messages: int = 0
    run_ids: list[int] = field(default_factory=list)


def ladder_of(run: StepRun) -> Ladder:
    s = step(run.step_no)
    return Ladder(
        opened_at=run.opened_at,
        due_at=run.due_at,
        whole_days=s.waktu.days > 0,
        reminders_sent=run.reminders_sent,
        reminders_skipped=run.reminders_skipped,
        escalated=run.escalated,
        headsup_done=run.headsup_done,
        has_superior=SUPERIOR.get(s.actor) is not None,
    )


async def due_runs(session: AsyncSession, now: datetime, limit: int) -> Sequence[StepRun]:
    """The open runs of every OPD whose next action has come, served by the index on (status,
    next_action_at): one read whatever the number of OPD."""
    q = (
        select(StepRun)
        .where(StepRun.status == engine.OPEN, col(StepRun.next_action_at) <= now)
        .order_by(col(StepRun.next_action_at), col(StepRun.id))
        .limit(limit)
    )
    return (await session.exec(q)).all()


async def _scan_lock(session: AsyncSession) -> bool:
    """PostgreSQL: one scanning process at a time (released at commit). SQLite: one process."""
    if session.bind.dialect.name != "postgresql":
        return True
    got = await session.exec(select(func.pg_try_advisory_xact_lock(SCAN_LOCK_KEY)))
    return bool(got.one())


async def scan(
    office: Office, now: datetime, *, batch: int = BATCH, max_batches: int = MAX_BATCHES
) -> ScanResult:
    """Send what is due at `now` on every open run's ladder: one regency-wide transaction per
    batch of due runs, each run told to its own OPD's people on its OPD's calendar and ladder,
    with what they need read once for the batch: a due run costs the same with 50 OPD as
    with one."""
    result = ScanResult()
    seen: set[int] = set()
    for _ in range(max_batches):
        async with office.db.transaction(across=True) as session:
            if not await _scan_lock(session):
                result.locked_out = True
                break
            rows = await due_runs(session, now, batch)
            fresh = [r for r in rows if r.id not in seen]
            if not fresh:
                break
            part = _Batch(session, office, now)
            await part.load(fresh)
            for run in fresh:
                seen.add(run.id)
                await part.advance(run, result)
        if len(rows) < batch:
            break
    return result


class _Batch:
    """What one batch's runs share, read once for every OPD in it: the session, each OPD's
    ladder, calendar and active users, the periods."""

    def __init__(self, session: AsyncSession, office: Office, now: datetime) -> None:
        self.session, self.office, self.now = session, office, now
        self._users: dict[int, list[User]] = {}
        self._periods: dict[int, Period] = {}

    async def load(self, runs: Sequence[StepRun]) -> None:
        opds = {r.opd_id for r in runs}
        await self.office.keep_opds(self.session, opds)
        self._users = {opd_id: [] for opd_id in opds}
        for user in await queries.active_users_of(session=self.session, opd_ids=opds):
            self._users[user.opd_id].append(user)
        q = select(Period).where(col(Period.id).in_({r.period_id for r in runs}))
        self._periods = {p.id: p for p in (await self.session.exec(q)).all()}

    def users(self, run: StepRun, role: Role) -> list[User]:
        """Active users of the run's OPD holding `role` (every active user for ASN) who have
        not blocked the bot."""
        return [
            u
            for u in self._users[run.opd_id]
            if u.blocked_at is None and (role is Role.ASN or u.role == role.value)
        ]

    async def advance(self, run: StepRun, result: ScanResult) -> None:
        rules = (await self.office.opd(opd_id=run.opd_id)).reminders
        cal = await self.office.calendar(opd_id=run.opd_id)
        p = plan(ladder_of(run), rules, cal, self.now)
        won = await self._move_ladder(run, p)
        result.runs += 1
        if not won:
            result.lost += 1
            return
        result.deferred += p.deferred
        if not p.sends and not p.skipped:
            return
        result.run_ids.append(run.id)
        period = self._periods[run.period_id]
        base = {
            "period_id": period.id,
            "period": period.name,
            "step_no": run.step_no,
            "run_id": run.id,
            "round": run.round,
            "due_at": run.due_at.isoformat() if run.due_at else None,
        }
        s = step(run.step_no)
        actors = self.users(run, s.actor)
        if s.output_kind is Output.DATA and s.actor is Role.ASN:
            # Reporting (step 5): only the PICs who still owe a figure are reminded.
            owing = await reporting_targets(self.session, run.period_id)
            actors = [u for u in actors if u.id in owing]
        if p.headsup:
            result.headsups += 1
            result.messages += await self._send(
                run, actors, "headsup", {**base, "left_minutes": p.left_minutes}
            )
        if p.reminder is not None:
            result.reminders += 1
            payload = {
                **base,
                "rung": p.reminder,
                "of": rules.max_reminders,
                "late_minutes": p.late_minutes,
                "skipped": list(p.skipped),
                "superior": self._superior(run, p, rules, cal),
            }
            result.messages += await self._send(
                run, actors, "reminder", payload, f"reminder:{run.id}:{p.reminder}"
            )
        result.skipped += len(p.skipped)
        if p.escalate:
            result.escalations += 1
            superior = SUPERIOR[s.actor]
            payload = {
                **base,
                "late_minutes": p.late_minutes,
                "reminders": p.after.reminders_sent - p.after.reminders_skipped,
                "actor_role": s.actor.label,
                "superior_role": superior.label,
                "actors": [u.nama for u in actors][:10],
            }
            targets = self.users(run, superior)
            if not targets:
                log.warning("no active %s to escalate run %s to", superior.label, run.id)
            result.messages += await self._send(run, targets, "escalation", payload)
        # One record per ladder move, in the same transaction: a rung acted on twice (two scans,
        # two processes) would show as two rows.
        await audit(
            self.session,
            "pengingat",
            self.now,
            None,
            period.id,
            opd_id=run.opd_id,
            run=run.id,
            rung=p.reminder,
            skipped=list(p.skipped),
            escalation=p.escalate,
            headsup=p.headsup,
        )

    def _superior(
        self, run: StepRun, p: Plan, rules: ReminderRules, cal: WorkingCalendar
    ) -> dict | None:
        """For the reminder's last lines: the superior who has been told (the escalation went
        out, now or earlier), or who is told next and in how many working minutes (this is
        the rung the escalation follows). None otherwise, and when nobody holds that duty."""
        superior = SUPERIOR.get(step(run.step_no).actor)
        told = p.after.escalated
        if superior is None or not (told or p.reminder == rules.escalate_after):
            return None
        names = [u.nama for u in self.users(run, superior)]
        if not names:
            return None
        found = {
            "role": superior.label,
            "names": names[:NAMES_SHOWN],
            "others": len(names) - len(names[:NAMES_SHOWN]),
            "told": told,
        }
        if not told:
            # After downtime the escalation may be nearer than one interval away.
            at = escalation_at(ladder_of(run), rules, cal)
            found["in_minutes"] = cal.working_minutes_between(self.now, at)
        return found

    async def _move_ladder(self, run: StepRun, p: Plan) -> bool:
        """The conditional update that makes this scan, and no other, the one that sends."""
        a = p.after
        res = await self.session.exec(
            update(StepRun)
            .where(
                col(StepRun.id) == run.id,
                StepRun.status == engine.OPEN,
                StepRun.reminders_sent == run.reminders_sent,
                StepRun.escalated == run.escalated,
                StepRun.headsup_done == run.headsup_done,
            )
            .values(
                reminders_sent=a.reminders_sent,
                reminders_skipped=a.reminders_skipped,
                escalated=a.escalated,
                headsup_done=a.headsup_done,
                next_action_at=p.next_action_at,
            )
        )
        return res.rowcount == 1

    async def _send(
        self, run: StepRun, users: Sequence[User], kind: str, payload: dict, key: str = ""
    ) -> int:
        """Written as the run's OPD's messages (this session reads the whole regency)."""
        return await enqueue_users(
            self.session,
            users,
            key=key or f"{kind}:{run.id}",
            kind=kind,
            payload=payload,
            now=self.now,
            opd_id=run.opd_id,
        )


@dataclass(frozen=True)
class PendingReminder:
    """For /tugas: how far a run's ladder has come and when the next reminder goes out."""

    sent: int
    of: int
    next_rung: int | None
    next_at: datetime | None


def pending_reminder(
    run: StepRun, rules: ReminderRules, cal: WorkingCalendar, now: datetime
) -> PendingReminder | None:
    if run.due_at is None:
        return None
    nxt = next_reminder(ladder_of(run), rules, cal, now)
    return PendingReminder(
        run.reminders_sent - run.reminders_skipped,
        rules.max_reminders,
        nxt[0] if nxt else None,
        nxt[1] if nxt else None,
    )


# --- blocked users ----------------------------------------------------------------------------


async def record_blocked(office: Office, telegram_id: int) -> bool:
    """Telegram answered 403 for this chat: record it once and tell Tim SAKIP once.

    Returns True when this call recorded it (False: unknown chat, or already recorded).
    """
    now = office.clock()
    async with office.db.transaction() as session:
        user = await acting_user(session, telegram_id)
        if user is None:
            log.info("chat %s blocked the bot; not a registered user", telegram_id)
            return False
        res = await session.exec(
            update(User)
            .where(col(User.id) == user.id, col(User.blocked_at).is_(None))
            .values(blocked_at=now)
        )
        if res.rowcount != 1:
            return False
        act = await audit(session, "diblokir", now, user.id)
        payload = {
            "nama": user.nama,
            "jabatan": user.jabatan,
            "role": Role(user.role).label,
        }
        team = [
            u
            for u in await queries.active_users(session=session, role=Role.TIM_SAKIP.value)
            if u.id != user.id and u.blocked_at is None
        ]
        if team:
            await enqueue_users(
                session,
                team,
                key=f"diblokir:{act.id}",
                kind="user_blocked",
                payload=payload,
                now=now,
            )
        else:
            for admin_id in office.admin_ids - {telegram_id}:
                await enqueue(
                    session,
                    key=f"diblokir:{act.id}:a{admin_id}",
                    chat_id=admin_id,
                    kind="user_blocked",
                    payload=payload,
                    now=now,
                )
        return True


async def clear_blocked(office: Office, telegram_id: int) -> bool:
    """The user wrote to the bot again, so it may reach them: reminders resume."""
    async with office.db.session() as session:
        blocked = (
            await session.exec(
                select(User.blocked_at)
                .where(User.telegram_id == telegram_id)
                .execution_options(**IDENTITY)
            )
        ).first()
    if blocked is None:
        return False
    async with office.db.transaction() as session:
        await session.exec(
            update(User)
            .where(User.telegram_id == telegram_id)
            .values(blocked_at=None)
            .execution_options(**IDENTITY)
        )
    return True
