"""Capaian (achievement against target), predikat, consolidation, aggregation and budget.

Pure: standard library only. Offices differ in these rules, so the variable parts come in as a
`CapaianRules` value and every `Capaian` records, in Indonesian, the rule that produced it.
All arithmetic is `Decimal` in a local context of 60 digits; nothing is rounded here (display
rounding is `core.numbers.format_id`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext
from enum import Enum
from typing import Literal

from core.numbers import NumberError, format_exact, parse_number

__all__ = [
    "DEFAULT_BANDS",
    "Aggregate",
    "Capaian",
    "CapaianRules",
    "Konsolidasi",
    "Polaritas",
    "Rentang",
    "Target",
    "UnitCapaian",
    "aggregate",
    "compute",
    "consolidate",
    "efisiensi",
    "format_target",
    "parse_target",
    "predikat",
    "serapan",
    "target_from_text",
    "target_to_text",
    "unit_capaian",
]

_CTX = Context(prec=60)
_HUNDRED = Decimal(100)
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}

NA_TARGET_0 = "N/A (target 0)"
NA_TARGET_NEGATIF = "N/A (target negatif)"
NA_NO_REALISASI = "belum ada realisasi"

DEFAULT_BANDS: tuple[tuple[Decimal, str], ...] = (
    (Decimal(91), "Sangat Tinggi"),
    (Decimal(76), "Tinggi"),
    (Decimal(66), "Sedang"),
    (Decimal(51), "Rendah"),
    (Decimal(0), "Sangat Rendah"),
)
"""Permendagri 86/2017: each band starts at its threshold (inclusive) and runs up to the next.

The lowest band also takes everything below its threshold (a negative capaian is Sangat Rendah).
"""


@dataclass(frozen=True)
class CapaianRules:
    """The office's capaian settings, built once from the configuration and passed in."""

    cap: Decimal = Decimal(120)
    bands: tuple[tuple[Decimal, str], ...] = DEFAULT_BANDS
    negative_variant: Literal["khusus", "rasio"] = "khusus"
    weight_by_pagu: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.cap, Decimal) or not self.cap.is_finite() or self.cap <= 0:
            raise ValueError("cap must be a positive Decimal")
        if self.negative_variant not in ("khusus", "rasio"):
            raise ValueError("negative_variant must be 'khusus' or 'rasio'")
        if not self.bands:
            raise ValueError("bands must not be empty")
        # Accept bands in any order from the configuration; keep them highest first.
        ordered = tuple(sorted(((Decimal(t), n) for t, n in self.bands), key=lambda b: -b[0]))
        thresholds = [t for t, _ in ordered]
        if len(set(thresholds)) != len(thresholds):
            raise ValueError("band thresholds must be distinct")
        object.__setattr__(self, "bands", ordered)


DEFAULT_RULES = CapaianRules()


class Polaritas(str, Enum):
    """Positif: higher is better. Negatif: lower is better (e.g. open unemployment)."""

    POSITIF = "positif"
    NEGATIF = "negatif"

    @classmethod
    def parse(cls, text: str) -> Polaritas:
        """Read a Kertas Kerja cell ("Positif", " negatif ")."""
        return cls(" ".join(text.split()).lower())


class Konsolidasi(str, Enum):
    """How triwulan figures combine: summed so far, or the latest value only."""

    KUMULATIF = "kumulatif"
    NILAI_AKHIR = "nilai akhir"

    @classmethod
    def parse(cls, text: str) -> Konsolidasi:
        """Read a Kertas Kerja cell ("Kumulatif", "Nilai Akhir", "nilai_akhir")."""
        return cls(" ".join(text.replace("_", " ").split()).lower())


@dataclass(frozen=True)
class Rentang:
    """A range target (`80–90`): realisation inside the range is 100 % achievement."""

    lo: Decimal
    hi: Decimal

    def __post_init__(self) -> None:
        if self.lo > self.hi:
            raise ValueError("lo must not exceed hi")


Target = Decimal | Rentang
"""A target: one value, or a range."""


# ---------------------------------------------------------------------------------------------
# Targets


