"""the OPD: one regency, each office's rows marked with their perangkat daerah

Written by hand (issue 12). The existing install becomes the one OPD `OPD1`, named from the
OFFICE_NAME environment variable (the settings' default otherwise); every row of an office's
tables is given to it, then the column becomes required. A duty's single holder, an open
period's name and a day off are now one per OPD; a person (Telegram id, NIP) stays one in the
regency.

Revision ID: 0005
Revises: 0004
"""

import os
from collections.abc import Sequence
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The settings' default office name (bot/config.py), which storage cannot import.
DEFAULT_OFFICE_NAME = "Dinas Tenaga Kerja"
OFFICE_TABLES = (
    "user",
    "period",
    "steprun",
    "document",
    "auditlog",
    "outbox",
    "dayoff",
    "workingday",
    "indicatorunit",
    "indicator",
    "figure",
)
# Tables whose primary key was the day alone: two OPD may both take the same day off.
BY_DAY = ("dayoff", "workingday")
SINGLE_DUTY = "status = 'aktif' AND role IN ('kepala_dinas', 'sekretaris')"


def _single_duty(columns: list[str]) -> None:
    op.create_index(
        "uq_user_single_duty",
        "user",
        columns,
        unique=True,
        sqlite_where=sa.text(SINGLE_DUTY),
        postgresql_where=sa.text(SINGLE_DUTY),
    )


def _open_name(columns: list[str]) -> None:
    with op.batch_alter_table("period") as batch:
        batch.drop_constraint("uq_period_open_name", type_="unique")
        batch.create_unique_constraint("uq_period_open_name", columns)


def _as_is(table: str) -> sa.Table | None:
    """A day table as SQLite rebuilds it, without its old key (a reflected one would keep
    `day` as the key beside the new one)."""
    if table not in BY_DAY:
        return None
    return sa.Table(
        table,
        sa.MetaData(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("keterangan", sa.String(), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("opd_id", sa.Integer(), sa.ForeignKey("opd.id", name=f"fk_{table}_opd_id")),
    )


def upgrade() -> None:
    op.create_table(
        "opd",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kode", sa.String(), nullable=False),
        sa.Column("nama", sa.String(), nullable=False),
        sa.Column("office_name", sa.String(), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kode"),
    )
    given = op.get_context().config.attributes.get("office_name")
    name = given or os.environ.get("OFFICE_NAME") or DEFAULT_OFFICE_NAME
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "INSERT INTO opd (kode, nama, office_name, created_at) "
            "VALUES ('OPD1', :name, :name, :now)"
        ),
        {"name": name, "now": datetime.now(timezone.utc).replace(tzinfo=None)},
    )
    opd_id = bind.execute(sa.text("SELECT id FROM opd WHERE kode = 'OPD1'")).scalar_one()
    sqlite = bind.dialect.name == "sqlite"
    for table in OFFICE_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column(
                    "opd_id",
                    sa.Integer(),
                    sa.ForeignKey("opd.id", name=f"fk_{table}_opd_id"),
                    nullable=True,
                )
            )
        bind.execute(sa.text(f'UPDATE "{table}" SET opd_id = :opd'), {"opd": opd_id})
        with op.batch_alter_table(table, copy_from=_as_is(table)) as batch:
            batch.alter_column("opd_id", existing_type=sa.Integer(), nullable=False)
            if table in BY_DAY:
                if not sqlite:
                    batch.drop_constraint(f"{table}_pkey", type_="primary")
                batch.create_primary_key(f"{table}_pkey", ["opd_id", "day"])
            else:
                batch.create_index(f"ix_{table}_opd_id", ["opd_id"])
    op.drop_index("uq_user_single_duty", table_name="user")
    _single_duty(["opd_id", "role"])
    _open_name(["opd_id", "open_name"])


def downgrade() -> None:
    """Back to one office: only a database that still holds a single OPD."""
    _open_name(["open_name"])
    op.drop_index("uq_user_single_duty", table_name="user")
    _single_duty(["role"])
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in reversed(OFFICE_TABLES):
        with op.batch_alter_table(table, copy_from=_as_is(table)) as batch:
            if table in BY_DAY:
                if not sqlite:
                    batch.drop_constraint(f"{table}_pkey", type_="primary")
                batch.create_primary_key(f"{table}_pkey", ["day"])
            else:
                batch.drop_index(f"ix_{table}_opd_id")
            if not sqlite:
                batch.drop_constraint(f"fk_{table}_opd_id", type_="foreignkey")
            batch.drop_column("opd_id")
    op.drop_table("opd")
