"""Numbers and dates as the report writes them: the chat's Indonesian formatting (decimal comma,
half-up rounding to two places), so report, chat and workbook read the same figure."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from core.numbers import format_exact, format_id, format_percent
from core.tanggal import tanggal

NA = "N/A"


def pct(value: Decimal | None) -> str:
    """`85,25%`, or N/A."""
    return NA if value is None else format_percent(value)


def num(value: Decimal | None) -> str:
    """A capaian in a table cell: `85,25`, or N/A."""
    return NA if value is None else format_id(value)


def count(value: int) -> str:
    return format_id(value, 0)


def money(value: Decimal | None) -> str:
    return "-" if value is None else format_id(value)


def amount(value: Decimal | str | None, satuan: str) -> str:
    """A target or realisasi with its unit as stored (`80%`, `1.250 orang`, `80–90%`)."""
    if value is None:
        return "-"
    shown = value if isinstance(value, str) else format_exact(value)
    unit = (satuan or "").strip()
    if not unit:
        return shown
    return f"{shown}%" if unit in ("%", "persen") else f"{shown} {unit}"


def points(value: Decimal) -> str:
    """A difference of capaian in percentage points, without the sign (`5,25 poin`)."""
    return f"{format_id(abs(value))} poin"


def local_date(moment: datetime, zone: str) -> str:
    """The office's calendar date of an aware time: `30 April 2025`."""
    return tanggal(moment.astimezone(ZoneInfo(zone)).date())


def local_time(moment: datetime, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return f"{tanggal(local.date())} pukul {local:%H.%M}"
