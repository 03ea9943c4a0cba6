"""Every text the bot sends, in Bahasa Indonesia, HTML parse mode; user values are escaped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from bot.dates import short_day, when
from bot.messages_data import DATA_KINDS, STEP_HINTS, TOLAK_SYNTAX
from bot.step_lines import docs_line, standard_lines
from core import digest
from core.calendar import WorkingCalendar, format_duration
from core.sop import REGENCY_ROLES, Output, Role, Step, step
from core.text import full_stop
from core.views import ArchivedPeriod, ArchiveEntry, RunLine, Task, Timeline

STRANGER = (
    "Selamat datang. Bot ini melayani SOP Pengukuran Data Kinerja untuk ASN {office}.\n"
    "Anda belum terdaftar. Ketik /daftar untuk mengajukan pendaftaran."
)
ADMIN_WELCOME = (
    "Halo, Admin. Permintaan pendaftaran akan dikirim ke chat ini untuk Anda setujui. "
    "Ketik /pengguna untuk mengelola pengguna. Bila Anda juga ASN kantor ini, daftar dengan /daftar."
)
GROUP_ONLY_PRIVATE = (
    "Bot ini hanya melayani lewat chat pribadi. Silakan kirim pesan langsung ke saya."
)
UNKNOWN_COMMAND = "Perintah tidak dikenal. Ketik /bantuan untuk melihat perintah yang tersedia."
FREE_TEXT = "Saya belum memahami pesan ini. Ketik /bantuan untuk melihat perintah yang tersedia."
PHOTO_NOT_DOCUMENT = (
    "Foto diterima sebagai gambar terkompresi, bukan dokumen. Kirim ulang sebagai <b>File</b> "
    "(📎 → File/Dokumen) agar tersimpan utuh."
)
FILE_TOO_BIG = "File lebih dari 20 MB dan tidak bisa diterima. Perkecil ukurannya lalu kirim ulang."
SOMETHING_WRONG = (
    "Maaf, terjadi kesalahan di sistem. Tidak ada data yang berubah; silakan coba lagi "
    "sebentar lagi. Admin sudah diberi tahu."
)
CANCELLED = "Dibatalkan. Tidak ada yang diubah."
STALE_BUTTON = "Tombol ini sudah tidak berlaku. Ketik /tugas untuk melihat tugas terbaru."

ASK_NAMA = (
    "Pendaftaran pengguna baru. Ketik <b>nama lengkap</b> Anda (atau /batal untuk membatalkan)."
)
ASK_OPD = (
    "Pendaftaran pengguna baru. <b>Anda dari OPD mana?</b> Pilih dari tombol di bawah, atau "
    "ketik kode OPD Anda (/batal untuk membatalkan)."
)
ASK_NIP = "Ketik <b>NIP</b> Anda (18 digit)."
ASK_JABATAN = "Ketik <b>jabatan</b> Anda, misalnya: Analis Kebijakan Ahli Muda."

ASK_PERIOD = (
    "Memulai periode pengukuran (Langkah 1). Ketik <b>nama periode</b>, misalnya "
    "<code>Triwulan I 2025</code> atau <code>Tahunan 2025</code>. /batal untuk membatalkan."
)
ASK_NOTA = (
    "Periode <b>{period}</b>. Kirim <b>Nota Dinas</b> sebagai dokumen (PDF/Word), "
    "atau ketik isi Nota Dinas sebagai teks."
)
ANSWER_IN_TEXT = "Mohon ketik jawabannya sebagai teks, atau /batal untuk membatalkan."
ALREADY_HANDLED = (
    "Pesan ini sudah diproses sebelumnya (bot sempat berhenti sebelum selesai menjawab). "
    "Ketik /tugas atau /status untuk melihat keadaannya."
)
NOTHING_TO_CANCEL = "Tidak ada isian yang sedang berjalan, jadi tidak ada yang dibatalkan."
ASK_REJECT_NOTE = "Tulis <b>catatan arahan perbaikan</b> untuk Tim SAKIP. /batal untuk batal."


def registration_sent(nama: str) -> str:
    """The answer to a finished /daftar, addressing the user by the name they typed."""
    name = escape(nama)
    return (
        f"Terima kasih, {name}{full_stop(name)} Permintaan pendaftaran Anda sudah dikirim ke "
        "admin. Anda akan diberi tahu setelah disetujui."
    )


def opd_chosen(nama: str) -> str:
    return (
        f"OPD Anda: <b>{escape(nama)}</b>. Ketik <b>nama lengkap</b> Anda "
        "(atau /batal untuk membatalkan)."
    )


def how_to_finish(s: Step) -> str:
    if s.no in STEP_HINTS:
        return STEP_HINTS[s.no]
    if s.output_kind is Output.DECISION:
        return "Periksa draft laporan, lalu balas /setuju atau " + TOLAK_SYNTAX
    if s.output_kind is Output.FORWARD:
        return (
            "Tekan <b>Kirim ke Kepala Dinas</b> (atau /selesai). Lampiran tambahan boleh dikirim "
            "sebagai dokumen sebelumnya."
        )
    return (
        f"Kirim dokumen <b>{escape(s.output)}</b> di chat ini (sebagai file), lalu tekan "
        "<b>Selesaikan</b> atau ketik /selesai."
    )


def step_opened(p: dict, cal: WorkingCalendar) -> str:
    s = step(p["step_no"])
    round_ = f" (putaran {p['round']})" if p.get("round", 1) > 1 else ""
    lines = [
        f"📌 <b>{s.title}: tugas baru</b> — periode <b>{escape(p['period'])}</b>{round_}",
        "",
        f"<b>Kegiatan:</b> {escape(s.kegiatan)}",
        *standard_lines(s, p, cal),
        f"<b>Output:</b> {escape(s.output)}",
    ]
    if p.get("note"):
        lines += ["", f"<b>Arahan Sekretaris:</b> {escape(p['note'])}"]
    lines += ["", how_to_finish(s)]
    return "\n".join(lines)


def render(kind: str, p: dict, cal: WorkingCalendar) -> str:
    """Text of an outbox message, from the row's kind and payload."""
    period = escape(str(p.get("period", "")))
    by = escape(str(p.get("by", "")))
    if kind == "step_opened":
        return step_opened(p, cal)
    if kind == "step_done":
        return (
            f"✅ {step(p['step_no']).title} periode <b>{period}</b> diselesaikan oleh "
            f"{by}{full_stop(by)}"
        )
    if kind == "rejected":
        return (
            f"↩️ Draft laporan periode <b>{period}</b> <b>dikembalikan</b> oleh {by} "
            f"(putaran {p['round']}).\n<b>Arahan:</b> {escape(p.get('note') or '')}\n\n"
            + step_opened(p, cal)
        )
    if kind == "approved":
        note = f"\nCatatan: {escape(p['note'])}" if p.get("note") else ""
        return f"👍 Draft laporan periode <b>{period}</b> disetujui oleh {by}{full_stop(by)}{note}"
    if kind == "report":
        return (
            f"📄 <b>Laporan Hasil Pengukuran Data Kinerja</b> periode <b>{period}</b> "
            f"dilaporkan oleh {by}{full_stop(by)} Dokumen terlampir."
        )
    if kind == "archived":
        return (
            f"🗄 Periode <b>{period}</b> selesai dan diarsipkan. Ketik /arsip untuk melihat "
            "dokumennya."
        )
    if kind == "registration_request":
        user = f" (@{escape(p['username'])})" if p.get("username") else ""
        opd = f"OPD: {escape(p['opd'])}\n" if p.get("opd") else ""
        return (
            "🆕 <b>Permintaan pendaftaran</b>\n"
            f"{opd}Nama: {escape(p['nama'])}{user}\nNIP: {escape(p['nip'])}\n"
            f"Jabatan: {escape(p['jabatan'])}\n\nPilih peran untuk menyetujui, atau tolak."
        )
    if kind == "registration_approved":
        return (
            f"🎉 Pendaftaran Anda disetujui sebagai <b>{escape(p['role'])}</b>. "
            "Ketik /bantuan untuk melihat yang bisa Anda lakukan."
        )
    if kind == "registration_refused":
        return "Maaf, pendaftaran Anda tidak disetujui admin. Hubungi admin bila ini keliru."
    if kind == "error":
        return error_alert(p)
    if kind == "opd_admin":
        return (
            f"🛡 Anda sekarang <b>admin {escape(p['opd'])}</b>. Permintaan pendaftaran di OPD ini "
            "akan dikirim kepada Anda; ketik /pengguna untuk mengelola pengguna."
        )
    if kind == "moved":
        return (
            f"🔀 Anda dipindahkan dari {escape(p['dari'])} ke <b>{escape(p['opd'])}</b>. Peran "
            "Anda sekarang ASN; periode dan tugas Anda mengikuti OPD baru. Ketik /bantuan."
        )
    if kind == "role_changed":
        return f"Peran Anda sekarang: <b>{escape(p['role'])}</b>. Ketik /bantuan."
    if kind == digest.KIND:
        return digest.text(p)
    if kind in DEADLINE_KINDS:
        return DEADLINE_KINDS[kind](p, cal)
    if kind in DATA_KINDS:
        return DATA_KINDS[kind](p, cal)
    raise ValueError(f"unknown outbox kind {kind}")


