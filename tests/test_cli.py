"""The `kinerja-bot` command line: backup, admin add, and run without a token."""

from __future__ import annotations

import sqlite3
import tarfile
from pathlib import Path

from bot.cli import main
from storage.files import FileStore
from storage.migrate import upgrade


def test_backup_holds_database_and_documents(tmp_path: Path, monkeypatch, capsys):
    data = tmp_path / "data"
    url = f"sqlite+aiosqlite:///{data}/kinerja.db"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(data))
    monkeypatch.chdir(tmp_path)
    upgrade(url)
    digest = FileStore(data / "files").put(b"%PDF-1.4 arsip")

    assert main(["backup", "-o", str(tmp_path / "cadangan")]) == 0

    written = sorted((tmp_path / "cadangan").iterdir())
    assert [p.suffix for p in written] == [".gz", ".db"]
    with sqlite3.connect(written[1]) as conn:
        assert conn.execute("select version_num from alembic_version").fetchall()
    with tarfile.open(written[0]) as tar:
        assert f"files/{digest[:2]}/{digest}" in tar.getnames()
    assert "Cadangan ditulis" in capsys.readouterr().out


def test_run_without_token_explains_and_points_to_the_demo(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_TOKEN", "")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "@BotFather" in err and "make demo" in err


def test_admin_add_keeps_an_unknown_id_as_admin_only(tmp_path: Path, monkeypatch):
    data = tmp_path / "data"
    url = f"sqlite+aiosqlite:///{data}/kinerja.db"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(data))
    monkeypatch.chdir(tmp_path)

    assert main(["admin", "add", "555"]) == 0

    with sqlite3.connect(data / "kinerja.db") as conn:
        rows = conn.execute("select telegram_id, status, is_admin from user").fetchall()
    assert rows == [(555, "admin", 1)]
