"""Working-time rules of core.calendar: office hours, holidays, days off, due times, durations.

Fixed dates: 4–8 August 2025 (Mon–Fri) is a week without holidays; 15 August 2025 is a Friday
followed by Sunday 17 August (Hari Kemerdekaan) and Monday 18 August (cuti bersama).
"""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app import make_office
from bot.config import Settings
from core.calendar import CalendarConfig, WorkingCalendar, format_duration

JKT = ZoneInfo("Asia/Jakarta")
UTC = timezone.utc
CAL = WorkingCalendar(CalendarConfig())


def wib(day: date, hour: int, minute: int = 0) -> datetime:
    """An office-local (WIB) instant, to write examples as the office reads them."""
    return datetime.combine(day, time(hour, minute), JKT)


MON, TUE, WED, THU, FRI, SAT, SUN = (date(2025, 8, 4) + timedelta(days=i) for i in range(7))
NEXT_MON, NEXT_TUE = date(2025, 8, 11), date(2025, 8, 12)
FRI_BEFORE_HOLIDAY, HOLIDAY_MON, TUE_AFTER_HOLIDAY = (
    date(2025, 8, 15),
    date(2025, 8, 18),
    date(2025, 8, 19),
)


def assert_utc(t: datetime, expected: datetime) -> None:
    """Results must be the expected instant and carried in UTC, as the database stores them."""
    assert t.tzinfo is UTC
    assert t == expected


# --- configuration ---------------------------------------------------------------------------


def test_default_office_hours_are_monday_to_friday() -> None:
    hours = CalendarConfig().office_hours
    assert hours[0] == hours[3] == (time(7, 30), time(16, 0))
    assert hours[4] == (time(7, 30), time(16, 30))
    assert 5 not in hours and 6 not in hours


def test_config_freezes_what_it_is_given() -> None:
    hours = {0: (time(8), time(12))}
    config = CalendarConfig(office_hours=hours, extra_days_off={MON})  # type: ignore[arg-type]
    hours[1] = (time(8), time(12))
    assert 1 not in config.office_hours
    assert config.extra_days_off == frozenset({MON})
    with pytest.raises(TypeError):
        config.office_hours[2] = (time(8), time(12))  # type: ignore[index]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timezone": "Asia/Nowhere"},
        {"office_hours": {}},
        {"office_hours": {7: (time(8), time(12))}},
        {"office_hours": {0: (time(12), time(8))}},
        {"office_hours": {0: (time(8), time(8))}},
        {"office_hours": {0: (time(8, tzinfo=UTC), time(12))}},
    ],
)
def test_config_rejects_unusable_settings(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        CalendarConfig(**kwargs)


def test_days_off_must_be_dates_not_datetimes() -> None:
    with pytest.raises(TypeError):
        WorkingCalendar(CalendarConfig(), days_off=[wib(MON, 0)])


# --- working days ----------------------------------------------------------------------------


def test_weekdays_work_and_weekends_are_named() -> None:
    for d in (MON, TUE, WED, THU, FRI):
        assert CAL.is_working_day(d)
        assert CAL.day_off_name(d) is None
    assert not CAL.is_working_day(SAT) and CAL.day_off_name(SAT) == "Sabtu"
    assert not CAL.is_working_day(SUN) and CAL.day_off_name(SUN) == "Minggu"


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2025, 12, 25), "Hari Raya Natal"),
        (date(2026, 1, 1), "Tahun Baru Masehi"),
        # a holiday on a Sunday is named as the holiday, not as "Minggu"
        (date(2025, 8, 17), "Hari Kemerdekaan Republik Indonesia"),
    ],
)
def test_public_holidays_are_named_in_indonesian(day: date, name: str) -> None:
    assert not CAL.is_working_day(day)
    assert CAL.day_off_name(day) == name
    assert CAL.office_hours_on(day) is None


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2025, 12, 26), "Cuti Bersama Hari Raya Natal"),
        (HOLIDAY_MON, "Cuti Bersama Hari Kemerdekaan Republik Indonesia"),
    ],
)
def test_cuti_bersama_comes_from_the_government_category(day: date, name: str) -> None:
    assert not CAL.is_working_day(day)
    assert CAL.day_off_name(day) == name


