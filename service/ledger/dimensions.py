"""Report dimensions of a journal entry: typed, indexed columns written with the entry.

Every report groups money by county, program, period, trust, payee and agreement. Those values
live in the entry's metadata, and decoding millions of metadata documents at read time made a
province's reports slow and large; so they are copied into columns of `journal_entries` when the
entry is written (and by migration 0009 for entries written before), and the reports read the
columns.

The copy is exactly what the reports used to decode from the metadata JSON: text dimensions hold the
value's JSON text (a string as itself, a number as its digits, true/false), numeric ones the value
read as a whole number (patrol days "2.5" -> 2), so reports stay byte-identical.

The columns are filled by column defaults (`default_for`), which SQLAlchemy evaluates for every
INSERT, ORM or Core, single or executemany: no write path can forget them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

# column -> metadata key, for dimensions kept as text (the reports compare and group them as text)
TEXT: dict[str, str] = {
    "dim_county": "county_code", "dim_program": "program_id", "dim_period": "period", "dim_trust": "trust_id",
    "dim_agreement": "agreement_id", "dim_reverses_kind": "reverses_kind",
    # What the audit's anomaly checks and reconciliation read (migration 0017): with these, the audit
    # reads no metadata JSON. Limits (rule_max, stipend_cap, share_limit) are kept as their text too:
    # the reports parse them to minor units as they always did, so a malformed limit still reads as absent.
    "dim_rule": "rule", "dim_rule_max": "rule_max", "dim_program_area": "program_area",
    "dim_certification": "certification_id", "dim_certificate_valid_until": "certificate_valid_until",
    "dim_member_party": "member_party_id", "dim_stipend_cap": "stipend_cap",
    "dim_agreement_version": "agreement_version", "dim_share_limit": "share_limit",
    "dim_program_period_start": "program_period_start", "dim_program_period_end": "program_period_end",
    "dim_bank_reference": "bank_reference", "dim_reconciled": "reconciled",
}
# column -> metadata key, for dimensions kept as whole numbers
NUMBER: dict[str, str] = {"dim_payee_party": "payee_party_id", "dim_patrol_days": "patrol_days",
                          "dim_incidents": "incidents"}
COLUMNS: dict[str, str] = {**TEXT, **NUMBER}
# Added by migration 0017 for the audit (no other report reads them).
AUDIT_ONLY = ("dim_rule", "dim_rule_max", "dim_program_area", "dim_certification", "dim_certificate_valid_until",
              "dim_member_party", "dim_stipend_cap", "dim_agreement_version", "dim_share_limit",
              "dim_program_period_start", "dim_program_period_end", "dim_bank_reference", "dim_reconciled")
# The columns the transparency rollup is summed by (a backfill of any of them forgets it).
ROLLUP_READS = tuple(c for c in COLUMNS if c not in AUDIT_ONLY)
INT64 = 2**63


def as_text(value: Any) -> str | None:
    """A metadata value as the text a JSON decoder gives for it (what the reports group by)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def as_number(value: Any) -> int | None:
    """patrol_days may arrive as 3, "3" or "2.5" (half days are rounded down to keep integers)."""
    text = as_text(value)
    if text is None or text.strip() == "":
        return None
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    whole = int(number)
    return whole if -INT64 <= whole < INT64 else None


def columns(metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """Every dimension column of an entry with this metadata."""
    meta = metadata or {}
    out: dict[str, Any] = {col: as_text(meta.get(key)) for col, key in TEXT.items()}
    out |= {col: as_number(meta.get(key)) for col, key in NUMBER.items()}
    return out


def _metadata_of(context: Any) -> Mapping[str, Any]:
    meta = context.get_current_parameters().get("metadata") if context is not None else None
    return meta if isinstance(meta, Mapping) else {}


def default_for(column: str) -> Callable[[Any], Any]:
    """A column default computing `column` from the metadata of the row being inserted."""
    key = COLUMNS[column]
    read = as_text if column in TEXT else as_number

    def value(context: Any) -> Any:
        return read(_metadata_of(context).get(key))

    return value


BACKFILL_CHUNK = 20_000


def backfill(conn: Any, only: Sequence[str] | None = None) -> None:
    """Fill the columns of entries written before them (migrations 0009, 0017; bulk loads that bypass the
    column defaults), from their metadata, with the same functions. Posted entries are protected by
    the append-only trigger: it is lifted for this one update of derived columns, inside the caller's
    transaction, and put back. `conn` is a synchronous SQLAlchemy connection. `only`: these columns
    (none the transparency rollup reads: it is kept), else all of them."""
    import sqlalchemy as sa

    from service.ledger import append_only

    filled = list(only) if only is not None else list(COLUMNS)
    entries = sa.table("journal_entries", sa.column("id", sa.BigInteger), sa.column("metadata", sa.JSON),
                       *[sa.column(c) for c in filled])
    pg = conn.dialect.name == "postgresql"
    if pg:
        conn.execute(sa.text("ALTER TABLE journal_entries DISABLE TRIGGER journal_entries_append_only"))
    else:
        conn.execute(sa.text("DROP TRIGGER IF EXISTS journal_entries_append_only"))
    update = (entries.update().where(entries.c.id == sa.bindparam("b_id"))
              .values({c: sa.bindparam(f"b_{c}") for c in filled}))
    last = 0
    while True:
        rows = conn.execute(sa.select(entries.c.id, entries.c.metadata).where(entries.c.id > last)
                            .order_by(entries.c.id).limit(BACKFILL_CHUNK)).all()
        if not rows:
            break
        conn.execute(update, [{"b_id": i, **{f"b_{c}": v for c, v in columns(meta).items() if c in filled}}
                              for i, meta in rows])
        last = rows[-1][0]
    if pg:
        conn.execute(sa.text("ALTER TABLE journal_entries ENABLE TRIGGER journal_entries_append_only"))
    else:
        conn.execute(sa.text(append_only.SQLITE[1]))
    # Tables stored from the columns as they were are no longer their sums: forgotten, in this
    # transaction (the next checkpoint stores them again from genesis; service/ledger/rollup.py). The
    # audit's read every column; the transparency rollup only its own.
    names = ["report_audit_tables"]
    if only is None or set(only) & set(ROLLUP_READS):
        names += ["report_rollup_tables", "report_rollup_rows", "report_rollup_effort", "report_rollup_points",
                  "report_rollup_cells"]
    present = sa.inspect(conn).get_table_names()
    for name in names:
        if name in present:
            conn.execute(sa.text(f"DELETE FROM {name}"))
