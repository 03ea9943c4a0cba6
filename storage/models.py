"""SQLModel tables: the office's record of users, periods, steps, documents and messages."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator):
    """Stores naive UTC and gives back aware UTC, so SQLite and PostgreSQL read the same value."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("waktu tanpa zona waktu tidak disimpan")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _when(nullable: bool = True, index: bool = False):
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class Opd(SQLModel, table=True):
    """A perangkat daerah: one office of the regency, running the SOP on its own."""

    id: int | None = Field(default=None, primary_key=True)
    kode: str = Field(unique=True)
    nama: str
    # The name its documents and workbooks carry.
    office_name: str
    created_at: datetime | None = _when()
    # Its own reminder ladder where it differs from the environment's; NULL takes REMINDER_*.
    reminder_interval_minutes: int | None = None
    reminder_max: int | None = None
    reminder_escalate_after: int | None = None
    reminder_headsup: bool | None = None
    # Its OFFICE_HOURS where they differ (`1-4 07:30-16:00; 5 07:30-16:30`); NULL: the .env's.
    office_hours: str | None = None


def _opd(primary_key: bool = False):
    """The OPD a row belongs to; storage.scope fills it from the session and filters by it."""
    return Field(
        default=None,
        foreign_key="opd.id",
        primary_key=primary_key,
        index=not primary_key,
        nullable=False,
    )


# A NIP names one person among the active and pending users, and one active user holds each
# single-holder duty: partial unique indexes, so two requests or approvals at once cannot break it.
_LIVE_NIP = "status IN ('aktif', 'menunggu')"
_SINGLE_DUTY = "status = 'aktif' AND role IN ('kepala_dinas', 'sekretaris')"
# A person (Telegram id, NIP) is one across the regency; a duty has one holder in each OPD.


class User(SQLModel, table=True):
    __table_args__ = (
        Index(
            "uq_user_live_nip",
            "nip",
            unique=True,
            sqlite_where=text(_LIVE_NIP),
            postgresql_where=text(_LIVE_NIP),
        ),
        Index(
            "uq_user_single_duty",
            "opd_id",
            "role",
            unique=True,
            sqlite_where=text(_SINGLE_DUTY),
            postgresql_where=text(_SINGLE_DUTY),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    opd_id: int | None = _opd()
    telegram_id: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False))
    nama: str
    nip: str = Field(index=True)
    jabatan: str
    username: str | None = None
    role: str = "asn"
    status: str = Field(default="menunggu", index=True)
    is_admin: bool = False
    created_at: datetime | None = _when()
    approved_at: datetime | None = _when()
    approved_by: int | None = None
    # Set when Telegram answers 403 (the user blocked the bot); cleared when they write again.
    blocked_at: datetime | None = _when()


class Period(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("opd_id", "open_name", name="uq_period_open_name"),)

    id: int | None = Field(default=None, primary_key=True)
    opd_id: int | None = _opd()
    name: str = Field(index=True)
    # Equal to name while the period runs, NULL after: the database keeps one open period per name.
    open_name: str | None = None
    year: int
    triwulan: int | None = None
    status: str = Field(default="berjalan", index=True)
    round: int = 1
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime | None = _when()
    closed_at: datetime | None = _when()


class StepRun(SQLModel, table=True):
    # The overdue scan works one OPD at a time: its filter leads the index.
    __table_args__ = (Index("ix_steprun_open_next", "status", "next_action_at"),)

    id: int | None = Field(default=None, primary_key=True)
    opd_id: int | None = _opd()
    period_id: int = Field(foreign_key="period.id", index=True)
    step_no: int
    round: int = 1
    status: str = "terbuka"
    opened_at: datetime | None = _when(nullable=False)
    due_at: datetime | None = _when()
    done_at: datetime | None = _when()
    done_by: int | None = Field(default=None, foreign_key="user.id")
    outcome: str | None = None
    note: str | None = Field(default=None, sa_column=Column(Text))
    # When the scheduler must look at this run next (core computes it; the scan only compares).
    next_action_at: datetime | None = _when()
    # Reminder ladder (core.reminders): rungs passed, of which skipped after downtime, not sent.
    reminders_sent: int = 0
    escalated: bool = False
    reminders_skipped: int = 0
    # The half-time heads-up of a 1-hari step was sent (or passed while the bot was down).
    headsup_done: bool = False


