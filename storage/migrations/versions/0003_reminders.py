"""reminder ladder state, blocked users, working-day overrides

Written by hand: only the changes of the deadlines/reminders work (issue 4).

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("blocked_at", storage.models.UTCDateTime(), nullable=True))
    with op.batch_alter_table("steprun", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminders_skipped", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("headsup_done", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "workingday",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("keterangan", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("day"),
    )


def downgrade() -> None:
    op.drop_table("workingday")
    with op.batch_alter_table("steprun", schema=None) as batch_op:
        batch_op.drop_column("headsup_done")
        batch_op.drop_column("reminders_skipped")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("blocked_at")
