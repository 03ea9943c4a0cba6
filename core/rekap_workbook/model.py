"""What the recap shows, computed by the caller: the workbook and the chart only lay it out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator with everything computed: a row of the Kertas Kerja and Analisis sheets.

    `target` is a number when the target is one value (written as a number beside the
    realisasi) and the display text of a range (`80–90`). `capaian` is the raw value,
    `capaian_capped` the one used for predikat and averages; `previous_capaian` is the previous
    period's capped capaian of the same kode, if any, `last_year_capaian` that of the same triwulan
    a year earlier. `missing`: no realisation was ever
    reported (counted apart from N/A such as target 0).
    """

    kode: str
    nama: str
    indikator: str
    satuan: str
    target: Decimal | str
    realisasi: Decimal | None
    capaian: Decimal | None
    capaian_capped: Decimal | None
    cap_applied: bool
    rule: str
    predikat: str | None
    level: str = ""
    na_reason: str | None = None
    pic: str = ""
    evidence: bool = False
    status: str = ""
    note: str = ""
    previous_capaian: Decimal | None = None
    missing: bool = False
    faktor_pendukung: str = ""
    faktor_penghambat: str = ""
    pic_jabatan: str = ""
    last_year_capaian: Decimal | None = None


@dataclass(frozen=True)
class TreeNode:
    """A program (depth 0), kegiatan (1) or sub kegiatan (2), listed in tree order.

    `capaian` (and its predikat) is `own_capaian` when the unit has indicators of its own,
    else `children_capaian`; `basis` says which, in Indonesian. `n_indicators` counts real
    indicators (its own and those below), `n_na` those without capaian for a reason such as
    target 0, `n_missing` those never reported.
    """

    level: str
    kode: str
    nama: str
    depth: int
    capaian: Decimal | None
    predikat: str | None
    n_indicators: int = 0
    n_na: int = 0
    pagu: Decimal | None = None
    realisasi_anggaran: Decimal | None = None
    serapan: Decimal | None = None
    efisiensi: Decimal | None = None
    own_capaian: Decimal | None = None
    children_capaian: Decimal | None = None
    basis: str = ""
    n_missing: int = 0


@dataclass(frozen=True)
class ComplianceTable:
    """SOP steps against their standard times; cells are str, numbers or aware datetimes."""

    headers: Sequence[str] = ()
    rows: Sequence[Sequence[Any]] = ()


@dataclass(frozen=True)
class TrendPeriod:
    name: str
    year: int
    triwulan: int


@dataclass(frozen=True)
class TrendProgram:
    """A program's capaian in each period of the trend (None where it had none)."""

    kode: str
    nama: str
    values: tuple[Decimal | None, ...]


@dataclass(frozen=True)
class Trend:
    """Capaian per program over the triwulan of `year` so far and the same triwulan of the
    year before, periods in time order."""

    periods: tuple[TrendPeriod, ...]
    programs: tuple[TrendProgram, ...]
    year: int


@dataclass(frozen=True)
class RecapInput:
    """Everything the recap shows, computed by the caller (generated_at must be aware)."""

    office: str
    period: str
    generated_at: datetime
    generated_by: str
    rows: Sequence[IndicatorResult]
    tree: Sequence[TreeNode]
    predikat_counts: Mapping[str, int]
    compliance: ComplianceTable = field(default_factory=ComplianceTable)
    cap: Decimal = Decimal(120)
    rules_text: str = ""
    predikat_colors: Mapping[str, str] | None = None
    previous_period: str | None = None
    timezone: str = "Asia/Jakarta"
    n_na: int = 0
    n_missing: int = 0
    last_year_period: str | None = None
    trend: Trend | None = None