def error_alert(p: dict) -> str:
    """One alert per failure and hour: the repeats are counted, not sent again."""
    counts = []
    if p.get("earlier"):
        counts.append(f"jam sebelumnya: {p['earlier']} kali")
    if p.get("count", 1) > 1:
        counts.append(f"{p['count']} kali dalam jam ini")
    extra = f" ({'; '.join(counts)})" if counts else ""
    return (
        f"⚠️ Galat di bot: <code>{escape(p['summary'])}</code>{extra}. Detail ada di log server; "
        "galat yang sama dalam jam yang sama tidak diberitahukan lagi."
    )


def profile(nama: str, nip: str, jabatan: str, role: str, status: str, admin: bool) -> str:
    extra = " + admin" if admin else ""
    return (
        f"<b>Profil Anda</b>\nNama: {escape(nama)}\nNIP: {escape(nip)}\n"
        f"Jabatan: {escape(jabatan)}\nPeran: {escape(role)}{extra}\nStatus: {escape(status)}"
    )


def tasks(items: Sequence[Task], cal: WorkingCalendar) -> str:
    if not items:
        return "Tidak ada langkah yang menunggu Anda saat ini. 👍"
    lines = ["<b>Tugas Anda</b>"]
    for t in items:
        s = step(t.step_no)
        late = f" — <b>terlambat {format_duration(t.late_minutes)}</b>" if t.late_minutes else ""
        lines += [
            "",
            f"• <b>{escape(t.period)}</b> — {s.title}: {escape(s.kegiatan)}",
            f"  Batas: {when(t.due_at, cal)}{late}",
            f"  {how_to_finish(s)}",
        ]
        if t.drafts:
            lines.append(f"  Dokumen siap: {docs_line(t.drafts)}")
        if t.reminder is not None:
            lines.append(f"  {reminder_status(t.reminder, cal)}")
    return "\n".join(lines)


