"""Numbers as Indonesians type them in chat, and as they are shown back.

Pure: standard library only. Values are `Decimal` end to end so a figure typed as `1.234,5` is
stored and computed exactly; rounding happens only in the `format_*` functions, for display.

Reading rules (decisions.md, "Number parsing"):
- a dot followed by exactly three digits separates thousands (`1.234`, `1.234.567`);
- a comma is the decimal mark (`12,5`, `1.234,5`);
- a plain `1234.5` (one dot not followed by exactly three digits, no comma) is a decimal point;
- `1234.567`, `1.23.456` or `0.500` could be either reading, so they are refused with a hint
  rather than guessed (a wrong guess is off by a factor of a thousand).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from enum import Enum

__all__ = [
    "COUNT_UNITS",
    "PERCENT_WORDS",
    "AmbiguousScale",
    "NumberError",
    "ParsedNumber",
    "UnitCheck",
    "UnitKind",
    "check_for_unit",
    "format_exact",
    "format_id",
    "format_percent",
    "parse_number",
    "unit_kind",
]

# Enough digits for any figure a chat message can carry (input is capped at _MAX_LEN chars).
_CTX = Context(prec=100)
_MAX_LEN = 64

HINT = "Tulis angkanya saja, misalnya 1.234,5 atau 85%."

_SCALES: dict[str, int] = {
    "ribu": 3,
    "rb": 3,
    "juta": 6,
    "jt": 6,
    "miliar": 9,
    "milyar": 9,
    "m": 9,  # only the capital "M"; a lowercase "m" (juta? miliar? metre?) is asked back
    "triliun": 12,
    "trilyun": 12,
}

_NUMBER_TOKEN = re.compile(r"[0-9](?:[0-9.,]*[0-9])?")
_NUMBER_RE = re.compile(
    r"""^
    (?P<sign>-)?\s*
    (?P<rp>rp\.?)?\s*
    (?P<sign2>-)?\s*
    (?P<num>[0-9](?:[0-9.,]*[0-9])?)
    (?P<dash>,-)?                      # "Rp 1.000,-" as written on receipts
    \s*(?P<scale>ribu|rb|juta|jt|miliar|milyar|triliun|trilyun|m)?
    \s*(?P<pct>%|persen|prosen)?
    $""",
    re.IGNORECASE | re.VERBOSE,
)
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+")
_DIGITS = re.compile(r"[0-9]+")


class NumberError(ValueError):
    """A figure that cannot be read; `str()` is the Indonesian message to send back as is."""


class AmbiguousScale(NumberError):
    """`1,5 m`: juta or miliar? `choices` are the two readings, spelled so they parse."""

    def __init__(self, number: str) -> None:
        self.choices = (f"{number} juta", f"{number} miliar")
        super().__init__(f"'{number} m' bisa berarti {self.choices[0]} atau {self.choices[1]}.")


@dataclass(frozen=True)
class ParsedNumber:
    """The value as typed (85% gives 85, not 0.85) and whether the user wrote `%`/`persen`."""

    value: Decimal
    percent: bool = False


def parse_number(text: str) -> ParsedNumber:
    """Read one number typed in chat, or raise `NumberError` saying what to type instead."""
    # str.split() also splits on NBSP and other Unicode spaces that phone keyboards insert.
    cleaned = " ".join(text.replace("\u2212", "-").split()) if text else ""
    if not cleaned:
        raise NumberError("Belum ada angka. " + HINT)
    if len(cleaned) > _MAX_LEN:
        raise NumberError("Teks terlalu panjang untuk sebuah angka. " + HINT)
    tokens = _NUMBER_TOKEN.findall(cleaned)
    if not tokens:
        raise NumberError("Angka tidak dikenali. " + HINT)
    if len(tokens) > 1:
        shown = ", ".join(tokens[:3])
        raise NumberError(
            f"Terbaca lebih dari satu angka ({shown}). Kirim satu angka saja, "
            "misalnya 1.234,5 atau 85%."
        )
    match = _NUMBER_RE.match(cleaned)
    if match is None:
        raise NumberError("Angka tidak dikenali. " + HINT)
    if match["sign"] and match["sign2"]:
        raise NumberError("Tanda minus cukup satu, misalnya -5.")
    scale = match["scale"]
    percent = match["pct"] is not None
    if scale == "m":  # a capital M is miliar; a lowercase m is asked back
        raise AmbiguousScale(("-" if match["sign"] or match["sign2"] else "") + match["num"])
    if percent and scale:
        raise NumberError(
            "Persen tidak bisa digabung dengan ribu/juta/miliar. "
            "Tulis persennya saja, misalnya 85%."
        )
    if percent and match["rp"]:
        raise NumberError(
            "Rupiah tidak bisa dalam persen. Tulis salah satu, misalnya Rp 1.500.000 atau 85%."
        )
    value = _read_digits(match["num"])
    with localcontext(_CTX):
        if scale:
            value = value.scaleb(_SCALES[scale.lower()])
        if match["sign"] or match["sign2"]:
            value = -value
        value = _tidy(value)
    return ParsedNumber(value=value, percent=percent)


def _read_digits(num: str) -> Decimal:
    """Turn `1.234,5` / `12,5` / `1234.5` into a Decimal by the reading rules above."""
    if num.count(",") > 1:
        raise NumberError(
            "Koma hanya boleh satu, sebagai tanda desimal (misalnya 12,5). "
            "Pemisah ribuan memakai titik: 1.234.567."
        )
    whole, comma, frac = num.partition(",")
    if comma and "." in frac:
        raise NumberError(
            "Titik tidak boleh sesudah koma: titik memisahkan ribuan dan koma menandai "
            "desimal, misalnya 1.234,5."
        )
    if "." not in whole:
        return Decimal(f"{whole}.{frac}" if comma else whole)
    if _THOUSANDS.fullmatch(whole) and not whole.startswith("0"):
        digits = whole.replace(".", "")
        return Decimal(f"{digits}.{frac}" if comma else digits)
    if comma:
        raise NumberError(
            "Pemisah ribuan tidak tepat: sesudah titik harus ada tepat tiga angka, "
            "misalnya 1.234.567,5."
        )
    tail = whole.partition(".")[2]
    if _DIGITS.fullmatch(tail) and len(tail) != 3:
        return Decimal(whole)  # "1234.5": one dot, not a thousands group, so a decimal point
    raise NumberError(
        "Penulisan angka ini meragukan. Untuk ribuan tulis 1.234.567; "
        "untuk desimal pakai koma, misalnya 0,5 atau 1234,567."
    )


def _tidy(value: Decimal) -> Decimal:
    """Plain form without exponent or trailing zeros (`1,2 juta` → 1200000), and no `-0`."""
    if value == 0:
        return Decimal(0)
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


class UnitKind(Enum):
    """What a `satuan` allows: a percentage, a count of things, or any other measure."""

    PERSEN = "persen"
    JUMLAH = "jumlah"
    RUPIAH = "rupiah"
    LAINNYA = "lainnya"


PERCENT_WORDS: frozenset[str] = frozenset(
    {"persen", "persentase", "prosen", "prosentase", "percent"}
)
"""A `satuan` containing one of these words (or `%`) is a percentage, e.g. "indeks persen"."""

COUNT_UNITS: tuple[str, ...] = (
    "orang",
    "unit",
    "kasus",
    "dokumen",
    "kegiatan",
    "laporan",
    "paket",
    "lembaga",
    "perusahaan",
    "buah",
    "kali",
    "jiwa",
    "keluarga",
    "kepala keluarga",
    "kk",
    "desa",
    "kecamatan",
    "sekolah",
    "peserta",
    "pencari kerja",
    "tenaga kerja",
)
"""Units that count things: whole numbers, never negative.

