"""SQLite refuses DELETE on the journal too (PostgreSQL's triggers of 0003 refuse both).

Revision ID: 0005_scope
Revises: 0004
"""
from __future__ import annotations

from alembic import op

from service.ledger.append_only import DROP_SQLITE_DELETE, SQLITE_DELETE

revision = "0005_scope"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for sql in SQLITE_DELETE:
            op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for sql in DROP_SQLITE_DELETE:
            op.execute(sql)
