"""The full chain pass on PostgreSQL, checked by the database itself.

Each entry's link is independent of the others' once its stored `prev_hash` is known: the entry is
sound when SHA-256(prev_hash + its canonical bytes) is its stored `hash`, and the chain is whole when
each `prev_hash` is the stored `hash` before it. So PostgreSQL can check a range of entries in one
query: it builds every entry's canonical bytes the way `fastchain.assemble` does (keys in sorted
order, postings sorted, the metadata's stored canonical text), hashes them with its own `sha256`, and
returns only the entries it could not confirm, with the range's first link and last hash. Nothing
per entry crosses the wire and no Python runs per entry: at ten million postings that was most of
the pass.

Like `fastchain`, this is an accelerator, never the judge: an entry the query does not confirm (a
hash that does not match, a link, a gap in the sequence, an unbalanced entry, text PostgreSQL
escapes differently from Python's JSON encoder) is checked again by the reference code in
`verify.py`, which decides whether it is a break and names it.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from sqlalchemy import text
from sqlalchemy.engine import URL

from service.arrow import Schema, read_query

# The canonical document of chain.canonical_bytes, field by field in sorted key order. `to_json` of a
# text escapes as json.dumps(ensure_ascii=False) does for ordinary text; where it does not, the hash
# differs and the reference code decides.
_PAYLOAD = """'{"approved_by":' || coalesce(e.approved_by::text, 'null')
    || ',"effective_date":"' || e.effective_date::text
    || '","entered_by":' || coalesce(e.entered_by::text, 'null')
    || ',"kind":' || to_json(e.kind)::text
    || ',"memo":' || coalesce(to_json(e.memo)::text, 'null')
    || ',"metadata":' || coalesce(e.metadata::text, '{}')
    || ',"posted_at":"' || to_char(e.posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00'
    || '","postings":[' || p.legs
    || '],"reversal_of":' || coalesce(e.reversal_of_id::text, 'null')
    || ',"sequence":' || e.sequence || '}'"""

# The legs are joined in the order of a sorted subquery, not by ORDER BY inside string_agg, which sorts
# each entry's two or three legs on its own (in PostgreSQL 15, a quarter of the range's time). Were that
# order ever not kept, the hash would differ and the reference code would judge the entry.
_CHECK = text(f"""
WITH e AS (
  SELECT id, sequence, kind, effective_date, posted_at, memo, metadata, entered_by, approved_by, reversal_of_id,
         prev_hash, hash, row_number() OVER (ORDER BY sequence) - 1 AS i, lag(hash) OVER (ORDER BY sequence) AS before
  FROM journal_entries WHERE status = 'posted' AND sequence BETWEEN :lo AND :hi),
p AS (
  SELECT q.entry_id, count(*) AS n, sum(q.amount) AS total, min(q.currency) = max(q.currency) AS one_currency,
         string_agg('[' || q.account_id || ',"' || q.currency || '",' || q.amount || ']', ',') AS legs
  FROM (SELECT entry_id, account_id, currency, amount FROM postings
        WHERE entry_id BETWEEN (SELECT min(id) FROM e) AND (SELECT max(id) FROM e)
        ORDER BY entry_id, account_id, currency, amount) q
  GROUP BY q.entry_id),
checked AS (
  SELECT e.i, e.id, e.before, e.prev_hash, e.hash, coalesce(
    e.sequence <> :lo + e.i OR (e.i > 0 AND e.prev_hash IS DISTINCT FROM e.before) OR e.hash IS NULL
    OR e.posted_at IS NULL OR p.entry_id IS NULL OR p.n < 2 OR NOT p.one_currency OR p.total <> 0
    OR encode(sha256(decode(e.prev_hash, 'hex') || convert_to({_PAYLOAD}, 'UTF8')), 'hex') <> e.hash,
    true) AS suspect
  FROM e LEFT JOIN p ON p.entry_id = e.id)
SELECT i, id, before, prev_hash, hash, suspect FROM checked
WHERE suspect OR i = 0 OR i = (SELECT count(*) - 1 FROM e)
ORDER BY i""")
_ROW: Schema = {"i": pl.Int64, "id": pl.Int64, "before": pl.String, "prev_hash": pl.String, "hash": pl.String,
                "suspect": pl.Boolean}
# Past this many unconfirmed entries in a range, the walk reads it for the Arrow path, which re-encodes
# metadata stored in an older form in bulk, instead of asking the reference about each one.
FEW_SUSPECTS = 100
IN_DATABASE = True  # False: the Arrow path on PostgreSQL too (the bench's "before", and tests of both)
# The check's own connection: an exact aggregate over 200,000 entries wants memory, not a JIT compile.
# DateStyle ISO: a date as text is YYYY-MM-DD, which to_char spent a tenth of the range's time writing.
_SETTINGS = {"jit": "false", "work_mem": "256MB", "DateStyle": "ISO"}


@dataclass
class Checked:
    """A range of posted entries as a range check found it (the database's, or `fastchain.confirm`)."""

    count: int
    first: tuple[int, str | None] | None  # the first entry's id and stored prev_hash
    last_hash: str | None
    found: list[tuple[int, int, str | None]]  # (index in the range, entry id, stored hash before it) not confirmed

    def suspects(self, prev: str) -> list[tuple[int, int, str]]:
        """The entries to check with the reference code, given the hash before the range."""
        out = [(i, entry_id, prev if i == 0 else before or "") for i, entry_id, before in self.found]
        if self.first is not None and self.first[1] != prev and not (out and out[0][0] == 0):
            out.insert(0, (0, self.first[0], prev))  # the range's first link, known only to the walk
        return out


def check_range(url: URL, lo: int, hi: int) -> Checked:
    """Check the posted entries with sequences lo..hi (blocking: run it in a thread). Raises when the
    database refuses the check itself (a stored prev_hash that is not hex cannot be decoded): the
    caller then walks the range with the Arrow path."""
    rows = read_query(url, _CHECK.bindparams(lo=lo, hi=hi).columns(), _ROW, _SETTINGS).to_dicts()
    if not rows:
        return Checked(0, None, None, [])
    first, last = rows[0], rows[-1]
    return Checked(count=last["i"] + 1, first=(first["id"], first["prev_hash"]), last_hash=last["hash"],
                   found=[(r["i"], r["id"], r["before"]) for r in rows if r["suspect"]])
