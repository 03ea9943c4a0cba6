"""Open doors an operator could leave by mistake: secrets on command lines, and the like."""

from __future__ import annotations

import os
import re
import stat
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

from sqlmodel import select

from bot import messages
from core import outbox, views
from core.engine import MAX_NOTE
from core.errors import MAX_ALERTS_PER_HOUR, report_failure
from core.text import html_pages
from fakeapi import FakeTelegram
from storage.backup import backup
from storage.migrate import upgrade
from storage.models import Document, Outbox, Period
from tests import kinerja_core
from tests.conftest import ADMIN_ID, OPD1, Bot, Clock, register
from tests.kinerja_flow import kertas_kerja, kk_row
from tests.test_cycle_e2e import register_pending
from tests.test_periods_e2e import pair, start_period
from tests.test_restart import wait_for

NOW = datetime(2025, 4, 14, 2, 0, tzinfo=timezone.utc)


def test_pg_dump_gets_the_password_in_its_environment_not_its_arguments(
    tmp_path: Path, monkeypatch
):
    """Another user of the server sees every process's arguments (ps), never its environment."""
    seen = tmp_path / "seen.txt"
    stub = tmp_path / "bin" / "pg_dump"
    stub.parent.mkdir()
    stub.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$*" "$PGPASSWORD" "$PGUSER" "$PGHOST" "$PGPORT" "$PGDATABASE" > {seen}\n'
        'while [ "$1" != "-f" ]; do shift; done; : > "$2"\n'
    )
    stub.chmod(stub.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{stub.parent}{os.pathsep}{os.environ['PATH']}")

    url = "postgresql+psycopg://kinerja:rahasia-sekali@db.kantor:6432/kinerja"
    written = backup(url, tmp_path / "files", tmp_path / "out", NOW)

    args, password, user, host, port, database = seen.read_text().splitlines()
    assert "rahasia" not in args and "kinerja@" not in args
    assert (password, user, host, port, database) == (
        "rahasia-sekali",
        "kinerja",
        "db.kantor",
        "6432",
        "kinerja",
    )
    assert [p.suffix for p in written] == [".sql", ".gz"]


def test_pg_dump_backup_of_a_real_database(tmp_path: Path, pg_url: str):
    upgrade(pg_url)
    dump, _ = backup(pg_url, tmp_path / "files", tmp_path / "out", NOW)
    assert "CREATE TABLE public.period" in dump.read_text()


async def test_a_failure_in_a_loop_alerts_the_admin_once_an_hour_with_a_count(
    tg: FakeTelegram, bot: Bot, clock: Clock, monkeypatch
):
    admin, kd, _ = await pair(tg)

    async def broken(*args, **kwargs):
        raise RuntimeError("disk penuh")

    monkeypatch.setattr(views, "my_tasks", broken)
    for _ in range(5):
        await kd.send("/tugas")
        await kd.expect(messages.SOMETHING_WRONG[:40])
    first = await admin.expect("Galat di bot")
    assert "RuntimeError di /tugas" in first.plain
    await admin.expect_silence(0.5)

    clock.advance(hours=1)
    await kd.send("/tugas")
    await kd.expect(messages.SOMETHING_WRONG[:40])
    second = await admin.expect("Galat di bot")
    assert "jam sebelumnya: 5 kali" in second.plain
    async with bot.office.db.session(OPD1) as session:
        rows = (await session.exec(select(Outbox).where(Outbox.kind == "error"))).all()
    assert len(rows) == 2


async def test_alerts_to_an_admin_are_capped_per_hour(tg: FakeTelegram, bot: Bot, monkeypatch):
    """Forty different failing places in one hour: at most MAX_ALERTS_PER_HOUR alerts."""
    for n in range(40):
        await report_failure(bot.office, f"RuntimeError di /perintah{n}")
    async with bot.office.db.session(OPD1) as session:
        rows = (await session.exec(select(Outbox).where(Outbox.kind == "error"))).all()
    assert len(rows) == MAX_ALERTS_PER_HOUR


async def test_uploads_nobody_waits_for_are_refused_before_any_download(tg: FakeTelegram, bot: Bot):
    """A stranger's or an idle user's 19 MB file is answered without being fetched."""
    big = b"%PDF-1.4 " + b"x" * (19 * 1024 * 1024)
    stranger = tg.user(4242, "Tamu")
    await stranger.send_document(big, "besar.pdf", "application/pdf")
    await stranger.expect("belum terdaftar")
    _, kd, _ = await pair(tg)
    await kd.send_document(big, "besar.pdf", "application/pdf")
    await kd.expect("Tidak ada langkah Anda yang menunggu dokumen")
    assert tg.stats["methods"]["getFile"] == 0


async def test_delivered_messages_lose_their_payload_after_the_retention_period(
    tg: FakeTelegram, bot: Bot, clock: Clock
):
    """NIPs and notes do not stay in delivery rows for ever; the row and its key stay."""
    await pair(tg)  # the registration requests to the admin carry NIPs

    async def all_sent() -> bool:
        async with bot.office.db.session(OPD1) as session:
            return all(r.status == "terkirim" for r in (await session.exec(select(Outbox))).all())

    await wait_for(all_sent)
    async with bot.office.db.session(OPD1) as session:
        rows = (await session.exec(select(Outbox))).all()
    assert any("196909211996021001" in r.payload for r in rows)

    clock.advance(days=29)
    assert await outbox.clear_delivered(bot.office, clock()) == 0
    clock.advance(days=2)
    assert await outbox.clear_delivered(bot.office, clock()) == len(rows)
    async with bot.office.db.session(OPD1) as session:
        after = (await session.exec(select(Outbox))).all()
    assert {r.key for r in after} == {r.key for r in rows}
    assert all(r.payload == "{}" for r in after)


def _plain_words(html: str) -> list[str]:
    return re.sub(r"<[^>]+>", " ", html).split()


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag) -> None:
        assert self.stack and self.stack.pop() == tag


