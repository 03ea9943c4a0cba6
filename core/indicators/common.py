"""What the indicator actions share: statuses, the values they return, and the queries
and rules more than one step needs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import bindparam, func
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import engine
from core.engine import Actor, SopError
from core.indicator_notices import display_code, spec_of
from core.measure import Measured, measure
from core.numbers import format_exact
from core.office import Office
from core.outbox import enqueue_users
from core.sop import Role, step
from core.transitions import (
    Choice,
    Done,
    apply_transition,
    load_period,
)
from core.users import audit
from storage.models import Figure, Indicator, Period, StepRun, User

KK_STEP, REPORT_STEP, EVAL_STEP = 4, 5, 6
REPORTED, RETURNED, VALID, MISSING = "dilaporkan", "dikembalikan", "valid", "kosong"
# Status of an evidence document: never listed in the archive, never sent by /arsip.
EVIDENCE = "bukti"
EVIDENCE_KIND = "Bukti dukung realisasi"
MAX_ROWS = 5000
MAX_FAKTOR = 1000
NO_REPORTING = "Tidak ada pelaporan realisasi (Langkah 5) yang sedang dibuka."
# Who may see a figure's evidence besides the person who reported it.
EVIDENCE_ROLES = (Role.TIM_SAKIP, Role.SEKRETARIS, Role.KEPALA_DINAS)
MARKS = {VALID: "✅", REPORTED: "📝", RETURNED: "↩️", MISSING: "✖️", None: "▫️"}
STATUS_LABELS = {
    VALID: "valid",
    REPORTED: "menunggu evaluasi",
    RETURNED: "dikembalikan",
    MISSING: "tidak ada realisasi",
    None: "belum dilaporkan",
}


class ScaleQuestion(SopError):
    """A figure such as `1,5 m` that has two readings: the dialog asks which, with buttons."""

    def __init__(self, message: str, choices: tuple[str, str]) -> None:
        super().__init__(message)
        self.choices = choices


@dataclass(frozen=True)
class ReportItem:
    """One of a PIC's indicators, as the /lapor list and /progres show it."""

    indicator_id: int
    period_id: int
    period: str
    code: str
    indikator: str
    satuan: str
    target: str  # with its unit, as the capaian uses it (core.measure.period_target_text)
    status: str | None
    realisasi: Decimal | None
    note: str | None
    editable: bool


@dataclass(frozen=True)
class Preview:
    """A figure typed in /lapor, read and measured before the ASN confirms it."""

    indicator_id: int
    period: str
    code: str
    indikator: str
    satuan: str
    value: Decimal
    needs_confirmation: bool
    warning: str | None
    measured: Measured
    current: Decimal | None
    # The stored figure's version (0: none yet); sending is conditional on it.
    version: int = 0
    # What a correction keeps from the stored figure unless the ASN replaces it.
    kept_pendukung: str | None = None
    kept_penghambat: str | None = None
    kept_evidence: str | None = None


@dataclass(frozen=True)
class Submitted:
    preview: Preview
    corrected: bool
    remaining: int
    done: Done | None
    # The reporter's own indicators of the period still without a figure (or returned), and
    # the first of them, so the answer can offer it instead of a generic "type /lapor".
    mine_left: int = 0
    next_indicator_id: int | None = None
    # Others were told (outbox rows queued): only then is the sender woken at once.
    notified: bool = False


@dataclass(frozen=True)
class MissingLine:
    """An indicator that closing step 5 would record without a figure."""

    code: str
    indikator: str
    pic: str


@dataclass(frozen=True)
class ClosingPreview:
    """What /tutup_lapor (or its button) asks Tim SAKIP to confirm for one period."""

    period_id: int
    period: str
    total: int
    missing: tuple[MissingLine, ...]


@dataclass(frozen=True)
class Card:
    """A submitted figure as Tim SAKIP evaluates it."""

    figure_id: int
    version: int
    period_id: int
    period: str
    code: str
    indikator: str
    satuan: str
    pic: str
    realisasi: Decimal | None
    measured: Measured
    pendukung: str | None
    penghambat: str | None
    has_evidence: bool
    note: str | None
    corrected: bool
    position: int
    pending: int


@dataclass(frozen=True)
class Idle:
    """Nothing for this member to evaluate now, and why."""

    period: str
    returned: int
    own: int


