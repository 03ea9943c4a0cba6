"""PostgreSQL: a user's lock taken and their dialog state read in one round trip

Written by hand (issue 10). A plain statement cannot do both: its snapshot is taken before it
waits for the lock, and would miss what the previous holder wrote as it let go. A VOLATILE
function's query takes its own, after the lock (storage/user_lock.py). SQLite has one process
and no such lock.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION kinerja_lock_user(ns integer, k integer, keys text[])
        RETURNS SETOF ptbdata LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            PERFORM pg_advisory_lock(ns, k);
            RETURN QUERY SELECT * FROM ptbdata WHERE ptbdata.key = ANY(keys);
        END
        $$
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION kinerja_lock_user(integer, integer, text[])")
