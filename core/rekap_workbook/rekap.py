"""Sheet Rekap: the program → kegiatan → sub kegiatan tree with capaian, predikat and budget."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from core.rekap_workbook.layout import Row, cap_note, fit, headers, title_rows
from core.rekap_workbook.model import RecapInput
from core.rekap_workbook.styles import Styles
from core.xlsx_safe import fit_width

TITLE = "Rekap"
FREEZE, HEADER_ROW = "A6", 5

HEADERS = (
    "Level",
    "Kode",
    "Program / Kegiatan / Sub Kegiatan",
    "Capaian (%)",
    "Predikat",
    "Dasar Capaian dan Predikat",
    "Capaian Indikator Sendiri (%)",
    "Rata-rata Capaian di Bawahnya (%)",
    "Jumlah Indikator",
    "Indikator N/A",
    "Tidak Dilaporkan",
    "Pagu (Rp)",
    "Realisasi Anggaran (Rp)",
    "Serapan (%)",
    "Efisiensi",
)


def widths(data: RecapInput) -> list[float]:
    tree = data.tree
    return [
        14,
        fit_width("Kode", (n.kode for n in tree), minimum=10, maximum=24),
        fit_width("", (n.nama for n in tree), minimum=40, maximum=70),
        12,
        15,
        fit_width("", (n.basis for n in tree), minimum=24, maximum=40),
        13,
        13,
        11,
        11,
        11,
        18,
        18,
        11,
        11,
    ]


def rows(data: RecapInput, st: Styles, zone: ZoneInfo, widths: Sequence[float]) -> Iterator[Row]:
    yield from title_rows(
        st, "Rekapitulasi Hasil Pengukuran Data Kinerja", data, zone, cap_note(data)
    )
    yield headers(st, HEADERS, widths)
    tint = st.tinted
    for node in data.tree:
        depth = min(max(node.depth, 0), 2)
        band = node.predikat
        cells = [
            st.text(node.level, tint("text", band)),
            st.text(node.kode, tint("text", band)),
            st.text(node.nama, tint(f"name{depth}", band)),
            st.number(node.capaian, tint("pct", band)),
            st.text(band or "N/A", tint("text", band)),
            st.text(node.basis, tint("wrap", band)),
            st.number(node.own_capaian, tint("pct", band)),
            st.number(node.children_capaian, tint("pct", band)),
            st.number(node.n_indicators, tint("int", band)),
            st.number(node.n_na, tint("int", band)),
            st.number(node.n_missing, tint("int", band)),
            st.number(node.pagu, tint("money", band)),
            st.number(node.realisasi_anggaran, tint("money", band)),
            st.number(node.serapan, tint("pct", band)),
            st.number(node.efisiensi, tint("ratio", band)),
        ]
        yield fit(cells, [(node.nama, widths[2] - 3 * depth), (node.basis, widths[5])])
    if not data.tree:
        yield [None, None, st.text("Belum ada indikator.")]
    yield []
    for note in NOTES:
        yield [None, None, st.text(note, "subtitle")]


NOTES = (
    "Capaian program/kegiatan/sub kegiatan = rata-rata capaian indikatornya sendiri bila ada; "
    "bila tidak ada, rata-rata capaian di bawahnya. Kolom Dasar menyebut mana yang dipakai.",
    "Indikator N/A = tanpa capaian (misalnya target 0); Tidak Dilaporkan = realisasinya tidak "
    "pernah dilaporkan. Keduanya tidak ikut dirata-rata.",
    "Efisiensi = capaian ÷ serapan anggaran.",
)
