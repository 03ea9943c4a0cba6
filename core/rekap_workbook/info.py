"""Sheet Info: who made the recap for which period, and the office's capaian rules."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from core.rekap_workbook import kepatuhan
from core.rekap_workbook.layout import Row, fit, local, zone_label
from core.rekap_workbook.model import RecapInput
from core.rekap_workbook.styles import Styles

TITLE = "Info"
FREEZE, HEADER_ROW = "A2", None


def widths(data: RecapInput) -> list[float]:
    return [26, 80]


def rows(data: RecapInput, st: Styles, zone: ZoneInfo, widths: Sequence[float]) -> Iterator[Row]:
    wide = widths[1]
    yield [st.text("Informasi Laporan", "title")]
    for label, value in (
        ("Instansi", data.office),
        ("Periode", data.period),
    ):
        yield fit([st.text(label, "label"), st.text(value, "wrap")], [(value, wide)])
    yield [
        st.text(f"Dibuat pada ({zone_label(data.timezone)})", "label"),
        st.moment(local(data.generated_at, zone), "datetime"),
    ]
    yield fit(
        [st.text("Dibuat oleh", "label"), st.text(data.generated_by, "wrap")],
        [(data.generated_by, wide)],
    )
    yield [st.text("Jumlah indikator", "label"), st.number(len(data.rows), "int")]
    yield [st.text("Batas capaian / cap (%)", "label"), st.number(data.cap, "pct")]
    yield [
        st.text("Kepatuhan SOP", "label"),
        st.text(f"Lihat sheet {kepatuhan.TITLE}: waktu standar dan waktu aktual tiap langkah."),
    ]
    yield []
    yield [st.text("Aturan perhitungan capaian", "section")]
    lines = [line for line in data.rules_text.splitlines() if line.strip()] or ["-"]
    for line in lines:
        yield fit([None, st.text(line, "wrap")], [(line, wide)])
