"""the units of work each Telegram update committed, so an update delivered again after a
crash is not acted on twice

Written by hand (issue 10).

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "handledupdate",
        sa.Column("update_id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("unit", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("update_id", "unit"),
    )
    op.create_index("ix_handledupdate_at", "handledupdate", ["at"])


def downgrade() -> None:
    op.drop_index("ix_handledupdate_at", table_name="handledupdate")
    op.drop_table("handledupdate")
