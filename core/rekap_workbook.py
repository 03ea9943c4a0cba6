"""Rekapitulasi Hasil Pengukuran Data Kinerja (SOP steps 7-8): the workbook and its chart.

The caller computes every number (capaian, aggregates, predikat, compliance); this module only
lays them out, so the same values appear in chat, workbook and chart. openpyxl (write-only)
writes the package frame and core.xlsx_safe streams the rows into it, which keeps 10,000
indicators under a second and flat in memory; every text that came from a user goes through
core.xlsx_safe's safe-text path.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from core.xlsx_safe import (
    StyleBook,
    StyleSpec,
    TallRow,
    fit_width,
    render_rows,
    splice_rows,
    wrapped_height,
)

__all__ = [
    "DEFAULT_PREDIKAT_COLORS",
    "SHEETS",
    "UNKNOWN_PREDIKAT_COLOR",
    "ComplianceTable",
    "IndicatorResult",
    "RecapInput",
    "TreeNode",
    "build_chart",
    "build_recap",
    "predikat_color",
]

SHEETS = ("Rekap", "Kertas Kerja", "Analisis", "Info")

DEFAULT_PREDIKAT_COLORS: Mapping[str, str] = {
    "Sangat Tinggi": "1E7B34",
    "Tinggi": "A9D18E",
    "Sedang": "FFE699",
    "Rendah": "F4B183",
    "Sangat Rendah": "C0392B",
}
"""Fill colours (RGB hex) of the default Permendagri 86/2017 bands, dark green to red."""

UNKNOWN_PREDIKAT_COLOR = "D9D9D9"
"""Grey for a band name without a colour (offices may configure their own scale)."""


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator with everything computed: a row of the Kertas Kerja and Analisis sheets.

    `capaian` is the raw value, `capaian_capped` the one used for predikat and averages;
    `previous_capaian` is the previous period's capped capaian of the same kode, if any.
    `missing`: no realisation was ever reported (counted apart from N/A such as target 0).
    """

    kode: str
    nama: str
    indikator: str
    satuan: str
    target: str
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


# --------------------------------------------------------------------------- colours


def predikat_color(predikat: str | None, colors: Mapping[str, str] | None = None) -> str | None:
    """RGB hex fill for a predikat (case-insensitive); grey when unknown, None when absent."""
    if not predikat:
        return None
    table = colors if colors is not None else DEFAULT_PREDIKAT_COLORS
    wanted = " ".join(predikat.split()).lower()
    for name, color in table.items():
        if " ".join(name.split()).lower() == wanted:
            return _hex(color)
    return UNKNOWN_PREDIKAT_COLOR


def _hex(color: str) -> str:
    """ "#1e7b34" -> "1E7B34"; anything that is not six hex digits becomes the grey."""
    value = color.strip().lstrip("#").upper()
    if len(value) == 6 and all(c in "0123456789ABCDEF" for c in value):
        return value
    return UNKNOWN_PREDIKAT_COLOR


def _is_dark(color: str) -> bool:
    red, green, blue = (int(color[i : i + 2], 16) for i in (0, 2, 4))
    return 0.299 * red + 0.587 * green + 0.114 * blue < 140


# --------------------------------------------------------------------------- styles

_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_NUMBER_FORMATS = {
    "pct": "0.00",
    "num": "#,##0.00",
    "money": "#,##0.00",
    "int": "#,##0",
    "ratio": "0.00",
    "datetime": "dd/mm/yyyy hh:mm",
}


