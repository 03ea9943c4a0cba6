"""Texts of the data steps (Kertas Kerja, /lapor, /progres, /evaluasi, /rekap), in Bahasa
Indonesia, HTML parse mode; every user-supplied value goes through `escape`.

Kept beside `bot/messages.py` (which delegates the outbox kinds listed in `DATA_KINDS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from html import escape

from bot.dates import when
from bot.step_lines import standard_lines
from core.calendar import WorkingCalendar
from core.indicators import (
    MARKS,
    STATUS_LABELS,
    Card,
    ClosingPreview,
    Idle,
    Preview,
    Progress,
    ReportItem,
    Submitted,
)
from core.indicators.common import REPORT_STEP
from core.measure import Measured
from core.numbers import UnitKind, format_exact, format_id, format_percent, unit_kind
from core.sop import step
from core.text import full_stop, html_pages

LIMIT = 3900
TEMPLATE_NAME = "Template Kertas Kerja Pengukuran Data Kinerja.xlsx"
TEMPLATE_CAPTION = (
    "Template Kertas Kerja Pengukuran Data Kinerja. Isi sheet Data (petunjuk di sheet "
    "Petunjuk), lalu kirim file .xlsx-nya di chat ini saat Langkah 4 terbuka."
)
TOLAK_SYNTAX = (
    "/tolak &lt;catatan&gt; mengembalikan ke rekap (Langkah 7); "
    "/tolak [kode, kode] &lt;catatan&gt; membuka ulang evaluasi (Langkah 6) untuk indikator "
    "berkode itu, misalnya <code>/tolak [1.02.01.2, 1.02.03#2] Realisasi belum sesuai BPS</code>."
)

# What to do at the steps whose work is data, not an uploaded document.
STEP_HINTS = {
    4: (
        "Ambil template dengan /template, isi sheet Data, lalu kirim file <b>.xlsx</b> di chat "
        "ini. File diperiksa utuh; setelah bersih tekan <b>Selesaikan</b> atau ketik /selesai."
    ),
    5: (
        "Ketik /lapor untuk melaporkan realisasi indikator Anda; /progres menunjukkan yang "
        "belum. Langkah ini selesai sendiri setelah semua indikator dilaporkan (Tim SAKIP dapat "
        "menutupnya dengan /tutup_lapor)."
    ),
    6: (
        "Ketik /evaluasi untuk memeriksa angka yang masuk: <b>Valid</b> atau <b>Kembalikan</b> "
        "dengan catatan. Langkah ini selesai sendiri setelah semua angka valid."
    ),
    7: (
        "Ketik /rekap: bot menyusun Rekapitulasi (.xlsx) dan grafiknya dari data yang sudah "
        "divalidasi. Lalu tekan <b>Selesaikan</b> atau ketik /selesai."
    ),
    8: (
        "Ketik /rekap: bot menyusun Draft Laporan (.docx) dari data yang sudah divalidasi dan "
        "melampirkan rekap Langkah 7. Sunting bila perlu di Word dan kirim kembali file .docx-"
        "nya, lalu tekan <b>Selesaikan</b>: draft dikirim ke Sekretaris."
    ),
}


def pct(value: Decimal | None) -> str:
    return "N/A" if value is None else format_percent(value)


def number(value: Decimal | None) -> str:
    return "-" if value is None else format_exact(value)


# An indicator's wording on a card or prompt: enough to read it, never enough (with faktor and
# notes of at most MAX_FAKTOR each) to pass Telegram's 4,096 characters.
WORDING = 300
# A note beside two faktor on an evaluation card, with the decision's own note under it; the
# PIC receives the decision's note whole.
NOTE_ON_CARD = 500


def _cut(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------------- outbox kinds


def report_opened(p: dict, cal: WorkingCalendar) -> str:
    round_ = f" (putaran {p['round']})" if p.get("round", 1) > 1 else ""
    lines = [
        f"📌 <b>Langkah 5: laporkan realisasi</b> — periode <b>{escape(p['period'])}</b>{round_}",
        *standard_lines(step(REPORT_STEP), p, cal),
        "",
        f"Anda PIC untuk <b>{p['total']}</b> indikator:",
    ]
    used = sum(len(line) for line in lines)
    shown = 0
    for code, indikator, target, *_ in p["items"]:  # older rows carry satuan 4th
        line = f"• <code>{escape(code)}</code> {escape(_cut(indikator))} — target {escape(target)}"
        if used + len(line) > LIMIT - 300:
            break
        lines.append(line)
        used += len(line) + 1
        shown += 1
    if p["total"] > shown:
        lines.append(f"… dan {p['total'] - shown} indikator lainnya.")
    lines += ["", "Ketik /lapor (atau tekan tombol) untuk mengisi realisasinya satu per satu."]
    return "\n".join(lines)


def report_closed(p: dict, cal: WorkingCalendar) -> str:
    lines = [
        f"🔒 Pelaporan realisasi periode <b>{escape(p['period'])}</b> ditutup oleh "
        f"{escape(p['by'])}{full_stop(p['by'])} Indikator Anda berikut tercatat <b>tanpa realisasi</b>:"
    ]
    lines += [f"• <code>{escape(c)}</code> {escape(_cut(i))}" for c, i in p["items"]]
    if p["total"] > len(p["items"]):
        lines.append(f"… dan {p['total'] - len(p['items'])} lainnya.")
    return "\n".join(lines)


def figure_returned(p: dict, cal: WorkingCalendar) -> str:
    return (
        f"↩️ <b>Realisasi dikembalikan</b> — periode <b>{escape(p['period'])}</b>\n"
        f"Indikator: <code>{escape(p['code'])}</code> {escape(_cut(p['indikator'], WORDING))}\n"
        f"Realisasi Anda: {escape(p['realisasi'])} {escape(p['satuan'])}\n"
        f"<b>Catatan {escape(p['by'])}:</b> {escape(p['note'] or '')}\n\n"
        "Perbaiki dengan /lapor (atau tombol di bawah)."
    )


def figure_corrected(p: dict, cal: WorkingCalendar) -> str:
    what = "diperbaiki setelah dikembalikan" if p.get("returned") else "diperbarui"
    return (
        f"📝 Realisasi <code>{escape(p['code'])}</code> {escape(_cut(p['indikator']))} periode "
        f"<b>{escape(p['period'])}</b> {what} oleh {escape(p['by'])}{full_stop(p['by'])} Ketik /evaluasi untuk "
        "memeriksanya."
    )


DATA_KINDS = {
    "report_opened": report_opened,
    "report_closed": report_closed,
    "figure_returned": figure_returned,
    "figure_corrected": figure_corrected,
}


# ------------------------------------------------------------------------------ /lapor


def lapor_list(items: Sequence[ReportItem], done: int) -> str:
    periods = sorted({i.period for i in items})
    head = "<b>Lapor realisasi</b>"
    if len(periods) == 1:
        head += f" — periode <b>{escape(periods[0])}</b>"
    lines = [head, f"Pilih indikator ({len(items)} bisa diisi atau diperbaiki)."]
    if done:
        lines.append(f"{done} indikator Anda sudah valid.")
    lines.append("▫️ belum dilaporkan · 📝 menunggu evaluasi · ↩️ dikembalikan")
    return "\n".join(lines)


def item_label(item: ReportItem, several_periods: bool) -> str:
    period = f"[{item.period}] " if several_periods else ""
    return f"{MARKS[item.status]} {period}{item.code} {item.indikator}"


NOTHING_TO_REPORT = (
    "Tidak ada indikator yang perlu Anda laporkan sekarang. Pelaporan dibuka pada Langkah 5 "
    "(dan untuk angka yang dikembalikan pada Langkah 6). Ketik /progres untuk melihat status."
)


def ask_value(item: ReportItem) -> str:
    lines = [
        f"<b>{escape(item.code)}</b> {escape(_cut(item.indikator, WORDING))}",
        f"Target: {escape(item.target)}",
    ]
    if item.realisasi is not None:
        lines.append(
            f"Realisasi tercatat: {number(item.realisasi)} ({STATUS_LABELS[item.status]}); "
            "angka baru menggantikannya."
        )
    if item.note:
        lines.append(f"<b>Catatan:</b> {escape(item.note)}")
    examples = {
        UnitKind.PERSEN: "<code>85</code>, <code>85%</code> atau <code>85,5 persen</code>",
        UnitKind.JUMLAH: "<code>120</code> atau <code>1.234</code> (bilangan bulat)",
        UnitKind.RUPIAH: "<code>Rp 1.500.000</code> atau <code>1,5 juta</code>",
        UnitKind.LAINNYA: "<code>1.234,5</code>, <code>12,5</code> atau <code>1,2 juta</code>",
    }[unit_kind(item.satuan)]
    lines += [
        "",
        f"Ketik <b>realisasi</b> dalam {escape(item.satuan)}, misalnya {examples}. "
        "/batal untuk batal.",
    ]
    return "\n".join(lines)


def confirm_odd(pv: Preview) -> str:
    return (
        f"{escape(pv.warning or 'Angka tidak biasa — yakin?')} Anda menulis "
        f"<b>{number(pv.value)}</b> {escape(pv.satuan)}. Pakai angka ini?"
    )


# What a card's faktor button asks, by its callback code (keyboards.FAKTOR_CODES).
ASK_FAKTOR = {
    "d": "Tulis <b>faktor pendukung</b>: apa yang membantu capaian ini.",
    "h": "Tulis <b>faktor penghambat</b>: apa yang menghambat capaian ini.",
}
ASK_EVIDENCE = (
    "Kirim <b>bukti dukung</b> sebagai foto atau dokumen (PDF/Word/Excel/gambar, maksimal "
    "20 MB). Bukti hanya dapat dilihat Anda, Tim SAKIP dan pimpinan."
)
BACK_TO_CARD = "↩️ Kembali ke ringkasan"
STORED_BEFORE = (
    "Realisasi ini sudah tersimpan sebelumnya; tidak ada yang diubah. "
    "Ketik /progres untuk melihat angka yang tercatat."
)
EVIDENCE_PLEASE = (
    "Bukti dukung dikirim sebagai <b>foto atau dokumen</b> (PDF/Word/Excel/gambar). Tekan "
    f"{BACK_TO_CARD} bila tidak jadi, atau /batal."
)
NOT_TEXT = "Mohon ketik jawabannya sebagai teks, tekan tombol di atas, atau /batal."


def measured_lines(m: Measured, satuan: str) -> list[str]:
    c = m.capaian
    if c.is_na:
        capaian = f"N/A — {escape(c.na_reason or '')}"
    elif c.cap_applied:
        capaian = f"<b>{pct(c.raw)}</b> (dibatasi {pct(c.capped)} untuk predikat)"
    else:
        capaian = f"<b>{pct(c.raw)}</b>"
    lines = [
        f"Target: {escape(m.target_text)} {escape(satuan)}",
        f"Realisasi: <b>{number(m.realisasi)}</b> {escape(satuan)}",
    ]
    if m.compared is not None and m.compared != m.realisasi:
        lines.append(f"Realisasi yang dibandingkan: {number(m.compared)} {escape(satuan)}")
    lines += [
        f"Capaian: {capaian}",
        f"Predikat: <b>{escape(m.predikat or 'N/A')}</b>",
        f"<i>Aturan: {escape(m.rule)}</i>",
    ]
    return lines


def confirm_text(
    pv: Preview, pendukung: str | None, penghambat: str | None, evidence: str | None
) -> str:
    """The card shown right after the value: send it, or add a faktor or evidence first.

    Faktor are cut to `MAX_FAKTOR` when typed, so the card stays far below 4,096 characters.
    """
    fits = "penghambat" if pv.measured.below_target else "pendukung"
    lines = [
        f"<b>Periksa sebelum dikirim</b> — periode {escape(pv.period)}",
        f"<b>{escape(pv.code)}</b> {escape(_cut(pv.indikator, WORDING))}",
        *measured_lines(pv.measured, pv.satuan),
        f"Faktor pendukung: {escape(pendukung or '-')}",
        f"Faktor penghambat: {escape(penghambat or '-')}",
        f"Bukti dukung: {escape(evidence or 'tidak ada')}",
        "",
        f"Tekan <b>Kirim</b>, atau tambahkan dulu faktor {fits} (dikutip dalam analisis "
        "laporan) atau bukti dukung.",
    ]
    return "\n".join(lines)


def submitted_text(result: Submitted, opened: str) -> str:
    pv = result.preview
    verb = "diperbarui" if result.corrected else "tersimpan"
    lines = [
        f"✅ Realisasi <b>{escape(pv.code)}</b> {verb}: {number(pv.value)} {escape(pv.satuan)}, "
        f"capaian {pct(pv.measured.capaian.raw)} ({escape(pv.measured.predikat or 'N/A')})."
    ]
    if result.done is not None:
        lines.append(
            f"Semua indikator periode <b>{escape(pv.period)}</b> sudah dilaporkan: "
            "Langkah 5 selesai."
        )
        if opened:
            lines.append(opened)
        return "\n".join(lines)
    if result.mine_left:
        lines.append(
            f"Masih {result.mine_left} indikator Anda yang perlu dilaporkan: tekan tombol di "
            "bawah untuk yang berikutnya, atau ketik /lapor untuk memilih."
        )
    else:
        lines.append(
            "Semua indikator Anda periode ini sudah dilaporkan. Terima kasih; Anda akan diberi "
            "tahu bila Tim SAKIP mengembalikan salah satunya."
        )
    if result.remaining:
        lines.append(
            f"Masih {result.remaining} indikator periode ini belum dilaporkan (semua PIC)."
        )
    return "\n".join(lines)


# ---------------------------------------------------------------- closing reporting (step 5)


def closing_text(c: ClosingPreview) -> str:
    """Asked before closing: the indicators that will be recorded without a figure, by kode
    and PIC, the first that fit in one message and then how many more."""
    n = len(c.missing)
    lines = [
        f"<b>Tutup pelaporan realisasi (Langkah 5) periode {escape(c.period)}?</b>",
        f"Masuk {c.total - n} dari {c.total} indikator.",
    ]
    if n:
        lines.append(f"<b>{n} indikator ini akan dicatat tanpa realisasi:</b>")
    tail = (
        "Setelah ditutup, indikator yang belum dilaporkan tidak bisa diisi lagi dan Langkah 6 "
        "(evaluasi) dibuka."
    )
    used = sum(len(line) + 1 for line in lines) + len(tail) + 60
    shown = 0
    for m in c.missing:
        line = f"• <code>{escape(m.code)}</code> {escape(_cut(m.indikator, 60))} — {escape(m.pic)}"
        if used + len(line) + 1 > LIMIT:
            break
        lines.append(line)
        used += len(line) + 1
        shown += 1
    if n > shown:
        lines.append(f"… dan {n - shown} lainnya.")
    lines += ["", tail]
    return "\n".join(lines)


def closing_choice(gaps: Sequence[tuple[int, str, int, int]]) -> str:
    lines = ["<b>Tutup pelaporan realisasi (Langkah 5)?</b> Beberapa periode sedang dibuka:"]
    lines += [
        f"• {escape(name)}: {total - missing}/{total} masuk" for _, name, missing, total in gaps
    ]
    lines.append("Pilih periodenya; daftar indikator yang belum masuk ditampilkan dulu.")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- /progres


MINE_SHOWN = 40


def progress_text(p: Progress) -> list[str]:
    lines = [f"<b>Progres pelaporan — periode {escape(p.period)}</b>"]
    if p.step_no:
        lines.append(f"Langkah berjalan: {p.step_no}")
    if p.mine:
        left = [i for i in p.mine if i.status in (None, "dikembalikan")]
        lines += ["", f"<b>Indikator Anda</b> ({len(p.mine)}; belum/dikembalikan: {len(left)})"]
        # What still needs the PIC first, and a few dozen at most: a PIC of 2,000 indicators
        # got 75 messages, a minute and more at Telegram's pace, before their next answer.
        done = [i for i in p.mine if i.status not in (None, "dikembalikan")]
        shown = (left + done)[:MINE_SHOWN]
        for i in shown:
            value = f" = {number(i.realisasi)}" if i.realisasi is not None else ""
            lines.append(
                f"{MARKS[i.status]} <code>{escape(i.code)}</code> {escape(_cut(i.indikator, 60))}"
                f"{value} — {STATUS_LABELS[i.status]}"
            )
        if len(p.mine) > len(shown):
            lines.append(f"… dan {len(p.mine) - len(shown)} lainnya. Ketik /lapor untuk mengisi.")
    elif not p.team_view:
        lines.append("Anda bukan PIC indikator di periode ini.")
    if p.team_view:
        total = sum(x.total for x in p.per_pic)
        reported = sum(x.reported for x in p.per_pic)
        valid = sum(x.valid for x in p.per_pic)
        lines += [
            "",
            f"<b>Per PIC</b> — masuk {reported}/{total}, valid {valid}/{total}",
        ]
        for x in p.per_pic:
            extra = []
            if x.returned:
                extra.append(f"{x.returned} dikembalikan")
            if x.missing:
                extra.append(f"{x.missing} tanpa realisasi")
            mark = "✅" if x.reported + x.missing == x.total and not x.returned else "⏳"
            tail = f" ({', '.join(extra)})" if extra else ""
            lines.append(
                f"{mark} {escape(x.nama)}: masuk {x.reported}/{x.total}, valid {x.valid}{tail}"
            )
    return html_pages("\n".join(lines), LIMIT)


# ---------------------------------------------------------------------------- /evaluasi


def card_text(c: Card) -> str:
    lines = [
        f"🔎 <b>Evaluasi</b> — periode {escape(c.period)} (menunggu: {c.pending})",
        f"<b>{escape(c.code)}</b> {escape(_cut(c.indikator, WORDING))}",
        f"PIC: {escape(c.pic)}",
        *measured_lines(c.measured, c.satuan),
        f"Faktor pendukung: {escape(c.pendukung or '-')}",
        f"Faktor penghambat: {escape(c.penghambat or '-')}",
        f"Bukti dukung: {'ada (tombol 📎)' if c.has_evidence else 'tidak ada'}",
    ]
    if c.note:
        lines.append(f"<b>Catatan sebelumnya:</b> {escape(_cut(c.note, NOTE_ON_CARD))}")
    if c.corrected:
        lines.append(f"<i>Versi {c.version}: angka ini sudah pernah diubah.</i>")
    return "\n".join(lines)


def decision_line(
    valid: bool, by: str, at: datetime, cal: WorkingCalendar, note: str | None
) -> str:
    if valid:
        return f"✅ <b>Valid</b> — oleh {escape(by)}, {when(at, cal)}"
    return (
        f"↩️ <b>Dikembalikan</b> ke PIC — oleh {escape(by)}, {when(at, cal)}\n"
        f"Catatan: {escape(_cut(note or '', NOTE_ON_CARD))}"
    )


def idle_text(i: Idle) -> str:
    parts = []
    if i.returned:
        parts.append(f"{i.returned} angka dikembalikan dan menunggu perbaikan ASN")
    if i.own:
        parts.append(f"{i.own} angka Anda sendiri menunggu anggota Tim SAKIP lain")
    why = "; ".join(parts) or "tidak ada angka yang menunggu"
    return (
        f"Tidak ada angka yang bisa Anda evaluasi sekarang di periode {escape(i.period)}: "
        f"{why}. Anda akan diberi tahu bila ada angka yang diperbaiki."
    )


ASK_RETURN_NOTE = (
    "Tulis <b>catatan</b> untuk PIC indikator ini: apa yang perlu diperbaiki. /batal untuk batal."
)


# ------------------------------------------------------------------------------- /rekap


def recap_progress(
    period: str, phase: str, done: Sequence[str], what: str = "rekap periode"
) -> str:
    lines = [f"⏳ <b>Menyusun {what} {escape(period)}</b>"]
    lines += [f"✔️ {escape(d)}" for d in done]
    lines.append(f"… {escape(phase)}")
    return "\n".join(lines)


def recap_done(files, seconds: float) -> str:
    """The recap's figures, every number Indonesian ("0,7 detik", "1.234 indikator"); what to
    do next is said once, by the message that closes the recap (`recap_next`)."""
    duration = format_id(Decimal(f"{seconds:.1f}"), 1)
    lines = [
        f"✅ <b>Rekap periode {escape(files.period)} selesai</b> ({duration} detik): "
        f"{format_id(files.indicators, 0)} indikator, {format_id(files.with_capaian, 0)} "
        "dengan capaian"
        + (f", {format_id(files.na, 0)} N/A (tanpa capaian)" if files.na else "")
        + (f", {format_id(files.missing, 0)} tidak dilaporkan" if files.missing else "")
        + "."
    ]
    for kode, value in files.averages[:10]:
        lines.append(f"• Program {escape(kode)}: {pct(value)}")
    return "\n".join(lines)


def recap_next(stored) -> str:
    """The one next step after /rekap: finish step 7 with the stored recap, or nothing to do
    with a preview."""
    if stored is None:
        return (
            "Ini <b>pratinjau</b>: tidak disimpan. Rekap yang disimpan dibuat dengan /rekap "
            "saat Langkah 7 terbuka."
        )
    replaced = " (menggantikan rekap sebelumnya)" if stored.replaced else ""
    return (
        f"Rekap tersimpan sebagai output Langkah {stored.step_no} periode "
        f"<b>{escape(stored.period)}</b>{replaced}. Periksa workbook dan grafik di atas; bila "
        "sudah benar, tekan <b>Selesaikan</b>."
    )


def draft_built(period: str) -> str:
    return f"✅ <b>Draft Laporan periode {escape(period)} selesai disusun.</b>"


def draft_ready(stored) -> str:
    replaced = " (menggantikan draft sebelumnya)" if stored.replaced else ""
    return (
        f"📎 <b>Draft Laporan</b> periode <b>{escape(stored.period)}</b> tersimpan bersama rekap "
        f"Langkah 7{replaced}: {escape(', '.join(stored.file_names))}.\n"
        "Bila perlu, sunting file .docx di Word lalu kirim kembali untuk menggantikan draft. "
        "Tekan <b>Selesaikan</b> untuk melaporkannya kepada Sekretaris."
    )
