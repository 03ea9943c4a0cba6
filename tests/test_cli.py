"""The `kinerja-bot` command line: backup, admin add, and run without a token."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

from bot.cli import main
from storage.files import FileStore
from storage.migrate import upgrade


def test_backup_holds_database_and_documents(tmp_path: Path, monkeypatch, capsys):
    data = tmp_path / "data"
    url = f"sqlite:///{data}/kinerja.db"
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
    url = f"sqlite:///{data}/kinerja.db"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(data))
    monkeypatch.chdir(tmp_path)

    assert main(["admin", "add", "555"]) == 0

    with sqlite3.connect(data / "kinerja.db") as conn:
        rows = conn.execute("select telegram_id, status, is_admin from user").fetchall()
    assert rows == [(555, "admin", 1)]


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """The command as a user runs it: a fresh process, so logging is set up as in production."""
    data = tmp_path / "data"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{data}/kinerja.db",
        "DATA_DIR": str(data),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_commands_print_their_result_without_migration_log_lines(tmp_path: Path):
    upgraded = _cli(tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0
    assert upgraded.stdout == "Basis data sudah versi terbaru.\n"
    assert upgraded.stderr == ""

    missing = _cli(tmp_path, "rekap", "--periode", "Tahunan 2030")
    assert missing.returncode == 1
    assert missing.stdout == ""
    assert missing.stderr == "Periode Tahunan 2030 tidak ditemukan.\n"

    verbose = _cli(tmp_path, "-v", "db", "upgrade")
    assert "INFO alembic.runtime.migration" in verbose.stderr