class _Styles(StyleBook):
    """The named styles of the recap, plus every body style in every predikat colour.

    All are registered before the workbook frame is saved (rows are rendered afterwards,
    while the zip is written), so `tinted` only looks names up.
    """

    def __init__(self, ws: Any, colors: Mapping[str, str] | None) -> None:
        super().__init__(ws)
        self._colors = colors
        self._suffix: dict[str | None, str] = {}
        self.register("title", StyleSpec(font=Font(bold=True, size=14)))
        self.register("subtitle", StyleSpec(font=Font(italic=True, color="404040")))
        self.register("section", StyleSpec(font=Font(bold=True, size=12)))
        self.register("label", StyleSpec(font=Font(bold=True)))
        self.register(
            "header",
            StyleSpec(
                font=Font(bold=True, color="FFFFFF"),
                fill=PatternFill("solid", fgColor="305496"),
                alignment=Alignment(wrap_text=True, vertical="center", horizontal="center"),
                border=_BORDER,
            ),
        )
        self.register(
            "pctcap", StyleSpec(font=Font(bold=True), number_format="0.00", border=_BORDER)
        )
        palette = colors if colors is not None else DEFAULT_PREDIKAT_COLORS
        for color in {
            None,
            UNKNOWN_PREDIKAT_COLOR,
            *(_hex(c) for c in palette.values()),
        }:
            self._register_body(color)

    def _register_body(self, color: str | None) -> None:
        """Body styles (text, wrapped text, numbers, indented names) in one fill colour."""
        suffix = f"@{color}" if color else ""
        fill = PatternFill("solid", fgColor=color) if color else None
        white = color is not None and _is_dark(color)
        plain = Font(color="FFFFFF") if white else None
        bold = Font(bold=True, color="FFFFFF" if white else None)
        top = Alignment(vertical="top")
        self.register(
            "text" + suffix, StyleSpec(font=plain, fill=fill, alignment=top, border=_BORDER)
        )
        self.register(
            "wrap" + suffix,
            StyleSpec(
                font=plain,
                fill=fill,
                alignment=Alignment(wrap_text=True, vertical="top"),
                border=_BORDER,
            ),
        )
        for kind, number_format in _NUMBER_FORMATS.items():
            self.register(
                kind + suffix,
                StyleSpec(
                    font=plain,
                    fill=fill,
                    alignment=top,
                    number_format=number_format,
                    border=_BORDER,
                ),
            )
        for depth in range(3):
            self.register(
                f"name{depth}{suffix}",
                StyleSpec(
                    font=bold if depth == 0 else plain,
                    fill=fill,
                    alignment=Alignment(wrap_text=True, vertical="top", indent=depth * 2),
                    border=_BORDER,
                ),
            )

    def tinted(self, kind: str, predikat: str | None) -> str:
        """Name of the `kind` style filled with the predikat's colour."""
        suffix = self._suffix.get(predikat)
        if suffix is None:
            color = predikat_color(predikat, self._colors)
            suffix = f"@{color}" if color else ""
            self._suffix[predikat] = suffix
        return kind + suffix


