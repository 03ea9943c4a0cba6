"""What the regency's view shows, computed by core.kabupaten: /kabupaten and the workbook only
lay it out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from core.compliance import RunCompliance
from core.engine import CANCELLED, FINISHED
from core.rekap_workbook.model import ComplianceTable


@dataclass(frozen=True)
class ProgramLine:
    """One program of an OPD's period with its capaian (the tree's top level)."""

    kode: str
    nama: str
    capaian: Decimal | None
    predikat: str | None
    indicators: int


@dataclass(frozen=True)
class OpdLine:
    """One OPD in the period: where it is, how late, how complete, how well."""

    kode: str
    nama: str
    # None: the OPD has no period of that name; else engine.RUNNING, FINISHED or CANCELLED.
    status: str | None
    # The step open now in a running period (the latest opened, if several).
    step_no: int | None
    # How late that open step is, in working minutes of the OPD's calendar.
    late_minutes: int
    # Step runs that went (or go) past their due time so far.
    late_steps: int
    indicators: int
    reported: int
    capaian: Decimal | None
    predikat: str | None
    programs: tuple[ProgramLine, ...] = ()
    # Every timed step run against its standard (the workbook's per-step columns).
    runs: tuple[RunCompliance, ...] = ()

    @property
    def missing(self) -> int:
        return self.indicators - self.reported

    @property
    def completeness(self) -> Decimal | None:
        """Figures in per 100 indicators; None before the Kertas Kerja is imported."""
        if not self.indicators:
            return None
        return Decimal(self.reported * 100) / Decimal(self.indicators)

    @property
    def needs_attention(self) -> bool:
        """Not started, cancelled, or its open step past due."""
        return self.status in (None, CANCELLED) or self.late_minutes > 0


@dataclass(frozen=True)
class SharedProgram:
    """A program kode that several OPD report: each one's (OPD line, its program)."""

    kode: str
    opds: tuple[tuple[OpdLine, ProgramLine], ...]


@dataclass(frozen=True)
class Regency:
    """Every OPD in one period name, in the order that puts what needs attention first."""

    period: str
    lines: tuple[OpdLine, ...]
    generated_at: datetime
    timezone: str = "Asia/Jakarta"
    cap: Decimal = Decimal(120)
    generated_by: str = ""
    office: str = "Seluruh OPD kabupaten"
    # Every OPD's step runs, each row led by the OPD's kode and name (sheet Kepatuhan SOP).
    compliance: ComplianceTable = field(default_factory=ComplianceTable)
    shared: tuple[SharedProgram, ...] = ()
    predikat_colors: Mapping[str, str] | None = None

    @property
    def not_started(self) -> int:
        return sum(1 for line in self.lines if line.status is None)

    @property
    def late(self) -> int:
        return sum(1 for line in self.lines if line.late_minutes > 0)

    @property
    def finished(self) -> int:
        return sum(1 for line in self.lines if line.status == FINISHED)