_WORD_SEP = re.compile(r"\s*(?:\bs\.\s*d\b\.?|\bs/d\b|\bsd\b|\bsampai\b|\bhingga\b)\s*", re.I)
_DASH_SEP = re.compile(r"\s*[–—]\s*")
# A hyphen is a range separator only after a digit, %, or a word (a leading hyphen is a minus).
_HYPHEN_SEP = re.compile(r"(?<=[0-9%A-Za-z])\s*-(?!\s*$)\s*")

RANGE_HINT = "Tulis satu angka (misalnya 85) atau rentang (misalnya 80–90 atau 80 s.d. 90)."


def parse_target(text: str) -> Target:
    """Read a target cell: one number, or a range written `80–90`, `80-90`, `80 s.d. 90`."""
    sides = _split_range(text or "")
    try:
        values = [parse_number(side).value for side in sides]
    except NumberError as exc:
        if len(sides) == 1:
            raise
        raise NumberError(f"Rentang tidak terbaca: {exc} {RANGE_HINT}") from exc
    if len(values) == 1:
        return values[0]
    lo, hi = values
    if lo > hi:
        raise NumberError(
            "Batas bawah rentang lebih besar dari batas atas. Tulis yang kecil dulu, "
            "misalnya 80–90."
        )
    return lo if lo == hi else Rentang(lo, hi)


def _split_range(text: str) -> list[str]:
    """Split at the one range separator, if there is one; refuse two."""
    for pattern in (_WORD_SEP, _DASH_SEP, _HYPHEN_SEP):
        parts = pattern.split(text.strip(), maxsplit=2)
        if len(parts) > 2:
            raise NumberError(f"Rentang hanya punya dua batas. {RANGE_HINT}")
        if len(parts) == 2:
            return parts
    return [text]


def format_target(target: Target) -> str:
    """Indonesian display of a target without rounding: `85`, `80–90`, `1.234,5`."""
    if isinstance(target, Rentang):
        return f"{format_exact(target.lo)}–{format_exact(target.hi)}"
    return format_exact(target)


_STORED = re.compile(r"(-?[0-9]+(?:\.[0-9]+)?)(?:-(-?[0-9]+(?:\.[0-9]+)?))?")


def target_to_text(target: Target) -> str:
    """Machine form for storage: decimal point, no grouping, `lo-hi` for a range (`-5--2`).

    Not for people: `parse_target` reads `2.125` as 2125 (Indonesian thousands), this does not.
    """
    lo, hi = _bounds(target)
    lo_text = _plain(lo)
    return lo_text if not isinstance(target, Rentang) else f"{lo_text}-{_plain(hi)}"


def target_from_text(text: str) -> Target:
    """Read `target_to_text` output (the Kertas Kerja import stores targets in this form)."""
    match = _STORED.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a stored target: {text!r}")
    lo = Decimal(match[1])
    return lo if match[2] is None else Rentang(lo, Decimal(match[2]))


def _plain(value: Decimal) -> str:
    text = format(value.normalize(_CTX), "f")
    return "0" if text == "-0" else text


def _bounds(target: Target) -> tuple[Decimal, Decimal]:
    return (target.lo, target.hi) if isinstance(target, Rentang) else (target, target)


def _sum_targets(targets: Iterable[Target]) -> Target:
    """Ranges add bound by bound; a single value counts as a range of width zero."""
    lo = hi = Decimal(0)
    for t in targets:
        t_lo, t_hi = _bounds(t)
        lo += t_lo
        hi += t_hi
    return lo if lo == hi else Rentang(lo, hi)


# ---------------------------------------------------------------------------------------------
# Capaian of one indicator


@dataclass(frozen=True)
class Capaian:
    """One indicator's achievement: the raw value, the capped value and how it was computed.

    `raw` is unrounded and uncapped (stored and shown next to the capped value); `capped` is
    `min(raw, cap)` and is what predikat and aggregation use. Both are None when N/A, and then
    `na_reason` says why.
    """

    raw: Decimal | None
    capped: Decimal | None
    rule: str
    cap_applied: bool = False
    na_reason: str | None = None

    @property
    def is_na(self) -> bool:
        return self.raw is None