def _run_line(r: RunLine, cal: WorkingCalendar) -> str:
    s = step(r.step_no)
    state = {
        "terbuka": "⏳ berjalan",
        "selesai": "✅ selesai",
        "dibatalkan": "✖️ dibatalkan",
    }[r.status]
    if r.outcome == "tolak":
        state = "↩️ dikembalikan"
    elif r.outcome == "setuju":
        state = "✅ disetujui"
    timing = ""
    if r.late_minutes:
        timing = f" — terlambat {format_duration(r.late_minutes)}"
    elif r.status == "selesai" and r.due_at is not None:
        timing = " — tepat waktu"
    lines = [
        f"<b>{r.step_no}. {escape(s.actor.label)}</b> — {state}{timing}"
        + (f" (putaran {r.round})" if r.round > 1 else ""),
        f"   dibuka {when(r.opened_at, cal)}; batas {when(r.due_at, cal)}",
    ]
    if r.done_at:
        lines.append(f"   selesai {when(r.done_at, cal)} oleh {escape(r.done_by or '-')}")
    if r.note:
        lines.append("   catatan: " + escape(r.note).replace("\n", "\n   "))
    return "\n".join(lines)


def timeline(t: Timeline, cal: WorkingCalendar) -> str:
    status = {"berjalan": "berjalan", "selesai": "selesai (diarsipkan)", "dibatalkan": "dibatalkan"}
    head = (
        f"<b>Status periode {escape(t.name)}</b> — {status[t.status]}, putaran {t.round}\n"
        f"(waktu {escape(cal.config.timezone)})"
    )
    return "\n\n".join([head, *(_run_line(r, cal) for r in t.runs)])


