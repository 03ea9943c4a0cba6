"""`kinerja-bot demo`: one whole period with simulated users against a local stand-in of the
Bot API, so someone with no bot token sees the bot work. Writes every document and the
timeline to the output folder.
"""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html import unescape
from io import BytesIO
from pathlib import Path

from docx import Document
from matplotlib.figure import Figure
from telegram.ext import Application

from bot import messages, scheduler
from bot.app import build, make_office
from bot.config import Settings
from bot.sender import Sender
from core import laporan, views
from core.calendar import WorkingCalendar
from core.laporan.penutup import RECOMMENDATION_PLACEHOLDER
from core.office import Office
from fakeapi import BotMessage, FakeTelegram, FakeUser
from fakeapi.ptb import polling
from storage.migrate import upgrade

ADMIN_ID = 7000
# A Monday in office hours: the demo's clock starts here and moves as the people work.
START = datetime(2025, 4, 14, 2, 0, tzinfo=timezone.utc)
PERIOD = "Triwulan I 2025"
# How often the demo runs the overdue scan while an OPD is late (the bot: every minute).
SCAN_EVERY = timedelta(minutes=30)


@dataclass(frozen=True)
class Person:
    telegram_id: int
    nama: str
    nip: str
    # The duty the admin gives, as the approval button names it.
    role: str
    # As they type it when registering; by default the duty and the OPD.
    jabatan: str = ""


PEOPLE = (
    Person(7001, "Bambang Purwanto", "196909211996021001", "Kepala Dinas"),
    Person(7002, "Siti Aminah", "197501012000032002", "Sekretaris"),
    Person(7003, "Tono Sugiarto", "198001012005011003", "Tim SAKIP"),
    Person(7004, "Tari Lestari", "198202022006042004", "Tim SAKIP"),
    Person(7005, "Ani Wijaya", "199003032015032005", "ASN"),
    Person(7006, "Budi Santoso", "199104042016041006", "ASN"),
)
DINKES_PEOPLE = (
    Person(7101, "Hendra Gunawan", "197203151998031004", "Kepala Dinas"),
    Person(7102, "Rina Marlina", "197806122003122005", "Sekretaris"),
    Person(7103, "Yusuf Hidayat", "198507202010011007", "Tim SAKIP"),
    Person(7104, "Dewi Kurniasih", "199208142019032008", "ASN"),
    Person(7105, "Agus Salim", "199311252020121009", "ASN"),
)
KECAMATAN_PEOPLE = (
    Person(7201, "Joko Susilo", "197005101995031002", "Kepala Dinas"),
    Person(7202, "Endang Wahyuni", "197902282005012003", "Sekretaris"),
    Person(7203, "Rudi Hartono", "198611032011011004", "Tim SAKIP"),
    Person(7204, "Lina Marpaung", "199405172019022006", "ASN"),
    Person(7205, "Heri Setiawan", "199501092020121007", "ASN"),
)


@dataclass(frozen=True)
class Report:
    """A figure an ASN reports in step 5, after `minutes` of work."""

    nama: str
    code: str
    value: str
    minutes: int
    penghambat: str = ""


