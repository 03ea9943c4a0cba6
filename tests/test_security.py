"""Open doors an operator could leave by mistake: secrets on command lines, and the like."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timezone
from pathlib import Path

from storage.backup import backup
from storage.migrate import upgrade

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