def compute(
    realisasi: Decimal | None,
    target: Target,
    polaritas: Polaritas,
    rules: CapaianRules = DEFAULT_RULES,
) -> Capaian:
    """Capaian of a realisation against a target by the indicator's polarity and office rules.

    Positif R/T×100. Negatif "khusus" (PermenPANRB 8/2021) (2−R/T)×100, not below 0; negatif
    "rasio" T/R×100, where R ≤ 0 (nothing left of what should shrink) counts as the cap. A range
    is 100 inside, else the polarity formula against the nearer bound. Target 0: positif is N/A,
    negatif is 100 for R ≤ 0 and 0 above. A negative target has no meaningful ratio: N/A.
    """
    if realisasi is None:
        return Capaian(raw=None, capped=None, rule=NA_NO_REALISASI, na_reason=NA_NO_REALISASI)
    r = _as_decimal(realisasi)
    polaritas = Polaritas(polaritas)
    with localcontext(_CTX):
        if isinstance(target, Rentang):
            res = _range_raw(r, target, polaritas, rules)
        else:
            res = _single_raw(r, _as_decimal(target), polaritas, rules)
    if res.raw is None:
        return Capaian(raw=None, capped=None, rule=res.rule, na_reason=res.na_reason)
    if res.at_cap:
        return Capaian(raw=res.raw, capped=rules.cap, rule=res.rule, cap_applied=True)
    if res.raw > rules.cap:
        rule = f"{res.rule}; dibatasi {format_exact(rules.cap)}"
        return Capaian(raw=res.raw, capped=rules.cap, rule=rule, cap_applied=True)
    return Capaian(raw=res.raw, capped=res.raw, rule=res.rule)


@dataclass(frozen=True)
class _Raw:
    """Intermediate result: raw value (None for N/A), rule text, and whether R≤0 hit the cap."""

    raw: Decimal | None
    rule: str
    na_reason: str | None = None
    at_cap: bool = False


def _na(reason: str) -> _Raw:
    return _Raw(raw=None, rule=reason, na_reason=reason)


def _single_raw(r: Decimal, t: Decimal, polaritas: Polaritas, rules: CapaianRules) -> _Raw:
    """The polarity formula against one target value."""
    if t < 0:
        return _na(NA_TARGET_NEGATIF)
    if polaritas is Polaritas.POSITIF:
        if t == 0:
            return _na(NA_TARGET_0)
        return _Raw(r * _HUNDRED / t, "R/T×100")
    if t == 0:
        if r == 0:
            return _Raw(_HUNDRED, "target 0, negatif: R=0 → 100")
        if r < 0:
            return _Raw(_HUNDRED, "target 0, negatif: R<0 → 100")
        return _Raw(Decimal(0), "target 0, negatif: R>0 → 0")
    if rules.negative_variant == "rasio":
        if r <= 0:
            # T/R grows without bound as R falls to 0: the best possible result, i.e. the cap.
            cap = format_exact(rules.cap)
            return _Raw(rules.cap, f"T/R×100; R≤0 → batas atas {cap}", at_cap=True)
        return _Raw(t * _HUNDRED / r, "T/R×100")
    # (2 − R/T)×100 written as (2T − R)×100/T: one rounding only, so exactly 100 at R = T.
    return _Raw(max(Decimal(0), (2 * t - r) * _HUNDRED / t), "(2−R/T)×100, batas bawah 0")


def _range_raw(r: Decimal, target: Rentang, polaritas: Polaritas, rules: CapaianRules) -> _Raw:
    """Inside the range 100; outside, the polarity formula with T = the nearer bound."""
    shown = format_target(target)
    if target.lo <= r <= target.hi:
        return _Raw(_HUNDRED, f"rentang {shown}: di dalam rentang = 100")
    if r > target.hi:
        where, bound = f"di atas, dibanding batas atas {format_exact(target.hi)}", target.hi
    else:
        where, bound = f"di bawah, dibanding batas bawah {format_exact(target.lo)}", target.lo
    inner = _single_raw(r, bound, polaritas, rules)
    rule = f"rentang {shown}: {where} ({polaritas.value}): {inner.rule}"
    return _Raw(inner.raw, rule, na_reason=inner.na_reason, at_cap=inner.at_cap)


