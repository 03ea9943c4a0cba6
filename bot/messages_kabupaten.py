"""The texts of /kabupaten: one page of OPD blocks, the regency rekap's progress and result."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

from bot.messages_data import pct
from core import engine
from core.calendar import format_duration
from core.kabupaten import OpdLine, Regency
from core.numbers import format_id
from core.sop import step
from core.text import shorten

# OPD blocks on one page: each is at most about 330 characters (the name shortened), so a
# page stays well within Telegram's 4,096.
PAGE = 10
NAME, KODE = 70, 20

USAGE = (
    "Ketik /kabupaten untuk periode terbaru, /kabupaten &lt;periode&gt; (misalnya "
    "<code>/kabupaten TW I 2026</code>), atau <code>/kabupaten rekap TW I 2026</code> untuk "
    "workbook Rekapitulasi Kabupaten."
)


def pages(regency: Regency) -> int:
    return max(1, -(-len(regency.lines) // PAGE))


def _state(line: OpdLine) -> str:
    late = f"; {line.late_steps} langkah terlambat sejauh ini" if line.late_steps else ""
    if line.status is None:
        return "⛔ Belum memulai periode ini"
    if line.status == engine.CANCELLED:
        return "✖️ Periode dibatalkan" + late
    if line.status == engine.FINISHED:
        return "✅ Selesai dan diarsipkan" + late
    if line.step_no is None:
        return "⏳ Berjalan" + late
    where = f"Langkah {line.step_no} ({step(line.step_no).actor.label})"
    if line.late_minutes:
        return f"⚠️ {where} — terlambat {format_duration(line.late_minutes)}" + late
    return f"⏳ {where}" + late


def _data(line: OpdLine) -> str:
    if not line.indicators:
        if line.status == engine.RUNNING:
            return "📊 Indikator belum diimpor (Langkah 4)"
        return "📊 Tanpa indikator"
    done = f"{format_id(line.reported, 0)}/{format_id(line.indicators, 0)}"
    shown = f"📊 Laporan {done} indikator ({pct(line.completeness)})"
    predikat = f" ({escape(line.predikat)})" if line.predikat else ""
    return f"{shown} · capaian {pct(line.capaian)}{predikat}"


def block(number: int, line: OpdLine) -> str:
    head = f"<b>{number}. {escape(shorten(line.kode, KODE))}</b> {escape(shorten(line.nama, NAME))}"
    lines = [head, _state(line)]
    if line.status is not None:
        lines.append(_data(line))
    return "\n".join(lines)


def page(regency: Regency, number: int) -> str:
    """One page of the list; a page past the end (a stale button) shows the last one."""
    total = pages(regency)
    number = min(number, total - 1)
    start = number * PAGE
    lines: Sequence[OpdLine] = regency.lines[start : start + PAGE]
    head = [
        f"<b>Rekap Kabupaten — {escape(regency.period)}</b>",
        f"{len(regency.lines)} OPD: {regency.not_started} belum memulai, {regency.late} "
        f"terlambat, {regency.finished} selesai. Yang perlu perhatian tampil lebih dulu.",
    ]
    if total > 1:
        head.append(f"Halaman {number + 1} dari {total}")
    blocks = [block(start + i + 1, line) for i, line in enumerate(lines)]
    if not blocks:
        blocks = ["Belum ada OPD terdaftar."]
    tail = f"Workbook: <code>/kabupaten rekap {escape(regency.period)}</code>"
    return "\n\n".join(["\n".join(head), *blocks, tail])


def rekap_done(period: str, opds: int, seconds: float) -> str:
    duration = format_id(Decimal(f"{seconds:.1f}"), 1)
    return (
        f"✅ <b>Rekapitulasi Kabupaten {escape(period)} selesai</b> ({duration} detik): "
        f"{format_id(opds, 0)} OPD. Workbook dikirim di bawah ini; tidak disimpan di arsip OPD "
        "mana pun, buat ulang kapan saja dengan perintah yang sama."
    )