def test_extra_days_off_and_admin_days_off_are_not_working_days() -> None:
    cal = WorkingCalendar(CalendarConfig(extra_days_off=frozenset({WED})), days_off=[THU])
    for d in (WED, THU):
        assert not cal.is_working_day(d)
        assert cal.day_off_name(d) == "Libur tambahan"
        assert cal.office_hours_on(d) is None
    assert cal.is_working_day(TUE) and cal.is_working_day(FRI)
    # a 60-minute step opened Tuesday 15:30 runs 30 minutes Tuesday and 30 minutes Friday
    assert_utc(cal.due_at(wib(TUE, 15, 30), minutes=60), wib(FRI, 8))
    assert cal.working_minutes_between(wib(TUE, 15, 30), wib(FRI, 8)) == 60


def test_weekday_without_office_hours_is_named_by_its_day() -> None:
    cal = WorkingCalendar(CalendarConfig(office_hours={0: (time(8), time(12))}))
    assert cal.day_off_name(TUE) == "Selasa"
    assert_utc(cal.next_working_start(wib(MON, 13)), wib(NEXT_MON, 8))


def test_office_hours_on_gives_local_opening_and_closing() -> None:
    assert CAL.office_hours_on(MON) == (wib(MON, 7, 30), wib(MON, 16))
    assert CAL.office_hours_on(FRI) == (wib(FRI, 7, 30), wib(FRI, 16, 30))
    opening, _ = CAL.office_hours_on(MON)  # type: ignore[misc]
    assert opening.tzinfo == JKT
    assert CAL.office_hours_on(SAT) is None


def test_is_office_time_is_opening_inclusive_and_closing_exclusive() -> None:
    assert CAL.is_office_time(wib(MON, 7, 30))
    assert CAL.is_office_time(wib(MON, 15, 59))
    assert not CAL.is_office_time(wib(MON, 7, 29))
    assert not CAL.is_office_time(wib(MON, 16))
    assert CAL.is_office_time(wib(FRI, 16, 15))
    assert not CAL.is_office_time(wib(SAT, 10))
    # 01:00 UTC is 08:00 WIB
    assert CAL.is_office_time(datetime(2025, 8, 4, 1, 0, tzinfo=UTC))


def test_to_local_converts_to_office_time() -> None:
    local = CAL.to_local(datetime(2025, 8, 4, 1, 0, tzinfo=UTC))
    assert local.tzinfo == JKT
    assert (local.hour, local.minute) == (8, 0)


# --- next working start ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (wib(MON, 10, 15), wib(MON, 10, 15)),
        (wib(MON, 6), wib(MON, 7, 30)),
        (wib(MON, 16), wib(TUE, 7, 30)),
        (wib(MON, 20), wib(TUE, 7, 30)),
        (wib(FRI, 16, 30), wib(NEXT_MON, 7, 30)),
        (wib(SAT, 10), wib(NEXT_MON, 7, 30)),
        (wib(FRI_BEFORE_HOLIDAY, 17), wib(TUE_AFTER_HOLIDAY, 7, 30)),
    ],
)
def test_next_working_start(at: datetime, expected: datetime) -> None:
    assert_utc(CAL.next_working_start(at), expected)


def test_no_working_day_within_a_year_raises() -> None:
    cal = WorkingCalendar(CalendarConfig(), days_off=(MON + timedelta(days=i) for i in range(400)))
    with pytest.raises(ValueError, match="no working day"):
        cal.next_working_start(wib(MON, 8))