NO_PERIODS = "Belum ada periode pengukuran. Kepala Dinas memulainya dengan /mulai."


def other_periods(names: Sequence[str]) -> str:
    """How to see another period's timeline, with a few recent names to type."""
    how = "Ketik <code>/status &lt;nama periode&gt;</code> untuk periode lain"
    if not names:
        return how + " (saat ini belum ada periode lain)."
    return (
        f"{how}, misalnya <code>/status {escape(names[0])}</code>.\n"
        f"Periode lain: {', '.join(escape(n) for n in names)}."
    )


def latest_timeline(t: Timeline, cal: WorkingCalendar, others: Sequence[str]) -> str:
    """/status when nothing runs: the period that closed last, and how to see the others."""
    how = "dibatalkan" if t.status == "dibatalkan" else "selesai dan diarsipkan"
    intro = (
        f"Tidak ada periode yang sedang berjalan. Periode terakhir, <b>{escape(t.name)}</b>, {how}:"
    )
    return "\n\n".join([intro, timeline(t, cal), other_periods(others)])


def periods_matching(typed: str, count: int, shown: int) -> str:
    """/status <nama> that names no period or several: the buttons below say which."""
    name = escape(typed[:100])
    if not count:
        return f"Tidak ada periode bernama <b>{name}</b>. Pilih salah satu periode:"
    more = (
        f" ({shown} terbaru ditampilkan; ketik nama lebih lengkap untuk yang lain)"
        if count > shown
        else ""
    )
    return f"Ada {count} periode yang cocok dengan <b>{name}</b>{more}. Pilih salah satu:"


def archive_list(entries: Sequence[ArchiveEntry]) -> str:
    if not entries:
        return "Arsip masih kosong: belum ada periode yang selesai."
    return "<b>Arsip Hasil Pengukuran Data Kinerja</b>\nPilih periode untuk melihat dokumennya."


def archived_period(a: ArchivedPeriod) -> str:
    """/arsip of one period: its documents under their steps, each round of a step apart."""
    how = "dibatalkan" if a.status == "dibatalkan" else "selesai dan diarsipkan"
    lines = [
        f"🗄 <b>Arsip periode {escape(a.name)}</b> — {how}",
        "Tekan tombol dokumen di bawah untuk menerimanya lagi.",
    ]
    shown: tuple[int | None, int | None] | None = None
    for d in a.docs:
        if shown is None or d.step_no != shown[0]:
            lines += ["", _archive_heading(d.step_no)]
        if d.round is not None and (d.step_no, d.round) != shown:
            lines.append(f"<i>putaran {d.round}</i>")
        shown = (d.step_no, d.round)
        lines.append(f"• {escape(d.kind)}: {escape(d.file_name)}")
    return "\n".join(lines)


def _archive_heading(step_no: int | None) -> str:
    if step_no is None:
        return "<b>Tanpa langkah</b>"
    return f"<b>{step(step_no).title} — {escape(step(step_no).kegiatan)}</b>"


def waiting_now(count: int) -> str:
    if not count:
        return "Saat ini tidak ada langkah yang menunggu Anda."
    return f"Saat ini <b>{count} langkah</b> menunggu Anda — ketik /tugas untuk rinciannya."


