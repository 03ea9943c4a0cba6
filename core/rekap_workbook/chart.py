"""The recap's chart (PNG): capaian per program and the number of indicators per predikat."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from io import BytesIO
from typing import Any, Protocol

from core.lazy import load
from core.rekap_workbook.colors import UNKNOWN_PREDIKAT_COLOR, predikat_color
from core.rekap_workbook.layout import fmt
from core.rekap_workbook.model import RecapInput


def _label(text: str, limit: int = 48) -> str:
    """Chart label: shortened, and "$" escaped so matplotlib does not read it as math."""
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("$", r"\$")


def build_chart(data: RecapInput) -> bytes:
    """PNG: capaian per program (bars, line at 100) and the number of indicators per predikat.

    Uses a bare matplotlib Figure with the Agg canvas: no pyplot global state, no display, and
    nothing left behind between calls. matplotlib is imported on first use (core.lazy): only the
    chart needs it, and it is slow to import and large.
    """
    FigureCanvasAgg = load("matplotlib.backends.backend_agg").FigureCanvasAgg
    Figure = load("matplotlib.figure").Figure

    programs = [node for node in data.tree if node.depth == 0]
    height = max(4.5, 0.34 * len(programs) + 2.2)
    fig = Figure(figsize=(13, height), dpi=100, layout="constrained")
    canvas = FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2.3, 1]})
    draw_bars(left, programs, data, "Capaian per Program (garis putus = 100%)", "Belum ada program")
    _draw_predikat(right, data)
    fig.suptitle(_label(f"{data.office} — Periode {data.period}", 110), fontsize=13)
    buffer = BytesIO()
    canvas.print_png(buffer)
    fig.clear()
    return buffer.getvalue()


class Bar(Protocol):
    kode: str
    nama: str
    capaian: Decimal | None
    predikat: str | None


class Colored(Protocol):
    cap: Decimal
    predikat_colors: Mapping[str, str] | None


def draw_bars(ax: Any, programs: Sequence[Bar], data: Colored, title: str, empty: str) -> None:
    """Capaian bars in predikat colours with the 100 line: a recap's programs, or the regency
    rekap's OPD (core.kabupaten_workbook)."""
    names = [_label(f"{node.kode} {node.nama}") for node in programs]
    values = [float(node.capaian) if node.capaian is not None else 0.0 for node in programs]
    colors = [
        "#" + (predikat_color(node.predikat, data.predikat_colors) or UNKNOWN_PREDIKAT_COLOR)
        for node in programs
    ]
    positions = range(len(programs))
    ax.barh(positions, values, height=0.7, color=colors, edgecolor="#555555", linewidth=0.5)
    ax.set_yticks(list(positions), names, fontsize=8)
    spare = max(0.0, (6 - len(programs)) / 2)  # a lone program should not fill the panel
    ax.set_ylim(len(programs) - 0.5 + spare, -0.5 - spare)
    ax.axvline(100, color="#333333", linestyle="--", linewidth=1)
    top = max([float(data.cap), 100.0, *values]) * 1.12
    ax.set_xlim(0, top)
    for position, node, value in zip(positions, programs, values, strict=True):
        shown = "N/A" if node.capaian is None else fmt(node.capaian, 2)
        ax.text(value + top * 0.01, position, shown, va="center", fontsize=8)
    ax.set_xlabel("Capaian (%)")
    ax.set_title(title)
    if not programs:
        ax.text(0.5, 0.5, empty, transform=ax.transAxes, ha="center")


def _draw_predikat(ax: Any, data: RecapInput) -> None:
    MaxNLocator = load("matplotlib.ticker").MaxNLocator

    names = list(data.predikat_counts)
    counts = [data.predikat_counts[name] for name in names]
    colors = [
        "#" + (predikat_color(name, data.predikat_colors) or UNKNOWN_PREDIKAT_COLOR)
        for name in names
    ]
    positions = range(len(names))
    ax.bar(positions, counts, color=colors, edgecolor="#555555", linewidth=0.5)
    ax.set_xticks(list(positions), [_label(name, 20) for name in names], rotation=25, ha="right")
    for position, count in zip(positions, counts, strict=True):
        ax.text(position, count, str(count), ha="center", va="bottom", fontsize=9)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("Jumlah indikator")
    ax.set_title("Jumlah Indikator per Predikat")
    ax.set_ylim(0, max([*counts, 1]) * 1.15)


_ROMAN = ("I", "II", "III", "IV")


def build_trend_chart(data: RecapInput) -> bytes | None:
    """PNG: capaian per program in each triwulan of the year (solid) and of the year before
    (dashed, same colour); None without a trend (a single period)."""
    trend = data.trend
    if trend is None:
        return None
    FigureCanvasAgg = load("matplotlib.backends.backend_agg").FigureCanvasAgg
    Figure = load("matplotlib.figure").Figure
    fig = Figure(figsize=(11, 5.5), dpi=100, layout="constrained")
    canvas = FigureCanvasAgg(fig)
    ax = fig.subplots()
    palette = [f"C{i % 10}" for i in range(len(trend.programs))]
    for program, color in zip(trend.programs, palette, strict=True):
        for year, style, face in ((trend.year, "-", color), (trend.year - 1, "--", "white")):
            points = [
                (period.triwulan, float(value))
                for period, value in zip(trend.periods, program.values, strict=True)
                if period.year == year and value is not None
            ]
            if not points:
                continue
            xs, ys = zip(*points, strict=True)
            label = _label(f"{program.kode} {program.nama}", 40) if year == trend.year else None
            ax.plot(xs, ys, style, marker="o", color=color, markerfacecolor=face, label=label)
    ax.axhline(100, color="#333333", linestyle=":", linewidth=1)
    ax.set_xticks([1, 2, 3, 4], [f"TW {r}" for r in _ROMAN])
    ax.set_xlim(0.7, 4.3)
    ax.set_ylabel("Capaian (%)")
    ax.set_title(
        _label(f"Tren Capaian per Program — {trend.year} (garis putus: {trend.year - 1})", 110)
    )
    if trend.programs:
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    buffer = BytesIO()
    canvas.print_png(buffer)
    fig.clear()
    return buffer.getvalue()