A `satuan` is a count when, ignoring case, notes in parentheses and a leading "jumlah", it
consists only of these words ("Orang", "Jumlah Peserta", "dokumen laporan",
"Orang (pencari kerja)"). A mixed unit such as "orang/hari" or "rupiah per orang" is not.
"""

_COUNT_PHRASES = sorted((tuple(u.split()) for u in COUNT_UNITS), key=len, reverse=True)
_FILLER = frozenset({"jumlah", "jml", "banyaknya"})


def unit_kind(satuan: str) -> UnitKind:
    """Classify a Kertas Kerja `satuan` so the parser can check what is possible for it."""
    lowered = (satuan or "").lower()
    words = re.findall(r"[a-z]+", lowered)
    if "%" in lowered or PERCENT_WORDS.intersection(words):
        return UnitKind.PERSEN
    words = re.findall(r"[a-z]+", re.sub(r"\([^)]*\)", " ", lowered))
    if words in (["rp"], ["rupiah"]):
        return UnitKind.RUPIAH
    while words and words[0] in _FILLER:
        words = words[1:]
    return UnitKind.JUMLAH if words and _only_count_words(words) else UnitKind.LAINNYA


def _only_count_words(words: list[str]) -> bool:
    """True when the words are a sequence of COUNT_UNITS phrases and nothing else."""
    i = 0
    while i < len(words):
        for phrase in _COUNT_PHRASES:
            if tuple(words[i : i + len(phrase)]) == phrase:
                i += len(phrase)
                break
        else:
            return False
    return True


@dataclass(frozen=True)
class UnitCheck:
    """Verdict on a figure for its unit: refuse (`ok` false), ask first, or accept."""

    ok: bool
    needs_confirmation: bool = False
    message: str | None = None


def check_for_unit(value: ParsedNumber, satuan: str) -> UnitCheck:
    """Refuse figures impossible for the unit; ask before accepting unlikely ones.

    Counts (JUMLAH) must be whole and not negative and are never written with `%`. A
    percentage above 100 or below 0 is possible (over-achievement, a fall in a rate), so it is
    only confirmed. Other units accept any number.
    """
    kind = unit_kind(satuan)
    label = f" {satuan.strip()}" if satuan and satuan.strip() else ""
    if kind is UnitKind.JUMLAH:
        if value.percent:
            return UnitCheck(
                ok=False,
                message=(
                    f"Satuan indikator ini{label} (jumlah), bukan persen. "
                    "Tulis jumlahnya tanpa %, misalnya 25."
                ),
            )
        if value.value < 0:
            return UnitCheck(
                ok=False,
                message=f"Jumlah{label} tidak bisa negatif. Tulis 0 atau lebih, misalnya 25.",
            )
        if value.value != value.value.to_integral_value():
            return UnitCheck(
                ok=False,
                message=(
                    f"Jumlah{label} harus bilangan bulat, misalnya 25 "
                    f"(bukan {format_exact(value.value)})."
                ),
            )
    if kind is UnitKind.RUPIAH and (value.percent or value.value < 0):
        return UnitCheck(
            ok=False,
            message="Anggaran dalam rupiah tidak bisa negatif atau persen. "
            "Tulis misalnya Rp 1.500.000 atau 1,5 juta.",
        )
    if kind is UnitKind.PERSEN:
        if value.value > 100:
            return UnitCheck(
                ok=True, needs_confirmation=True, message="Nilai di atas 100% — yakin?"
            )
        if value.value < 0:
            return UnitCheck(ok=True, needs_confirmation=True, message="Nilai negatif — yakin?")
    return UnitCheck(ok=True)


def format_id(value: Decimal | int, places: int = 2) -> str:
    """Indonesian display for chat text (`1.234,50`), rounded half up to `places` only here."""
    if places < 0:
        raise ValueError("places must be >= 0")
    value = _as_decimal(value)
    with localcontext(_CTX):
        rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""  # a value rounding to zero shows "0,00", not "-0,00"
    whole, _, frac = f"{abs(rounded):f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped},{frac}" if places else f"{sign}{grouped}"


def format_percent(value: Decimal | int, places: int = 2) -> str:
    """A capaian or serapan for chat text: `85,00%`."""
    return format_id(value, places) + "%"


def format_exact(value: Decimal | int) -> str:
    """Indonesian display without rounding, as many decimals as the value has (`80,5`, `1.200`)."""
    value = _as_decimal(value)
    exponent = value.normalize(_CTX).as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return format_id(value, places)


def _as_decimal(value: Decimal | int) -> Decimal:
    """Accept Decimal or int; refuse float (inexact) and NaN/Infinity (not displayable)."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"expected Decimal or int, got {type(value).__name__}")
    value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"not a finite number: {value}")
    return value
