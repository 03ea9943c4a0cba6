"""The lines every step's notice carries: its quality standard (kelengkapan, waktu) and due time.

Apart from `bot/messages.py` so the step 5 notice in `bot/messages_data.py` uses the same lines
without the two message modules importing each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from bot.dates import when
from core.calendar import WorkingCalendar
from core.sop import Step


def docs_line(names: Sequence[str]) -> str:
    return ", ".join(escape(n) for n in names) if names else "-"


def standard_lines(s: Step, p: dict, cal: WorkingCalendar) -> list[str]:
    """The SOP's quality standard (kelengkapan, waktu) and the due time: every step's notice
    carries them, the step 5 list of indicators included."""
    due = datetime.fromisoformat(p["due_at"]) if p.get("due_at") else None
    return [
        f"<b>Kelengkapan:</b> {docs_line(s.kelengkapan)}",
        *_own_documents(p.get("own_documents")),
        f"<b>Standar waktu:</b> {s.waktu.label}",
        f"<b>Batas waktu:</b> {when(due, cal)}",
    ]


def _own_documents(names: Sequence[str] | None) -> list[str]:
    """The previous step's output this reader handed in: named, not sent back to them."""
    if not names:
        return []
    return [
        f"Dokumen langkah sebelumnya ({docs_line(names)}) adalah yang Anda serahkan sendiri, "
        "jadi tidak dikirim ulang."
    ]
