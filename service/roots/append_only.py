"""Database triggers that refuse edits to what was published: a signed head and the leaf hashes it was
computed over are never updated or deleted (migration 0012), as the journal is guarded
(service/ledger/append_only.py).

A changed head already breaks its own signature and the consistency proofs, and a changed leaf its
inclusion proofs; the triggers stop the edit before anyone has to find it. Someone with the rights to
drop them can still edit rows directly; `shanshui roots verify` then names the head or entry.
"""

from __future__ import annotations

from sqlalchemy import DDL, event

from service.roots.models import PublishedLeaf, SignedHead

TABLES = ("signed_heads", "published_leaves")

POSTGRES_FUNCTION = """CREATE OR REPLACE FUNCTION shanshui_published_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'published roots are append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END $$ LANGUAGE plpgsql"""
POSTGRES = {table: f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION shanshui_published_append_only()" for table in TABLES}
# SQLite has no UPDATE OR DELETE trigger: one of each per table.
SQLITE = {table: [f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                  f"BEGIN SELECT RAISE(ABORT, 'published roots are append-only: {op} on {table} refused'); END"
                  for op in ("UPDATE", "DELETE")] for table in TABLES}


def statements(dialect: str) -> list[str]:
    """The triggers of migration 0012 (kept as they are: migrations must not change under them)."""
    if dialect == "postgresql":
        return [POSTGRES_FUNCTION, *POSTGRES.values()]
    return [sql for table in TABLES for sql in SQLITE[table]]


def drop_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [*(f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}" for t in TABLES),
                "DROP FUNCTION IF EXISTS shanshui_published_append_only()"]
    return [f"DROP TRIGGER IF EXISTS {t}_no_{op}" for t in TABLES for op in ("update", "delete")]


# create_all (tests) gets the same triggers as the migrations; either table may be created first, so
# each creates the (replaceable) function before its trigger.
for _table, _model in (("signed_heads", SignedHead), ("published_leaves", PublishedLeaf)):
    for _sql in (POSTGRES_FUNCTION.replace("%", "%%"), POSTGRES[_table]):  # DDL formats with %
        event.listen(_model.__table__, "after_create", DDL(_sql).execute_if(dialect="postgresql"))
    for _sql in SQLITE[_table]:
        event.listen(_model.__table__, "after_create", DDL(_sql).execute_if(dialect="sqlite"))