def help_text(role: Role | None, admin: bool, registered: bool, regency: bool = False) -> str:
    """The commands this person may use; `regency`: a regency admin (ADMIN_IDS)."""
    lines = ["<b>Perintah yang bisa Anda pakai</b>"]
    if not registered:
        lines.append("/daftar — mendaftar sebagai pengguna")
    else:
        lines += [
            "/tugas — langkah yang menunggu Anda",
            "/status — linimasa periode yang berjalan (atau yang terakhir selesai); "
            "/status &lt;nama periode&gt; untuk periode lain",
            "/arsip — arsip periode yang selesai",
            "/profil — data Anda",
        ]
    if role is Role.KEPALA_DINAS:
        lines += [
            "/mulai — memulai periode pengukuran (Langkah 1)",
            "/batalkan — membatalkan periode",
        ]
    if role is Role.SEKRETARIS:
        lines += [
            "/setuju — menyetujui draft laporan (Langkah 9)",
            "/tolak &lt;catatan&gt; — mengembalikan draft ke Tim SAKIP (rekap ulang)",
            "/tolak [kode, kode] &lt;catatan&gt; — membuka ulang evaluasi indikator itu",
        ]
    if role is Role.TIM_SAKIP:
        lines += [
            "/template — template Kertas Kerja (.xlsx) untuk Langkah 4",
            "/evaluasi — memeriksa realisasi yang masuk (Langkah 6)",
            "/tutup_lapor — menutup pelaporan realisasi (Langkah 5)",
            "/rekap — menyusun Rekapitulasi dan grafik (Langkah 7–8)",
        ]
    if registered:
        lines.append("/selesai — menyelesaikan langkah setelah dokumen dikirim")
        lines.append("/lapor — melaporkan realisasi indikator Anda (Langkah 5)")
        lines.append("/progres — indikator yang belum dilaporkan")
    if role in (Role.KEPALA_DINAS, Role.SEKRETARIS, Role.TIM_SAKIP):
        lines.append("/kepatuhan — kepatuhan SOP: waktu standar dan waktu aktual tiap langkah")
    if role in REGENCY_ROLES or regency:
        lines += [
            "/kabupaten [periode] — seluruh OPD: langkah, keterlambatan, kelengkapan laporan "
            "dan capaian",
            "/kabupaten rekap &lt;periode&gt; — workbook Rekapitulasi Kabupaten (.xlsx)",
        ]
    if registered or admin:
        lines.append("/libur — daftar hari libur dan cuti bersama")
    if admin:
        lines += ["/pengguna — kelola pengguna dan peran", "/batalkan — membatalkan periode"]
        lines.append("/libur tambah|masuk|hapus &lt;tanggal&gt; — ubah hari libur")
    if regency:
        lines += [
            "/opd — daftar OPD kabupaten; /opd tambah KODE Nama OPD; /opd admin KODE NIP",
            "/pengguna KODE — pengguna OPD lain: peran dan status",
            "/pindah NIP KODE — memindahkan pegawai ke OPD lain",
        ]
    lines += ["/batal — membatalkan isian yang sedang berjalan", "/bantuan — daftar ini"]
    return "\n".join(dict.fromkeys(lines))


# --- Deadlines: reminders, escalation, blocked users, /libur, /kepatuhan ----------------------


def _late_text(minutes: int) -> str:
    if not minutes:
        return "batas waktunya sudah lewat"
    return f"terlambat <b>{format_duration(minutes)}</b> (dihitung dalam jam kerja)"


def _rungs(numbers: Sequence[int]) -> str:
    """[7, 8] → "7–8", [2] → "2": skipped rungs are always consecutive."""
    first, last = numbers[0], numbers[-1]
    return f"{first}–{last}" if last > first else f"{first}"


def _superior(sup: dict) -> str:
    """The duty and who holds it: "Tim SAKIP (Tono, Tari dan 2 lainnya)"."""
    names = ", ".join(escape(n) for n in sup["names"])
    if sup.get("others"):
        names += f" dan {sup['others']} lainnya"
    return f"{escape(sup['role'])} ({names})"


