"""The reminder ladder of core.reminders: pure, with explicit `now` and the default calendar.

4–8 August 2025 (Mon–Fri) has no holidays; Sunday 17 and Monday 18 August are days off.
"""

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.messages import render
from core.calendar import CalendarConfig, WorkingCalendar
from core.reminders import (
    Ladder,
    ReminderRules,
    first_action_at,
    headsup_at,
    next_reminder,
    plan,
)
from fakeapi.entities import parse_html

JKT = ZoneInfo("Asia/Jakarta")
CAL = WorkingCalendar(CalendarConfig())
RULES = ReminderRules()
MON, TUE, WED, THU, FRI, SAT = (date(2025, 8, 4) + timedelta(days=i) for i in range(6))
NEXT_MON = date(2025, 8, 11)


def wib(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), JKT)


# A 60-minute step opened Monday 09:00, due 10:00.
STEP = Ladder(opened_at=wib(MON, 9), due_at=wib(MON, 10))


def walk(ladder: Ladder, now: datetime):
    """Plan at `now` and return the plan with the ladder moved on."""
    p = plan(ladder, RULES, CAL, now)
    return p, p.after


def test_nothing_before_the_due_time() -> None:
    p = plan(STEP, RULES, CAL, wib(MON, 9, 59))
    assert not p.sends and p.after == STEP
    assert p.next_action_at == wib(MON, 10)


def test_first_reminder_exactly_at_the_due_time() -> None:
    p = plan(STEP, RULES, CAL, wib(MON, 10))
    assert p.reminder == 1 and p.skipped == () and not p.escalate
    assert p.late_minutes == 0
    assert p.after.reminders_sent == 1
    assert p.next_action_at == wib(MON, 11)


def test_the_ladder_climbs_every_interval_then_escalates_once() -> None:
    ladder = STEP
    sent = []
    for hour in (10, 11, 12):
        p, ladder = walk(ladder, wib(MON, hour))
        sent.append((p.reminder, p.escalate, p.late_minutes))
    assert sent == [(1, False, 0), (2, False, 60), (3, False, 120)]
    assert plan(ladder, RULES, CAL, wib(MON, 12, 59)).sends is False
    p, ladder = walk(ladder, wib(MON, 13))
    assert p.reminder is None and p.escalate and p.late_minutes == 180
    assert p.next_action_at is None  # the ladder is finished
    assert ladder.escalated and ladder.reminders_sent == 3
    assert not plan(ladder, RULES, CAL, wib(TUE, 13)).sends


def test_escalation_after_fewer_reminders_comes_with_the_next_one() -> None:
    rules = ReminderRules(interval_minutes=30, max_reminders=4, escalate_after=2)
    ladder = replace(STEP, reminders_sent=2)
    p = plan(ladder, rules, CAL, wib(MON, 11))
    assert p.reminder == 3 and p.escalate


def test_no_escalation_without_a_superior_or_when_turned_off() -> None:
    alone = replace(STEP, reminders_sent=3, has_superior=False)
    assert not plan(alone, RULES, CAL, wib(MON, 15)).sends
    off = ReminderRules(escalate_after=0)
    assert not plan(replace(STEP, reminders_sent=3), off, CAL, wib(MON, 15)).sends


def test_catch_up_sends_only_the_highest_rung_and_records_the_skipped_ones() -> None:
    p = plan(STEP, RULES, CAL, wib(MON, 12, 30))
    assert p.reminder == 3 and p.skipped == (1, 2) and not p.escalate
    assert p.after.reminders_sent == 3 and p.after.reminders_skipped == 2
    assert p.next_action_at == wib(MON, 13)
    # Down past the escalation too: the last rung and the escalation, once.
    p = plan(STEP, RULES, CAL, wib(TUE, 8))
    assert p.reminder == 3 and p.skipped == (1, 2) and p.escalate
    assert p.next_action_at is None
    assert not plan(p.after, RULES, CAL, wib(TUE, 9)).sends


