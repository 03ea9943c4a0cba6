"""Backups proven by restore: a period played by chat, backed up, restored into an empty
folder or database, and a fresh bot on the restored data shows the same /status, /arsip and
documents."""

from __future__ import annotations

import asyncio
import io
import sqlite3
import tarfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import select

from bot import service
from bot.cli import main
from bot.config import Settings
from fakeapi import FakeTelegram, FakeUser
from storage.db import Database
from storage.files import FileStore
from storage.migrate import head_revision, upgrade
from storage.models import InboxUpdate, Period
from tests import kinerja_core
from tests.conftest import OPD1, Clock, fresh_pg_database, make_settings, register, running_bot
from tests.kinerja_flow import open_to_step4, pdf
from tests.test_periods_e2e import pair

RUNNING, CANCELLED = "Triwulan I 2025", "Triwulan II 2025"


@dataclass
class Seen:
    """What the Kepala Dinas sees of the record: the texts and the documents' bytes."""

    status: str
    archive: str
    cancelled_nota: bytes
    running_notulen: bytes


def use(monkeypatch, data: Path, database_url: str) -> None:
    """Point the command line at this data folder and database."""
    monkeypatch.setenv("DATA_DIR", str(data))
    monkeypatch.setenv("DATABASE_URL", database_url)


async def cli(*args: str) -> int:
    """`kinerja-bot` in a worker thread: it runs its own event loop (migrations, restore)."""
    return await asyncio.to_thread(main, list(args))


async def play(tg: FakeTelegram) -> FakeUser:
    """A period cancelled into the archive, and one running at step 4 with three documents."""
    admin, kd, sek = await pair(tg)
    tim = tg.user(103, "Tono")
    await register(admin, tim, "Tono Sugiarto", kinerja_core.NIP[103], "Tim SAKIP")
    await kd.send("/mulai")
    await kd.expect("nama periode")
    await kd.send(CANCELLED)
    await kd.expect("Nota Dinas")
    await kd.send_document(pdf("nota TW II"), "nota tw2.pdf", "application/pdf")
    await kd.expect("dimulai")
    await kd.send("/batalkan")
    await kd.press(f"✖️ {CANCELLED}", await kd.expect("akan <b>dibatalkan</b>"))
    await kd.expect_edit("dibatalkan dan disimpan di arsip")
    await open_to_step4(kd, sek, tim, RUNNING)
    return kd


