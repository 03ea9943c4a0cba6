"""Working calendar of the office: due times and elapsed time counted in working time.

The SOP gives every step a time standard ("5 menit", "120 menit", "1 hari"); due times and
"late by how much" count the office's working time, not wall-clock time.

Rules:
- Every datetime argument must be timezone-aware (a naive one raises ValueError). The datetimes
  returned by next_working_start, add_working_minutes, add_working_days and due_at are in UTC,
  as the database stores them; to_local and office_hours_on give office-local time.
- A working day is a weekday present in ``CalendarConfig.office_hours`` (Monday–Friday by
  default, so never Saturday or Sunday) that is not an Indonesian public holiday or cuti
  bersama (the ``holidays`` package, categories "public" and "government", names in
  Indonesian), not in ``CalendarConfig.extra_days_off`` and not an admin day off given to
  WorkingCalendar.
- A working override ("hari kerja pengganti", given to WorkingCalendar as
  ``working_overrides``) makes a day a working day although it is a holiday, cuti bersama or
  day off: admins use it when an estimated holiday ("perkiraan") turns out to be a working day.
  It applies only to weekdays that have office hours (their hours are the only ones known).
- Office time is [opening, closing) of a working day.
- Minutes count working minutes only. A start outside office time counts from the next working
  start. A due time that lands exactly at a closing stays at that closing, on that day.
- One day ("1 hari") is the same clock time on the next working day, pulled back to that day's
  closing if later and pushed forward to its opening if earlier. A start outside office time
  first moves to the next working start. N days repeat this N times, so a clock time pulled
  back by a short day stays pulled back.
- due_at adds the days first, then the minutes.
- working_minutes_between counts whole working minutes in [a, b), rounded down.
- Looking for the next working day gives up after 366 days with ValueError: no working day in
  a year means the configuration or the days off are wrong.
"""

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

UTC = timezone.utc
MAX_SEARCH_DAYS = 366
EXTRA_DAY_OFF_NAME = "Libur tambahan"

_DAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_DEFAULT_OFFICE_HOURS: Mapping[int, tuple[time, time]] = MappingProxyType(
    {
        0: (time(7, 30), time(16, 0)),
        1: (time(7, 30), time(16, 0)),
        2: (time(7, 30), time(16, 0)),
        3: (time(7, 30), time(16, 0)),
        4: (time(7, 30), time(16, 30)),
    }
)


def _dates(values: Iterable[date]) -> frozenset[date]:
    """Freeze a collection of days off; a datetime never equals a date, so it would be ignored."""
    days = frozenset(values)
    for value in days:
        if isinstance(value, datetime) or not isinstance(value, date):
            raise TypeError(f"a day off must be a date, not {value!r}")
    return days


