"""Callback data, parsed in one place: every button verb with the shape of its arguments.

Telegram returns whatever `callback_data` a client sends, so a button press is untrusted input:
hand-built data (`doc:99999999999999999999999`, `reg:1:zz`, an empty string) used to reach the
handlers and crash them. Every press is parsed here before any handler runs; ids are range
checked (PostgreSQL's integer), codes come from a closed set, and a press that does not parse
is refused as a stale button. A verb missing from `VERBS` is refused too: new buttons must be
declared here.
"""

from __future__ import annotations

from datetime import date

from bot.keyboards import ROLE_CODES
from bot.messages import STALE_BUTTON
from core.engine import SopError
from core.periode import name_of_key

ID, NUM, ROLE, DAY = "id", "num", "role", "day"
# A period name's short key (core.periode.period_key): `2026-1`, `2026-T`.
PERIOD = "period"
# Which faktor a /lapor card adds: pendukung or penghambat.
FAKTOR = ("d", "h")
# Which reading of `1,5 m` the reporter meant: juta or miliar.
SCALE = ("j", "m")
MAX_ID = 2**31 - 1
MAX_PAGE = 10_000

VERBS: dict[str, tuple[str | tuple[str, ...], ...]] = {
    # registration and users
    "reg": (ID, ROLE),
    "regc": (ID, ROLE, ID),
    "regx": (ID,),
    "usp": (NUM,),
    "uspo": (ID, NUM),
    "usr": (ID,),
    "role": (ID, ROLE),
    "rolec": (ID, ROLE, ID),
    "on": (ID,),
    "off": (ID,),
    # the regency's OPD: registration's choice, /opd, /pindah
    "ro": (ID,),
    "rop": (NUM,),
    "od": (ID,),
    "odp": (NUM,),
    "pnd": (ID, ID),
    # periods, steps, documents, approval
    "cx": (ID,),
    "fin": (ID,),
    "att": (ID, ID),
    "ok": (ID,),
    "no": (ID,),
    "st": (ID,),
    "stp": (NUM,),
    "sta": (NUM,),
    "ar": (ID,),
    "arp": (NUM,),
    "adp": (ID, NUM),
    "doc": (ID,),
    # days off and compliance
    "lbx": (DAY,),
    "lbp": (NUM,),
    "kp": (ID,),
    "kpp": (NUM,),
    # the regency: /kabupaten's pages
    "kb": (PERIOD, NUM),
    # indicators: template, progress, closing, recap
    "tpl": (),
    "pg": (ID,),
    "tl": (ID,),
    "tla": (ID,),
    "tlx": (),
    "rk": (ID,),
    # /lapor
    "lpgo": (),
    "lp": (ID,),
    "lpp": (NUM,),
    "lpy": (),
    "lpn": (),
    "lpb": (),
    "lpc": (),
    "lpf": (FAKTOR,),
    "lpm": (SCALE,),
    "lpok": (),
    "lped": (),
    "lpx": (),
    # /evaluasi
    "evgo": (ID,),
    "ev": (ID, ID),
    "ek": (ID, ID),
    "es": (ID, NUM),
    "eb": (ID,),
}


class StaleButton(SopError):
    """A press whose data is not one of ours (forged, or from an older version of the bot)."""

    def __init__(self) -> None:
        super().__init__(STALE_BUTTON)


def _value(kind: str | tuple[str, ...], text: str) -> int | str:
    if isinstance(kind, tuple):
        if text not in kind:
            raise StaleButton
        return text
    if kind in (ID, NUM):
        if not (text.isascii() and text.isdigit()) or len(text) > 10:
            raise StaleButton
        number = int(text)
        if (kind == ID and not 1 <= number <= MAX_ID) or (kind == NUM and number > MAX_PAGE):
            raise StaleButton
        return number
    if kind == ROLE:
        if text not in ROLE_CODES:
            raise StaleButton
        return text
    if kind == PERIOD:
        try:
            return name_of_key(text)
        except SopError as exc:
            raise StaleButton from exc
    try:
        date.fromisoformat(text)
    except ValueError as exc:
        raise StaleButton from exc
    return text


def parse(data: str | None) -> tuple[str, tuple[int | str, ...]]:
    """`verb:arg:arg` → the verb and its typed arguments, or StaleButton."""
    verb, *args = (data or "").split(":")
    shape = VERBS.get(verb)
    if shape is None or len(args) != len(shape):
        raise StaleButton
    return verb, tuple(_value(kind, arg) for kind, arg in zip(shape, args, strict=True))
