"""Database triggers that refuse edits to the journal, as a second line behind the ledger code.

Postings can never be updated or deleted; an entry can change only while it is pending (to be posted
or voided once), and is never deleted. Someone with the rights to drop these triggers can still edit
rows directly; `verify` then names the altered entry by its hash.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import DDL, event

from service.ledger.models import Account, AccountKind, EntryStatus, JournalEntry, Posting, Side

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
    return POSTGRES if dialect == "postgresql" else SQLITE + SQLITE_DELETE + [sql for _, sql in SQLITE_CHECKS]


def drop_every_trigger(dialect: str) -> list[str]:
    return DROP[dialect] + (DROP_SQLITE_DELETE + DROP_SQLITE_CHECKS if dialect == "sqlite" else [])


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


# --- value checks (migration 0008) -------------------------------------------------------------
# PostgreSQL gets them as CHECK constraints on the models. SQLite cannot add a CHECK to an existing
# table without rebuilding it (and the tables the journal's foreign keys point at), so there the same
# conditions are triggers: RAISE(ABORT) is a constraint error, as a failed CHECK is.
def _one_of(column: str, values: type[StrEnum]) -> str:
    return f"NEW.{column} NOT IN ({', '.join(repr(v.value) for v in values)})"


_ACCOUNT_BAD = f"{_one_of('kind', AccountKind)} OR {_one_of('normal_side', Side)}"
_STATUS_BAD = _one_of("status", EntryStatus)
SQLITE_CHECKS = [
    (Account.__table__, f"CREATE TRIGGER accounts_check_insert BEFORE INSERT ON accounts WHEN {_ACCOUNT_BAD} "
     "BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: account kind or normal side'); END"),
    (Account.__table__, f"CREATE TRIGGER accounts_check_update BEFORE UPDATE OF kind, normal_side ON accounts "
     f"WHEN {_ACCOUNT_BAD} BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: account kind or normal side'); END"),
    (JournalEntry.__table__, f"CREATE TRIGGER journal_entries_check_insert BEFORE INSERT ON journal_entries "
     f"WHEN {_STATUS_BAD} BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entry status'); END"),
    (JournalEntry.__table__, f"CREATE TRIGGER journal_entries_check_update BEFORE UPDATE OF status ON journal_entries "
     f"WHEN {_STATUS_BAD} BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entry status'); END"),
    (Posting.__table__, "CREATE TRIGGER postings_check_insert BEFORE INSERT ON postings WHEN NEW.amount = 0 "
     "BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: a posting amount is never zero'); END"),
]
DROP_SQLITE_CHECKS = ["DROP TRIGGER IF EXISTS accounts_check_insert", "DROP TRIGGER IF EXISTS accounts_check_update",
                      "DROP TRIGGER IF EXISTS journal_entries_check_insert",
                      "DROP TRIGGER IF EXISTS journal_entries_check_update", "DROP TRIGGER IF EXISTS postings_check_insert"]
for _table, _sql in SQLITE_CHECKS:
    event.listen(_table, "after_create", DDL(_sql).execute_if(dialect="sqlite"))
