"""The chain head starts at sequence 0 with the all-zero hash.

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    head = sa.table("ledger_head", sa.column("id", sa.Integer), sa.column("sequence", sa.BigInteger),
                    sa.column("hash", sa.String))
    op.bulk_insert(head, [{"id": 1, "sequence": 0, "hash": "0" * 64}])


def downgrade() -> None:
    op.execute("DELETE FROM ledger_head WHERE id = 1")
