"""each OPD's reminder ladder and office hours where they differ; an index for shared kode

Written by hand (issue 12). NULL in a reminder or hours column means the environment's
REMINDER_* or OFFICE_HOURS value, so every existing OPD keeps today's ladder and hours. The
overdue scan reads every OPD's due runs at once, so its index on (status, next_action_at)
stays as it is.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LADDER = (
    ("reminder_interval_minutes", sa.Integer()),
    ("reminder_max", sa.Integer()),
    ("reminder_escalate_after", sa.Integer()),
    ("reminder_headsup", sa.Boolean()),
    ("office_hours", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("opd") as batch:
        for name, type_ in LADDER:
            batch.add_column(sa.Column(name, type_, nullable=True))
    op.create_index("ix_indicator_period_kode", "indicator", ["period_id", "kode"])


def downgrade() -> None:
    op.drop_index("ix_indicator_period_kode", table_name="indicator")
    with op.batch_alter_table("opd") as batch:
        for name, _ in reversed(LADDER):
            batch.drop_column(name)
