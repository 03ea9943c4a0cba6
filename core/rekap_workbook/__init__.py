"""Rekapitulasi Hasil Pengukuran Data Kinerja (SOP steps 7-8): the workbook and its chart.

The caller computes every number (capaian, aggregates, predikat, compliance); this package only
lays them out, so the same values appear in chat, workbook and chart. One module per sheet;
openpyxl writes the package frame and core.xlsx_safe streams the rows into it, which keeps
10,000 indicators at about a second and flat in memory (XlsxWriter was four times slower, see
bench/README.md). Every text that came from a user is written as a string (`Styles.text`:
control characters removed, a quote prefix where a spreadsheet would read a formula or an
error value).
"""

from __future__ import annotations

from core.lazy import load
from core.rekap_workbook.colors import (
    DEFAULT_PREDIKAT_COLORS,
    UNKNOWN_PREDIKAT_COLOR,
    predikat_color,
)
from core.rekap_workbook.model import (
    ComplianceTable,
    IndicatorResult,
    RecapInput,
    TreeNode,
    Trend,
    TrendPeriod,
    TrendProgram,
)

__all__ = [
    "DEFAULT_PREDIKAT_COLORS",
    "SHEETS",
    "UNKNOWN_PREDIKAT_COLOR",
    "ComplianceTable",
    "IndicatorResult",
    "RecapInput",
    "TreeNode",
    "Trend",
    "TrendPeriod",
    "TrendProgram",
    "build_chart",
    "build_recap",
    "build_trend_chart",
    "predikat_color",
]

SHEETS = ("Rekap", "Kertas Kerja", "Analisis", "Kepatuhan SOP", "Info")
"""The workbook's sheets in order (each sheet module's TITLE)."""


def build_recap(data: RecapInput) -> bytes:
    """The recap workbook (.xlsx); its modules (openpyxl) are imported on first use."""
    return load("core.rekap_workbook.workbook").build_recap(data)


def build_chart(data: RecapInput) -> bytes:
    """The recap's chart (PNG); matplotlib is imported on first use."""
    return load("core.rekap_workbook.chart").build_chart(data)


def build_trend_chart(data: RecapInput) -> bytes | None:
    """The trend chart (PNG), None with a single period; matplotlib is imported on first use."""
    return load("core.rekap_workbook.chart").build_trend_chart(data)
