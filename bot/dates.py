"""Dates and times as Indonesian readers write them: "Senin, 14 April 2025 09:30"."""

from __future__ import annotations

from datetime import datetime

from core.calendar import WorkingCalendar
from core.tanggal import hari_tanggal

short_day = hari_tanggal


def when(t: datetime | None, cal: WorkingCalendar) -> str:
    """A stored UTC time in the office's time zone."""
    if t is None:
        return "-"
    local = cal.to_local(t)
    return f"{short_day(local.date())} {local:%H:%M}"
