"""Sheet Ringkasan: one row per OPD — its step, on time or late per step, reporting, capaian."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from core import engine
from core.kabupaten_workbook.model import OpdLine, Regency
from core.rekap_workbook.layout import Row, cap_note, fit, headers, title_rows
from core.rekap_workbook.styles import Styles
from core.sop import STEPS
from core.xlsx_safe import fit_width

TITLE = "Ringkasan"
FREEZE, HEADER_ROW = "D6", 5
STEP_NUMBERS = tuple(s.no for s in STEPS)
HEADERS = (
    "No",
    "Kode OPD",
    "OPD",
    "Status",
    "Langkah Saat Ini",
    "Terlambat Sekarang (menit kerja)",
    "Langkah Terlambat",
    *(f"Langkah {n}" for n in STEP_NUMBERS),
    "Jumlah Indikator",
    "Sudah Dilaporkan",
    "Belum Dilaporkan",
    "Kelengkapan (%)",
    "Rata-rata Capaian (%)",
    "Predikat",
)
NOTES = (
    "Urutan: OPD yang belum memulai, dibatalkan atau terlambat lebih dulu, lalu kelengkapan "
    "laporan terendah, lalu capaian terendah.",
    "Kolom Langkah: putaran terakhir tiap langkah terhadap standar waktunya, dihitung dalam jam "
    "kerja kalender OPD itu sendiri (rinciannya di sheet Kepatuhan SOP).",
    "Rata-rata capaian = rata-rata capaian program OPD, dengan aturan yang sama dengan "
    "Rekapitulasi OPD itu sendiri.",
)
_STATUS = {
    None: "Belum memulai",
    engine.RUNNING: "Berjalan",
    engine.FINISHED: "Selesai",
    engine.CANCELLED: "Dibatalkan",
}


def widths(data: Regency) -> list[float]:
    return [
        5,
        fit_width("Kode OPD", (line.kode for line in data.lines), minimum=9, maximum=16),
        fit_width("", (line.nama for line in data.lines), minimum=30, maximum=50),
        13,
        10,
        12,
        10,
        *([11] * len(STEP_NUMBERS)),
        11,
        11,
        11,
        12,
        12,
        15,
    ]


def step_mark(line: OpdLine, step_no: int) -> str:
    """The last round of that step: on time, late, running, cancelled; blank when not run."""
    if step_no == STEP_NUMBERS[-1] and line.status == engine.FINISHED:
        return "Selesai"
    runs = [r for r in line.runs if r.step_no == step_no]
    if not runs:
        return ""
    last = runs[-1]
    if last.cancelled:
        return "Dibatalkan"
    if last.open:
        return "Berjalan, terlambat" if last.late_minutes else "Berjalan"
    return "Terlambat" if last.late_minutes else "Tepat waktu"


def rows(data: Regency, st: Styles, zone: ZoneInfo, widths: Sequence[float]) -> Iterator[Row]:
    yield from title_rows(st, "Rekapitulasi Kabupaten", data, zone, cap_note(data))
    yield headers(st, HEADERS, widths)
    tint = st.tinted
    for number, line in enumerate(data.lines, 1):
        band = line.predikat
        cells = [
            st.number(number, "int"),
            st.text(line.kode, "text"),
            st.text(line.nama, "wrap"),
            st.text(_STATUS.get(line.status, line.status), "text"),
            st.number(line.step_no, "int"),
            st.number(line.late_minutes if line.status == engine.RUNNING else None, "int"),
            st.number(line.late_steps if line.status is not None else None, "int"),
            *(st.text(step_mark(line, n), "wrap") for n in STEP_NUMBERS),
            *(
                st.number(value if line.status is not None else None, "int")
                for value in (line.indicators, line.reported, line.missing)
            ),
            st.number(line.completeness, "pct"),
            st.number(line.capaian, tint("pct", band)),
            st.text(band or ("N/A" if line.indicators else ""), tint("text", band)),
        ]
        yield fit(cells, [(line.nama, widths[2])])
    if not data.lines:
        yield [None, None, st.text("Belum ada OPD.")]
    yield []
    for note in NOTES:
        yield [None, None, st.text(note, "subtitle")]
