"""Database triggers that keep the journal append-only.

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

from alembic import op

from service.ledger.append_only import DROP, statements

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for sql in statements(op.get_bind().dialect.name):
        op.execute(sql)


def downgrade() -> None:
    for sql in DROP[op.get_bind().dialect.name]:
        op.execute(sql)