def test_long_html_is_cut_at_sentences_with_tags_closed_and_reopened():
    note = "Data IKU &lt;2&gt; belum sesuai Perjanjian Kinerja. " * 180
    text = f"Langkah 9\n\n<b>Arahan:</b> <i>{note}</i>\n\nTerima kasih."
    parts = html_pages(text, 4096)
    assert len(parts) == 3 and all(len(p) <= 4096 for p in parts)
    for part in parts:
        balance = _Balance()
        balance.feed(part)
        assert balance.stack == []
        assert not re.search(r"&[#\w]*$", part.split("<")[-1])  # no entity cut in two
    assert parts[1].startswith("<i>Data IKU")
    assert _plain_words("".join(parts)) == _plain_words(text)


async def test_a_notice_longer_than_a_message_arrives_in_parts_and_never_fails(
    tg: FakeTelegram, bot: Bot
):
    """No outbox row may end 'gagal' because of its own length, whatever a template adds."""
    _, _, sek = await pair(tg)
    note = "1. Perbaiki data realisasi IKU sesuai dokumen sumber.\n" * 120
    async with bot.office.db.transaction(OPD1) as session:
        await outbox.enqueue(
            session,
            key="uji-panjang",
            chat_id=sek.chat_id,
            kind="rejected",
            payload={"period": "Triwulan I 2025", "by": "Siti", "round": 2, "note": note,
                     "step_no": 7, "due_at": None},
            now=bot.office.clock(),
        )  # fmt: skip
    bot.app.bot_data["sender"].kick()
    first = await sek.expect("dikembalikan")
    rest = await sek.next_message()
    assert len(first.text) <= 4096 and "Perbaiki data" in rest.plain

    async def delivered() -> bool:
        async with bot.office.db.session(OPD1) as session:
            row = (await session.exec(select(Outbox).where(Outbox.key == "uji-panjang"))).one()
        return row.status == "terkirim"

    await wait_for(delivered)


