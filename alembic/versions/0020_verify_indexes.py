"""Indexes for the full verification: the postings' (account, entry) index carries the amount on
PostgreSQL, so every account's postings are summed from the index in account order; and a partial
index on the entries not posted (pending, voided), whose postings the sums take off.

Revision ID: 0020_verify_indexes
Revises: 0019_audit_tables
Create Date: 2026-12-05 12:36:30.976360
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0020_verify_indexes'
down_revision = '0019_audit_tables'
branch_labels = None
depends_on = None

_NOT_POSTED = sa.text("status <> 'posted'")


def _account_entry(include: list[str]) -> None:
    """ix_postings_account_entry rebuilt with `include` (PostgreSQL only: SQLite has no INCLUDE)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index('ix_postings_account_entry', table_name='postings')
    op.create_index('ix_postings_account_entry', 'postings', ['account_id', 'entry_id'], unique=False,
                    postgresql_include=include)


def upgrade() -> None:
    with op.batch_alter_table('journal_entries', schema=None) as batch_op:
        batch_op.create_index('ix_journal_entries_not_posted', ['id'], unique=False, postgresql_where=_NOT_POSTED,
                              sqlite_where=_NOT_POSTED)
    _account_entry(['amount'])


def downgrade() -> None:
    _account_entry([])
    with op.batch_alter_table('journal_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_entries_not_posted', postgresql_where=_NOT_POSTED, sqlite_where=_NOT_POSTED)
