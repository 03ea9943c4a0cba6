"""Indonesian day and month names, and dates as Indonesian readers write them ("30 April 2025").

Chat texts (bot/dates.py) and documents (core/laporan) share these, so both spell a date alike.
"""

from __future__ import annotations

from datetime import date

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
    "Oktober", "November", "Desember",
)  # fmt: skip


def tanggal(d: date) -> str:
    """`30 April 2025`."""
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def hari_tanggal(d: date) -> str:
    """`Rabu, 30 April 2025`."""
    return f"{DAYS[d.weekday()]}, {tanggal(d)}"
