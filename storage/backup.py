"""One backup of the record: the database and the stored documents, side by side, and the way
back from it into an empty database and data folder."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tarfile
from contextlib import closing
from datetime import datetime
from pathlib import Path, PurePosixPath

from sqlalchemy import create_engine, inspect, literal, select, table
from sqlalchemy.engine import URL, make_url

from storage.db import sqlite_file, sync_url

# The archive `backup` writes holds the documents under this folder name.
FILES_ARCNAME = "files"
# Alembic's bookkeeping and the OPD list: a freshly migrated database has rows there (its
# migrations make the first OPD) and nothing to lose.
BOOKKEEPING = {"alembic_version", "opd", "inboxupdate"}
# The updates a polling bot had in hand when the backup was made belong to that moment: a
# restored bot must not handle them days later (bot/inbox.py).
_SQLITE_HAS_INBOX = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'inboxupdate'"
_PG_FORGET_INBOX = (  # the dump leaves an empty search_path: names in full
    "DO $$ BEGIN IF to_regclass('public.inboxupdate') IS NOT NULL THEN"
    " DELETE FROM public.inboxupdate; END IF; END $$;"
)


class RestoreRefused(Exception):
    """Restoring would lose data or cannot work; the message says why and what to do."""


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
            tar.add(files_dir, arcname=FILES_ARCNAME)
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


def filled_tables(database_url: str) -> list[str]:
    """The tables holding rows: a database an operator would lose by restoring over it."""
    path = sqlite_file(database_url)
    if path is not None and not path.exists():
        return []
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as conn:
            names = sorted(set(inspect(conn).get_table_names()) - BOOKKEEPING)
            probe = select(literal(1)).limit(1)
            return [n for n in names if conn.execute(probe.select_from(table(n))).first()]
    finally:
        engine.dispose()


def restore_database(database_url: str, source: Path) -> None:
    """Put a backup in place of the database: SQLite through the backup API (so no stale
    write-ahead log survives beside the new file), PostgreSQL by replaying the dump in one
    transaction that first empties the schema; without the updates then in hand.
    `check_source` has vetted the file."""
    path = sqlite_file(database_url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(path)) as dst:
            src.backup(dst)
            if dst.execute(_SQLITE_HAS_INBOX).fetchone():
                with dst:
                    dst.execute("DELETE FROM inboxupdate")
        return
    done = subprocess.run(
        [
            "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
            "-c", "DROP SCHEMA public CASCADE; CREATE SCHEMA public;",
            "-f", str(source),
            "-c", _PG_FORGET_INBOX,
        ],
        env=pg_environment(make_url(database_url)),
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RestoreRefused(
            f"psql gagal memulihkan {source.name}; basis data tidak diubah.\n{done.stderr.strip()}"
        )


def check_source(database_url: str, source: Path) -> None:
    """Refuse, before anything is written, a backup that cannot go into this database."""
    if sqlite_file(database_url) is not None:
        if source.suffix != ".db":
            raise RestoreRefused(
                f"{source.name} adalah cadangan PostgreSQL, sedangkan DATABASE_URL menunjuk "
                "SQLite: pulihkan file kinerja-*.db, atau arahkan DATABASE_URL ke PostgreSQL."
            )
        _check_sqlite(source)
        return
    if source.suffix != ".sql":
        raise RestoreRefused(
            f"{source.name} adalah cadangan SQLite, sedangkan DATABASE_URL menunjuk PostgreSQL: "
            "pulihkan file kinerja-*.sql hasil pg_dump."
        )
    if shutil.which("psql") is None:
        raise RestoreRefused("psql tidak ditemukan: pasang klien PostgreSQL (postgresql-client).")


def _check_sqlite(source: Path) -> None:
    try:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as conn:
            verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise RestoreRefused(f"{source.name} bukan basis data SQLite yang utuh ({exc}).") from exc
    if verdict != "ok":
        raise RestoreRefused(f"{source.name} rusak menurut SQLite: {verdict}")


def restore_files(archive: Path, files_dir: Path) -> int:
    """Unpack the documents archive into `files_dir` and return how many files it held. Every
    member is checked before anything is written: only regular files and folders under
    `files/`, nothing absolute, no `..`, no links."""
    dest = str(files_dir)
    with tarfile.open(archive, "r:gz") as tar:
        kept = [m for m in tar.getmembers() if _document_member(m, dest) is not None]
        files_dir.mkdir(parents=True, exist_ok=True)
        tar.extractall(files_dir, members=kept, filter=_document_member)
    return sum(m.isfile() for m in kept)


def _document_member(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:
    """The member as it lands under `dest` (its leading `files/` dropped); None for the top
    folder itself; RestoreRefused for anything that is not a stored document."""
    parts = PurePosixPath(member.name).parts
    if not parts or parts[0] != FILES_ARCNAME or not (member.isfile() or member.isdir()):
        raise RestoreRefused(
            f"Arsip dokumen berisi {member.name!r}, bukan dokumen tersimpan; tidak ada yang "
            "dipulihkan. Pakai file dokumen-*.tar.gz yang ditulis kinerja-bot backup."
        )
    if len(parts) == 1:
        return None
    try:
        return tarfile.data_filter(member.replace(name="/".join(parts[1:])), dest)
    except tarfile.FilterError as exc:
        raise RestoreRefused(
            f"Arsip dokumen berisi {member.name!r}, yang akan ditulis di luar folder dokumen; "
            "tidak ada yang dipulihkan."
        ) from exc
