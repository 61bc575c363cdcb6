"""the ledger's values checked by the database: a posting amount is never zero, entry statuses,
account kinds and normal sides are in their sets (CHECK constraints on PostgreSQL, triggers on SQLite)

Revision ID: 0008_ledger_checks
Revises: 0007_console
"""
from __future__ import annotations

from alembic import op

from service.ledger.append_only import DROP_SQLITE_CHECKS, SQLITE_CHECKS

revision = "0008_ledger_checks"
down_revision = "0007_console"
branch_labels = None
depends_on = None

# Written out (not derived from the enums) so that this migration never changes under a later one;
# a new kind or status needs a migration that replaces the constraint (and the SQLite trigger).
POSTGRES = [
    ("ck_accounts_kind", "accounts",
     "kind IN ('source', 'fund', 'trust', 'pool', 'beneficiary', 'fee', 'project')"),
    ("ck_accounts_normal_side", "accounts", "normal_side IN ('debit', 'credit')"),
    ("ck_journal_entries_status", "journal_entries", "status IN ('pending', 'posted', 'voided')"),
    ("ck_postings_amount_nonzero", "postings", "amount <> 0"),
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for _, sql in SQLITE_CHECKS:
            op.execute(sql)
        return
    for name, table, condition in POSTGRES:
        op.create_check_constraint(op.f(name), table, condition)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for sql in DROP_SQLITE_CHECKS:
            op.execute(sql)
        return
    for name, table, _ in POSTGRES:
        op.drop_constraint(op.f(name), table, type_="check")