async def look(kd: FakeUser, running_id: int) -> Seen:
    """/status, /arsip with the cancelled period's Nota Dinas re-sent, and the running period's
    Notulen re-sent to its Kepala Dinas."""
    await kd.send("/status")
    status = await kd.expect(f"Status periode {RUNNING}")
    await kd.send("/arsip")
    listing = await kd.expect("Arsip Hasil Pengukuran")
    await kd.press(f"✖️ {CANCELLED}", listing)
    docs = await kd.expect(f"Arsip periode {CANCELLED}")
    await kd.press("Langkah 1: nota tw2.pdf", docs)
    nota = await kd.expect("Nota Dinas")
    await kd.press_data(f"ar:{running_id}", docs)
    running = await kd.expect(f"periode {RUNNING}")
    await kd.press("Langkah 2: notulen.pdf", running)
    notulen = await kd.expect("Notulen")
    return Seen(status.plain, listing.plain, nota.document.content, notulen.document.content)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_a_restored_backup_shows_the_same_record(
    backend: str, tg: FakeTelegram, tmp_path: Path, clock: Clock, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    with ExitStack() as stack:
        if backend == "sqlite":
            urls = [f"sqlite:///{tmp_path}/{d}/kinerja.db" for d in ("data", "pulih")]
        else:
            urls = [stack.enter_context(fresh_pg_database()) for _ in range(2)]
        await check_round_trip(tg, tmp_path, clock, monkeypatch, *urls)


async def check_round_trip(
    tg: FakeTelegram, tmp_path: Path, clock: Clock, monkeypatch, original: str, restored: str
) -> None:
    settings = make_settings(tg, tmp_path / "data", original)
    async with running_bot(settings, clock) as (_, office):
        kd = await play(tg)
        async with office.db.session(OPD1) as session:
            running_id = (await session.exec(select(Period.id).where(Period.name == RUNNING))).one()
        before = await look(kd, running_id)
        async with office.db.transaction(across=True) as session:
            # An update in hand at the backup (a /status of then): never handled after restore.
            session.add(
                InboxUpdate(update_id=10**9, body='{"update_id": 1000000000}', kept_at=clock())
            )
        use(monkeypatch, settings.data_dir, original)
        assert await cli("backup", "-o", str(tmp_path / "cadangan")) == 0

    fresh = make_settings(tg, tmp_path / "pulih", restored)
    use(monkeypatch, fresh.data_dir, restored)
    backup_files = [str(p) for p in sorted((tmp_path / "cadangan").iterdir())]
    assert await cli("restore", *backup_files) == 0
    assert await cli("restore", *backup_files) == 1  # now it holds data: only with --force
    restored_db = Database(restored)
    async with restored_db.session(across=True) as session:
        assert (await session.exec(select(InboxUpdate))).all() == []
    await restored_db.dispose()

    async with running_bot(fresh, clock):
        after = await look(kd, running_id)
    assert after == before
    assert (before.cancelled_nota, before.running_notulen) == (pdf("nota TW II"), pdf("notulen"))
    assert "2. Sekretaris — ✅ selesai" in after.status


@pytest.fixture
def backed_up(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    """A backup of a database with one admin and one stored document."""
    monkeypatch.chdir(tmp_path)
    use(monkeypatch, tmp_path / "asal", f"sqlite:///{tmp_path}/asal/kinerja.db")
    assert main(["admin", "add", "555"]) == 0
    FileStore(tmp_path / "asal" / "files").put(pdf("nota"))
    assert main(["backup", "-o", str(tmp_path / "cadangan")]) == 0
    archive, database = sorted((tmp_path / "cadangan").iterdir())
    return database, archive


def admins(data: Path) -> list[int]:
    with sqlite3.connect(data / "kinerja.db") as conn:
        return [row[0] for row in conn.execute("select telegram_id from user")]


def test_a_database_with_data_is_kept_unless_forced(backed_up, tmp_path, monkeypatch, capsys):
    database, archive = backed_up
    target = tmp_path / "kantor"
    use(monkeypatch, target, f"sqlite:///{target}/kinerja.db")
    assert main(["admin", "add", "777"]) == 0
    capsys.readouterr()

    assert main(["restore", str(database), str(archive)]) == 1
    err = capsys.readouterr().err
    assert "sudah berisi data (tabel auditlog, user)" in err and "--force" in err
    assert admins(target) == [777]
    assert not (target / "files").exists()

    assert main(["restore", "--force", str(database), str(archive)]) == 0
    out = capsys.readouterr().out
    assert out == (
        f"Dokumen dipulihkan: 1 file → {target / 'files'}\n"
        f"Basis data dipulihkan dari {database.name}.\n"
        "Basis data sudah versi terbaru.\n"
    )
    assert admins(target) == [555]


def test_restore_waits_for_the_bot_to_stop(backed_up, tmp_path, monkeypatch, capsys):
    database, _ = backed_up
    target = tmp_path / "kantor"
    use(monkeypatch, target, f"sqlite:///{target}/kinerja.db")
    held = service.hold_data_folder(Settings(_env_file=None))
    try:
        assert main(["restore", str(database)]) == 3
    finally:
        held.close()
    assert "Bot sudah berjalan dengan folder data" in capsys.readouterr().err
    assert not (target / "kinerja.db").exists()


def tar_with(name: str, content: bytes = b"x", link: str | None = None) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        info = tarfile.TarInfo(name)
        if link is not None:
            info.type, info.linkname = tarfile.SYMTYPE, link
            tar.addfile(info)
        else:
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return out.getvalue()


@pytest.mark.parametrize(
    ("member", "link"),
    [
        ("kinerja.db", None),
        ("files/../kinerja.db", None),
        ("/etc/cron.d/x", None),
        ("files/ab/tautan", "/etc/passwd"),
    ],
)
def test_an_archive_that_writes_outside_the_documents_is_refused(
    backed_up, tmp_path, monkeypatch, capsys, member, link
):
    database, _ = backed_up
    bad = tmp_path / "dokumen-jahat.tar.gz"
    bad.write_bytes(tar_with(member, link=link))
    target = tmp_path / "kantor"
    use(monkeypatch, target, f"sqlite:///{target}/kinerja.db")

    assert main(["restore", str(database), str(bad)]) == 1

    assert "tidak ada yang dipulihkan" in capsys.readouterr().err
    assert not (target / "kinerja.db").exists()
    assert not (target / "files").exists()


def test_a_backup_for_the_other_database_kind_is_refused(backed_up, tmp_path, monkeypatch, capsys):
    database, _ = backed_up
    dump = tmp_path / "kinerja-20250414-090000.sql"
    dump.write_text("CREATE TABLE x (id int);\n")
    target = tmp_path / "kantor"
    use(monkeypatch, target, f"sqlite:///{target}/kinerja.db")
    assert main(["restore", str(dump)]) == 1
    assert "cadangan PostgreSQL" in capsys.readouterr().err
    assert main(["restore", str(database), str(database)]) == 2
    assert "Sebutkan satu file basis data" in capsys.readouterr().err


def test_an_older_backup_is_upgraded_after_restore(tmp_path, monkeypatch, capsys):
    old = tmp_path / "lama" / "kinerja.db"
    upgrade(f"sqlite:///{old}", "0002")
    target = tmp_path / "kantor"
    use(monkeypatch, target, f"sqlite:///{target}/kinerja.db")
    monkeypatch.chdir(tmp_path)
    renamed = old.rename(tmp_path / "kinerja-20250101-000000.db")
    assert main(["restore", str(renamed)]) == 0
    with sqlite3.connect(target / "kinerja.db") as conn:
        version = conn.execute("select version_num from alembic_version").fetchall()
    assert version == [(head_revision(),)]
