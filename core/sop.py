"""The SOP Pengukuran Data Kinerja as data: the engine reads this table, nothing else numbers steps.

Source: SOP no. 560/.720./416-107/2024, Dinas Tenaga Kerja Kabupaten Mojokerto (see shared/sop.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Role(str, Enum):
    """Duties on top of being an ASN; every active user is an ASN."""

    KEPALA_DINAS = "kepala_dinas"
    SEKRETARIS = "sekretaris"
    TIM_SAKIP = "tim_sakip"
    ASN = "asn"
    # The regency's readers across every OPD (issue 12): they hold no step of any OPD's SOP.
    BAPPEDA = "bappeda"
    INSPEKTORAT = "inspektorat"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.KEPALA_DINAS: "Kepala Dinas",
    Role.SEKRETARIS: "Sekretaris",
    Role.TIM_SAKIP: "Tim SAKIP",
    Role.ASN: "ASN",
    Role.BAPPEDA: "Bappeda",
    Role.INSPEKTORAT: "Inspektorat",
}
# Duties that read across the regency; only a regency admin (ADMIN_IDS) gives them.
REGENCY_ROLES = (Role.BAPPEDA, Role.INSPEKTORAT)

# Who is told when the holder of a step ignores its reminders.
SUPERIOR = {
    Role.ASN: Role.TIM_SAKIP,
    Role.TIM_SAKIP: Role.SEKRETARIS,
    Role.SEKRETARIS: Role.KEPALA_DINAS,
    Role.KEPALA_DINAS: None,
}


class Output(str, Enum):
    """How a step is finished: what the actor must hand in."""

    DOCUMENT = "dokumen"
    DECISION = "keputusan"
    FORWARD = "teruskan"
    AUTOMATIC = "otomatis"
    # Ends by itself when the data is complete (every figure in, every figure valid).
    DATA = "data"


@dataclass(frozen=True)
class Waktu:
    """The SOP's time standard: working minutes, or whole working days ("1 hari")."""

    minutes: int = 0
    days: int = 0

    @property
    def label(self) -> str:
        if self.days:
            return f"{self.days} hari kerja"
        if self.minutes:
            return f"{self.minutes} menit"
        return "-"

    @property
    def is_set(self) -> bool:
        return bool(self.minutes or self.days)


@dataclass(frozen=True)
class Step:
    no: int
    kegiatan: str
    actor: Role
    kelengkapan: tuple[str, ...]
    waktu: Waktu
    output: str
    output_kind: Output
    next_step: int | None
    on_reject: int | None = None
    # A rejection that names indicators reopens this step for those figures only.
    on_reject_figures: int | None = None
    # Who may end a data step before it is complete (the missing items are recorded).
    closable_by: Role | None = None
    # Its document is the Kertas Kerja that defines the period's indicators.
    defines_indicators: bool = False

    @property
    def title(self) -> str:
        return f"Langkah {self.no}"