def _require_aware(t: datetime) -> datetime:
    """Refuse naive datetimes: their meaning (UTC or office time?) would be a guess."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"timezone-aware datetime required, got naive {t!r}")
    return t


@functools.lru_cache(maxsize=128)
def _holidays(country: str, year: int) -> Mapping[date, str]:
    """Holiday and cuti bersama names of one year, built once: building costs milliseconds."""
    names = holidays.country_holidays(
        country, categories=("public", "government"), language="id", years=year
    )
    return MappingProxyType(dict(names))


@dataclass(frozen=True)
class CalendarConfig:
    """Office calendar settings, read once from the environment and passed into core."""

    timezone: str = "Asia/Jakarta"
    # weekday (0=Monday..6=Sunday) -> (opening, closing); a weekday missing is not a working day
    office_hours: Mapping[int, tuple[time, time]] = field(
        default_factory=lambda: _DEFAULT_OFFICE_HOURS
    )
    extra_days_off: frozenset[date] = frozenset()
    holiday_country: str = "ID"

    def __post_init__(self) -> None:
        """Reject settings that would break the arithmetic later, and freeze what was passed."""
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {self.timezone!r}") from exc
        hours = dict(self.office_hours)
        if not hours:
            raise ValueError("office_hours must have at least one working weekday")
        for weekday, (opening, closing) in hours.items():
            if weekday not in range(7):
                raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday!r}")
            if opening.tzinfo is not None or closing.tzinfo is not None:
                raise ValueError("office hours are local clock times: give them without tzinfo")
            if not opening < closing:
                raise ValueError(f"opening {opening} must be before closing {closing}")
        object.__setattr__(self, "office_hours", MappingProxyType(hours))
        object.__setattr__(self, "extra_days_off", _dates(self.extra_days_off))


class WorkingCalendar:
    """Working-time arithmetic for one office configuration plus the admins' days off."""

    def __init__(
        self,
        config: CalendarConfig,
        days_off: Iterable[date] = (),
        working_overrides: Iterable[date] = (),
    ) -> None:
        self.config = config
        self._zone = ZoneInfo(config.timezone)
        self._days_off = config.extra_days_off | _dates(days_off)
        self._overrides = _dates(working_overrides)

    def day_off_name(self, d: date) -> str | None:
        """Why d is not a working day (holiday name, "Libur tambahan" or day name), else None."""
        if self.is_working_override(d):
            return None
        holiday = self._holiday(d)
        if holiday:
            return holiday
        if d in self._days_off:
            return EXTRA_DAY_OFF_NAME
        if d.weekday() not in self.config.office_hours:
            return _DAY_NAMES[d.weekday()]
        return None

    def is_working_override(self, d: date) -> bool:
        """d is a working day only because an admin marked it so (hari kerja pengganti)."""
        return d in self._overrides and d.weekday() in self.config.office_hours

    def holidays_between(self, first: date, last: date) -> list[tuple[date, str]]:
        """National holidays and cuti bersama in [first, last], by date; estimated dates say
        "(perkiraan)" in their name."""
        found: dict[date, str] = {}
        for year in range(first.year, last.year + 1):
            for day, name in _holidays(self.config.holiday_country, year).items():
                if first <= day <= last:
                    found[day] = name
        return sorted(found.items())

    def _holiday(self, d: date) -> str | None:
        return _holidays(self.config.holiday_country, d.year).get(d)

    def is_working_day(self, d: date) -> bool:
        return self.day_off_name(d) is None

    def office_hours_on(self, d: date) -> tuple[datetime, datetime] | None:
        """Opening and closing of d in office time, or None when d is not a working day."""
        if not self.is_working_day(d):
            return None
        opening, closing = self._hours(d)
        return self.to_local(opening), self.to_local(closing)

    def to_local(self, t: datetime) -> datetime:
        return _require_aware(t).astimezone(self._zone)

    def is_office_time(self, t: datetime) -> bool:
        local = self.to_local(t)
        hours = self.office_hours_on(local.date())
        return hours is not None and hours[0] <= local < hours[1]

    def next_working_start(self, t: datetime) -> datetime:
        """t itself (in UTC) when it is office time, else the next opening."""
        local = self.to_local(t)
        hours = self.office_hours_on(local.date())
        if hours is not None and local < hours[1]:
            return max(local, hours[0]).astimezone(UTC)
        return self._hours(self._next_working_day(local.date()))[0]

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        """The instant after `minutes` working minutes from start; day by day, not per minute."""
        if minutes < 0:
            raise ValueError(f"minutes must not be negative, got {minutes}")
        cursor = self.next_working_start(start)
        day = self.to_local(cursor).date()
        remaining = timedelta(minutes=minutes)
        while True:
            left_today = self._hours(day)[1] - cursor
            if remaining <= left_today:
                return cursor + remaining
            remaining -= left_today
            day = self._next_working_day(day)
            cursor = self._hours(day)[0]

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Same clock time `days` working days later, kept inside each day's office hours."""
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}")
        cursor = self.to_local(self.next_working_start(start))
        for _ in range(days):
            day = self._next_working_day(cursor.date())
            opening, closing = self._hours(day)
            same_clock = datetime.combine(day, cursor.time(), self._zone)
            cursor = self.to_local(min(max(same_clock, opening), closing))
        return cursor.astimezone(UTC)

    def due_at(self, opened_at: datetime, *, minutes: int = 0, days: int = 0) -> datetime:
        """Due time of a step opened at opened_at with the standard `days` plus `minutes`."""
        after_days = self.add_working_days(opened_at, days)
        return self.add_working_minutes(after_days, minutes) if minutes else after_days

    def working_minutes_between(self, a: datetime, b: datetime) -> int:
        """Whole working minutes in [a, b): time taken by a step, or how late it is."""
        a_utc, b_utc = _require_aware(a).astimezone(UTC), _require_aware(b).astimezone(UTC)
        worked = timedelta()
        day, last_day = self.to_local(a).date(), self.to_local(b).date()
        while day <= last_day:
            if self.is_working_day(day):
                opening, closing = self._hours(day)
                worked += max(min(closing, b_utc) - max(opening, a_utc), timedelta())
            day += timedelta(days=1)
        return worked // timedelta(minutes=1)

    def _hours(self, d: date) -> tuple[datetime, datetime]:
        """Opening and closing of a day known to have office hours, in UTC so that subtraction
        is exact even in a zone with DST (same-tzinfo subtraction ignores offset changes)."""
        opening, closing = self.config.office_hours[d.weekday()]
        return (
            datetime.combine(d, opening, self._zone).astimezone(UTC),
            datetime.combine(d, closing, self._zone).astimezone(UTC),
        )

    def working_day_from(self, d: date) -> date:
        """d if it is a working day, else the first working day after it."""
        return d if self.is_working_day(d) else self._next_working_day(d)

    def _next_working_day(self, d: date) -> date:
        """First working day after d; bounded so a calendar without working days fails loudly."""
        for offset in range(1, MAX_SEARCH_DAYS + 1):
            candidate = d + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within {MAX_SEARCH_DAYS} days after {d}")


def format_duration(minutes: int) -> str:
    """Indonesian duration for chat texts: "45 menit", "1 jam 20 menit", "2 jam"."""
    if minutes < 0:
        raise ValueError(f"minutes must not be negative, got {minutes}")
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} menit"
    if not rest:
        return f"{hours} jam"
    return f"{hours} jam {rest} menit"


_HOURS = re.compile(r"^\s*([1-7])(?:-([1-7]))?\s+(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})\s*$")


def parse_office_hours(text: str) -> dict[int, tuple[time, time]]:
    """`1-4 07:30-16:00; 5 07:30-16:30`: ISO weekdays (1 = Senin) and their opening hours."""
    hours: dict[int, tuple[time, time]] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        m = _HOURS.match(part)
        if not m:
            raise ValueError(f"OFFICE_HOURS tidak dikenali: {part!r} (contoh: 1-4 07:30-16:00)")
        first, last = int(m[1]), int(m[2] or m[1])
        span = (time(int(m[3]), int(m[4])), time(int(m[5]), int(m[6])))
        for day in range(first, last + 1):
            hours[day - 1] = span
    return hours