def _setup_sheet(
    wb: Workbook,
    title: str,
    widths: Sequence[float],
    *,
    freeze: str,
    print_title_row: int | None = None,
) -> Any:
    """Sheet with widths, frozen rows and A4 landscape printing one page wide."""
    ws = wb.create_sheet(title)
    for index, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = freeze
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    if print_title_row is not None:
        ws.print_title_rows = f"{print_title_row}:{print_title_row}"
    return ws


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    """An aware time shown in the office zone; Excel cells hold no time zone."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(zone).replace(tzinfo=None)


def _fmt(value: Decimal | None, places: int = 2) -> str:
    """Indonesian display of a number for text lines (1.234,56)."""
    if value is None:
        return "-"
    exact = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{exact:,.{places}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def _zone_label(zone: str) -> str:
    return {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}.get(zone, zone)


Row = list[str | None]


def _title_rows(st: _Styles, title: str, data: RecapInput, zone: ZoneInfo) -> Iterator[Row]:
    made = _local(data.generated_at, zone).strftime("%d/%m/%Y %H:%M")
    yield [st.text(title, "title")]
    yield [st.text(f"{data.office} — Periode {data.period}", "label")]
    yield [
        st.text(
            f"Dibuat {made} {_zone_label(data.timezone)} oleh {data.generated_by}. "
            f"Capaian dibatasi {_fmt(data.cap, 0)}% untuk rata-rata dan predikat.",
            "subtitle",
        )
    ]
    yield []


def _headers(st: _Styles, headers: Sequence[str], widths: Sequence[float]) -> Row:
    cells = [st.text(header, "header") for header in headers]
    height = wrapped_height(zip(headers, widths, strict=False), slack=1.35)
    return TallRow(cells, height) if height else cells


def _fit(cells: Row, texts: Iterable[tuple[str | None, float]]) -> Row:
    """The row, made tall enough for its wrapped texts."""
    height = wrapped_height(texts)
    return TallRow(cells, height) if height else cells


# --------------------------------------------------------------------------- workbook


def build_recap(data: RecapInput) -> bytes:
    """The recap workbook (.xlsx): sheets Rekap, Kertas Kerja, Analisis and Info.

    openpyxl writes the frame (styles, widths, frozen panes, print setup); the rows are
    rendered by core.xlsx_safe straight into the zip, see there for why.
    """
    zone = ZoneInfo(data.timezone)
    wb = Workbook(write_only=True)
    rekap, kk, analisis, info = (
        _rekap_widths(data),
        _kk_widths(data),
        _analisis_widths(data),
        _info_widths(data),
    )
    _setup_sheet(wb, "Rekap", rekap, freeze="A6", print_title_row=5)
    _setup_sheet(wb, "Kertas Kerja", kk, freeze="C6", print_title_row=5)
    _setup_sheet(wb, "Analisis", analisis, freeze="A3")
    _setup_sheet(wb, "Info", info, freeze="A2")
    st = _Styles(wb.worksheets[0], data.predikat_colors)
    frame = BytesIO()
    wb.save(frame)
    return splice_rows(
        frame.getvalue(),
        {
            1: render_rows(_rekap_rows(data, st, zone, rekap)),
            2: render_rows(_kk_rows(data, st, zone, kk)),
            3: render_rows(_analisis_rows(data, st, analisis)),
            4: render_rows(_info_rows(data, st, zone, info)),
        },
    )


_REKAP_HEADERS = (
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


def _rekap_widths(data: RecapInput) -> list[float]:
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


def _rekap_rows(
    data: RecapInput, st: _Styles, zone: ZoneInfo, widths: Sequence[float]
) -> Iterator[Row]:
    yield from _title_rows(st, "Rekapitulasi Hasil Pengukuran Data Kinerja", data, zone)
    yield _headers(st, _REKAP_HEADERS, widths)
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
        yield _fit(cells, [(node.nama, widths[2] - 3 * depth), (node.basis, widths[5])])
    if not data.tree:
        yield [None, None, st.text("Belum ada indikator.")]
    yield []
    for note in _REKAP_NOTES:
        yield [None, None, st.text(note, "subtitle")]


_REKAP_NOTES = (
    "Capaian program/kegiatan/sub kegiatan = rata-rata capaian indikatornya sendiri bila ada; "
    "bila tidak ada, rata-rata capaian di bawahnya. Kolom Dasar menyebut mana yang dipakai.",
    "Indikator N/A = tanpa capaian (misalnya target 0); Tidak Dilaporkan = realisasinya tidak "
    "pernah dilaporkan. Keduanya tidak ikut dirata-rata.",
    "Efisiensi = capaian ÷ serapan anggaran.",
)


_KK_HEADERS = (
    "No",
    "Kode",
    "Program / Kegiatan / Sub Kegiatan",
    "Indikator",
    "Satuan",
    "Target",
    "Realisasi",
    "Capaian (%)",
    "Capaian Dibatasi (%)",
    "Aturan / Rumus",
    "Predikat",
    "Keterangan N/A",
    "PIC",
    "Bukti",
    "Status Validasi",
    "Catatan",
)


def _kk_widths(data: RecapInput) -> list[float]:
    rows = data.rows
    return [
        6,
        fit_width("Kode", (r.kode for r in rows), minimum=10, maximum=24),
        fit_width("", (r.nama for r in rows), minimum=24, maximum=40),
        fit_width("", (r.indikator for r in rows), minimum=30, maximum=50),
        fit_width("Satuan", (r.satuan for r in rows), minimum=8, maximum=14),
        fit_width("Target", (r.target for r in rows), minimum=9, maximum=16),
        13,
        11,
        11,
        fit_width("", (r.rule for r in rows), minimum=18, maximum=40),
        15,
        fit_width("", (r.na_reason for r in rows), minimum=12, maximum=28),
        fit_width("PIC", (r.pic for r in rows), minimum=14, maximum=28),
        9,
        fit_width("", (r.status for r in rows), minimum=12, maximum=20),
        fit_width("Catatan", (r.note for r in rows), minimum=14, maximum=40),
    ]


def _kk_rows(
    data: RecapInput, st: _Styles, zone: ZoneInfo, widths: Sequence[float]
) -> Iterator[Row]:
    yield from _title_rows(st, "Kertas Kerja Pengukuran Data Kinerja", data, zone)
    yield _headers(st, _KK_HEADERS, widths)
    text, number = st.text, st.number
    for index, row in enumerate(data.rows, 1):
        cells = [
            number(index, "int"),
            text(row.kode, "text"),
            text(row.nama, "wrap"),
            text(row.indikator, "wrap"),
            text(row.satuan, "text"),
            text(row.target, "text"),
            number(row.realisasi, "num"),
            number(row.capaian, "pct"),
            number(row.capaian_capped, "pctcap" if row.cap_applied else "pct"),
            text(row.rule, "wrap"),
            text(row.predikat or "N/A", st.tinted("text", row.predikat)),
            text(row.na_reason, "text"),
            text(row.pic, "text"),
            text("Ada" if row.evidence else "Tidak ada", "text"),
            text(row.status, "text"),
            text(row.note, "wrap"),
        ]
        yield _fit(
            cells,
            [
                (row.nama, widths[2]),
                (row.indikator, widths[3]),
                (row.rule, widths[9]),
                (row.note, widths[15]),
            ],
        )
    if not data.rows:
        yield [None, None, None, st.text("Belum ada indikator.")]


def _section(
    st: _Styles, title: str, headers: Sequence[str], widths: Sequence[float]
) -> Iterator[Row]:
    yield []
    yield [st.text(title, "section")]
    yield _headers(st, headers, widths)


def _analisis_widths(data: RecapInput) -> list[float]:
    rows = data.rows
    return [
        6,
        fit_width("Predikat", (r.kode for r in rows), minimum=16, maximum=24),
        fit_width("", (r.indikator for r in rows), minimum=34, maximum=50),
        fit_width("PIC", (r.pic for r in rows), minimum=16, maximum=28),
        13,
        13,
        13,
        14,
        15,
    ]


def _gap(row: IndicatorResult) -> Decimal:
    """How far below 100 the capped capaian is (rows without capaian never get here)."""
    return Decimal(100) - (row.capaian_capped if row.capaian_capped is not None else 0)


def _analisis_rows(data: RecapInput, st: _Styles, widths: Sequence[float]) -> Iterator[Row]:
    rows = data.rows
    wide = widths[2]
    yield [st.text(f"Analisis Capaian — {data.office} — Periode {data.period}", "title")]
    yield [st.text("Capaian yang dibandingkan adalah capaian dibatasi (cap).", "subtitle")]

    below = sorted(
        (r for r in rows if r.capaian_capped is not None and r.capaian_capped < 100),
        key=_gap,
        reverse=True,
    )
    yield from _section(
        st,
        "A. Indikator di bawah target (capaian < 100%), selisih terbesar lebih dulu",
        _BELOW_HEADERS,
        widths,
    )
    for index, row in enumerate(below, 1):
        cells = [
            st.number(index, "int"),
            st.text(row.kode, "text"),
            st.text(row.indikator, "wrap"),
            st.text(row.pic, "text"),
            st.text(row.target, "text"),
            st.number(row.realisasi, "num"),
            st.number(row.capaian_capped, "pct"),
            st.number(_gap(row), "pct"),
            st.text(row.predikat or "N/A", st.tinted("text", row.predikat)),
        ]
        yield _fit(cells, [(row.indikator, wide)])
    yield from _none_line(st, below)

    missing = [r for r in rows if r.realisasi is None or r.capaian_capped is None]
    yield from _section(
        st,
        "B. Indikator tanpa data atau tanpa capaian",
        ("No", "Kode", "Indikator", "PIC", "Status", "Keterangan"),
        widths,
    )
    for index, row in enumerate(missing, 1):
        reason = _NOT_REPORTED if row.missing else (row.na_reason or "")
        cells = [
            st.number(index, "int"),
            st.text(row.kode, "text"),
            st.text(row.indikator, "wrap"),
            st.text(row.pic, "text"),
            st.text(row.status, "text"),
            st.text(reason, "wrap"),
        ]
        yield _fit(cells, [(row.indikator, wide), (reason, widths[5])])
    yield from _none_line(st, missing)

    total = sum(data.predikat_counts.values())
    yield from _section(
        st,
        "C. Jumlah indikator per predikat",
        ("No", "Predikat", "Jumlah Indikator", "%"),
        widths,
    )
    for index, (name, count) in enumerate(data.predikat_counts.items(), 1):
        share = Decimal(count) * 100 / total if total else None
        yield [
            st.number(index, "int"),
            st.text(name, st.tinted("text", name)),
            st.number(count, "int"),
            st.number(share, "pct"),
        ]
    yield [None, st.text("Jumlah berpredikat", "label"), st.number(total, "int")]
    yield [None, st.text("N/A (tanpa capaian, mis. target 0)", "text"), st.number(data.n_na, "int")]
    yield [None, st.text(_NOT_REPORTED, "text"), st.number(data.n_missing, "int")]
    yield [None, st.text("Jumlah indikator", "label"), st.number(len(rows), "int")]

    compared = sorted(
        (r for r in rows if r.previous_capaian is not None and r.capaian_capped is not None),
        key=_change,
    )
    previous = f" ({data.previous_period})" if data.previous_period else ""
    yield from _section(
        st,
        f"D. Perbandingan dengan periode sebelumnya{previous}, penurunan terbesar lebih dulu",
        _COMPARE_HEADERS,
        widths,
    )
    for index, row in enumerate(compared, 1):
        cells = [
            st.number(index, "int"),
            st.text(row.kode, "text"),
            st.text(row.indikator, "wrap"),
            st.text(row.pic, "text"),
            st.number(row.previous_capaian, "pct"),
            st.number(row.capaian_capped, "pct"),
            st.number(_change(row), "pct"),
        ]
        yield _fit(cells, [(row.indikator, wide)])
    yield from _none_line(st, compared, "Belum ada periode sebelumnya untuk dibandingkan.")


_NOT_REPORTED = "Tidak dilaporkan (tanpa realisasi)"
_BELOW_HEADERS = (
    "No",
    "Kode",
    "Indikator",
    "PIC",
    "Target",
    "Realisasi",
    "Capaian (%)",
    "Selisih dari 100 (%)",
    "Predikat",
)
_COMPARE_HEADERS = (
    "No",
    "Kode",
    "Indikator",
    "PIC",
    "Capaian Sebelumnya (%)",
    "Capaian Sekarang (%)",
    "Perubahan (poin)",
)


def _change(row: IndicatorResult) -> Decimal:
    if row.capaian_capped is None or row.previous_capaian is None:
        return Decimal(0)
    return row.capaian_capped - row.previous_capaian


def _none_line(st: _Styles, items: Sequence[object], text: str = "Tidak ada.") -> Iterator[Row]:
    if not items:
        yield [None, st.text(text, "subtitle")]


def _info_widths(data: RecapInput) -> list[float]:
    table = data.compliance
    widths: list[float] = []
    for index in range(max(len(table.headers), 2)):
        header = table.headers[index] if index < len(table.headers) else ""
        values = [_compliance_shown(row[index]) for row in table.rows if index < len(row)]
        minimum = 26 if index == 0 else 12
        maximum = 60 if index == 1 else 30
        widths.append(fit_width(header, values, minimum=minimum, maximum=maximum))
    widths[1] = max(widths[1], 60)
    return widths


def _info_rows(
    data: RecapInput, st: _Styles, zone: ZoneInfo, widths: Sequence[float]
) -> Iterator[Row]:
    table = data.compliance
    wide = widths[1]
    yield [st.text("Informasi Laporan", "title")]
    for label, value in (
        ("Instansi", data.office),
        ("Periode", data.period),
    ):
        yield _fit([st.text(label, "label"), st.text(value, "wrap")], [(value, wide)])
    yield [
        st.text(f"Dibuat pada ({_zone_label(data.timezone)})", "label"),
        st.moment(_local(data.generated_at, zone), "datetime"),
    ]
    yield _fit(
        [st.text("Dibuat oleh", "label"), st.text(data.generated_by, "wrap")],
        [(data.generated_by, wide)],
    )
    yield [st.text("Jumlah indikator", "label"), st.number(len(data.rows), "int")]
    yield [st.text("Batas capaian / cap (%)", "label"), st.number(data.cap, "pct")]
    yield []
    yield [st.text("Aturan perhitungan capaian", "section")]
    lines = [line for line in data.rules_text.splitlines() if line.strip()] or ["-"]
    for line in lines:
        yield _fit([None, st.text(line, "wrap")], [(line, wide)])
    yield []
    yield [st.text("Kepatuhan terhadap SOP: waktu standar dan waktu aktual", "section")]
    yield _headers(st, table.headers, widths)
    for row in table.rows:
        cells = [_compliance_cell(st, value, zone) for value in row]
        texts = [
            (value, widths[index])
            for index, value in enumerate(row)
            if isinstance(value, str) and index < len(widths)
        ]
        yield _fit(cells, texts)
    if not table.rows:
        yield [st.text("Belum ada langkah yang tercatat.", "subtitle")]


def _compliance_shown(value: object) -> object:
    return value.strftime("%d/%m/%Y %H:%M") if isinstance(value, datetime) else value


def _compliance_cell(st: _Styles, value: object, zone: ZoneInfo) -> str | None:
    if value is None:
        return st.blank("text")
    if isinstance(value, bool):
        return st.text("Ya" if value else "Tidak", "text")
    if isinstance(value, datetime):
        return st.moment(_local(value, zone), "datetime")
    if isinstance(value, int):
        return st.number(value, "int")
    if isinstance(value, (Decimal, float)):
        return st.number(value, "num")
    return st.text(value, "wrap")


# --------------------------------------------------------------------------- chart


def _label(text: str, limit: int = 48) -> str:
    """Chart label: shortened, and "$" escaped so matplotlib does not read it as math."""
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("$", r"\$")


def build_chart(data: RecapInput) -> bytes:
    """PNG: capaian per program (bars, line at 100) and the number of indicators per predikat.

    Uses a bare matplotlib Figure with the Agg canvas: no pyplot global state, no display, and
    nothing left behind between calls. matplotlib is imported here because only the chart needs
    it and its import is slow.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    programs = [node for node in data.tree if node.depth == 0]
    height = max(4.5, 0.34 * len(programs) + 2.2)
    fig = Figure(figsize=(13, height), dpi=100, layout="constrained")
    canvas = FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2.3, 1]})
    _draw_programs(left, programs, data)
    _draw_predikat(right, data)
    fig.suptitle(_label(f"{data.office} — Periode {data.period}", 110), fontsize=13)
    buffer = BytesIO()
    canvas.print_png(buffer)
    fig.clear()
    return buffer.getvalue()


def _draw_programs(ax: Any, programs: Sequence[TreeNode], data: RecapInput) -> None:
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
        shown = "N/A" if node.capaian is None else _fmt(node.capaian, 2)
        ax.text(value + top * 0.01, position, shown, va="center", fontsize=8)
    ax.set_xlabel("Capaian (%)")
    ax.set_title("Capaian per Program (garis putus = 100%)")
    if not programs:
        ax.text(0.5, 0.5, "Belum ada program", transform=ax.transAxes, ha="center")


def _draw_predikat(ax: Any, data: RecapInput) -> None:
    from matplotlib.ticker import MaxNLocator

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