async def test_a_running_periods_documents_are_for_its_participants_only(
    tg: FakeTelegram, bot: Bot
):
    admin, kd, sek = await pair(tg)
    asn = tg.user(120, "Ani")
    await register(admin, asn, "Ani Wijaya", "199003032015032005", "ASN")
    await start_period(kd, "Triwulan I 2025")
    await sek.expect("Langkah 2: tugas baru")
    async with bot.office.db.session(OPD1) as session:
        (period,) = (await session.exec(select(Period))).all()
        (nota,) = (await session.exec(select(Document))).all()
    # Hand-built presses of the archive's buttons, by an ASN who has no part in this period.
    await asn.send("/bantuan")
    here = await asn.expect("Perintah yang bisa")
    for data in (f"ar:{period.id}", f"doc:{nota.id}"):
        await asn.press_data(data, here)
        refused = await asn.expect("hanya dapat dibuka pelaksananya")
        assert "Setelah periode diarsipkan" in refused.plain
    assert not any(m.document for m in asn.messages)
    # The Sekretaris takes part: she gets the Nota Dinas.
    await sek.press_data(f"doc:{nota.id}", sek.messages[-1])
    sent = await sek.expect("Nota Dinas")
    assert sent.document is not None


async def test_the_longest_name_and_note_reach_tim_sakip_whole(tg: FakeTelegram, bot: Bot, clock):
    """A Sekretaris with a 120-character name rejects with a 2,000-character note: the team's
    notice arrives (in parts if it must), whole, and no outbox row fails for its length."""
    admin = tg.user(ADMIN_ID, "Admin")
    people = {}
    long_name = ("Siti Aminah Rahmawati Kusumaningrum " * 4)[:117] + "S.H"
    for tid, nama, role in (
        (101, "Bambang Purwanto", "Kepala Dinas"),
        (103, "Tono Sugiarto", "Tim SAKIP"),
        (104, "Tari Lestari", "Tim SAKIP"),
        (105, "Ani Wijaya", "ASN"),
    ):
        people[tid] = tg.user(tid, nama.split()[0])
        await register(admin, people[tid], nama, kinerja_core.NIP[tid], role)
    people[102] = tg.user(102, "Siti")
    await register_pending(people[102], long_name, kinerja_core.NIP[102])
    await admin.press("Sekretaris", await admin.expect(long_name[:40]))
    await people[102].expect("disetujui")
    period = await kinerja_core.Period(bot.office, clock).start("Triwulan I 2025")
    rows = [kk_row("Program", "1.02", "Penempatan", "Persentase ditempatkan",
                   kinerja_core.NIP[105], tw=(80,) * 4)]  # fmt: skip
    await period.to_reporting(kertas_kerja(rows))
    await period.report(105, "1.02", "85")
    await period.validate_all(103)
    await period.upload_and_finish(103, kinerja_core.pdf("rekap"))
    await period.upload_and_finish(103, kinerja_core.pdf("draft"))

    sek, tim = people[102], people[104]
    paragraph = "Mohon periksa kembali data dukung realisasi &amp; target <b>IKU</b>. " * 6
    note = ("\n\n".join([paragraph] * 6))[: MAX_NOTE - 1] + "."
    assert len(note) == MAX_NOTE
    await sek.send("/tolak " + note)
    await sek.expect("dikembalikan ke Tim SAKIP", timeout=10)
    await tim.expect("dikembalikan oleh", timeout=10)

    async def all_delivered() -> bool:
        async with bot.office.db.session(OPD1) as session:
            rows = (await session.exec(select(Outbox))).all()
        return all(r.status == "terkirim" for r in rows)

    await wait_for(all_delivered, timeout=20)
    received = " ".join(m.plain for m in tim.messages)
    assert " ".join(note.split()) in " ".join(received.split())  # shown as typed
    assert long_name in received