def _as_decimal(value: Decimal | int) -> Decimal:
    """Accept Decimal or int; refuse float, which would make the result inexact."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"expected Decimal or int, got {type(value).__name__}")
    return Decimal(value)


def predikat(value: Decimal | None, rules: CapaianRules = DEFAULT_RULES) -> str | None:
    """The rating band of a capaian (capped here too, so a raw value gives the same answer)."""
    if value is None:
        return None
    value = min(value, rules.cap)
    for threshold, name in rules.bands:
        if value >= threshold:
            return name
    return rules.bands[-1][1]


# ---------------------------------------------------------------------------------------------
# Consolidation across triwulan


def consolidate(
    konsolidasi: Konsolidasi,
    triwulan: int | None,
    realisasi_by_tw: Mapping[int, Decimal | None],
    target_by_tw: Mapping[int, Target | None],
    target_tahunan: Target,
    realisasi_tahunan: Decimal | None = None,
) -> tuple[Decimal | None, Target, str]:
    """The (R, T, explanation) to feed `compute` for a triwulan (1..4) or Tahunan (None).

    Kumulatif sums the reported realisations TW I..tw against the summed targets; nilai akhir
    takes that triwulan's value against its target. A triwulan target left empty counts as 0
    when summing and falls back to the annual target for nilai akhir (both said in the text).
    Tahunan is against the annual target, with a reported annual figure or one built from TW I–IV.
    """
    konsolidasi = Konsolidasi(konsolidasi)
    reported = {tw: r for tw, r in realisasi_by_tw.items() if tw in _ROMAN and r is not None}
    if triwulan is None:
        return _tahunan(konsolidasi, reported, target_tahunan, realisasi_tahunan)
    if triwulan not in _ROMAN:
        raise ValueError(f"triwulan must be 1..4 or None, got {triwulan!r}")
    name = f"TW {_ROMAN[triwulan]}"
    if konsolidasi is Konsolidasi.NILAI_AKHIR:
        target = target_by_tw.get(triwulan)
        text = f"nilai akhir {name}: realisasi {name} dibanding target {name}"
        if target is None:
            target = target_tahunan
            text = f"nilai akhir {name}: target {name} kosong, dipakai target tahunan"
        r = reported.get(triwulan)
        return r, target, text if r is not None else f"{text}; {name} belum dilaporkan"
    span = range(1, triwulan + 1)
    span_text = "TW I" if triwulan == 1 else f"TW I–{_ROMAN[triwulan]}"
    with localcontext(_CTX):
        target = _sum_targets(t for tw in span if (t := target_by_tw.get(tw)) is not None)
        total = sum((reported[tw] for tw in span if tw in reported), Decimal(0))
    notes = [f"kumulatif {span_text}: jumlah realisasi dibanding jumlah target"]
    if empty := [_ROMAN[tw] for tw in span if target_by_tw.get(tw) is None]:
        notes.append(f"target TW {', '.join(empty)} kosong, dihitung 0")
    if missing := [_ROMAN[tw] for tw in span if tw not in reported]:
        notes.append(f"TW {', '.join(missing)} belum dilaporkan")
    r = total if triwulan in reported else None
    return r, target, "; ".join(notes)


def _tahunan(
    konsolidasi: Konsolidasi,
    reported: Mapping[int, Decimal],
    target_tahunan: Target,
    realisasi_tahunan: Decimal | None,
) -> tuple[Decimal | None, Target, str]:
    if realisasi_tahunan is not None:
        return realisasi_tahunan, target_tahunan, "tahunan: realisasi tahunan yang dilaporkan"
    if not reported:
        return None, target_tahunan, "tahunan: belum ada realisasi TW I–IV"
    missing = [_ROMAN[tw] for tw in range(1, 5) if tw not in reported]
    note = f"; TW {', '.join(missing)} belum dilaporkan" if missing else ""
    if konsolidasi is Konsolidasi.KUMULATIF:
        with localcontext(_CTX):
            total = sum(reported.values(), Decimal(0))
        text = f"tahunan kumulatif: jumlah realisasi TW I–IV dibanding target tahunan{note}"
        return total, target_tahunan, text
    latest = max(reported)
    text = (
        f"tahunan nilai akhir: realisasi TW {_ROMAN[latest]} (terakhir dilaporkan) "
        f"dibanding target tahunan"
    )
    return reported[latest], target_tahunan, text


# ---------------------------------------------------------------------------------------------
# Aggregation up the tree and budget


@dataclass(frozen=True)
class Aggregate:
    """Mean capaian of a node's children: `count` items averaged, `na_count` left out."""

    value: Decimal | None
    count: int
    na_count: int
    weighted: bool = False