# --- minutes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opened", "minutes", "expected"),
    [
        (wib(MON, 8), 5, wib(MON, 8, 5)),
        (wib(MON, 8), 120, wib(MON, 10)),
        # end of day rollover
        (wib(MON, 15, 30), 60, wib(TUE, 8)),
        # exactly at closing stays on that day
        (wib(MON, 15), 60, wib(MON, 16)),
        (wib(MON, 7, 30), 510, wib(MON, 16)),
        (wib(MON, 7, 30), 511, wib(TUE, 7, 31)),
        (wib(FRI, 15, 30), 60, wib(FRI, 16, 30)),
        # opened before opening, after closing, exactly at closing, on Saturday
        (wib(MON, 6), 30, wib(MON, 8)),
        (wib(MON, 17), 30, wib(TUE, 8)),
        (wib(MON, 16), 30, wib(TUE, 8)),
        (wib(SAT, 10), 60, wib(NEXT_MON, 8, 30)),
        # the spec's Friday example, and with the Monday a day off (cuti bersama)
        (wib(FRI, 15, 50), 60, wib(NEXT_MON, 7, 50)),
        (wib(FRI_BEFORE_HOLIDAY, 15, 50), 60, wib(TUE_AFTER_HOLIDAY, 7, 50)),
        # zero minutes: the step counts from the next working start
        (wib(SAT, 10), 0, wib(NEXT_MON, 7, 30)),
        # several days: Mon 8:00 + 3 full days of 510 minutes
        (wib(MON, 8), 3 * 510, wib(THU, 8)),
    ],
)
def test_add_working_minutes(opened: datetime, minutes: int, expected: datetime) -> None:
    assert_utc(CAL.add_working_minutes(opened, minutes), expected)


def test_add_working_minutes_accepts_any_timezone() -> None:
    # 08:45 UTC on Friday is 15:45 WIB
    opened = datetime(2025, 8, 8, 8, 45, tzinfo=UTC)
    assert_utc(CAL.add_working_minutes(opened, 60), wib(NEXT_MON, 7, 45))


def test_negative_amounts_are_refused() -> None:
    with pytest.raises(ValueError):
        CAL.add_working_minutes(wib(MON, 8), -1)
    with pytest.raises(ValueError):
        CAL.add_working_days(wib(MON, 8), -1)


# --- days ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opened", "days", "expected"),
    [
        (wib(MON, 10), 1, wib(TUE, 10)),
        (wib(THU, 12, 5), 1, wib(FRI, 12, 5)),
        # pulled back to Monday's closing
        (wib(FRI, 16, 20), 1, wib(NEXT_MON, 16)),
        (wib(FRI_BEFORE_HOLIDAY, 16, 20), 1, wib(TUE_AFTER_HOLIDAY, 16)),
        # opened outside office hours: next working start first, then the day
        (wib(SAT, 10), 1, wib(NEXT_TUE, 7, 30)),
        (wib(MON, 17), 1, wib(WED, 7, 30)),
        (wib(MON, 6), 1, wib(TUE, 7, 30)),
        # N days repeat the rule: the pulled-back clock time stays pulled back
        (wib(MON, 10), 3, wib(THU, 10)),
        (wib(FRI, 16, 20), 2, wib(NEXT_TUE, 16)),
        (wib(SAT, 10), 0, wib(NEXT_MON, 7, 30)),
    ],
)
def test_add_working_days(opened: datetime, days: int, expected: datetime) -> None:
    assert_utc(CAL.add_working_days(opened, days), expected)


def test_one_day_is_pushed_forward_to_a_later_opening() -> None:
    hours = {0: (time(7, 30), time(16)), 1: (time(9), time(16))}
    cal = WorkingCalendar(CalendarConfig(office_hours=hours))
    assert_utc(cal.add_working_days(wib(MON, 8), 1), wib(TUE, 9))


# --- due_at ----------------------------------------------------------------------------------


def test_due_at_with_minutes_or_days_alone() -> None:
    assert_utc(CAL.due_at(wib(FRI, 15, 50), minutes=60), wib(NEXT_MON, 7, 50))
    assert_utc(CAL.due_at(wib(FRI, 16, 20), days=1), wib(NEXT_MON, 16))
    assert_utc(CAL.due_at(wib(SAT, 10)), wib(NEXT_MON, 7, 30))


def test_due_at_adds_days_first_then_minutes() -> None:
    # Friday 16:20 + 1 day = Monday 16:00 (closing); + 30 minutes = Tuesday 08:00
    assert_utc(CAL.due_at(wib(FRI, 16, 20), days=1, minutes=30), wib(NEXT_TUE, 8))
    assert_utc(CAL.due_at(wib(MON, 10), days=2, minutes=120), wib(WED, 12))


