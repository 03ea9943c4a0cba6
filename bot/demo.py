"""`kinerja-bot demo`: one whole period with simulated users against a local stand-in of the
Bot API, so someone with no bot token sees the bot work. Writes every document and the
timeline to the output folder.
"""

from __future__ import annotations

import asyncio
import shutil
from datetime import datetime, timezone
from html import unescape
from io import BytesIO
from pathlib import Path

from docx import Document
from matplotlib.figure import Figure

from bot import messages
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
PEOPLE = (
    (7001, "Bambang Purwanto", "196909211996021001", "Kepala Dinas"),
    (7002, "Siti Aminah", "197501012000032002", "Sekretaris"),
    (7003, "Tono Sugiarto", "198001012005011003", "Tim SAKIP"),
    (7004, "Tari Lestari", "198202022006042004", "Tim SAKIP"),
    (7005, "Ani Wijaya", "199003032015032005", "ASN"),
    (7006, "Budi Santoso", "199104042016041006", "ASN"),
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
     60, (15, 30, 45, 60), "Positif", "Angka", "Nilai Akhir", None, PEOPLE[4][2]),
    ("Program", "2.07.03", _PROGRAM, "Tingkat pengangguran terbuka", "IKU", "%",
     "4,5-5", ("4,5-5",) * 4, "Negatif", "Rentang", "Nilai Akhir", None, PEOPLE[4][2]),
    ("Kegiatan", "2.07.03.2.01", "Pelaksanaan Pelatihan berdasarkan Unit Kompetensi",
     "Jumlah peserta pelatihan berbasis kompetensi", "IKI", "orang", 4000,
     (1000, 1000, 1000, 1000), "Positif", "Angka", "Kumulatif", None, PEOPLE[5][2]),
    ("Sub Kegiatan", "2.07.03.2.01.0001",
     "Proses Pelaksanaan Pendidikan dan Pelatihan Keterampilan bagi Pencari Kerja",
     "Jumlah pencari kerja yang dilatih", "Lainnya", "orang", 1200, (300, 300, 300, 300),
     "Positif", "Angka", "Kumulatif", 250_000_000, PEOPLE[5][2]),
    ("Kegiatan", "2.07.03.2.02", "Pembinaan Lembaga Pelatihan Kerja Swasta", None),
    ("Sub Kegiatan", "2.07.03.2.02.0001", _LPK, 75_000_000),
    ("Sub Kegiatan", "2.07.03.2.02.0001", _LPK, "Jumlah LPK swasta yang dibina", "Lainnya",
     "lembaga", 12, (3, 3, 3, 3), "Positif", "Angka", "Kumulatif", None, PEOPLE[5][2]),
    ("Program", "2.07.04", "Program Penempatan Tenaga Kerja", None),
    ("Kegiatan", "2.07.04.2.01", _ANTARKERJA, None),
    ("Sub Kegiatan", "2.07.04.2.01.0001", "Penyuluhan dan Bimbingan Jabatan",
     "Jumlah pencari kerja yang ditempatkan", "Lainnya", "orang", 400, (100, 100, 100, 100),
     "Positif", "Angka", "Kumulatif", 120_000_000, PEOPLE[4][2]),
)  # fmt: skip


def _sheet_row(row: tuple) -> list:
    """One demo row in the template's column order; a structure row leaves the rest empty."""
    if len(row) == 4:
        level, kode, nama, pagu = row
        return [level, kode, nama, *[None] * 12, pagu, None, None, None]
    *head, tw, pol, tipe, kons, pagu, pic = row
    return [*head, *tw, pol, tipe, kons, "Sesuai Perjanjian Kinerja", pagu, None,
            "Laporan UPT Pelatihan", pic]  # fmt: skip


def kertas_kerja_demo() -> bytes:
    """The demo office's Kertas Kerja, filled in the template's Data sheet layout."""
    from openpyxl import Workbook

    from core.kertas_kerja import COLUMNS, DATA_SHEET

    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    ws.append([c.header for c in COLUMNS])
    for row in _KERTAS_KERJA:
        ws.append(_sheet_row(row))
    for cell in ws["B"][1:] + ws["S"][1:]:
        cell.number_format = "@"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