def _reminder_end(p: dict) -> list[str]:
    """Whether more reminders follow, and who has been (or is next to be) told."""
    lines = []
    if p["rung"] >= p["of"]:
        lines.append("Ini pengingat terakhir; tidak ada pengingat lagi.")
    sup = p.get("superior")
    if sup and sup["told"]:
        lines.append(f"{_superior(sup)} sudah diberi tahu tentang keterlambatan ini.")
    elif sup:
        wait = format_duration(sup["in_minutes"])
        lines.append(
            f"Bila {wait} lagi (dihitung dalam jam kerja) belum selesai, keterlambatan ini "
            f"dilaporkan ke {_superior(sup)}."
        )
    return [" ".join(lines)] if lines else []


def reminder(p: dict, cal: WorkingCalendar) -> str:
    """The actor's reminder: what is overdue, by how long in working time, what was skipped
    while the bot was down, who has been told, and how to finish (the button opens the step)."""
    s = step(p["step_no"])
    due = datetime.fromisoformat(p["due_at"]) if p.get("due_at") else None
    round_ = f" (putaran {p['round']})" if p.get("round", 1) > 1 else ""
    lines = [
        f"⏰ <b>Pengingat {p['rung']} dari {p['of']}: {s.title}</b> — periode "
        f"<b>{escape(p['period'])}</b>{round_}",
    ]
    if p.get("skipped"):
        lines.append(f"(pengingat {_rungs(p['skipped'])} terlewat karena bot tidak aktif)")
    lines += [
        "",
        f"<b>Kegiatan:</b> {escape(s.kegiatan)}",
        f"<b>Batas waktu:</b> {when(due, cal)} — {_late_text(p.get('late_minutes', 0))}.",
        f"<b>Standar waktu:</b> {s.waktu.label}",
        *_reminder_end(p),
        "",
        how_to_finish(s),
    ]
    return "\n".join(lines)


def escalation(p: dict, cal: WorkingCalendar) -> str:
    """The superior is told that a step stays unfinished after the reminders."""
    s = step(p["step_no"])
    due = datetime.fromisoformat(p["due_at"]) if p.get("due_at") else None
    who = ", ".join(escape(n) for n in p.get("actors", [])) or "-"
    return "\n".join(
        [
            f"🚨 <b>Eskalasi keterlambatan: {s.title}</b> — periode <b>{escape(p['period'])}</b>",
            "",
            f"<b>Kegiatan:</b> {escape(s.kegiatan)}",
            f"<b>Pelaksana:</b> {escape(p['actor_role'])} ({who})",
            f"<b>Batas waktu:</b> {when(due, cal)} — {_late_text(p.get('late_minutes', 0))}",
            f"Sudah diingatkan {p.get('reminders', 0)} kali dan belum diselesaikan.",
            "",
            "Mohon tindak lanjuti agar evaluasi AKIP tidak terhambat. Ketik /status untuk "
            "linimasa periode.",
        ]
    )


def headsup(p: dict, cal: WorkingCalendar) -> str:
    """Half-time heads-up for steps of whole working days."""
    s = step(p["step_no"])
    due = datetime.fromisoformat(p["due_at"]) if p.get("due_at") else None
    return "\n".join(
        [
            f"⏳ <b>{s.title}</b> periode <b>{escape(p['period'])}</b>: sisa waktu "
            f"<b>{format_duration(p.get('left_minutes', 0))}</b> (waktu kerja), batas "
            f"{when(due, cal)}.",
            "",
            how_to_finish(s),
        ]
    )


def user_blocked(p: dict, cal: WorkingCalendar) -> str:
    return (
        f"⚠️ <b>{escape(p['nama'])}</b> ({escape(p['jabatan'])}, {escape(p['role'])}) memblokir "
        "bot atau tidak dapat dihubungi, sehingga pemberitahuan dan pengingat tidak sampai. "
        "Mohon hubungi langsung. Pengingat berlanjut setelah ia mengirim pesan lagi ke bot."
    )