# Registered in the first OPD and given the regency's Bappeda duty by the regency admin.
READER = Person(
    7301, "Wulan Sari", "198701152010012001", "Bappeda", "Perencana Ahli Muda, Bappeda Kabupaten"
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
RECOMMENDATION = (
    "Bidang Penempatan menyelaraskan data pencari kerja dengan data BPS setiap bulan; Tim SAKIP "
    "memantau IKU tingkat pengangguran terbuka setiap triwulan."
)
_PROGRAM = "Program Pelatihan Kerja dan Produktivitas Tenaga Kerja"
_LPK = "Pengawasan dan Pembinaan Lembaga Pelatihan Kerja Swasta"
_ANTARKERJA = "Pelayanan Antarkerja di Daerah Kabupaten/Kota"
# Written the way offices write theirs: the programs carry their outcome indicators (IKU) or
# none, several kegiatan and sub kegiatan are structure rows (level, kode, nama, pagu) that
# only place the unit in the tree. Indicator rows: level, kode, nama, indikator, jenis,
# satuan, tahunan, TW I-IV, polaritas, tipe, konsolidasi, pagu, PIC (Ani for the programs and
# penempatan, Budi for pelatihan).
_KERTAS_KERJA = (
    ("Program", "2.07.03", _PROGRAM, "Persentase lulusan pelatihan bersertifikat", "IKU", "%",
     60, (15, 30, 45, 60), "Positif", "Angka", "Nilai Akhir", None, PEOPLE[4].nip),
    ("Program", "2.07.03", _PROGRAM, "Tingkat pengangguran terbuka", "IKU", "%",
     "4,5-5", ("4,5-5",) * 4, "Negatif", "Rentang", "Nilai Akhir", None, PEOPLE[4].nip),
    ("Kegiatan", "2.07.03.2.01", "Pelaksanaan Pelatihan berdasarkan Unit Kompetensi",
     "Jumlah peserta pelatihan berbasis kompetensi", "IKI", "orang", 4000,
     (1000, 1000, 1000, 1000), "Positif", "Angka", "Kumulatif", None, PEOPLE[5].nip),
    ("Sub Kegiatan", "2.07.03.2.01.0001",
     "Proses Pelaksanaan Pendidikan dan Pelatihan Keterampilan bagi Pencari Kerja",
     "Jumlah pencari kerja yang dilatih", "Lainnya", "orang", 1200, (300, 300, 300, 300),
     "Positif", "Angka", "Kumulatif", 250_000_000, PEOPLE[5].nip),
    ("Kegiatan", "2.07.03.2.02", "Pembinaan Lembaga Pelatihan Kerja Swasta", None),
    ("Sub Kegiatan", "2.07.03.2.02.0001", _LPK, 75_000_000),
    ("Sub Kegiatan", "2.07.03.2.02.0001", _LPK, "Jumlah LPK swasta yang dibina", "Lainnya",
     "lembaga", 12, (3, 3, 3, 3), "Positif", "Angka", "Kumulatif", None, PEOPLE[5].nip),
    ("Program", "2.07.04", "Program Penempatan Tenaga Kerja", None),
    ("Kegiatan", "2.07.04.2.01", _ANTARKERJA, None),
    ("Sub Kegiatan", "2.07.04.2.01.0001", "Penyuluhan dan Bimbingan Jabatan",
     "Jumlah pencari kerja yang ditempatkan", "Lainnya", "orang", 400, (100, 100, 100, 100),
     "Positif", "Angka", "Kumulatif", 120_000_000, PEOPLE[4].nip),
)  # fmt: skip


_GIZI = "Program Pemenuhan Upaya Kesehatan Perorangan dan Upaya Kesehatan Masyarakat"
# Dinas Kesehatan trains its health workers under the labour program 2.07.03 as well, so the
# regency rekap has a program sheet across two OPD.
_KERTAS_KERJA_DINKES = (
    ("Program", "1.02.02", _GIZI, "Persentase balita gizi buruk yang mendapat perawatan", "IKU",
     "%", 100, (100, 100, 100, 100), "Positif", "Angka", "Nilai Akhir", None,
     DINKES_PEOPLE[3].nip),
    ("Kegiatan", "1.02.02.2.02", "Penyediaan Layanan Kesehatan untuk UKM dan UKP Rujukan",
     "Jumlah puskesmas yang melayani sesuai standar", "IKI", "unit", 27, (27, 27, 27, 27),
     "Positif", "Angka", "Nilai Akhir", None, DINKES_PEOPLE[4].nip),
    ("Program", "2.07.03", _PROGRAM, "Jumlah tenaga kesehatan yang dilatih kompetensinya", "IKU",
     "orang", 120, (30, 30, 30, 30), "Positif", "Angka", "Kumulatif", None,
     DINKES_PEOPLE[4].nip),
)  # fmt: skip
_KERTAS_KERJA_KECAMATAN = (
    ("Program", "7.01.02", "Program Penyelenggaraan Pemerintahan dan Pelayanan Publik",
     "Persentase layanan administrasi selesai tepat waktu", "IKU", "%", 90, (90, 90, 90, 90),
     "Positif", "Angka", "Nilai Akhir", None, KECAMATAN_PEOPLE[3].nip),
    ("Kegiatan", "7.01.02.2.01", "Koordinasi Penyelenggaraan Pemerintahan Desa",
     "Jumlah desa yang dibina", "IKI", "desa", 16, (4, 4, 4, 4), "Positif", "Angka",
     "Kumulatif", None, KECAMATAN_PEOPLE[4].nip),
)  # fmt: skip


@dataclass(frozen=True)
class Cast:
    """One OPD of the demo: who works there, what it measures, and who its admin is."""

    kode: str
    # As people write it after their jabatan ("Sekretaris Dinas Kesehatan").
    nama: str
    people: tuple[Person, ...]
    rows: tuple[tuple, ...]
    sumber: str
    # What its ASN report in step 5, in this order.
    figures: tuple[Report, ...]
    # The install's own OPD exists already; the others are added with /opd tambah.
    new: bool = True
    # The one the regency admin names the OPD's admin, who then approves the rest; without
    # one, the regency admin approves everyone.
    admin: str | None = None


DISNAKER = Cast(
    "OPD1",
    "Dinas Tenaga Kerja",
    PEOPLE,
    _KERTAS_KERJA,
    "Laporan UPT Pelatihan",
    (
        Report("Ani Wijaya", "2.07.03#1", "14,2%", 120),
        Report(
            "Ani Wijaya",
            "2.07.03#2",
            "5,1",
            30,
            "PHK di dua pabrik alas kaki pada Februari menambah pencari kerja.",
        ),
        Report("Budi Santoso", "2.07.03.2.01", "1.180", 200),
        Report("Budi Santoso", "2.07.03.2.01.0001", "330", 60),
        Report("Budi Santoso", "2.07.03.2.02.0001", "2", 30),
        Report("Ani Wijaya", "2.07.04.2.01.0001", "70", 30),
    ),
    new=False,
)
DINKES = Cast(
    "DINKES",
    "Dinas Kesehatan",
    DINKES_PEOPLE,
    _KERTAS_KERJA_DINKES,
    "Laporan puskesmas",
    (
        Report("Dewi Kurniasih", "1.02.02", "96", 60),
        Report("Agus Salim", "1.02.02.2.02", "27", 45),
        Report("Agus Salim", "2.07.03", "28", 30),
    ),
    admin="Rina Marlina",
)
# Heri Setiawan never reports: the kecamatan stays in step 5, late.
KECAMATAN = Cast(
    "KEC-TRW",
    "Kecamatan Trowulan",
    KECAMATAN_PEOPLE,
    _KERTAS_KERJA_KECAMATAN,
    "Laporan seksi pemerintahan",
    (Report("Lina Marpaung", "7.01.02", "92", 90),),
    admin="Endang Wahyuni",
)
CASTS = (DISNAKER, DINKES, KECAMATAN)


def _sheet_row(row: tuple, sumber: str) -> list:
    """One demo row in the template's column order; a structure row leaves the rest empty."""
    if len(row) == 4:
        level, kode, nama, pagu = row
        return [level, kode, nama, *[None] * 12, pagu, None, None, None]
    *head, tw, pol, tipe, kons, pagu, pic = row
    return [*head, *tw, pol, tipe, kons, "Sesuai Perjanjian Kinerja", pagu, None, sumber, pic]


def kertas_kerja_demo(cast: Cast = DISNAKER) -> bytes:
    """An OPD's Kertas Kerja, filled in the template's Data sheet layout."""
    from openpyxl import Workbook

    from core.kertas_kerja import COLUMNS, DATA_SHEET

    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    ws.append([c.header for c in COLUMNS])
    for row in cast.rows:
        ws.append(_sheet_row(row, cast.sumber))
    for cell in ws["B"][1:] + ws["S"][1:]:
        cell.number_format = "@"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


class DemoClock:
    """The office clock of the demo: people work in office hours, so time moves in working
    minutes of the OPD at work (evenings, the weekend and its own days off are skipped)."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def work(self, minutes: int) -> None:
        self.now = self.calendar.add_working_minutes(self.now, minutes)


def pdf(title: str, body: str) -> bytes:
    """A one-page PDF standing in for the office's real document."""
    fig = Figure(figsize=(8.27, 11.69))
    fig.text(0.1, 0.9, title, fontsize=16, weight="bold")
    fig.text(0.1, 0.85, body, fontsize=11, va="top", wrap=True)
    out = BytesIO()
    fig.savefig(out, format="pdf")
    return out.getvalue()


class Transcript:
    """Every bot message, printed as a chat log and kept for transcript.txt."""

    def __init__(self, tg: FakeTelegram, names: dict[int, str]) -> None:
        self.lines: list[str] = []
        self.names = names
        tg.on_bot_message.append(self.record)

    def record(self, message: BotMessage) -> None:
        who = self.names.get(message.chat_id, str(message.chat_id))
        text = message.plain.replace("\n", "\n    ")
        if message.document is not None:
            text = f"[dokumen: {message.document.file_name}] {text}"
        line = f"→ {who}: {text}"
        self.lines.append(line)
        print(line)

    def said(self, user: FakeUser, text: str) -> None:
        line = f"← {self.names[user.id]}: {text}"
        self.lines.append(line)
        print(line)


class Demo:
    """The people of every OPD, the regency admin and the Bappeda reader, acting by chat."""

    def __init__(
        self,
        tg: FakeTelegram,
        office: Office,
        clock: DemoClock,
        log: Transcript,
        app: Application,
        casts: tuple[Cast, ...] = CASTS,
    ) -> None:
        self.tg, self.office, self.clock, self.log, self.app = tg, office, clock, log, app
        self.casts = casts
        self.sender: Sender = app.bot_data["sender"]
        self.admin = tg.user(ADMIN_ID, "Admin")
        everyone = [p for cast in casts for p in cast.people] + [READER]
        self.users = {p.nama: tg.user(p.telegram_id, p.nama.split()[0]) for p in everyone}
        self.scanning = False
        # The regency workbook as the Bappeda reader received it (`play`).
        self.rekap: BotMessage | None = None

    def who(self, name: str) -> FakeUser:
        return self.users[name]

    async def work(self, minutes: int) -> None:
        """People work `minutes`; once an OPD is left late, the overdue scan runs every half
        hour of the time that passes (another OPD may work on a day they have off), as the
        bot's minute job would."""
        if not self.scanning:
            self.clock.work(minutes)
            return
        end = self.clock.calendar.add_working_minutes(self.clock.now, minutes)
        while self.clock.now < end:
            self.clock.now = min(self.clock.now + SCAN_EVERY, end)
            await scheduler.run_scan(self.app)

    def cast(self, cast: Cast) -> list[FakeUser]:
        """The OPD's people in the order of its cast: Kepala, Sekretaris, Tim SAKIP, ASN."""
        return [self.who(p.nama) for p in cast.people]

    async def say(self, user: FakeUser, text: str, expect: str) -> BotMessage:
        self.log.said(user, text)
        await user.send(text)
        return await user.expect(expect, timeout=20)

    async def upload(self, user: FakeUser, title: str, body: str, expect: str) -> BotMessage:
        name = f"{title}.pdf"
        self.log.said(user, f"[mengirim dokumen {name}]")
        await user.send_document(pdf(title, body), name, "application/pdf")
        return await user.expect(expect, timeout=20)

    async def press(
        self, user: FakeUser, button: str, message: BotMessage, expect: str
    ) -> BotMessage:
        self.log.said(user, f"[menekan tombol {button}]")
        await user.press(button, message)
        return await user.expect(expect, timeout=20)

    # --- the regency: its OPD and their people ------------------------------------------------

    async def set_up_regency(self) -> None:
        """The regency admin adds the OPD; everyone registers into theirs and is approved."""
        await self.say(self.admin, "/start", "Halo, Admin")
        for cast in self.casts:
            if cast.new:
                await self.say(self.admin, f"/opd tambah {cast.kode} {cast.nama}", "ditambahkan")
        for cast in self.casts:
            await self.register(cast)

    async def register(self, cast: Cast) -> None:
        approver = self.admin
        for person in cast.people:
            await self.enrol(cast, person, approver)
            if person.nama == cast.admin:
                named = self.who(person.nama)
                await self.say(self.admin, f"/opd admin {cast.kode} {person.nip}", "sekarang admin")
                await named.expect(f"admin {cast.nama}", timeout=20)
                approver = named

    async def enrol(self, cast: Cast, person: Person, approver: FakeUser) -> None:
        """/daftar into the cast's OPD, then the approval with the person's duty."""
        user = self.who(person.nama)
        question = await self.say(user, "/daftar", "Anda dari OPD mana?")
        label = next(t for row in question.buttons for t, _ in row if t.endswith(f"({cast.kode})"))
        await self.press(user, label, question, "nama lengkap")
        await self.say(user, person.nama, "NIP")
        await self.say(user, person.nip, "jabatan")
        jabatan = person.jabatan or f"{person.role} {cast.nama}"
        await self.say(user, jabatan, "dikirim ke admin")
        request = await approver.expect(person.nama, timeout=20)
        self.log.said(approver, f"[menyetujui {person.nama} sebagai {person.role}]")
        await approver.press(person.role, request)
        await user.expect("disetujui", timeout=20)

    async def working_in(self, cast: Cast) -> None:
        """The clock moves in the working time of the OPD whose people work now."""
        self.clock.calendar = await self.office.user_calendar(cast.people[0].telegram_id)

    async def day_off(self, admin: FakeUser, cast: Cast, note: str) -> None:
        """The OPD's admin makes its next working day a day off of its own (/libur)."""
        cal = await self.office.user_calendar(admin.id)
        day = cal.to_local(cal.add_working_days(self.clock.now, 1)).date()
        await self.say(admin, f"/libur tambah {day.isoformat()} {note}", "sekarang hari libur")
        await self.working_in(cast)

    # --- the steps ----------------------------------------------------------------------------

    async def start(self, kd: FakeUser) -> None:
        await self.say(kd, "/mulai", "nama periode")
        await self.say(kd, PERIOD, "Nota Dinas")
        await self.work(3)
        await self.upload(
            kd,
            "Nota Dinas",
            f"Kepada Sekretaris: laksanakan pengukuran data kinerja {PERIOD}.",
            "dimulai",
        )

    async def finish_with(self, user: FakeUser, no: int, title: str, minutes: int) -> None:
        await self.work(minutes)
        stored = await self.upload(user, title, f"{title}, periode {PERIOD}.", "tersimpan sebagai")
        await self.press(user, "✅ Selesaikan langkah", stored, f"Langkah {no} periode")

    async def kertas_kerja(self, tari: FakeUser, minutes: int, cast: Cast) -> None:
        await self.work(minutes)
        name = "Kertas Kerja Pengukuran Data Kinerja TW I 2025.xlsx"
        self.log.said(tari, f"[mengirim dokumen {name}]")
        await tari.send_document(kertas_kerja_demo(cast), name, XLSX)
        clean = await tari.expect("Kertas Kerja bersih", timeout=20)
        await self.press(tari, "✅ Selesaikan langkah", clean, "Langkah 4 periode")

    async def report(self, figure: Report) -> BotMessage:
        user = self.who(figure.nama)
        await self.work(figure.minutes)
        listing = await self.say(user, "/lapor", "Lapor realisasi")
        label = next(t for row in listing.buttons for t, _ in row if f" {figure.code} " in f"{t} ")
        await self.press(user, label, listing, "Ketik realisasi")
        check = await self.say(user, figure.value, "Periksa sebelum dikirim")
        if figure.penghambat:
            await self.press(user, "➕ Faktor penghambat", check, "faktor penghambat")
            check = await self.say(user, figure.penghambat, "Periksa sebelum dikirim")
        return await self.press(user, "✅ Kirim", check, "Realisasi")

    async def evaluate(self, tono: FakeUser, minutes: int) -> None:
        await self.work(minutes)
        self.log.said(tono, "/evaluasi")
        await tono.send("/evaluasi")
        while True:
            message = await tono.next_message(timeout=20)
            if "Langkah 6 selesai" in message.plain:
                return
            if "🔎 Evaluasi" in message.plain:
                self.log.said(tono, "[menekan tombol ✅ Valid]")
                await tono.press("✅ Valid", message)

    async def recap(self, tono: FakeUser, minutes: int) -> None:
        await self.work(minutes)
        stored = await self.say(tono, "/rekap", "Rekap tersimpan")
        await self.press(tono, "✅ Selesaikan langkah", stored, "Langkah 7 periode")

    async def draft(self, tari: FakeUser, minutes: int, edit: str = "") -> None:
        """/rekap at step 8; with `edit`, Tari writes it as the recommendations in Word and
        sends the .docx back before finishing."""
        await self.work(minutes)
        self.log.said(tari, "/rekap")
        await tari.send("/rekap")
        report = await tari.next_message(timeout=20)
        while report.document is None or not report.document.file_name.endswith(".docx"):
            report = await tari.next_message(timeout=20)
        ready = await tari.expect("tersimpan bersama rekap Langkah 7", timeout=20)
        if edit:
            name = "Draft Laporan (disunting).docx"
            self.log.said(tari, f"[menyunting draft di Word, lalu mengirim dokumen {name}]")
            await tari.send_document(edited_report(report.document.content, edit), name, DOCX)
            ready = await tari.expect("hasil suntingan diterima", timeout=20)
        await self.press(tari, "✅ Selesaikan langkah", ready, "Langkah 8 periode")

    async def approve(self, sek: FakeUser, kd: FakeUser, minutes: int) -> None:
        """Steps 9 and 10: the Sekretaris approves the draft and sends it to the Kepala."""
        await sek.expect("Langkah 9: tugas baru", timeout=20)
        await self.work(minutes)
        await self.say(sek, "/setuju", "disetujui")
        step10 = await sek.expect("Langkah 10: tugas baru", timeout=20)
        await self.work(20)
        await self.press(sek, "📤 Kirim ke Kepala Dinas", step10, "diarsipkan")
        await kd.expect("Laporan Hasil Pengukuran Data Kinerja", timeout=20)

    # --- the three OPD's periods --------------------------------------------------------------

    async def play(self) -> None:
        """Dinas Tenaga Kerja plays the whole period with a rejection round; the kecamatan
        stops in step 5 with a figure missing, and the overdue scan reminds its late ASN while
        Dinas Kesehatan plays its period with a day off of its own; Bappeda then reads them
        all."""
        await self.set_up_regency()
        await self.play_disnaker()
        await self.leave_late(KECAMATAN)
        await self.play_dinkes()
        _, self.rekap = await self.regency_view()

    async def play_disnaker(self) -> None:
        await self.working_in(DISNAKER)
        kd, sek, tono, tari, *_asn = self.cast(DISNAKER)
        await self.start(kd)
        await self.finish_with(sek, 2, "Notulen Rapat Arahan", 50)
        await self.finish_with(tono, 3, "Rencana Kegiatan Pengukuran", 100)
        await self.kertas_kerja(tari, 300, DISNAKER)
        for figure in DISNAKER.figures:
            await self.report(figure)
        await self.evaluate(tono, 240)
        await self.recap(tono, 110)
        await self.draft(tari, 45)

        draft = await sek.expect("Langkah 9: tugas baru", timeout=20)
        await self.work(90)
        await self.press(sek, "↩️ Tolak", draft, "catatan arahan")
        await self.say(
            sek, "Realisasi IKU 2 belum sesuai data Disnaker; mohon dicek ulang.", "putaran 2"
        )
        await self.recap(tono, 80)
        await self.draft(tari, 30, edit=RECOMMENDATION)
        await self.approve(sek, kd, 60)
        await self.sender.drain()

    async def leave_late(self, cast: Cast) -> None:
        """Steps 1-4, then one ASN reports and the other does not."""
        await self.working_in(cast)
        camat, sekcam, tim, *_asn = self.cast(cast)
        await self.start(camat)
        await self.finish_with(sekcam, 2, "Notulen Rapat Arahan", 45)
        await self.finish_with(tim, 3, "Rencana Kegiatan Pengukuran", 110)
        await self.kertas_kerja(tim, 200, cast)
        for figure in cast.figures:
            await self.report(figure)
        await self.sender.drain()
        self.scanning = True

    async def play_dinkes(self) -> None:
        await self.working_in(DINKES)
        kd, sek, yusuf, *_asn = self.cast(DINKES)
        await self.start(kd)
        await self.finish_with(sek, 2, "Notulen Rapat Arahan", 40)
        await self.finish_with(yusuf, 3, "Rencana Kegiatan Pengukuran", 90)
        # Set before step 5 opens, the day off moves that step's due time by a day.
        await self.day_off(sek, DINKES, "Rapat Kerja Kesehatan Daerah")
        await self.kertas_kerja(yusuf, 150, DINKES)
        for figure in DINKES.figures:
            await self.report(figure)
        await self.evaluate(yusuf, 120)
        await self.recap(yusuf, 90)
        await self.draft(yusuf, 40)
        await self.approve(sek, kd, 45)
        await self.sender.drain()

    # --- the regency's view and the output folder ---------------------------------------------

    async def regency_view(self) -> tuple[BotMessage, BotMessage]:
        """The Bappeda reader registers in the first OPD and is given the duty by the regency
        admin; she reads /kabupaten and builds the regency rekap. Returns both answers."""
        reader = self.who(READER.nama)
        await self.enrol(self.casts[0], READER, self.admin)
        listing = await self.say(reader, "/kabupaten", f"Rekap Kabupaten — {PERIOD}")
        self.log.said(reader, f"/kabupaten rekap {PERIOD}")
        await reader.send(f"/kabupaten rekap {PERIOD}")
        rekap = await reader.expect(f"Rekapitulasi Kabupaten — {PERIOD}", timeout=30)
        await reader.expect("Rata-rata capaian per OPD", timeout=30)
        return listing, rekap

    async def write(self, out: Path, cast: Cast) -> None:
        """The cast's archived documents, its timeline and its Laporan under their names."""
        kd_id = cast.people[0].telegram_id
        (archive,) = await views.archive(self.office, kd_id)
        docs_dir = out / "dokumen"
        docs_dir.mkdir(parents=True, exist_ok=True)
        for d in await views.archived_documents(self.office, kd_id, archive.period_id):
            _, content = await views.document(self.office, kd_id, d.id)
            (docs_dir / f"{d.id:02d} langkah {d.step_no} - {d.file_name}").write_bytes(content)
            if d.file_name.endswith(".docx") and d.step_no in (8, 9):
                # The approved draft and the Laporan Hasil, under the names the office knows.
                title = laporan.DRAFT_TITLE if d.step_no == 8 else laporan.FINAL_TITLE
                (out / laporan.file_name(title, archive.name)).write_bytes(content)
        timeline = await views.timeline(self.office, kd_id, archive.period_id)
        cal = await self.office.user_calendar(kd_id)
        plain = unescape(messages.timeline(timeline, cal).replace("<b>", "").replace("</b>", ""))
        (out / "linimasa.txt").write_text(plain + "\n", encoding="utf-8")

    async def write_all(self, out: Path) -> None:
        """Dinas Tenaga Kerja's files in the folder itself, as the one-office demo wrote them;
        Dinas Kesehatan's in a folder of its kode; the regency workbook beside them; one
        transcript of everything."""
        await self.write(out, DISNAKER)
        await self.write(out / DINKES.kode, DINKES)
        if self.rekap is not None and self.rekap.document is not None:
            (out / self.rekap.document.file_name).write_bytes(self.rekap.document.content)
        (out / "transkrip.txt").write_text("\n".join(self.log.lines) + "\n", encoding="utf-8")


def edited_report(content: bytes, recommendation: str) -> bytes:
    """The draft as an office edits it in Word: the recommendations written in their place."""
    document = Document(BytesIO(content))
    for paragraph in document.paragraphs:
        if paragraph.text == RECOMMENDATION_PLACEHOLDER:
            paragraph.runs[0].text = recommendation
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def demo_settings(tg: FakeTelegram, data: Path) -> Settings:
    """The demo's bot on the fake Bot API, its database and files under `data`."""
    return Settings(
        _env_file=None,
        bot_token="123456:DEMO",
        telegram_base_url=tg.base_url,
        telegram_base_file_url=tg.base_file_url,
        database_url=f"sqlite:///{data}/kinerja.db",
        data_dir=data,
        admin_ids=frozenset({ADMIN_ID}),
        office_name="Dinas Tenaga Kerja Kabupaten Mojokerto",
        send_rate=1000,
        per_chat_interval=0,
    )


def transcript_names() -> dict[int, str]:
    """Who is who in the transcript: the duty, and the OPD for all but the first."""
    names = {ADMIN_ID: "Admin (kabupaten)", READER.telegram_id: f"{READER.nama} (Bappeda)"}
    for cast in CASTS:
        where = "" if cast is DISNAKER else f", {cast.kode}"
        names |= {p.telegram_id: f"{p.nama} ({p.role}{where})" for p in cast.people}
    return names


async def run_demo(output: str) -> int:
    out = Path(output)
    if out.exists():
        shutil.rmtree(out)
    data = out / "data"
    async with FakeTelegram() as tg:
        settings = demo_settings(tg, data)
        await asyncio.to_thread(upgrade, settings.database_url)
        clock = DemoClock(WorkingCalendar(settings.calendar))
        office = make_office(settings)
        office.clock = clock
        app = build(settings, office)
        async with polling(app):
            demo = Demo(tg, office, clock, Transcript(tg, transcript_names()), app)
            await demo.play()
            await demo.write_all(out)
    print(f"\nSelesai. Dokumen, linimasa dan transkrip ada di {out.resolve()}/")
    return 0
