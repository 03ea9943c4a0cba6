"""Grafik: the average capaian of each OPD, bars in predikat colours (as an OPD's recap draws
its programs)."""

from __future__ import annotations

from io import BytesIO

from core.kabupaten_workbook.model import Regency
from core.lazy import load
from core.rekap_workbook.chart import draw_bars


def build_chart(data: Regency) -> bytes:
    """PNG, tallest first: the OPD by capaian, highest on top, those without one at the end."""
    FigureCanvasAgg = load("matplotlib.backends.backend_agg").FigureCanvasAgg
    Figure = load("matplotlib.figure").Figure

    ranked = sorted(data.lines, key=lambda line: (line.capaian is None, -(line.capaian or 0)))
    fig = Figure(figsize=(11, max(4.5, 0.3 * len(ranked) + 2)), dpi=100, layout="constrained")
    canvas = FigureCanvasAgg(fig)
    draw_bars(
        fig.subplots(),
        ranked,
        data,
        f"Rata-rata Capaian per OPD — {data.period} (garis putus = 100%)",
        "Belum ada OPD",
    )
    buffer = BytesIO()
    canvas.print_png(buffer)
    fig.clear()
    return buffer.getvalue()
