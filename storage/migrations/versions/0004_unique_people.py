"""one NIP per active or pending user, one active holder of each single-holder duty

Written by hand. Pending requests whose NIP an earlier active or pending user already has are
refused first (the admin sees them as refused and the person can register again with the right
NIP); two active users with one NIP, or two active holders of one duty, cannot be decided here
and stop the migration with what to fix.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE_NIP = "status IN ('aktif', 'menunggu')"
SINGLE_DUTY = "status = 'aktif' AND role IN ('kepala_dinas', 'sekretaris')"


def upgrade() -> None:
    bind = op.get_bind()
    bind.execute(
        sa.text(
            """
            UPDATE "user" SET status = 'ditolak'
            WHERE status = 'menunggu' AND EXISTS (
                SELECT 1 FROM "user" AS other
                WHERE other.nip = "user".nip AND other.id <> "user".id
                  AND (other.status = 'aktif' OR (other.status = 'menunggu' AND other.id < "user".id))
            )
            """
        )
    )
    for what, column, where in (("NIP", "nip", LIVE_NIP), ("peran", "role", SINGLE_DUTY)):
        twice = bind.execute(
            sa.text(
                f'SELECT {column} FROM "user" WHERE {where} GROUP BY {column} HAVING COUNT(*) > 1'
            )
        ).all()
        if twice:
            raise RuntimeError(
                f"Beberapa pengguna aktif memakai {what} yang sama ({', '.join(r[0] for r in twice)}):"
                " nonaktifkan atau ubah salah satunya (/pengguna) dengan versi bot sebelumnya, "
                "lalu ulangi `kinerja-bot db upgrade`."
            )
    op.create_index(
        "uq_user_live_nip",
        "user",
        ["nip"],
        unique=True,
        sqlite_where=sa.text(LIVE_NIP),
        postgresql_where=sa.text(LIVE_NIP),
    )
    op.create_index(
        "uq_user_single_duty",
        "user",
        ["role"],
        unique=True,
        sqlite_where=sa.text(SINGLE_DUTY),
        postgresql_where=sa.text(SINGLE_DUTY),
    )


def downgrade() -> None:
    op.drop_index("uq_user_single_duty", table_name="user")
    op.drop_index("uq_user_live_nip", table_name="user")
