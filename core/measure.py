"""One indicator's capaian in one period: consolidation across triwulan, then the polarity rule.

Pure: the same function serves the /lapor confirmation, the evaluation card and the recap, so a
number shown in chat is the number in the workbook. Every result carries the rule text that
produced it (consolidation, formula, bound, cap).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from core.capaian import (
    Capaian,
    CapaianRules,
    Konsolidasi,
    Polaritas,
    Target,
    compute,
    consolidate,
    format_target,
    predikat,
    target_from_text,
)
from core.numbers import format_exact, format_id

__all__ = [
    "IndicatorSpec",
    "Measured",
    "measure",
    "rules_text",
]


@lru_cache(maxsize=8192)
def _stored_target(text: str) -> Target:
    """Targets repeat across thousands of indicators (80, 100, 80-90): read each text once."""
    return target_from_text(text)


@dataclass(frozen=True)
class IndicatorSpec:
    """What the capaian of an indicator depends on, read from its Kertas Kerja row."""

    satuan: str
    polaritas: Polaritas
    konsolidasi: Konsolidasi
    target_tahunan: Target
    target_tw: tuple[Target | None, Target | None, Target | None, Target | None]

    @classmethod
    def from_stored(
        cls,
        satuan: str,
        polaritas: str,
        konsolidasi: str,
        target_tahunan: str,
        target_tw: tuple[str | None, str | None, str | None, str | None],
    ) -> IndicatorSpec:
        """From the database's machine-form targets (core.capaian.target_to_text)."""
        tws = tuple(_stored_target(t) if t else None for t in target_tw)
        return cls(
            satuan=satuan,
            polaritas=Polaritas.parse(polaritas),
            konsolidasi=Konsolidasi.parse(konsolidasi),
            target_tahunan=_stored_target(target_tahunan),
            target_tw=tws,  # type: ignore[arg-type]
        )

    def period_target(self, triwulan: int | None) -> Target:
        """The target the capaian of that period is measured against, from the one rule
        (`consolidate`): a triwulan target of 0 stays 0, kumulatif sums TW I up to it."""
        return consolidate(
            self.konsolidasi, triwulan, {}, dict(enumerate(self.target_tw, 1)), self.target_tahunan
        )[1]

    def uses_earlier(self, triwulan: int | None) -> bool:
        """Whether other triwulan's figures enter the measure (`consolidate`): never for TW I
        nor for a triwulan's nilai akhir, so a figure there is measured without reading them."""
        if triwulan is None:
            return True
        return triwulan > 1 and self.konsolidasi is not Konsolidasi.NILAI_AKHIR

    def period_target_text(self, triwulan: int | None) -> str:
        """The period's target with its unit as people read it (`0 %`, `80–90 %`); a summed
        one says it is kumulatif."""
        text = f"{format_target(self.period_target(triwulan))} {self.satuan}"
        if self.konsolidasi is Konsolidasi.KUMULATIF and triwulan is not None and triwulan > 1:
            text += " (kumulatif TW I s.d. triwulan ini)"
        return text


@dataclass(frozen=True)
class Measured:
    """Capaian of an indicator for a period: what was compared with what, and by which rule."""

    realisasi: Decimal | None
    compared: Decimal | None
    target: Target
    capaian: Capaian
    predikat: str | None
    rule: str

    @property
    def target_text(self) -> str:
        return format_target(self.target)

    @property
    def below_target(self) -> bool:
        """Capaian under 100: the report's analysis explains it with the faktor penghambat."""
        return self.capaian.raw is not None and self.capaian.raw < 100


def measure(
    spec: IndicatorSpec,
    triwulan: int | None,
    realisasi: Decimal | None,
    earlier: Mapping[int, Decimal],
    rules: CapaianRules,
) -> Measured:
    """Capaian of `realisasi` reported for a triwulan (1..4) or the Tahunan period (None).

    `earlier` holds the validated figures of the same indicator (same kode, same year) for other
    triwulan: kumulatif sums them, a Tahunan period without its own figure is built from them.
    """
    by_tw: dict[int, Decimal | None] = dict(earlier)
    if triwulan is not None:
        by_tw = {tw: v for tw, v in by_tw.items() if tw < triwulan}
        by_tw[triwulan] = realisasi
    r, target, how = consolidate(
        spec.konsolidasi,
        triwulan,
        by_tw,
        dict(enumerate(spec.target_tw, 1)),
        spec.target_tahunan,
        realisasi if triwulan is None else None,
    )
    if realisasi is None and triwulan is not None:
        r = None  # nothing reported this triwulan: no capaian, whatever came before
    result = compute(r, target, spec.polaritas, rules)
    rule = result.rule if r is None else f"{how}; {result.rule}"
    return Measured(realisasi, r, target, result, predikat(result.capped, rules), rule)


def rules_text(rules: CapaianRules) -> str:
    """The office's capaian rules in Indonesian, one per line, for the workbook's Info sheet."""
    negative = (
        "(2 − R/T) × 100, paling rendah 0 (kondisi khusus PermenPANRB 8/2021)"
        if rules.negative_variant == "khusus"
        else "T/R × 100 (R ≤ 0 dihitung sama dengan batas atas)"
    )
    bands = "; ".join(f"≥ {format_exact(threshold)} {name}" for threshold, name in rules.bands[:-1])
    lowest = rules.bands[-1][1]
    weight = (
        "rata-rata berbobot pagu bila semua bagian berpagu, selain itu rata-rata biasa"
        if rules.weight_by_pagu
        else "rata-rata biasa"
    )
    return "\n".join(
        [
            "Polaritas positif: capaian = R/T × 100.",
            f"Polaritas negatif: capaian = {negative}.",
            "Target rentang: di dalam rentang = 100; di atas dibanding batas atas, di bawah "
            "dibanding batas bawah, dengan rumus polaritasnya.",
            "Target 0: positif = N/A (tidak ikut dirata-rata); negatif: R = 0 → 100, R > 0 → 0.",
            "Kumulatif: jumlah realisasi TW I s.d. triwulan ini dibanding jumlah targetnya. "
            "Nilai akhir: realisasi triwulan ini dibanding target triwulan ini. "
            "Tahunan: dibanding target tahunan.",
            f"Capaian disimpan apa adanya; untuk predikat dan rata-rata dibatasi "
            f"{format_id(rules.cap, 0)}%.",
            f"Predikat: {bands}; di bawahnya {lowest}.",
            "Capaian Program/Kegiatan/Sub Kegiatan yang punya indikator sendiri = rata-rata "
            "biasa capaian indikatornya sendiri; yang tidak punya = "
            f"{weight} capaian Kegiatan/Sub Kegiatan di bawahnya. Baris struktur (tanpa "
            "indikator) tidak dihitung sebagai indikator.",
            "N/A (mis. target 0) dan indikator yang tidak dilaporkan tidak ikut dirata-rata; "
            "keduanya dihitung terpisah.",
            "Serapan = realisasi anggaran ÷ pagu × 100; efisiensi = capaian ÷ serapan.",
        ]
    )
