"""Inline keyboards and their callback data: short `verb:id[:arg]` strings, always under 64 bytes."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.sop import Output, Role, step
from core.text import shorten
from core.transitions import Choice
from core.views import Task

ROLE_CODES = {
    "kd": Role.KEPALA_DINAS,
    "sek": Role.SEKRETARIS,
    "tim": Role.TIM_SAKIP,
    "asn": Role.ASN,
    "bap": Role.BAPPEDA,
    "ins": Role.INSPEKTORAT,
}
# The role buttons in rows; the regency's duties only on a regency admin's keyboard (core
# refuses them to anyone else all the same).
_OPD_ROWS = (("kd", "sek"), ("tim", "asn"))
_REGENCY_ROW = ("bap", "ins")
CODE_OF = {role: code for code, role in ROLE_CODES.items()}
# The faktor a /lapor card adds: `lpf:d` pendukung, `lpf:h` penghambat (user_data keys).
FAKTOR_CODES = {"d": "pendukung", "h": "penghambat"}
PAGE = 8
# A button's text beyond this is cut (at a word) so it stays readable on a phone.
LABEL = 60


def button(text: str, data: str) -> InlineKeyboardButton:
    if len(data.encode()) > 64:
        raise ValueError(f"callback data too long: {data}")
    return InlineKeyboardButton(text, callback_data=data)


def label(kode: str, text: str) -> str:
    """`kode` (what tells the buttons apart) kept whole, `text` shortened at a word to fit."""
    return kode + shorten(text, max(LABEL - len(kode), 1))


def column(items: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(text, data)] for text, data in items])


def paged(
    items: Sequence[tuple[str, str]], page: int, page_data: str
) -> InlineKeyboardMarkup | None:
    """One page of buttons with ◀/▶; `page_data` gets the page number appended. A page past
    the end (a forged or stale button) shows the last one; no items, no keyboard."""
    if not items:
        return None
    pages = (len(items) - 1) // PAGE + 1
    page = min(page, pages - 1)
    start = page * PAGE
    rows = [[button(shorten(t, LABEL), d)] for t, d in items[start : start + PAGE]]
    nav = nav_row(page, pages, page_data)
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def nav_row(page: int, pages: int, page_data: str) -> list[InlineKeyboardButton]:
    """◀/▶ to the pages beside this one; `page_data` gets the page number appended."""
    nav = []
    if page > 0:
        nav.append(button("◀ Sebelumnya", f"{page_data}:{page - 1}"))
    if page + 1 < pages:
        nav.append(button("Berikutnya ▶", f"{page_data}:{page + 1}"))
    return nav


def choices(choice: Choice, verb: str) -> InlineKeyboardMarkup:
    """One button per option of an act that fits several periods or steps: `verb:id`."""
    return column([(label, f"{verb}:{oid}") for oid, label in choice.options])


def finish(run_id: int, label: str = "✅ Selesaikan langkah") -> InlineKeyboardMarkup:
    return column([(label, f"fin:{run_id}")])


def decision(run_id: int) -> InlineKeyboardMarkup:
    """Setuju and Tolak for one step 9 run: the draft of one round."""
    return InlineKeyboardMarkup(
        [[button("✅ Setuju", f"ok:{run_id}"), button("↩️ Tolak", f"no:{run_id}")]]
    )


def roles(
    user_id: int, verb: str = "reg", regency: bool = False
) -> list[list[InlineKeyboardButton]]:
    rows = [*_OPD_ROWS, _REGENCY_ROW] if regency else _OPD_ROWS
    return [
        [button(ROLE_CODES[code].label, f"{verb}:{user_id}:{code}") for code in row] for row in rows
    ]


def registration(user_id: int, regency: bool = False) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [*roles(user_id, regency=regency), [button("❌ Tolak", f"regx:{user_id}")]]
    )


def manage_user(user_id: int, active: bool, regency: bool = False) -> InlineKeyboardMarkup:
    toggle = ("🚫 Nonaktifkan", f"off:{user_id}") if active else ("♻️ Aktifkan", f"on:{user_id}")
    return InlineKeyboardMarkup([*roles(user_id, "role", regency), [button(*toggle)]])


def for_outbox(kind: str, payload: dict, regency: bool = False) -> InlineKeyboardMarkup | None:
    """Buttons that travel with a notification, so the reader can act from the message;
    `regency`: the reader is a regency admin (the regency's duties among the roles)."""
    if kind == "registration_request":
        return registration(payload["user_id"], regency)
    if kind in ("reminder", "headsup"):
        return open_step(payload["step_no"], payload["period_id"], payload["run_id"])
    if kind in ("step_opened", "rejected"):
        # A document step has just opened: its document comes first, and the reply to the
        # upload carries the finish button, so the notice carries none.
        if step(payload["step_no"]).output_kind is Output.DOCUMENT:
            return data_step(payload["step_no"], payload.get("period_id"))
        return open_step(payload["step_no"], payload.get("period_id"), payload.get("run_id"))
    return data_notice(kind, payload)


def open_step(
    step_no: int, period_id: int | None, run_id: int | None
) -> InlineKeyboardMarkup | None:
    """The button that takes the actor into a step: /tugas shows it and reminders carry it.

    Each press is checked again in core (role, step still open), like the command it stands for.
    """
    s = step(step_no)
    if s.output_kind is Output.DECISION and run_id is not None:
        return decision(run_id)
    if s.output_kind is Output.FORWARD and run_id is not None:
        return finish(run_id, "📤 Kirim ke Kepala Dinas")
    if step_no in _DATA_BUTTONS:
        return data_step(step_no, period_id)
    if s.output_kind is Output.DOCUMENT and run_id is not None:
        return finish(run_id)
    return None


def tasks(items: Sequence[Task]) -> InlineKeyboardMarkup | None:
    """/tugas: each waiting step's `open_step` buttons; with several, each names its period."""
    rows = []
    for t in items:
        markup = open_step(t.step_no, t.period_id, t.run_id)
        for row in markup.inline_keyboard if markup else ():
            rows.append([button(_for_period(b.text, t, items), b.callback_data) for b in row])
    return InlineKeyboardMarkup(rows) if rows else None


def _for_period(text: str, t: Task, items: Sequence[Task]) -> str:
    return f"{text} · {t.period}"[:60] if len(items) > 1 else text


# Steps whose work is data: the button that starts it (template, /lapor, /evaluasi, /rekap).
_DATA_BUTTONS = {
    4: ("📄 Ambil template Kertas Kerja", "tpl"),
    5: ("📝 Lapor realisasi", "lpgo"),
    6: ("🔎 Mulai evaluasi", "evgo:{pid}"),
    7: ("📊 Susun rekap", "rk:{pid}"),
    8: ("📝 Susun draft laporan", "rk:{pid}"),
}


def data_step(step_no: int, period_id: int | None) -> InlineKeyboardMarkup | None:
    if step_no not in _DATA_BUTTONS or period_id is None:
        return None
    text, data = _DATA_BUTTONS[step_no]
    return column([(text, data.format(pid=period_id))])


def data_notice(kind: str, payload: dict) -> InlineKeyboardMarkup | None:
    if kind == "report_opened":
        return column([_DATA_BUTTONS[5]])
    if kind == "figure_returned":
        return column([("✏️ Perbaiki realisasi", f"lp:{payload['indicator_id']}")])
    if kind == "figure_corrected" and payload.get("period_id"):
        return column([("🔎 Evaluasi", f"evgo:{payload['period_id']}")])
    return None
