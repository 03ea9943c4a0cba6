"""Days off and working days that admins set in the bot (/libur), on top of the national list.

Decision: changing the calendar does not move the due time of a step that is already open.
The due time was told to the actor when the step opened and is what lateness is measured
against; steps opened afterwards use the new calendar. Reminders always use the current
calendar: no reminder goes out on a day just made a day off, and later rungs move with it.
Days in the past cannot be changed, so the working time of finished steps stays as recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.calendar import EXTRA_DAY_OFF_NAME, WorkingCalendar
from core.engine import SopError
from core.office import Office
from core.text import shorten, strip_invisible
from core.users import acting_user, active_user, audit, is_admin, require_admin
from storage.models import DayOff, WorkingDay
from storage.scope import opd_of

HORIZON_DAYS = 365
MAX_NOTE = 100

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("januari", "jan"),
            ("februari", "feb", "pebruari", "peb"),
            ("maret", "mar"),
            ("april", "apr"),
            ("mei",),
            ("juni", "jun"),
            ("juli", "jul"),
            ("agustus", "agu", "agt", "ags"),
            ("september", "sep", "sept"),
            ("oktober", "okt"),
            ("november", "nov", "nop", "nopember"),
            ("desember", "des"),
        ),
        start=1,
    )
    for name in names
}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")

# Kinds of entries in the /libur list.
NATIONAL, CUTI_BERSAMA, SETTING, ADDED, WORKING = (
    "nasional",
    "cuti_bersama",
    "pengaturan",
    "tambahan",
    "masuk",
)


@dataclass(frozen=True)
class DayEntry:
    day: date
    name: str
    kind: str
    estimated: bool = False
    # A national holiday or cuti bersama that an admin marked as a working day.
    worked: bool = False


@dataclass(frozen=True)
class DaysView:
    first: date
    last: date
    entries: tuple[DayEntry, ...]
    can_edit: bool


@dataclass(frozen=True)
class DayChange:
    day: date
    action: str  # "libur", "masuk", "hapus_libur", "hapus_masuk"
    note: str


def _date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise SopError(f"Tanggal {text} tidak ada di kalender.") from exc


def parse_day(text: str) -> date:
    """2025-12-24, 24-12-2025, 24/12/2025, 24.12.2025 or 24 Desember 2025 (also "24 Des 2025")."""
    value = " ".join((text or "").lower().split())
    if m := _ISO.match(value):
        return _date(int(m[1]), int(m[2]), int(m[3]), text)
    if m := _DMY.match(value):
        return _date(int(m[3]), int(m[2]), int(m[1]), text)
    parts = value.split(" ")
    if len(parts) == 3 and parts[0].isdigit() and parts[2].isdigit() and parts[1] in _MONTHS:
        return _date(int(parts[2]), _MONTHS[parts[1]], int(parts[0]), text)
    raise SopError(  # what was typed shown short: a word of thousands made no reply at all
        f"Tanggal {shorten(text or '', 40)!r} tidak dikenali. Tulis misalnya 2025-12-24, "
        "24-12-2025 atau 24 Desember 2025."
    )


def split_day(words: list[str]) -> tuple[date, str]:
    """The date at the start of a command's words (one word, or three as in 24 Desember 2025)
    and the rest as the note."""
    if len(words) >= 3 and words[1].lower() in _MONTHS:
        return parse_day(" ".join(words[:3])), " ".join(words[3:])
    return parse_day(words[0]), " ".join(words[1:])


def _clean_note(note: str, default: str) -> str:
    note = " ".join(strip_invisible(note).split())
    if len(note) > MAX_NOTE:
        raise SopError(f"Keterangan terlalu panjang (maksimal {MAX_NOTE} karakter).")
    return note or default


async def list_days(office: Office, telegram_id: int) -> DaysView:
    """Days off and working days from today to a year ahead; any registered user may look."""
    async with office.db.session() as session:
        user = await acting_user(session, telegram_id)
        admin = is_admin(office, user, telegram_id)
        if not admin:
            await active_user(session, telegram_id)
        cal = await office.calendar(session)
        first = cal.to_local(office.clock()).date()
        last = first + timedelta(days=HORIZON_DAYS)
        added = {
            d.day: d.keterangan
            for d in (await session.exec(select(DayOff).where(DayOff.day >= first))).all()
        }
        worked = {
            d.day: d.keterangan
            for d in (await session.exec(select(WorkingDay).where(WorkingDay.day >= first))).all()
        }
    entries: dict[date, DayEntry] = {}
    for day, _name in cal.holidays_between(first, last):
        entries[day] = _holiday_entry(cal, day)
    for day in sorted(cal.config.extra_days_off):
        if first <= day <= last and day not in entries:
            entries[day] = DayEntry(day, EXTRA_DAY_OFF_NAME + " (pengaturan)", SETTING)
    # Days set by admins are listed however far ahead they lie.
    for day, note in added.items():
        entries[day] = DayEntry(day, note, ADDED)
    for day, note in worked.items():
        holiday = entries.get(day) or _holiday_entry(cal, day)
        if holiday is None:
            entries[day] = DayEntry(day, note, WORKING, worked=True)
        else:
            name = f"{holiday.name} — {note}"
            entries[day] = DayEntry(day, name, holiday.kind, holiday.estimated, True)
    return DaysView(first, last, tuple(entries[d] for d in sorted(entries)), admin)


def _holiday_entry(cal: WorkingCalendar, day: date) -> DayEntry | None:
    names = dict(cal.holidays_between(day, day))
    if day not in names:
        return None
    name = names[day]
    kind = CUTI_BERSAMA if name.lower().startswith("cuti bersama") else NATIONAL
    return DayEntry(day, name, kind, "perkiraan" in name.lower(), cal.is_working_override(day))


def _require_future(cal: WorkingCalendar, office: Office, day: date) -> None:
    today = cal.to_local(office.clock()).date()
    if day < today:
        raise SopError(
            "Tanggal itu sudah lewat. Hari yang sudah lewat tidak diubah agar waktu kerja langkah "
            "yang sudah selesai tetap seperti tercatat."
        )


async def _set_in_bot(
    session: AsyncSession, model: type[DayOff] | type[WorkingDay], day: date
) -> DayOff | WorkingDay | None:
    """The day as the session's OPD set it in the bot (days off are each OPD's own)."""
    return await session.get(model, (opd_of(session), day))


async def add_day_off(office: Office, telegram_id: int, day: date, note: str) -> DayChange:
    """An admin adds a day off (e.g. a cuti bersama missing from the national list)."""
    note = _clean_note(note, EXTRA_DAY_OFF_NAME)
    async with office.changing_calendar() as session:
        admin = await require_admin(office, session, telegram_id)
        cal = await office.calendar(session, fresh=True)
        _require_future(cal, office, day)
        if day.weekday() not in cal.config.office_hours:
            raise SopError(f"{day:%d-%m-%Y} memang bukan hari kerja (tidak ada jam kantor).")
        working = await _set_in_bot(session, WorkingDay, day)
        if working is None and not cal.is_working_day(day):
            raise SopError(f"{day:%d-%m-%Y} sudah hari libur: {cal.day_off_name(day)}.")
        if working is not None:  # the day was a holiday made a working day: undo that
            await session.delete(working)
            await session.flush()
            cal = await office.calendar(session, fresh=True)
        if cal.is_working_day(day):
            session.add(DayOff(day=day, keterangan=note, added_by=admin.id if admin else None))
        await audit(
            session, "tambah_libur", office.clock(), admin.id if admin else None, day=day, note=note
        )
        return DayChange(day, "libur", note)


async def add_working_day(office: Office, telegram_id: int, day: date, note: str) -> DayChange:
    """An admin makes a day off a working day (an estimated holiday that is not one)."""
    note = _clean_note(note, "Hari kerja pengganti")
    async with office.changing_calendar() as session:
        admin = await require_admin(office, session, telegram_id)
        cal = await office.calendar(session, fresh=True)
        _require_future(cal, office, day)
        if day.weekday() not in cal.config.office_hours:
            raise SopError(
                f"{day:%d-%m-%Y} tidak punya jam kantor (OFFICE_HOURS), jadi tidak bisa dijadikan "
                "hari kerja dari bot. Ubah OFFICE_HOURS bila kantor buka pada hari itu."
            )
        if cal.is_working_day(day):
            raise SopError(f"{day:%d-%m-%Y} sudah hari kerja.")
        added = await _set_in_bot(session, DayOff, day)
        if added is not None:
            await session.delete(added)
            await session.flush()
        cal_after = await office.calendar(session, fresh=True)
        if not cal_after.is_working_day(day):
            session.add(WorkingDay(day=day, keterangan=note, added_by=admin.id if admin else None))
        await audit(
            session, "tambah_hari_kerja", office.clock(), admin.id if admin else None, day=day
        )
        return DayChange(day, "masuk", note)


async def remove_day(office: Office, telegram_id: int, day: date) -> DayChange:
    """An admin removes what was set in the bot for a day: a day off or a working day."""
    async with office.changing_calendar() as session:
        admin = await require_admin(office, session, telegram_id)
        cal = await office.calendar(session, fresh=True)
        _require_future(cal, office, day)
        added = await _set_in_bot(session, DayOff, day)
        working = await _set_in_bot(session, WorkingDay, day)
        if added is None and working is None:
            name = cal.day_off_name(day)
            if name and day.weekday() in cal.config.office_hours:
                raise SopError(
                    f"{day:%d-%m-%Y} ({name}) berasal dari daftar libur nasional/pengaturan, bukan "
                    "tambahan admin. Bila kantor tetap masuk, pakai /libur masuk "
                    f"{day:%Y-%m-%d}."
                )
            raise SopError(f"Tidak ada hari libur atau hari kerja tambahan pada {day:%d-%m-%Y}.")
        target = added or working
        await session.delete(target)
        action = "hapus_libur" if added is not None else "hapus_masuk"
        await audit(session, action, office.clock(), admin.id if admin else None, day=day)
        return DayChange(day, action, target.keterangan)