def test_a_rung_due_at_night_waits_for_the_next_working_start() -> None:
    late_step = Ladder(opened_at=wib(MON, 14, 30), due_at=wib(MON, 15, 30))
    p = plan(late_step, RULES, CAL, wib(MON, 20))  # the bot was down until the evening
    assert p.deferred and not p.sends and p.after == late_step
    assert p.next_action_at == wib(TUE, 7, 30)
    p = plan(late_step, RULES, CAL, wib(TUE, 7, 30))
    assert p.reminder == 1 and p.late_minutes == 30
    # Rung 2 is one working hour after the due time: Tuesday 08:00, not Monday night.
    assert p.next_action_at == wib(TUE, 8)


def test_a_due_time_at_friday_closing_is_reminded_on_monday_morning() -> None:
    friday = Ladder(opened_at=wib(FRI, 15, 30), due_at=wib(FRI, 16, 30))
    p = plan(friday, RULES, CAL, wib(FRI, 16, 30))
    assert not p.sends and p.next_action_at == wib(NEXT_MON, 7, 30)
    saturday = plan(friday, RULES, CAL, wib(SAT, 10))
    assert not saturday.sends
    p = plan(friday, RULES, CAL, wib(NEXT_MON, 7, 30))
    assert p.reminder == 1 and p.late_minutes == 0
    assert p.next_action_at == wib(NEXT_MON, 8, 30)


def test_weekend_downtime_defers_to_monday() -> None:
    p = plan(STEP, RULES, CAL, datetime.combine(SAT, time(10), JKT))
    assert p.deferred and p.next_action_at == wib(NEXT_MON, 7, 30)


def test_half_time_heads_up_for_a_step_of_one_day() -> None:
    day_step = Ladder(opened_at=wib(MON, 9), due_at=wib(TUE, 9), whole_days=True)
    # 510 working minutes (Mon 09:00-16:00, Tue 07:30-09:00): half is Monday 13:15.
    assert headsup_at(day_step, RULES, CAL) == wib(MON, 13, 15)
    assert first_action_at(day_step, RULES, CAL) == wib(MON, 13, 15)
    assert not plan(day_step, RULES, CAL, wib(MON, 13, 14)).sends
    p = plan(day_step, RULES, CAL, wib(MON, 13, 15))
    assert p.headsup and p.left_minutes == 255 and p.reminder is None
    assert p.after.headsup_done and p.next_action_at == wib(TUE, 9)
    assert plan(p.after, RULES, CAL, wib(MON, 15)).sends is False


def test_heads_up_is_dropped_once_the_step_is_due() -> None:
    day_step = Ladder(opened_at=wib(MON, 9), due_at=wib(TUE, 9), whole_days=True)
    p = plan(day_step, RULES, CAL, wib(TUE, 9, 10))
    assert not p.headsup and p.reminder == 1 and p.after.headsup_done


def test_minute_steps_get_no_heads_up_and_open_at_their_due_time() -> None:
    assert headsup_at(STEP, RULES, CAL) is None
    assert first_action_at(STEP, RULES, CAL) == wib(MON, 10)
    off = ReminderRules(headsup=False)
    day_step = Ladder(opened_at=wib(MON, 9), due_at=wib(TUE, 9), whole_days=True)
    assert first_action_at(day_step, off, CAL) == wib(TUE, 9)


def test_a_day_off_added_later_moves_the_later_rungs() -> None:
    ladder = Ladder(opened_at=wib(MON, 14), due_at=wib(MON, 15), reminders_sent=1)
    # Rung 2 falls at Monday's closing (16:00), so it goes out at the next opening.
    assert plan(ladder, RULES, CAL, wib(MON, 15, 30)).next_action_at == wib(TUE, 7, 30)
    closed_tuesday = WorkingCalendar(CalendarConfig(), days_off=[TUE])
    p = plan(ladder, RULES, closed_tuesday, wib(MON, 15, 30))
    # With Tuesday made a day off, that opening is Wednesday's.
    assert p.next_action_at == wib(WED, 7, 30)


def test_next_reminder_for_the_task_list() -> None:
    assert next_reminder(STEP, RULES, CAL, wib(MON, 9)) == (1, wib(MON, 10))
    after_two = replace(STEP, reminders_sent=2)
    assert next_reminder(after_two, RULES, CAL, wib(MON, 11, 30)) == (3, wib(MON, 12))
    assert next_reminder(replace(STEP, reminders_sent=3), RULES, CAL, wib(MON, 13)) is None


