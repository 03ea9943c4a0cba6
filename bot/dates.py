"""Dates and times as Indonesian readers write them: "Senin, 14 April 2025 09:30"."""

from __future__ import annotations

from datetime import date, datetime

from core.calendar import WorkingCalendar

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
    "Oktober", "November", "Desember",
)  # fmt: skip


def short_day(d: date) -> str:
    return f"{DAYS[d.weekday()]}, {d.day} {MONTHS[d.month - 1]} {d.year}"


def when(t: datetime | None, cal: WorkingCalendar) -> str:
    """A stored UTC time in the office's time zone."""
    if t is None:
        return "-"
    local = cal.to_local(t)
    return f"{short_day(local.date())} {local:%H:%M}"