# --- working minutes between -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "minutes"),
    [
        (wib(MON, 8), wib(MON, 9, 15), 75),
        # across a night
        (wib(MON, 15, 30), wib(TUE, 8), 60),
        # across a weekend, and across a weekend plus a cuti bersama Monday
        (wib(FRI, 16), wib(NEXT_MON, 8), 60),
        (wib(FRI_BEFORE_HOLIDAY, 16), wib(TUE_AFTER_HOLIDAY, 8), 60),
        # a whole week: four days of 510 minutes and Friday's 540
        (wib(MON, 0), wib(SAT, 0), 4 * 510 + 540),
        (wib(SAT, 10), wib(SUN, 10), 0),
        (wib(MON, 20), wib(TUE, 7), 0),
        # empty or reversed interval
        (wib(MON, 9), wib(MON, 9), 0),
        (wib(TUE, 9), wib(MON, 9), 0),
        # rounded down to whole minutes
        (wib(MON, 8), wib(MON, 8) + timedelta(seconds=119), 1),
    ],
)
def test_working_minutes_between(a: datetime, b: datetime, minutes: int) -> None:
    assert CAL.working_minutes_between(a, b) == minutes


# --- naive datetimes -------------------------------------------------------------------------

NAIVE = datetime(2025, 8, 4, 9, 0)
CALLS: list[Callable[[datetime], object]] = [
    CAL.is_office_time,
    CAL.next_working_start,
    CAL.to_local,
    lambda t: CAL.add_working_minutes(t, 10),
    lambda t: CAL.add_working_days(t, 1),
    lambda t: CAL.due_at(t, minutes=10),
    lambda t: CAL.working_minutes_between(t, wib(TUE, 9)),
    lambda t: CAL.working_minutes_between(wib(MON, 8), t),
]


@pytest.mark.parametrize("call", CALLS)
def test_naive_datetimes_are_refused(call: Callable[[datetime], object]) -> None:
    with pytest.raises(ValueError, match="naive"):
        call(NAIVE)


# --- format_duration -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (0, "0 menit"),
        (45, "45 menit"),
        (60, "1 jam"),
        (80, "1 jam 20 menit"),
        (120, "2 jam"),
        (185, "3 jam 5 menit"),
        (600, "10 jam"),
    ],
)
def test_format_duration(minutes: int, text: str) -> None:
    assert format_duration(minutes) == text


def test_format_duration_refuses_negative() -> None:
    with pytest.raises(ValueError):
        format_duration(-1)


# --- properties ------------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2026, 12, 31),
    timezones=st.sampled_from([JKT, UTC]),
)
minute_counts = st.integers(min_value=0, max_value=3000)
day_counts = st.integers(min_value=0, max_value=5)


def is_office_time_or_closing(t: datetime) -> bool:
    hours = CAL.office_hours_on(CAL.to_local(t).date())
    return CAL.is_office_time(t) or (hours is not None and t == hours[1])


@given(instants, instants, minute_counts, day_counts)
def test_due_at_is_monotone_in_opened_at(
    t1: datetime, t2: datetime, minutes: int, days: int
) -> None:
    early, late = sorted((t1, t2))
    assert CAL.due_at(early, minutes=minutes, days=days) <= CAL.due_at(
        late, minutes=minutes, days=days
    )


@given(instants, minute_counts)
def test_add_working_minutes_lands_in_office_time_or_at_closing(
    start: datetime, minutes: int
) -> None:
    assert is_office_time_or_closing(CAL.add_working_minutes(start, minutes))


@given(instants, day_counts)
def test_add_working_days_lands_in_office_time_or_at_closing(start: datetime, days: int) -> None:
    assert is_office_time_or_closing(CAL.add_working_days(start, days))


@given(instants, minute_counts)
def test_working_minutes_between_inverts_add_working_minutes(start: datetime, minutes: int) -> None:
    # holds for every start: time before the next working start is not working time
    end = CAL.add_working_minutes(start, minutes)
    assert CAL.working_minutes_between(start, end) == minutes


def test_clock_offset_shifts_the_office_clock_and_keeps_real_speed(tmp_path) -> None:
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path}/k.db",
        clock_offset_seconds=-86400,
    )
    clock = make_office(settings).clock
    first = clock()
    yesterday = datetime.now(timezone.utc) - timedelta(days=1)
    assert abs(first - yesterday) < timedelta(seconds=5)
    assert clock() >= first
