"""each OPD's reminder ladder where it differs; indexes for the per-OPD scan and shared kode

Written by hand (issue 12). NULL in a reminder column means the environment's REMINDER_*
value, so every existing OPD keeps today's ladder. The overdue scan filters each OPD's open
runs by their next action: the index now leads with the OPD.

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
)


def upgrade() -> None:
    with op.batch_alter_table("opd") as batch:
        for name, type_ in LADDER:
            batch.add_column(sa.Column(name, type_, nullable=True))
    op.drop_index("ix_steprun_open_next", table_name="steprun")
    op.create_index("ix_steprun_opd_open_next", "steprun", ["opd_id", "status", "next_action_at"])
    op.create_index("ix_indicator_period_kode", "indicator", ["period_id", "kode"])


def downgrade() -> None:
    op.drop_index("ix_indicator_period_kode", table_name="indicator")
    op.drop_index("ix_steprun_opd_open_next", table_name="steprun")
    op.create_index("ix_steprun_open_next", "steprun", ["status", "next_action_at"])
    with op.batch_alter_table("opd") as batch:
        for name, _ in reversed(LADDER):
            batch.drop_column(name)
