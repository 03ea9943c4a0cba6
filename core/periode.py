"""Period names: what the Kepala Dinas may type for /mulai, and its one canonical spelling."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.engine import SopError

_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}
_NAME = re.compile(
    r"^\s*(?:(?:triwulan|tw|trw)\s*(?P<tw>iv|iii|ii|i|[1-4])|(?P<thn>tahunan))\s+(?P<year>\d{4})\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PeriodName:
    name: str
    year: int
    triwulan: int | None


def parse_period_name(text: str) -> PeriodName:
    """`Triwulan I 2025`, `TW 2 2025`, `Tahunan 2025` → one spelling, so names compare equal."""
    m = _NAME.match(text or "")
    if not m or not 2000 <= int(m["year"]) <= 2100:
        raise SopError(
            "Nama periode tidak dikenali. Tulis triwulan (I–IV) atau Tahunan, lalu tahunnya, "
            "misalnya: Triwulan I 2025 atau Tahunan 2025."
        )
    year = int(m["year"])
    if m["thn"]:
        return PeriodName(f"Tahunan {year}", year, None)
    tw = m["tw"].upper()
    number = int(tw) if tw.isdigit() else _ROMAN[tw]
    roman = next(k for k, v in _ROMAN.items() if v == number)
    return PeriodName(f"Triwulan {roman} {year}", year, number)


_KEY_PARTS = ("1", "2", "3", "4", "T")


def period_key(name: str) -> str:
    """A short key of a canonical period name for a button's data: `2026-1`, `2026-T`."""
    p = parse_period_name(name)
    return f"{p.year}-{p.triwulan or 'T'}"


def name_of_key(key: str) -> str:
    """The canonical period name of a button's key; anything else is refused."""
    year, _, part = key.partition("-")
    if not (year.isascii() and year.isdigit() and len(year) == 4) or part not in _KEY_PARTS:
        raise SopError("Kunci periode tidak dikenali.")
    return parse_period_name(f"Tahunan {year}" if part == "T" else f"TW {part} {year}").name
