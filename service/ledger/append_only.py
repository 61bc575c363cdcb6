"""Database triggers that refuse edits to the journal, as a second line behind the ledger code.

Postings can never be updated or deleted; an entry can change only while it is pending (to be posted
or voided once), and is never deleted. Someone with the rights to drop these triggers can still edit
rows directly; `verify` then names the altered entry by its hash.
"""

from __future__ import annotations

from sqlalchemy import DDL, event

from service.ledger.models import JournalEntry, Posting

POSTGRES = [
    """CREATE OR REPLACE FUNCTION shanshui_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'journal_entries' THEN
    IF OLD.status = 'pending' THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION 'the journal is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER postings_append_only BEFORE UPDATE OR DELETE ON postings "
    "FOR EACH ROW EXECUTE FUNCTION shanshui_append_only()",
    "CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE ON journal_entries "
    "FOR EACH ROW EXECUTE FUNCTION shanshui_append_only()",
]
SQLITE = [
    "CREATE TRIGGER postings_append_only BEFORE UPDATE ON postings "
    "BEGIN SELECT RAISE(ABORT, 'the journal is append-only: postings cannot be changed'); END",
    "CREATE TRIGGER journal_entries_append_only BEFORE UPDATE ON journal_entries WHEN OLD.status != 'pending' "
    "BEGIN SELECT RAISE(ABORT, 'the journal is append-only: a posted or voided entry cannot be changed'); END",
]
# SQLite has no UPDATE OR DELETE trigger: deletes get their own (migration 0005).
SQLITE_DELETE = [
    "CREATE TRIGGER postings_no_delete BEFORE DELETE ON postings "
    "BEGIN SELECT RAISE(ABORT, 'the journal is append-only: postings cannot be deleted'); END",
    "CREATE TRIGGER journal_entries_no_delete BEFORE DELETE ON journal_entries "
    "BEGIN SELECT RAISE(ABORT, 'the journal is append-only: entries cannot be deleted'); END",
]
DROP_SQLITE_DELETE = ["DROP TRIGGER IF EXISTS postings_no_delete", "DROP TRIGGER IF EXISTS journal_entries_no_delete"]
DROP = {
    "postgresql": ["DROP TRIGGER IF EXISTS postings_append_only ON postings",
                   "DROP TRIGGER IF EXISTS journal_entries_append_only ON journal_entries",
                   "DROP FUNCTION IF EXISTS shanshui_append_only()"],
    "sqlite": ["DROP TRIGGER IF EXISTS postings_append_only", "DROP TRIGGER IF EXISTS journal_entries_append_only"],
}


def statements(dialect: str) -> list[str]:
    """The triggers of migration 0003 (kept as they were: migrations must not change under them)."""
    return POSTGRES if dialect == "postgresql" else SQLITE


def every_trigger(dialect: str) -> list[str]:
    """Every trigger the current schema has."""
    return POSTGRES if dialect == "postgresql" else SQLITE + SQLITE_DELETE


def drop_every_trigger(dialect: str) -> list[str]:
    return DROP[dialect] + (DROP_SQLITE_DELETE if dialect == "sqlite" else [])


def _ddl(sql: str, dialect: str) -> DDL:
    return DDL(sql.replace("%", "%%")).execute_if(dialect=dialect)  # DDL formats with %


# create_all (tests) gets the same triggers as the migrations; postings are created after entries.
for _sql in POSTGRES[:1] + POSTGRES[2:]:
    event.listen(JournalEntry.__table__, "after_create", _ddl(_sql, "postgresql"))
event.listen(Posting.__table__, "after_create", _ddl(POSTGRES[1], "postgresql"))
for _table, _sqls in ((JournalEntry.__table__, (SQLITE[1], SQLITE_DELETE[1])),
                      (Posting.__table__, (SQLITE[0], SQLITE_DELETE[0]))):
    for _sql in _sqls:
        event.listen(_table, "after_create", DDL(_sql).execute_if(dialect="sqlite"))