@dataclass(frozen=True)
class Decided:
    """A decision: `card` as it was shown when decided, the decision, who, when and the note."""

    card: Card
    valid: bool
    by: str
    at: datetime
    done: Done | None
    note: str | None = None


@dataclass(frozen=True)
class PicLine:
    nama: str
    total: int
    reported: int
    valid: int
    returned: int
    missing: int


@dataclass(frozen=True)
class Progress:
    period: str
    step_no: int | None
    mine: tuple[ReportItem, ...]
    per_pic: tuple[PicLine, ...]
    team_view: bool
    period_id: int = 0
    can_close: bool = False


KK_PRIVATE = (
    "Kertas Kerja memuat NIP para PIC, jadi hanya dapat dibuka Tim SAKIP dan pimpinan. "
    "Rekapitulasi dan Laporan Hasil dapat dibuka semua pengguna."
)


def may_read_document(actor: Actor, kind: str) -> bool:
    """The uploaded Kertas Kerja lists PIC NIPs: archive readers other than Tim SAKIP and the
    heads do not get it (the recap workbook names PICs without NIP)."""
    return kind != step(KK_STEP).output or actor.role in EVIDENCE_ROLES


def on_postgres(session: AsyncSession) -> bool:
    return session.bind.dialect.name == "postgresql"


# The reads of /lapor, built once with bound parameters (see storage/queries.py).
_OPEN_RUN = select(StepRun).where(
    StepRun.period_id == bindparam("period_id"),
    StepRun.step_no == bindparam("step_no"),
    StepRun.status == engine.OPEN,
)
_OPEN_RUN_LOCKED = _OPEN_RUN.with_for_update()
_FIGURE_OF = select(Figure).where(Figure.indicator_id == bindparam("indicator_id"))
_SAME_KODE = (
    select(func.count())
    .select_from(Indicator)
    .where(Indicator.period_id == bindparam("period_id"), Indicator.kode == bindparam("kode"))
)


def same_kode(ind: type[Indicator]):
    """How many indicators of `ind`'s period share its kode, as a column of a read of `ind`."""
    other = aliased(Indicator)
    return (
        select(func.count())
        .select_from(other)
        .where(other.period_id == ind.period_id, other.kode == ind.kode)
        .scalar_subquery()
    )


async def open_run(
    session: AsyncSession, period_id: int, step_no: int, lock: bool = False
) -> StepRun | None:
    """The step's open run in the period, locked on PostgreSQL when asked (one writer)."""
    q = _OPEN_RUN_LOCKED if lock and on_postgres(session) else _OPEN_RUN
    return (await session.exec(q, params={"period_id": period_id, "step_no": step_no})).first()


_PERIODS_WITH_OPEN = (
    select(Period, StepRun)
    .join(StepRun, col(StepRun.period_id) == Period.id)
    .where(
        Period.status == engine.RUNNING,
        StepRun.status == engine.OPEN,
        col(StepRun.step_no).in_(bindparam("steps", expanding=True)),
    )
    .order_by(col(Period.id))
)


async def periods_with_open(
    session: AsyncSession, steps: Sequence[int]
) -> list[tuple[Period, StepRun]]:
    rows = await session.exec(_PERIODS_WITH_OPEN, params={"steps": list(steps)})
    return list(rows.all())


async def pick_period(
    session: AsyncSession, step_no: int, period_id: int | None, nothing: str
) -> tuple[Period, StepRun] | Choice:
    """The one running period where the step is open (or that one), a choice, or `nothing`."""
    periods = await periods_with_open(session, (step_no,))
    if period_id is not None:
        periods = [(p, r) for p, r in periods if p.id == period_id]
    if not periods:
        raise SopError(nothing)
    if len({p.id for p, _ in periods}) > 1:
        return Choice(tuple(dict((p.id, p.name) for p, _ in periods).items()))
    return periods[0]


def _earlier_read(some: bool):
    """Validated figures of a year's other triwulan, for some ikodes or (over 500) all."""
    q = (
        select(Indicator.ikode, Period.triwulan, Period.id, Figure.realisasi)
        .join(Figure, col(Figure.indicator_id) == Indicator.id)
        .join(Period, col(Period.id) == Indicator.period_id)
        .where(
            Indicator.year == bindparam("year"),
            col(Period.triwulan).is_not(None),
            Period.id != bindparam("period_id"),
            Period.status != engine.CANCELLED,
            Figure.status == VALID,
            col(Figure.realisasi).is_not(None),
        )
        .order_by(col(Period.id))
    )
    return q.where(col(Indicator.ikode).in_(bindparam("ikodes", expanding=True))) if some else q