STEPS: tuple[Step, ...] = (
    Step(
        1,
        "Kepala Dinas memerintahkan Sekretaris untuk melakukan pengukuran data kinerja",
        Role.KEPALA_DINAS,
        ("Nota Dinas",),
        Waktu(minutes=5),
        "Nota Dinas",
        Output.DOCUMENT,
        2,
    ),
    Step(
        2,
        "Sekretaris melakukan rapat dengan Tim SAKIP untuk memberikan arahan pelaksanaan "
        "kegiatan pengukuran data kinerja",
        Role.SEKRETARIS,
        ("Nota Dinas",),
        Waktu(minutes=60),
        "Notulen Rapat",
        Output.DOCUMENT,
        3,
    ),
    Step(
        3,
        "Tim SAKIP menyusun rencana kegiatan pengukuran kinerja",
        Role.TIM_SAKIP,
        ("Notulen Rapat",),
        Waktu(minutes=120),
        "Notulen Rapat (rencana kegiatan)",
        Output.DOCUMENT,
        4,
    ),
    Step(
        4,
        "Tim SAKIP menyiapkan metodologi pengukuran capaian kinerja untuk tiap-tiap program, "
        "kegiatan dan sub kegiatan berdasarkan indikator kinerja yang SMART",
        Role.TIM_SAKIP,
        ("Renja", "Perjanjian Kinerja", "IKU", "IKI"),
        Waktu(days=1),
        "Kertas Kerja Pengukuran Data Kinerja",
        Output.DOCUMENT,
        5,
        defines_indicators=True,
    ),
    Step(
        5,
        "Seluruh ASN Internal melakukan pengukuran capaian kinerja menggunakan metodologi "
        "yang telah ditetapkan",
        Role.ASN,
        ("Kertas Kerja Pengukuran Data Kinerja",),
        Waktu(days=1),
        "Kertas Kerja Pengukuran Data Kinerja (terisi)",
        Output.DATA,
        6,
        closable_by=Role.TIM_SAKIP,
    ),
    Step(
        6,
        "Tim SAKIP melakukan evaluasi capaian kinerja menggunakan metodologi yang telah ditetapkan",
        Role.TIM_SAKIP,
        ("Kertas Kerja Pengukuran Data Kinerja",),
        Waktu(days=1),
        "Kertas Kerja Pengukuran Data Kinerja (dievaluasi)",
        Output.DATA,
        7,
    ),
    Step(
        7,
        "Tim SAKIP merekap seluruh hasil pengukuran capaian kinerja untuk tiap-tiap program, "
        "kegiatan dan sub kegiatan",
        Role.TIM_SAKIP,
        ("Kertas Kerja Pengukuran Data Kinerja",),
        Waktu(minutes=120),
        "Rekapitulasi Hasil Pengukuran Data Kinerja",
        Output.DOCUMENT,
        8,
    ),
    Step(
        8,
        "Tim SAKIP melaporkan hasil rekapitulasi pengukuran kinerja kepada Sekretaris",
        Role.TIM_SAKIP,
        ("Rekapitulasi Hasil Pengukuran Data Kinerja",),
        Waktu(minutes=60),
        "Draft Laporan Hasil Pengukuran Data Kinerja",
        Output.DOCUMENT,
        9,
    ),
    Step(
        9,
        "Sekretaris menganalisa hasil rekapitulasi pengukuran kinerja: setuju menjadi bahan "
        "Laporan Kinerja dan evaluasi, atau dikembalikan ke Tim SAKIP untuk diperbaiki",
        Role.SEKRETARIS,
        ("Draft Laporan Hasil Pengukuran Data Kinerja",),
        Waktu(minutes=120),
        "Laporan Hasil Pengukuran Data Kinerja",
        Output.DECISION,
        10,
        on_reject=7,
        on_reject_figures=6,
    ),
    Step(
        10,
        "Sekretaris melaporkan data pengukuran kinerja kepada Kepala Dinas",
        Role.SEKRETARIS,
        ("Laporan Hasil Pengukuran Data Kinerja",),
        Waktu(minutes=30),
        "Laporan Hasil Pengukuran Data Kinerja",
        Output.FORWARD,
        11,
    ),
    Step(
        11,
        "Pengarsipan data kinerja",
        Role.ASN,
        (),
        Waktu(),
        "Arsip Hasil Pengukuran Data Kinerja",
        Output.AUTOMATIC,
        None,
    ),
)

BY_NO = {s.no: s for s in STEPS}
FIRST_STEP = STEPS[0].no
DECISION_STEP = next(s.no for s in STEPS if s.output_kind is Output.DECISION)
INDICATORS_STEP = next(s.no for s in STEPS if s.defines_indicators)
# The step that receives the approved report: the one after the decision.
REPORT_STEP = BY_NO[DECISION_STEP].next_step


def step(no: int) -> Step:
    return BY_NO[no]


def output_of(no: int) -> str:
    """Name of the document a step produces, used as the document kind in the archive."""
    return BY_NO[no].output


SOP_NUMBER = "560/.720./416-107/2024"
LEGAL_BASIS = (
    "Peraturan Presiden Nomor 29 Tahun 2014 tentang Sistem Akuntabilitas Kinerja Instansi "
    "Pemerintah (SAKIP);",
    "Peraturan Menteri PANRB Nomor 53 Tahun 2014 tentang Petunjuk Teknis Perjanjian Kinerja, "
    "Pelaporan Kinerja dan Tata Cara Reviu atas Laporan Kinerja Instansi Pemerintah;",
    "Peraturan Menteri PANRB Nomor 88 Tahun 2021 tentang Evaluasi Akuntabilitas Kinerja "
    "Instansi Pemerintah;",
    f"Standar Operasional Prosedur Pengukuran Data Kinerja Nomor {SOP_NUMBER}.",
)
"""The SOP's legal basis (Dasar Hukum), quoted in the report's Pendahuluan."""