DEADLINE_KINDS = {
    "reminder": reminder,
    "escalation": escalation,
    "headsup": headsup,
    "user_blocked": user_blocked,
}


def reminder_status(r, cal: WorkingCalendar) -> str:
    """One /tugas line: reminders sent so far and when the next one goes out."""
    sent = f"Pengingat terkirim: {r.sent} dari {r.of}"
    if r.next_at is None:
        return f"{sent}; tidak ada pengingat lagi."
    return f"{sent}; pengingat ke-{r.next_rung} {when(r.next_at, cal)}."


def days_off(view, cal: WorkingCalendar) -> str:
    """/libur: holidays, cuti bersama and the days set by admins, a year ahead."""
    marks = {
        "nasional": "🇮🇩",
        "cuti_bersama": "🏖",
        "pengaturan": "⚙️",
        "tambahan": "➕",
        "masuk": "💼",
    }
    lines = [
        f"<b>Hari libur</b> {short_day(view.first)} – {short_day(view.last)}",
        "🇮🇩 libur nasional · 🏖 cuti bersama · ➕ ditambah admin · ⚙️ pengaturan · "
        "💼 hari kerja pengganti",
        "",
    ]
    for e in view.entries:
        extra = " <i>(perkiraan)</i>" if e.estimated and "perkiraan" not in e.name.lower() else ""
        worked = " — <b>tetap masuk kerja</b>" if e.worked and e.kind != "masuk" else ""
        lines.append(
            f"{marks.get(e.kind, '•')} {short_day(e.day)}: {escape(e.name)}{extra}{worked}"
        )
    if not view.entries:
        lines.append("Tidak ada hari libur dalam setahun ke depan.")
    if view.can_edit:
        lines += ["", LIBUR_USAGE]
    return "\n".join(lines)


LIBUR_USAGE = (
    "<b>Mengubah (admin):</b>\n"
    "/libur tambah 2025-12-24 Cuti bersama Natal — tambah hari libur\n"
    "/libur masuk 2027-03-10 Idul Fitri bergeser — hari libur (perkiraan) jadi hari kerja\n"
    "/libur hapus 2025-12-24 — hapus tambahan admin\n"
    "Tanggal boleh ditulis 24-12-2025 atau 24 Desember 2025. Batas waktu langkah yang sudah "
    "berjalan tidak berubah; langkah yang dibuka sesudahnya memakai kalender baru."
)


def day_changed(change) -> str:
    d = short_day(change.day)
    note = escape(change.note)
    text = {
        "libur": f"✅ {d} sekarang <b>hari libur</b>: {note}.",
        "masuk": f"✅ {d} sekarang <b>hari kerja</b> ({note}).",
        "hapus_libur": f"🗑 Hari libur tambahan {d} ({note}) dihapus; hari itu kembali hari kerja.",
        "hapus_masuk": f"🗑 Hari kerja pengganti {d} ({note}) dihapus; hari itu kembali libur.",
    }[change.action]
    return (
        f"{text}\nBatas waktu langkah yang sudah berjalan tidak berubah; pengingat tidak "
        "dikirim pada hari libur. Ketik /libur untuk melihat daftar."
    )


def _minutes(m: int) -> str:
    return format_duration(m) if m else "0 menit"


