"""A covering index of the entries' report dimensions (PostgreSQL): the transparency report reads
them by an index-only scan instead of the whole, wide table. (SQLite has no INCLUDE: a plain
index on the sequence there.)

Revision ID: 0014_report_dims_index
Revises: 0012_roots_append_only
"""
from __future__ import annotations

from alembic import op

revision = "0014_report_dims_index"
down_revision = "0012_roots_append_only"
branch_labels = None
depends_on = None

COLUMNS = ["id", "status", "kind", "effective_date", "reversal_of_id", "dim_county", "dim_program", "dim_trust",
           "dim_period", "dim_reverses_kind", "dim_patrol_days", "dim_incidents"]


def upgrade() -> None:
    op.create_index("ix_journal_entries_report_dims", "journal_entries", ["sequence"], postgresql_include=COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_journal_entries_report_dims", table_name="journal_entries")
