"""One backup of the record: the database and the stored documents, side by side."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tarfile
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url


def backup(database_url: str, files_dir: Path, out_dir: Path, now: datetime) -> list[Path]:
    """SQLite through its online backup API (safe while the bot runs); PostgreSQL with pg_dump."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    url = make_url(database_url)
    written = []
    if url.get_backend_name() == "sqlite":
        target = out_dir / f"kinerja-{stamp}.db"
        with sqlite3.connect(url.database) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        written.append(target)
    else:
        if shutil.which("pg_dump") is None:
            raise RuntimeError(
                "pg_dump tidak ditemukan: pasang klien PostgreSQL (postgresql-client)."
            )
        target = out_dir / f"kinerja-{stamp}.sql"
        subprocess.run(
            ["pg_dump", "--no-owner", "-f", str(target)], check=True, env=pg_environment(url)
        )
        written.append(target)
    archive = out_dir / f"dokumen-{stamp}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        if files_dir.exists():
            tar.add(files_dir, arcname="files")
    written.append(archive)
    return written


def pg_environment(url: URL) -> dict[str, str]:
    """libpq's PG* variables for pg_dump: a password on the command line is visible to every
    user of the server in the process list, one in the child's environment is not."""
    env = dict(os.environ)
    for name, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[name] = str(value)
    return env
