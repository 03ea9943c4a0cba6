"""indicators, units and figures (Kertas Kerja, realisation, evaluation)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 09:00:00

Written by hand: exact numbers are TEXT through storage.models.ExactDecimal.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _exact(name: str) -> sa.Column:
    return sa.Column(name, storage.models.ExactDecimal(), nullable=True)


def upgrade() -> None:
    op.create_table(
        "indicatorunit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("kode", sa.String(), nullable=False),
        sa.Column("nama", sa.Text(), nullable=False),
        sa.Column("parent_kode", sa.String(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        _exact("pagu"),
        _exact("realisasi_anggaran"),
        sa.ForeignKeyConstraint(["period_id"], ["period.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("period_id", "kode", name="uq_indicatorunit_kode"),
    )
    op.create_index("ix_indicatorunit_period_id", "indicatorunit", ["period_id"])

    op.create_table(
        "indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("ikode", sa.String(), nullable=False),
        sa.Column("kode", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("excel_row", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("nama", sa.Text(), nullable=False),
        sa.Column("indikator", sa.Text(), nullable=False),
        sa.Column("jenis", sa.String(), nullable=False),
        sa.Column("satuan", sa.String(), nullable=False),
        sa.Column("target_tahunan", sa.String(), nullable=False),
        sa.Column("target_tw1", sa.String(), nullable=True),
        sa.Column("target_tw2", sa.String(), nullable=True),
        sa.Column("target_tw3", sa.String(), nullable=True),
        sa.Column("target_tw4", sa.String(), nullable=True),
        sa.Column("polaritas", sa.String(), nullable=False),
        sa.Column("tipe_target", sa.String(), nullable=False),
        sa.Column("konsolidasi", sa.String(), nullable=False),
        sa.Column("cara_hitung", sa.Text(), nullable=False),
        sa.Column("sumber_data", sa.Text(), nullable=False),
        sa.Column("pic_nip", sa.String(), nullable=False),
        sa.Column("pic_user_id", sa.Integer(), nullable=True),
        sa.Column("program_kode", sa.String(), nullable=False),
        sa.Column("kegiatan_kode", sa.String(), nullable=True),
        sa.Column("sub_kegiatan_kode", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["period_id"], ["period.id"]),
        sa.ForeignKeyConstraint(["pic_user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("period_id", "ikode", name="uq_indicator_ikode"),
    )
    op.create_index("ix_indicator_period_id", "indicator", ["period_id"])
    op.create_index("ix_indicator_pic_user_id", "indicator", ["pic_user_id"])
    op.create_index("ix_indicator_year_ikode", "indicator", ["year", "ikode"])

    op.create_table(
        "figure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        _exact("realisasi"),
        sa.Column("faktor_pendukung", sa.Text(), nullable=True),
        sa.Column("faktor_penghambat", sa.Text(), nullable=True),
        sa.Column("evidence_document_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _exact("capaian"),
        sa.Column("capaian_rule", sa.Text(), nullable=True),
        sa.Column("reported_by", sa.Integer(), nullable=True),
        sa.Column("reported_at", storage.models.UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", storage.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["indicator_id"], ["indicator.id"]),
        sa.ForeignKeyConstraint(["period_id"], ["period.id"]),
        sa.ForeignKeyConstraint(["evidence_document_id"], ["document.id"]),
        sa.ForeignKeyConstraint(["reported_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("indicator_id", name="uq_figure_indicator"),
    )
    op.create_index("ix_figure_period_status", "figure", ["period_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_figure_period_status", table_name="figure")
    op.drop_table("figure")
    op.drop_index("ix_indicator_year_ikode", table_name="indicator")
    op.drop_index("ix_indicator_pic_user_id", table_name="indicator")
    op.drop_index("ix_indicator_period_id", table_name="indicator")
    op.drop_table("indicator")
    op.drop_index("ix_indicatorunit_period_id", table_name="indicatorunit")
    op.drop_table("indicatorunit")