_EARLIER_SOME = _earlier_read(some=True)
_EARLIER_ALL = _earlier_read(some=False)


async def earlier_figures(session: AsyncSession, period: Period, ikodes: Sequence[str]) -> dict:
    """Validated figures of the same year's other triwulan, by ikode: {ikode: {tw: value}}."""
    if not ikodes:
        return {}
    params: dict = {"year": period.year, "period_id": period.id}
    q = _EARLIER_ALL
    if len(ikodes) <= 500:
        q, params["ikodes"] = _EARLIER_SOME, list(ikodes)
    wanted = set(ikodes)
    out: dict[str, dict[int, Decimal]] = defaultdict(dict)
    for ikode, tw, _pid, value in (await session.exec(q, params=params)).all():
        if ikode in wanted:
            out[ikode][tw] = value  # a later period of the same triwulan wins
    return out


async def earlier_of(session: AsyncSession, ind: Indicator, period: Period) -> dict:
    """The same for one indicator, read only when its measure uses them (IndicatorSpec)."""
    if not spec_of(ind).uses_earlier(period.triwulan):
        return {}
    return await earlier_figures(session, period, [ind.ikode])


_EARLIER_ACROSS = _EARLIER_ALL.add_columns(Indicator.opd_id).where(
    Period.triwulan < bindparam("before")
)


async def earlier_across(session: AsyncSession, year: int, before: int | None) -> dict:
    """The same for every OPD of the regency at once (a regency-wide session), by OPD and
    ikode: {(opd_id, ikode): {tw: value}}, the triwulan `before` this one only (all four for
    a Tahunan period); kode are an OPD's own, so they are kept apart."""
    out: dict[tuple[int, str], dict[int, Decimal]] = defaultdict(dict)
    params = {"year": year, "period_id": 0, "before": before or 5}
    for ikode, tw, _pid, value, opd_id in await session.exec(_EARLIER_ACROSS, params=params):
        out[(opd_id, ikode)][tw] = value  # a later period of the same triwulan wins
    return out


def measure_figure(
    office: Office, ind: Indicator, period: Period, value, earlier: dict
) -> Measured:
    return measure(spec_of(ind), period.triwulan, value, earlier.get(ind.ikode, {}), office.rules)


def editable(status: str | None, step5_open: bool, step6_open: bool) -> bool:
    if step5_open:
        return status != VALID
    return step6_open and status in (REPORTED, RETURNED)


async def figure_of(session: AsyncSession, indicator_id: int) -> Figure | None:
    return (await session.exec(_FIGURE_OF, params={"indicator_id": indicator_id})).first()


def open_data_step(ind: type[Indicator]):
    """The first of steps 5 and 6 open in `ind`'s period (None: neither), as a column of a read
    of `ind`: whether, and under which step, its figure may be reported or corrected."""
    return (
        select(func.min(StepRun.step_no))
        .where(
            StepRun.period_id == ind.period_id,
            col(StepRun.step_no).in_((REPORT_STEP, EVAL_STEP)),
            StepRun.status == engine.OPEN,
        )
        .scalar_subquery()
    )


_ITEMS_OF = (
    select(Indicator, Figure, same_kode(Indicator) > 1)
    .join(Figure, col(Figure.indicator_id) == Indicator.id, isouter=True)
    .where(
        col(Indicator.period_id).in_(bindparam("periods", expanding=True)),
        Indicator.pic_user_id == bindparam("user_id"),
    )
    .order_by(col(Indicator.period_id), col(Indicator.position))
)

# /lapor's list: the PIC's indicators in running periods where step 5 or 6 is open, in one
# read with those periods and their open step (built once, see storage/queries.py).
_OPEN_ITEMS = (
    select(Indicator, Figure, same_kode(Indicator) > 1, Period, open_data_step(Indicator))
    .join(Period, col(Period.id) == Indicator.period_id)
    .join(Figure, col(Figure.indicator_id) == Indicator.id, isouter=True)
    .where(
        Indicator.pic_user_id == bindparam("user_id"),
        Period.status == engine.RUNNING,
        open_data_step(Indicator).is_not(None),
    )
    .order_by(col(Indicator.period_id), col(Indicator.position))
)


