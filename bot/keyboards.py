"""Inline keyboards and their callback data: short `verb:id[:arg]` strings, always under 64 bytes."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.sop import Output, Role, step
from core.text import shorten
from core.transitions import Choice

ROLE_CODES = {
    "kd": Role.KEPALA_DINAS,
    "sek": Role.SEKRETARIS,
    "tim": Role.TIM_SAKIP,
    "asn": Role.ASN,
}
CODE_OF = {role: code for code, role in ROLE_CODES.items()}
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


def paged(items: Sequence[tuple[str, str]], page: int, page_data: str) -> InlineKeyboardMarkup:
    """One page of buttons with ◀/▶; `page_data` gets the page number appended."""
    start = page * PAGE
    rows = [[button(shorten(t, LABEL), d)] for t, d in items[start : start + PAGE]]
    nav = []
    if page > 0:
        nav.append(button("◀ Sebelumnya", f"{page_data}:{page - 1}"))
    if start + PAGE < len(items):
        nav.append(button("Berikutnya ▶", f"{page_data}:{page + 1}"))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def choices(choice: Choice, verb: str) -> InlineKeyboardMarkup:
    """One button per option of an act that fits several periods or steps: `verb:id`."""
    return column([(label, f"{verb}:{oid}") for oid, label in choice.options])


def finish(run_id: int, label: str = "✅ Selesaikan langkah") -> InlineKeyboardMarkup:
    return column([(label, f"fin:{run_id}")])


def decision(period_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[button("✅ Setuju", f"ok:{period_id}"), button("↩️ Tolak", f"no:{period_id}")]]
    )


def roles(user_id: int, verb: str = "reg") -> list[list[InlineKeyboardButton]]:
    return [
        [button(r.label, f"{verb}:{user_id}:{code}") for code, r in list(ROLE_CODES.items())[:2]],
        [button(r.label, f"{verb}:{user_id}:{code}") for code, r in list(ROLE_CODES.items())[2:]],
    ]


def registration(user_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([*roles(user_id), [button("❌ Tolak", f"regx:{user_id}")]])


def manage_user(user_id: int, active: bool) -> InlineKeyboardMarkup:
    toggle = ("🚫 Nonaktifkan", f"off:{user_id}") if active else ("♻️ Aktifkan", f"on:{user_id}")
    return InlineKeyboardMarkup([*roles(user_id, "role"), [button(*toggle)]])


def for_outbox(kind: str, payload: dict) -> InlineKeyboardMarkup | None:
    """Buttons that travel with a notification, so the reader can act from the message."""
    if kind == "registration_request":
        return registration(payload["user_id"])
    if kind in ("step_opened", "rejected", "reminder", "headsup"):
        s = step(payload["step_no"])
        if s.output_kind is Output.DECISION:
            return decision(payload["period_id"])
        if s.output_kind is Output.FORWARD and payload.get("run_id"):
            return finish(payload["run_id"], "📤 Kirim ke Kepala Dinas")
        return data_step(s.no, payload.get("period_id"))
    return data_notice(kind, payload)


# Steps whose work is data: the button that starts it (template, /evaluasi, /rekap).
_DATA_BUTTONS = {
    4: ("📄 Ambil template Kertas Kerja", "tpl"),
    6: ("🔎 Mulai evaluasi", "evgo:{pid}"),
    7: ("📊 Susun rekap", "rk:{pid}"),
    8: ("📎 Jadikan draft laporan", "rk:{pid}"),
}


def data_step(step_no: int, period_id: int | None) -> InlineKeyboardMarkup | None:
    if step_no not in _DATA_BUTTONS or period_id is None:
        return None
    text, data = _DATA_BUTTONS[step_no]
    return column([(text, data.format(pid=period_id))])


def data_notice(kind: str, payload: dict) -> InlineKeyboardMarkup | None:
    if kind == "report_opened":
        return column([("📝 Lapor realisasi", "lpgo")])
    if kind == "figure_returned":
        return column([("✏️ Perbaiki realisasi", f"lp:{payload['indicator_id']}")])
    if kind == "figure_corrected" and payload.get("period_id"):
        return column([("🔎 Evaluasi", f"evgo:{payload['period_id']}")])
    return None