class Document(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    opd_id: int | None = _opd()
    period_id: int | None = Field(default=None, foreign_key="period.id", index=True)
    step_run_id: int | None = Field(default=None, foreign_key="steprun.id", index=True)
    kind: str
    file_name: str
    mime_type: str | None = None
    size: int = 0
    sha256: str
    telegram_file_id: str | None = None
    # 'draf' until its step is finished, then 'final'; a replaced draft becomes 'diganti'.
    status: str = "draf"
    uploaded_by: int | None = Field(default=None, foreign_key="user.id")
    uploaded_at: datetime | None = _when()


class AuditLog(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    opd_id: int | None = _opd()
    at: datetime | None = _when(nullable=False)
    user_id: int | None = None
    action: str
    period_id: int | None = Field(default=None, index=True)
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False))


class Outbox(SQLModel, table=True):
    __table_args__ = (Index("ix_outbox_pending", "status", "not_before"),)

    id: int | None = Field(default=None, primary_key=True)
    opd_id: int | None = _opd()
    key: str = Field(unique=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    kind: str
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    status: str = "baru"
    attempts: int = 0
    # Parts (text, then each document) already delivered, so a retry does not send them twice.
    progress: int = 0
    not_before: datetime | None = _when()
    claimed_at: datetime | None = _when()
    sent_at: datetime | None = _when()
    error: str | None = None
    created_at: datetime | None = _when()


class HandledUpdate(SQLModel, table=True):
    """The `unit`-th unit of work of Telegram update `update_id` committed: written inside that
    unit of work, so an update delivered again after its process died stops at the first unit
    already done instead of doing it twice. Kept a few days (Telegram keeps an update 24 h)."""

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    unit: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class InboxUpdate(SQLModel, table=True):
    """Polling mode: an update fetched from Telegram and not yet handled to the end. PTB
    confirms an update to Telegram when it asks for the next ones, handled or not; kept here
    first, an update in hand when the process dies is handled by the next one."""

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    body: str = Field(sa_column=Column(Text, nullable=False))  # the update, as JSON
    # Processes that started handling it: one that kills its process every time is given up.
    attempts: int = 0
    # When it was fetched: one older than Telegram keeps an update (a day) is not handled.
    kept_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class PtbData(SQLModel, table=True):
    """PTB persistence: conversation states and user_data, one JSON value per key."""

    key: str = Field(primary_key=True)
    value: str = Field(sa_column=Column(Text, nullable=False))


class DayOff(SQLModel, table=True):
    """Days off added by an admin with /libur, on top of the national holidays."""

    opd_id: int | None = _opd(primary_key=True)
    day: date = Field(primary_key=True)
    keterangan: str
    added_by: int | None = None


# --- Indicators and realisation (SOP steps 4-6) ---------------------------------------------


class ExactDecimal(TypeDecorator):
    """A Decimal kept as plain TEXT, so SQLite and PostgreSQL give back every digit typed.

    SQLAlchemy's Numeric goes through float on SQLite; targets, realisations and capaian must not.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Decimal | int | None, dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, (float, bool)) or not isinstance(value, (Decimal, int)):
            raise TypeError(f"angka pasti harus Decimal, bukan {type(value).__name__}")
        value = Decimal(value)
        if not value.is_finite():
            raise ValueError("angka tak hingga tidak disimpan")
        text = format(value, "f")
        return "0" if text in ("-0", "") else text

    def process_result_value(self, value: str | None, dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


def _exact():
    return Field(default=None, sa_column=Column(ExactDecimal(), nullable=True))


def _text(nullable: bool = True):
    return Field(default=None if nullable else "", sa_column=Column(Text, nullable=nullable))


class IndicatorUnit(SQLModel, table=True):
    """A program, kegiatan or sub kegiatan of a period's Kertas Kerja, with its budget."""

    __table_args__ = (UniqueConstraint("period_id", "kode", name="uq_indicatorunit_kode"),)

    id: int | None = Field(default=None, primary_key=True)
    opd_id: int | None = _opd()
    period_id: int = Field(foreign_key="period.id", index=True)
    level: str
    kode: str
    nama: str = _text(nullable=False)
    parent_kode: str | None = None
    position: int = 0
    pagu: Decimal | None = _exact()
    realisasi_anggaran: Decimal | None = _exact()


class Indicator(SQLModel, table=True):
    """One indicator of a period's Kertas Kerja; across periods it is the same `ikode` in a year.

    Targets are stored in machine form (core.capaian.target_to_text: `85`, `4.5-5`).
    """

    __table_args__ = (
        UniqueConstraint("period_id", "ikode", name="uq_indicator_ikode"),
        Index("ix_indicator_year_ikode", "year", "ikode"),
        # The indicators that share a kode in a period (core.indicators.common.same_kode).
        Index("ix_indicator_period_kode", "period_id", "kode"),
    )

    id: int | None = Field(default=None, primary_key=True)
    opd_id: int | None = _opd()
    period_id: int = Field(foreign_key="period.id", index=True)
    year: int
    ikode: str
    kode: str
    position: int = 0
    excel_row: int = 0
    level: str
    nama: str = _text(nullable=False)
    indikator: str = _text(nullable=False)
    jenis: str
    satuan: str
    target_tahunan: str
    target_tw1: str | None = None
    target_tw2: str | None = None
    target_tw3: str | None = None
    target_tw4: str | None = None
    polaritas: str
    tipe_target: str
    konsolidasi: str
    cara_hitung: str = _text(nullable=False)
    sumber_data: str = _text(nullable=False)
    pic_nip: str
    pic_user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    program_kode: str
    kegiatan_kode: str | None = None
    sub_kegiatan_kode: str | None = None


class Figure(SQLModel, table=True):
    """The realisation reported for one indicator, its evaluation and its capaian with the rule.

    status: 'dilaporkan' (waiting for Tim SAKIP), 'dikembalikan' (to be corrected by the ASN),
    'valid', 'kosong' (reporting closed without a figure). `version` grows with every change,
    so a decision on an old version is refused.
    """

    __table_args__ = (
        UniqueConstraint("indicator_id", name="uq_figure_indicator"),
        Index("ix_figure_period_status", "period_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    opd_id: int | None = _opd()
    indicator_id: int = Field(foreign_key="indicator.id")
    period_id: int = Field(foreign_key="period.id")
    realisasi: Decimal | None = _exact()
    faktor_pendukung: str | None = _text()
    faktor_penghambat: str | None = _text()
    evidence_document_id: int | None = Field(default=None, foreign_key="document.id")
    status: str = "dilaporkan"
    note: str | None = _text()
    version: int = 1
    capaian: Decimal | None = _exact()
    capaian_rule: str | None = _text()
    reported_by: int | None = Field(default=None, foreign_key="user.id")
    reported_at: datetime | None = _when()
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = _when()


# --- Working calendar and reminders (issue 4) -----------------------------------------------


class WorkingDay(SQLModel, table=True):
    """A hari kerja pengganti: an admin marks a holiday (often an estimated one) as a working day."""

    opd_id: int | None = _opd(primary_key=True)
    day: date = Field(primary_key=True)
    keterangan: str
    added_by: int | None = None


# The tables that belong to one OPD (PtbData, PTB's own state, and Opd itself do not).
OPD_MODELS = (
    User,
    Period,
    StepRun,
    Document,
    AuditLog,
    Outbox,
    DayOff,
    WorkingDay,
    IndicatorUnit,
    Indicator,
    Figure,
)