class DemoClock:
    """The office clock of the demo: people work in office hours, so time moves in working
    minutes (evenings and the weekend are skipped)."""

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
    def __init__(
        self, tg: FakeTelegram, office: Office, clock: DemoClock, log: Transcript, sender: Sender
    ) -> None:
        self.tg, self.office, self.clock, self.log, self.sender = tg, office, clock, log, sender
        self.admin = tg.user(ADMIN_ID, "Admin")
        self.users = {name: tg.user(tid, name.split()[0]) for tid, name, _, _ in PEOPLE}

    def who(self, name: str) -> FakeUser:
        return self.users[name]

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

    async def register_everyone(self) -> None:
        await self.say(self.admin, "/start", "Halo, Admin")
        for _, name, nip, role in PEOPLE:
            user = self.who(name)
            await self.say(user, "/daftar", "nama lengkap")
            await self.say(user, name, "NIP")
            await self.say(user, nip, "jabatan")
            await self.say(user, f"{role} Dinas Tenaga Kerja", "dikirim ke admin")
            request = await self.admin.expect(name, timeout=20)
            self.log.said(self.admin, f"[menyetujui {name} sebagai {role}]")
            await self.admin.press(role, request)
            await user.expect("disetujui", timeout=20)

    async def finish_with(self, user: FakeUser, no: int, title: str, minutes: int) -> None:
        self.clock.work(minutes)
        stored = await self.upload(
            user, title, f"{title}, periode Triwulan I 2025.", "tersimpan sebagai"
        )
        await self.press(user, "✅ Selesaikan langkah", stored, f"Langkah {no} periode")

    # --- the data steps (4-8): Kertas Kerja, /lapor, /evaluasi, /rekap ----------------------

    async def kertas_kerja(self, tari: FakeUser, minutes: int) -> None:
        self.clock.work(minutes)
        name = "Kertas Kerja Pengukuran Data Kinerja TW I 2025.xlsx"
        self.log.said(tari, f"[mengirim dokumen {name}]")
        await tari.send_document(kertas_kerja_demo(), name, XLSX)
        clean = await tari.expect("Kertas Kerja bersih", timeout=20)
        await self.press(tari, "✅ Selesaikan langkah", clean, "Langkah 4 periode")

    async def report(
        self, user: FakeUser, code: str, value: str, minutes: int, penghambat: str = ""
    ) -> BotMessage:
        self.clock.work(minutes)
        listing = await self.say(user, "/lapor", "Lapor realisasi")
        label = next(t for row in listing.buttons for t, _ in row if f" {code} " in f"{t} ")
        await self.press(user, label, listing, "Ketik realisasi")
        check = await self.say(user, value, "Periksa sebelum dikirim")
        if penghambat:
            await self.press(user, "➕ Faktor penghambat", check, "faktor penghambat")
            check = await self.say(user, penghambat, "Periksa sebelum dikirim")
        return await self.press(user, "✅ Kirim", check, "Realisasi")

    async def evaluate(self, tono: FakeUser, minutes: int) -> None:
        self.clock.work(minutes)
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
        self.clock.work(minutes)
        stored = await self.say(tono, "/rekap", "Rekap tersimpan")
        await self.press(tono, "✅ Selesaikan langkah", stored, "Langkah 7 periode")

    async def draft(self, tari: FakeUser, minutes: int, edit: str = "") -> None:
        """/rekap at step 8; with `edit`, Tari writes it as the recommendations in Word and
        sends the .docx back before finishing."""
        self.clock.work(minutes)
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

    async def play(self) -> None:
        kd, sek = self.who("Bambang Purwanto"), self.who("Siti Aminah")
        tono, tari = self.who("Tono Sugiarto"), self.who("Tari Lestari")
        ani = self.who("Ani Wijaya")
        await self.register_everyone()

        await self.say(kd, "/mulai", "nama periode")
        await self.say(kd, "Triwulan I 2025", "Nota Dinas")
        self.clock.work(3)
        await self.upload(
            kd,
            "Nota Dinas",
            "Kepada Sekretaris: laksanakan pengukuran data kinerja Triwulan I 2025.",
            "dimulai",
        )
        await self.finish_with(sek, 2, "Notulen Rapat Arahan", 50)
        await self.finish_with(tono, 3, "Rencana Kegiatan Pengukuran", 100)
        await self.kertas_kerja(tari, 300)
        budi = self.who("Budi Santoso")
        await self.report(ani, "2.07.03#1", "14,2%", 120)
        await self.report(
            ani,
            "2.07.03#2",
            "5,1",
            30,
            penghambat="PHK di dua pabrik alas kaki pada Februari menambah pencari kerja.",
        )
        await self.report(budi, "2.07.03.2.01", "1.180", 200)
        await self.report(budi, "2.07.03.2.01.0001", "330", 60)
        await self.report(budi, "2.07.03.2.02.0001", "2", 30)
        await self.report(ani, "2.07.04.2.01.0001", "70", 30)
        await self.evaluate(tono, 240)
        await self.recap(tono, 110)
        await self.draft(tari, 45)

        draft = await sek.expect("Langkah 9: tugas baru", timeout=20)
        self.clock.work(90)
        await self.press(sek, "↩️ Tolak", draft, "catatan arahan")
        await self.say(
            sek, "Realisasi IKU 2 belum sesuai data Disnaker; mohon dicek ulang.", "putaran 2"
        )
        await self.recap(tono, 80)
        await self.draft(tari, 30, edit=RECOMMENDATION)
        await sek.expect("Langkah 9: tugas baru", timeout=20)
        self.clock.work(60)
        await self.say(sek, "/setuju", "disetujui")
        step10 = await sek.expect("Langkah 10: tugas baru", timeout=20)
        self.clock.work(20)
        await self.press(sek, "📤 Kirim ke Kepala Dinas", step10, "diarsipkan")
        await kd.expect("Laporan Hasil Pengukuran Data Kinerja", timeout=20)
        await self.sender.drain()

    async def write(self, out: Path) -> None:
        kd_id = PEOPLE[0][0]
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


async def run_demo(output: str) -> int:
    out = Path(output)
    if out.exists():
        shutil.rmtree(out)
    data = out / "data"
    async with FakeTelegram() as tg:
        settings = Settings(
            _env_file=None,
            bot_token="123456:DEMO",
            telegram_base_url=tg.base_url,
            telegram_base_file_url=tg.base_file_url,
            database_url=f"sqlite+aiosqlite:///{data}/kinerja.db",
            data_dir=data,
            admin_ids=frozenset({ADMIN_ID}),
            office_name="Dinas Tenaga Kerja Kabupaten Mojokerto",
            send_rate=1000,
            per_chat_interval=0,
        )
        await asyncio.to_thread(upgrade, settings.database_url)
        clock = DemoClock(WorkingCalendar(settings.calendar))
        office = make_office(settings)
        office.clock = clock
        names = {ADMIN_ID: "Admin"} | {tid: f"{name} ({role})" for tid, name, _, role in PEOPLE}
        app = build(settings, office)
        async with polling(app):
            demo = Demo(tg, office, clock, Transcript(tg, names), app.bot_data["sender"])
            await demo.play()
            await demo.write(out)
    print(f"\nSelesai. Dokumen, linimasa dan transkrip ada di {out.resolve()}/")
    return 0
