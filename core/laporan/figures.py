"""Figures the summary and the conclusions both state, derived once from the recap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.calendar import format_duration
from core.capaian import CapaianRules, aggregate, predikat
from core.rekap_workbook import RecapInput, TreeNode

LATE = "Terlambat (menit)"
STANDARD = "Standar (menit kerja)"
ACTUAL = "Waktu Kerja Aktual (menit)"


@dataclass(frozen=True)
class Overall:
    """The office's capaian: the mean of its programs', by the rule a unit without indicators
    of its own follows (weighted by pagu when the office says so)."""

    value: Decimal | None
    predikat: str | None
    programs: int


def overall(recap: RecapInput, rules: CapaianRules) -> Overall:
    return tree_overall(recap.tree, rules)


def tree_overall(tree: Sequence[TreeNode], rules: CapaianRules) -> Overall:
    """The same mean from a period's tree alone (the regency's view of each OPD)."""
    programs = [n for n in tree if n.depth == 0]
    mean = aggregate([(n.capaian, n.pagu) for n in programs], rules)
    return Overall(mean.value, predikat(mean.value, rules), len(programs))


def programs_below(recap: RecapInput, threshold: Decimal) -> list[TreeNode]:
    return [
        n for n in recap.tree if n.depth == 0 and n.capaian is not None and n.capaian < threshold
    ]


def tinggi_threshold(rules: CapaianRules) -> tuple[Decimal, str]:
    """Where "Tinggi" starts (the second-best band when the office named its bands otherwise)."""
    for threshold, name in rules.bands:
        if name.lower() == "tinggi":
            return threshold, name
    threshold, name = rules.bands[min(1, len(rules.bands) - 1)]
    return threshold, name


@dataclass(frozen=True)
class StepTime:
    step_no: int
    round: int
    kegiatan: str
    late_minutes: int


def _column(recap: RecapInput, name: str) -> int | None:
    headers = list(recap.compliance.headers)
    return headers.index(name) if name in headers else None


def late_steps(recap: RecapInput) -> list[StepTime]:
    """The SOP steps that went past their standard time, from the compliance table."""
    late = _column(recap, LATE)
    if late is None:
        return []
    out = []
    for row in recap.compliance.rows:
        minutes = row[late]
        if isinstance(minutes, int) and minutes > 0:
            out.append(StepTime(int(row[0]), int(row[1]), str(row[2]), minutes))
    return out


def step_totals(recap: RecapInput) -> tuple[str, str] | None:
    """Working time taken and the standard, summed over the steps recorded so far."""
    standard, actual = _column(recap, STANDARD), _column(recap, ACTUAL)
    if standard is None or actual is None or not recap.compliance.rows:
        return None

    def total(index: int) -> int:
        return sum(r[index] for r in recap.compliance.rows if isinstance(r[index], int))

    return format_duration(total(actual)), format_duration(total(standard))


def late_text(steps: Sequence[StepTime]) -> str:
    return "; ".join(
        f"Langkah {s.step_no} {s.kegiatan} (putaran {s.round}) terlambat "
        f"{format_duration(s.late_minutes)}"
        for s in steps
    )