def compliance(view, cal: WorkingCalendar) -> str:
    """/kepatuhan: per step the standard, actual working time, on time or late, reminders;
    then averages over the finished periods and the bottleneck steps."""
    lines = ["<b>Kepatuhan SOP (Mutu Baku)</b> — waktu kerja, bukan waktu kalender"]
    cur = view.current
    if cur is not None:
        lines += ["", f"<b>Periode {escape(cur.period)}</b> ({escape(cur.status)})"]
        for r in cur.rows:
            icon = "⏳" if r.open else ("✖️" if r.cancelled else ("✅" if r.on_time else "⚠️"))
            round_ = f" putaran {r.round}" if r.round > 1 else ""
            lines.append(
                f"{icon} <b>{r.step_no}. {escape(r.actor)}</b>{round_} — standar {r.standard}, "
                f"aktual {_minutes(r.actual_minutes)} — {escape(r.status)}; "
                f"pengingat {r.reminders}×" + (" (dieskalasi)" if r.escalated else "")
            )
        if not cur.rows:
            lines.append("Belum ada langkah yang tercatat.")
        lines.append(
            f"Total: aktual {_minutes(cur.total_actual)} dari standar "
            f"{_minutes(cur.total_standard)}."
        )
        if cur.bottlenecks:
            parts = [
                f"Langkah {r.step_no} ({format_duration(r.late_minutes)})" for r in cur.bottlenecks
            ]
            lines.append("Hambatan periode ini: " + ", ".join(parts) + ".")
        else:
            lines.append("Tidak ada langkah yang melewati standar waktu.")
    hist = view.history
    lines += ["", f"<b>Rata-rata {hist.periods} periode selesai sebelumnya</b>"]
    if not hist.steps:
        lines.append("Belum ada periode selesai untuk dibandingkan.")
    for a in hist.steps:
        lines.append(
            f"{a.step_no}. standar {a.standard}, rata-rata {_minutes(a.actual_minutes)}, "
            f"terlambat {a.late_runs} dari {a.runs} kali"
            + (f" (rata-rata {format_duration(a.late_minutes)})" if a.late_minutes else "")
            + f", pengingat {a.reminders:g}×"
        )
    if hist.bottlenecks:
        parts = [
            f"Langkah {a.step_no} ({escape(step(a.step_no).actor.label)}, rata-rata terlambat "
            f"{format_duration(a.late_minutes)})"
            for a in hist.bottlenecks
        ]
        lines.append("<b>Hambatan utama:</b> " + "; ".join(parts) + ".")
    return "\n".join(lines)


# --- The regency's OPD: /opd, /pindah --------------------------------------------------------


def opd_list(count: int) -> str:
    if not count:
        return "Belum ada OPD. Tambahkan dengan <code>/opd tambah KODE Nama OPD</code>."
    return (
        f"<b>OPD kabupaten</b> ({count}) — pilih untuk melihat rinciannya.\n"
        "Tambah: <code>/opd tambah KODE Nama OPD</code> · "
        "admin OPD: <code>/opd admin KODE NIP</code>"
    )


def opd_detail(kode: str, nama: str, office_name: str, users: int, admins: Sequence[str]) -> str:
    named = ", ".join(escape(a) for a in admins) or (
        f"belum ada — tunjuk dengan <code>/opd admin {escape(kode)} NIP</code>"
    )
    return (
        f"<b>{escape(nama)}</b> ({escape(kode)})\nNama kantor di dokumen: {escape(office_name)}\n"
        f"Pengguna aktif: {users}\nAdmin OPD: {named}"
    )


def opd_created(kode: str, nama: str) -> str:
    return (
        f"✅ OPD <b>{escape(nama)}</b> ({escape(kode)}) ditambahkan. Tunjuk admin OPD-nya setelah "
        f"ia mendaftar: <code>/opd admin {escape(kode)} NIP</code>."
    )


def opd_admin_granted(nama: str, opd: str) -> str:
    return f"✅ {escape(nama)} sekarang admin {escape(opd)}. Ia sudah diberi tahu."


def move_question(nama: str, role: str, source: str, target: str) -> str:
    return (
        f"Pindahkan <b>{escape(nama)}</b> ({escape(role)}) dari {escape(source)} ke "
        f"<b>{escape(target)}</b>? Di OPD baru ia menjadi ASN dan bukan admin; riwayatnya tetap "
        "tercatat di OPD lama."
    )


def moved(nama: str, source: str, target: str, indicators: int) -> str:
    text = f"✅ {escape(nama)} dipindahkan dari {escape(source)} ke <b>{escape(target)}</b>."
    if indicators:
        text += (
            f" Indikator yang dia pegang di OPD lama perlu dialihkan: {indicators} indikator "
            "di periode berjalan masih atas namanya."
        )
    return text
