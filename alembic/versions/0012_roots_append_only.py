"""Published roots are append-only: signed heads and published leaves refuse UPDATE and DELETE.

Revision ID: 0012_roots_append_only
Revises: 0011_enrollments
"""
from __future__ import annotations

from alembic import op

from service.roots.append_only import drop_statements, statements

revision = "0012_roots_append_only"
down_revision = "0011_enrollments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for sql in statements(op.get_bind().dialect.name):
        op.execute(sql)


def downgrade() -> None:
    for sql in drop_statements(op.get_bind().dialect.name):
        op.execute(sql)