def as_item(
    ind: Indicator, fig: Figure | None, shared: bool, period: Period, open_step: int | None
) -> ReportItem:
    """An indicator as the /lapor list shows it; `open_step`: the first of steps 5 and 6 open
    in its period (see `open_data_step`)."""
    status = fig.status if fig else None
    return ReportItem(
        ind.id,
        period.id,
        period.name,
        display_code(ind, shared),
        ind.indikator,
        ind.satuan,
        spec_of(ind).period_target_text(period.triwulan),
        status,
        fig.realisasi if fig else None,
        fig.note if fig else None,
        editable(status, open_step == REPORT_STEP, open_step == EVAL_STEP),
    )


async def items_of(
    session: AsyncSession, user: User, periods: Sequence[tuple[Period, StepRun]]
) -> list[ReportItem]:
    open_steps: dict[int, set[int]] = defaultdict(set)
    names: dict[int, Period] = {}
    for p, r in periods:
        open_steps[p.id].add(r.step_no)
        names[p.id] = p
    if not names:
        return []
    params = {"periods": list(names), "user_id": user.id}
    rows = (await session.exec(_ITEMS_OF, params=params)).all()
    return [
        as_item(ind, fig, shared, names[ind.period_id], _first_data_step(open_steps[ind.period_id]))
        for ind, fig, shared in rows
    ]


def _first_data_step(steps: set[int]) -> int | None:
    return min((s for s in steps if s in (REPORT_STEP, EVAL_STEP)), default=None)


async def open_items_of(session: AsyncSession, user: User) -> list[ReportItem]:
    """The user's indicators in running periods where reporting or evaluation is open."""
    rows = (await session.exec(_OPEN_ITEMS, params={"user_id": user.id})).all()
    return [as_item(*row) for row in rows]


async def shared_in_period(session: AsyncSession, period_id: int) -> set[str]:
    """The kodes several indicators of the period share: those are shown as `kode#n`."""
    kodes = (
        await session.exec(
            select(Indicator.kode)
            .where(Indicator.period_id == period_id)
            .group_by(Indicator.kode)
            .having(func.count() > 1)
        )
    ).all()
    return set(kodes)


async def is_shared(session: AsyncSession, ind: Indicator) -> bool:
    n = await session.exec(_SAME_KODE, params={"period_id": ind.period_id, "kode": ind.kode})
    return n.one() > 1


MISSING_IN_PERIOD = (
    select(func.count())
    .select_from(Indicator)
    .join(Figure, col(Figure.indicator_id) == Indicator.id, isouter=True)
    .where(Indicator.period_id == bindparam("period_id"), col(Figure.id).is_(None))
)


async def missing_count(session: AsyncSession, period_id: int) -> int:
    return (await session.exec(MISSING_IN_PERIOD, params={"period_id": period_id})).one()


async def complete_step(
    office: Office,
    session: AsyncSession,
    period: Period,
    step_no: int,
    actor: Actor,
    remaining: int,
    now: datetime,
    close: bool = False,
) -> Done:
    """Through the engine, so transition, notices and rounds stay in one place."""
    period, view = await load_period(session, period.id)
    tr = engine.complete(
        view, step_no, actor, remaining, now, await office.due_fn(session), close=close
    )
    done = await apply_transition(office, session, period, tr, actor, now)
    await audit(
        session,
        "tutup_langkah" if close else "langkah_lengkap",
        now,
        actor.user_id,
        period.id,
        step=step_no,
        tanpa_realisasi=remaining,
    )
    return Done(period.name, step_no, done.outcome, done.opened, done.finished, done.round)


async def return_to_pic(
    session: AsyncSession,
    period: Period,
    ind: Indicator,
    fig: Figure,
    code: str,
    note: str | None,
    by: User,
    now: datetime,
) -> None:
    """The PIC hears that a figure came back to them, with the note, to report it again."""
    pic = await session.get(User, ind.pic_user_id) if ind.pic_user_id else None
    if pic is None:
        return
    await enqueue_users(
        session,
        [pic],
        key=f"kembali:{fig.id}:{fig.version}",
        kind="figure_returned",
        payload={
            "period": period.name,
            "indicator_id": ind.id,
            "code": code,
            "indikator": ind.indikator,
            "realisasi": "-" if fig.realisasi is None else format_exact(fig.realisasi),
            "satuan": ind.satuan,
            "note": note,
            "by": by.nama,
        },
        now=now,
    )