def aggregate(
    values: Sequence[tuple[Decimal | None, Decimal | None]],
    rules: CapaianRules = DEFAULT_RULES,
) -> Aggregate:
    """Mean of (capped capaian, pagu) items, N/A (None) left out and counted.

    Weighted by pagu when the office asks for it and every counted item has a positive pagu;
    otherwise (a weight missing or zero) the plain mean, so one missing pagu cannot silently
    drop an item. Values above the cap are capped here too, so passing raw values is safe.
    """
    present = [(min(v, rules.cap), w) for v, w in values if v is not None]
    na_count = len(values) - len(present)
    if not present:
        return Aggregate(value=None, count=0, na_count=na_count)
    weighted = rules.weight_by_pagu and all(w is not None and w > 0 for _, w in present)
    with localcontext(_CTX):
        if weighted:
            total_w = sum((w for _, w in present if w is not None), Decimal(0))
            mean = sum((v * w for v, w in present if w is not None), Decimal(0)) / total_w
        else:
            mean = sum((v for v, _ in present), Decimal(0)) / len(present)
    return Aggregate(value=mean, count=len(present), na_count=na_count, weighted=weighted)


@dataclass(frozen=True)
class UnitCapaian:
    """A program's, kegiatan's or sub kegiatan's capaian and the figure its predikat comes from.

    `own` averages the unit's own indicators (None when it has none), `children` the units
    under it that have indicators (None when there are none). `value` is `own` whenever the unit
    has indicators of its own, as the LKjIP reports it; only a unit without them takes
    `children`. `rule` says which, in Indonesian.
    """

    value: Decimal | None
    own: Aggregate | None
    children: Aggregate | None
    rule: str


def unit_capaian(
    own: Sequence[Decimal | None],
    children: Sequence[tuple[Decimal | None, Decimal | None]],
    child_level: str,
    rules: CapaianRules = DEFAULT_RULES,
) -> UnitCapaian:
    """Own indicators' capped capaian first; the mean of the units below only without them.

    `own` holds the capped capaian of the unit's own indicators (None for N/A or missing),
    `children` the (capaian, pagu) of each unit under it that has indicators, `child_level`
    their level as the rule text names it ("kegiatan", "sub kegiatan").
    """
    mine = aggregate([(value, None) for value in own], rules) if own else None
    under = aggregate(children, rules) if children else None
    if mine is not None:
        rule = f"indikator sendiri ({_mean_text(mine, 'indikator')})"
        if under is not None:
            rule += f"; bukan rata-rata {child_level} di bawahnya"
        return UnitCapaian(mine.value, mine, under, rule)
    if under is not None:
        rule = f"rata-rata {child_level} di bawahnya ({_mean_text(under, child_level)}); "
        return UnitCapaian(under.value, None, under, rule + "tanpa indikator sendiri")
    return UnitCapaian(None, None, None, "belum ada indikator")


def _mean_text(mean: Aggregate, what: str) -> str:
    """ "2 indikator", "tertimbang pagu, 3 sub kegiatan, 1 tanpa capaian tidak dihitung"."""
    if mean.value is None:
        return f"tidak ada {what} yang bercapaian"
    parts = ["tertimbang pagu"] if mean.weighted else []
    parts.append(f"{mean.count} {what}")
    if mean.na_count:
        parts.append(f"{mean.na_count} tanpa capaian tidak dihitung")
    return ", ".join(parts)


def serapan(pagu: Decimal | None, realisasi_anggaran: Decimal | None) -> Decimal | None:
    """Budget absorption in %: realisasi anggaran ÷ pagu × 100; None without a positive pagu."""
    if pagu is None or realisasi_anggaran is None or pagu <= 0:
        return None
    with localcontext(_CTX):
        return realisasi_anggaran * _HUNDRED / pagu


def efisiensi(capaian: Decimal | None, serapan: Decimal | None) -> Decimal | None:
    """Capaian ÷ serapan, an index: above 1 means more performance than the share of money spent.

    1 means performance in proportion to spending; None when either is missing or nothing was
    spent (serapan 0 or less), since the ratio then says nothing.
    """
    if capaian is None or serapan is None or serapan <= 0:
        return None
    with localcontext(_CTX):
        return capaian / serapan
