"""The workflow engine: given a period's state and one act of a user, the next state and who to tell.

Pure: no Telegram, no database. Every refusal is a `SopError` whose text is shown to the user as is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from core.sop import DECISION_STEP, FIRST_STEP, Output, Role, Step, Waktu, step
from core.text import strip_invisible

DueFn = Callable[[datetime, Waktu], datetime]

OPEN, DONE, CANCELLED = "terbuka", "selesai", "dibatalkan"
RUNNING, FINISHED = "berjalan", "selesai"
APPROVED, REJECTED = "setuju", "tolak"
# A data step ended by the role allowed to close it before everything was in.
CLOSED = "ditutup"
# A rejection note's length: it must fit, with the step notice around it, in one message.
MAX_NOTE = 2000


class SopError(Exception):
    """A refused act; its message is Indonesian and says what to do instead."""


@dataclass(frozen=True)
class Actor:
    user_id: int
    role: Role
    is_admin: bool = False
    nama: str = ""


@dataclass(frozen=True)
class RunView:
    id: int
    step_no: int
    round: int
    status: str
    opened_at: datetime
    due_at: datetime | None = None
    done_at: datetime | None = None
    done_by: int | None = None
    outcome: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class PeriodView:
    id: int
    name: str
    status: str
    round: int
    runs: tuple[RunView, ...] = ()

    def open_run(self, step_no: int) -> RunView | None:
        return next((r for r in self.runs if r.step_no == step_no and r.status == OPEN), None)

    @property
    def open_runs(self) -> tuple[RunView, ...]:
        return tuple(r for r in self.runs if r.status == OPEN)


@dataclass(frozen=True)
class OpenRun:
    step_no: int
    round: int
    opened_at: datetime
    due_at: datetime | None


@dataclass(frozen=True)
class Notice:
    """Someone other than the acting user must be told something: the outbox carries it."""

    audience: Role
    event: str
    step_no: int
    note: str | None = None


@dataclass(frozen=True)
class Transition:
    close_run: int | None = None
    outcome: str | None = None
    note: str | None = None
    opened: tuple[OpenRun, ...] = ()
    # Runs finished in the same act without anyone doing them (the automatic archive step).
    auto_done: tuple[OpenRun, ...] = ()
    round: int = 1
    period_status: str = RUNNING
    notices: tuple[Notice, ...] = field(default_factory=tuple)


def can_act(actor: Actor, s: Step) -> bool:
    """Every active user is an ASN, so ASN steps are open to all; other steps need the duty."""
    return s.actor is Role.ASN or actor.role is s.actor


def _require_running(period: PeriodView) -> None:
    if period.status != RUNNING:
        label = "sudah selesai dan diarsipkan" if period.status == FINISHED else "dibatalkan"
        raise SopError(f"Periode {period.name} {label}; tidak ada langkah yang bisa dikerjakan.")


def _require_open_step(period: PeriodView, step_no: int, actor: Actor) -> RunView:
    _require_running(period)
    s = step(step_no)
    run = period.open_run(step_no)
    if run is None:
        done = any(r.step_no == step_no and r.status == DONE for r in period.runs)
        if done:
            raise SopError(f"{s.title} periode {period.name} sudah selesai.")
        waiting = ", ".join(str(r.step_no) for r in period.open_runs) or "-"
        raise SopError(
            f"{s.title} periode {period.name} belum dibuka. Langkah yang sedang berjalan: {waiting}."
        )
    if not can_act(actor, s):
        raise SopError(
            f"{s.title} dikerjakan oleh {s.actor.label}, bukan {actor.role.label}. "
            "Ketik /tugas untuk melihat tugas Anda."
        )
    return run


def _open_next(
    current: Step, now: datetime, round_: int, due: DueFn
) -> tuple[tuple[OpenRun, ...], tuple[OpenRun, ...], str, tuple[Notice, ...]]:
    """Open the step after `current`; an automatic step is done at once and ends the period."""
    nxt = step(current.next_step) if current.next_step else None
    if nxt is None:
        return (), (), FINISHED, ()
    if nxt.output_kind is Output.AUTOMATIC:
        done = OpenRun(nxt.no, round_, now, None)
        return (), (done,), FINISHED, (Notice(Role.ASN, "archived", nxt.no),)
    run = OpenRun(nxt.no, round_, now, due(now, nxt.waktu))
    return (run,), (), RUNNING, (Notice(nxt.actor, "step_opened", nxt.no),)


def start(now: datetime, actor: Actor, due: DueFn) -> Transition:
    """Step 1: the Kepala Dinas orders the measurement with the Nota Dinas; step 2 opens."""
    first = step(FIRST_STEP)
    if actor.role is not first.actor:
        raise SopError(f"Hanya {first.actor.label} yang dapat memulai periode pengukuran (/mulai).")
    opened, auto, status, notices = _open_next(first, now, 1, due)
    return Transition(
        opened=opened,
        auto_done=(OpenRun(first.no, 1, now, due(now, first.waktu)), *auto),
        period_status=status,
        notices=notices,
    )


def finish(
    period: PeriodView, step_no: int, actor: Actor, has_output: bool, now: datetime, due: DueFn
) -> Transition:
    """Finish an open step by handing in its output; the next step opens and its actor is told."""
    s = step(step_no)
    run = _require_open_step(period, step_no, actor)
    if s.output_kind is Output.DECISION:
        raise SopError(f"{s.title} diselesaikan dengan /setuju atau /tolak <catatan>.")
    if s.output_kind is Output.DATA:
        raise SopError(_data_step_hint(s))
    if s.output_kind is Output.DOCUMENT and not has_output:
        raise SopError(
            f"{s.title} belum bisa diselesaikan: kirim dulu dokumen {s.output} "
            "(sebagai file/dokumen, bukan foto)."
        )
    opened, auto, status, notices = _open_next(s, now, period.round, due)
    team = (Notice(Role.TIM_SAKIP, "step_done", s.no),) if s.actor is Role.TIM_SAKIP else ()
    return Transition(
        close_run=run.id,
        outcome=DONE,
        opened=opened,
        auto_done=auto,
        round=period.round,
        period_status=status,
        notices=team + notices,
    )


def _data_step_hint(s: Step) -> str:
    if s.closable_by is not None:
        return (
            f"{s.title} selesai dengan sendirinya ketika semua indikator sudah dilaporkan "
            f"(/lapor), atau ditutup {s.closable_by.label} dengan /tutup_lapor."
        )
    return f"{s.title} selesai dengan sendirinya ketika semua angka dinyatakan valid (/evaluasi)."


def complete(
    period: PeriodView,
    step_no: int,
    actor: Actor,
    remaining: int,
    now: datetime,
    due: DueFn,
    *,
    close: bool = False,
) -> Transition:
    """A data step ends when nothing remains (every figure in, every figure valid), or when the
    role that may close it closes it early; then the missing items are the note."""
    s = step(step_no)
    if s.output_kind is not Output.DATA:
        raise SopError(f"{s.title} diselesaikan dengan dokumen {s.output}, bukan dengan data.")
    run = _require_open_step(period, step_no, actor)
    note = None
    if close:
        if s.closable_by is None or actor.role is not s.closable_by:
            who = s.closable_by.label if s.closable_by else "siapa pun"
            raise SopError(f"{s.title} hanya dapat ditutup oleh {who}.")
        if remaining > 0:
            note = f"ditutup dengan {remaining} indikator tanpa realisasi"
    elif remaining > 0:
        raise SopError(f"{s.title} belum lengkap: masih {remaining} yang belum selesai.")
    opened, auto, status, notices = _open_next(s, now, period.round, due)
    team = (
        (Notice(Role.TIM_SAKIP, "step_done", s.no),) if s.actor is Role.TIM_SAKIP or close else ()
    )
    return Transition(
        close_run=run.id,
        outcome=CLOSED if close else DONE,
        note=note,
        opened=opened,
        auto_done=auto,
        round=period.round,
        period_status=status,
        notices=team + notices,
    )


def require_note(note: str | None) -> str:
    """A rejection is the Sekretaris's direction to the team: without a note it directs nothing.
    The note travels inside the team's notice, which must stay within one Telegram message;
    one of invisible characters only is no note."""
    note = strip_invisible(note or "").strip()
    if not note:
        raise SopError(
            "Penolakan harus disertai catatan arahan perbaikan. "
            "Contoh: /tolak Data IKU 2 belum sesuai Perjanjian Kinerja"
        )
    if len(note) > MAX_NOTE:
        raise SopError(
            f"Catatan terlalu panjang ({len(note)} karakter, paling banyak {MAX_NOTE}). "
            "Ringkas catatannya lalu kirim lagi."
        )
    return note


def decide(
    period: PeriodView,
    actor: Actor,
    approve: bool,
    note: str | None,
    now: datetime,
    due: DueFn,
    reopen_figures: bool = False,
) -> Transition:
    """Step 9: YA opens step 10; TIDAK sends the work back to Tim SAKIP with the note, new round.

    A rejection that names indicators (`reopen_figures`) reopens the evaluation step for those
    figures; one without goes back to the recap."""
    s = step(DECISION_STEP)
    run = _require_open_step(period, s.no, actor)
    note = (note or "").strip() or None
    if approve:
        opened, auto, status, notices = _open_next(s, now, period.round, due)
        return Transition(
            close_run=run.id,
            outcome=APPROVED,
            note=note,
            opened=opened,
            auto_done=auto,
            round=period.round,
            period_status=status,
            notices=(Notice(Role.TIM_SAKIP, "approved", s.no, note), *notices),
        )
    require_note(note)
    back = step(s.on_reject_figures if reopen_figures and s.on_reject_figures else s.on_reject)
    new_round = period.round + 1
    return Transition(
        close_run=run.id,
        outcome=REJECTED,
        note=note,
        opened=(OpenRun(back.no, new_round, now, due(now, back.waktu)),),
        round=new_round,
        period_status=RUNNING,
        notices=(Notice(Role.TIM_SAKIP, "rejected", back.no, note),),
    )


def cancel(period: PeriodView, actor: Actor) -> Transition:
    """An admin or the Kepala Dinas may cancel a running period; it stays in the archive."""
    _require_running(period)
    if not (actor.is_admin or actor.role is Role.KEPALA_DINAS):
        raise SopError("Hanya admin atau Kepala Dinas yang dapat membatalkan periode.")
    return Transition(round=period.round, period_status=CANCELLED)