@pytest.mark.parametrize(
    "kwargs",
    [{"interval_minutes": 0}, {"max_reminders": 0}, {"escalate_after": 4}, {"escalate_after": -1}],
)
def test_rules_refuse_a_ladder_that_cannot_work(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        ReminderRules(**kwargs)


EVIL = '<b>Siti & "Co"</b>'


@pytest.mark.parametrize(
    ("kind", "extra", "expected"),
    [
        ("reminder", {"rung": 2, "of": 3, "late_minutes": 75, "skipped": [1],
                      "superior": {"role": "Kepala Dinas", "names": [EVIL], "told": False,
                                   "in_minutes": 60}},
         "terlambat 1 jam 15 menit (dihitung dalam jam kerja)"),
        ("reminder", {"rung": 3, "of": 3, "late_minutes": 120, "superior":
                      {"role": "Tim SAKIP", "names": [EVIL, "Tari"], "others": 4, "told": True}},
         f"Tim SAKIP ({EVIL}, Tari dan 4 lainnya) sudah diberi tahu"),
        ("reminder", {"rung": 1, "of": 3, "late_minutes": 0}, "batas waktunya sudah lewat"),
        ("escalation", {"late_minutes": 180, "reminders": 3, "actor_role": "Sekretaris",
                        "superior_role": "Kepala Dinas", "actors": [EVIL]}, "diingatkan 3 kali"),
        ("headsup", {"left_minutes": 255}, "sisa waktu 4 jam 15 menit"),
        ("user_blocked", {"nama": EVIL, "jabatan": "Analis <x>", "role": "Sekretaris"},
         "memblokir bot"),
    ],
)  # fmt: skip
def test_deadline_texts_are_valid_html_with_user_values_escaped(
    kind: str, extra: dict, expected: str
) -> None:
    payload = {
        "period_id": 1,
        "period": "Triwulan <I> & 2025",
        "step_no": 2,
        "run_id": 7,
        "round": 2,
        "due_at": wib(MON, 10).isoformat(),
        **extra,
    }
    text = render(kind, payload, CAL)
    plain, _ = parse_html(text)  # what Telegram does with parse_mode=HTML
    assert expected in plain
    assert len(plain) <= 4096
    if kind != "user_blocked":
        assert "Triwulan <I> & 2025" in plain
    if EVIL in str(payload.values()):
        assert EVIL in plain


def reminder_text(**extra) -> str:
    payload = {"period": "Triwulan I 2025", "step_no": 2, "due_at": wib(MON, 10).isoformat()}
    plain, _ = parse_html(render("reminder", {**payload, **extra}, CAL))
    return plain


def test_a_reminder_after_downtime_names_the_rungs_it_skipped() -> None:
    assert "(pengingat 7–8 terlewat karena bot tidak aktif)" in reminder_text(
        rung=9, of=10, late_minutes=480, skipped=[7, 8]
    )
    assert "(pengingat 1 terlewat karena bot tidak aktif)" in reminder_text(
        rung=2, of=3, late_minutes=60, skipped=[1]
    )
    assert "terlewat" not in reminder_text(rung=2, of=3, late_minutes=60, skipped=[])


def test_the_last_reminder_says_none_follow_and_who_is_told() -> None:
    told = {"role": "Kepala Dinas", "names": ["Bambang Purwanto"], "others": 0, "told": True}
    last = reminder_text(rung=3, of=3, late_minutes=120, superior=told)
    assert (
        "Ini pengingat terakhir; tidak ada pengingat lagi. Kepala Dinas (Bambang Purwanto) "
        "sudah diberi tahu tentang keterlambatan ini." in last
    )
    # The escalation still ahead: who will be told, and after how much working time.
    ahead = {**told, "told": False, "in_minutes": 90}
    last = reminder_text(rung=3, of=3, late_minutes=120, superior=ahead)
    assert (
        "Ini pengingat terakhir; tidak ada pengingat lagi. Bila 1 jam 30 menit lagi (dihitung "
        "dalam jam kerja) belum selesai, keterlambatan ini dilaporkan ke Kepala Dinas "
        "(Bambang Purwanto)." in last
    )
    # Nobody above (or no escalation configured): only that no reminder follows.
    alone = reminder_text(rung=3, of=3, late_minutes=120)
    assert "tidak ada pengingat lagi." in alone and "diberi tahu" not in alone
    assert "terakhir" not in reminder_text(rung=2, of=3, late_minutes=60)
