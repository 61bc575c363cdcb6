"""The full chain pass, fast: entries and postings read in large Arrow batches, the canonical bytes
of each entry assembled column-wise by Polars, so that the per-entry Python work is one SHA-256. On
SQLite each range is read and checked whole in a reader process (`arrow.in_reader`), two at once.

This is an accelerator, never the judge: `chain.canonical_bytes` stays the definition. Any entry the
fast path does not confirm (a hash that does not match, a broken link, unusual text) is checked
again by the reference code, which names the break.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from hashlib import sha256
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # json.dumps(ensure_ascii=False)'s

import polars as pl
from sqlalchemy import BigInteger, Text, cast, func, select
from sqlalchemy.engine import URL

from service.ledger.models import EntryStatus, JournalEntry, Posting
from service.arrow import Schema, read_query
from service.ledger.dbchain import Checked

BATCH = 200_000
READ_AHEAD = 2  # ranges under way at once (SQLite: one per reader process; each holds ~0.2-0.4 GiB)
# Hash the stored metadata text as it is first (canonical since the engines write it so); False: the
# older path, re-encoding every entry's metadata (the bench's "before").
STORED_TEXT = True
_E = JournalEntry
_ENTRY: Schema = {"entry_id": pl.Int64, "sequence": pl.Int64, "kind": pl.String, "effective_date": pl.Date,
          "posted_at": pl.String, "memo": pl.String, "metadata": pl.String, "entered_by": pl.Int64,
          "approved_by": pl.Int64, "reversal_of_id": pl.Int64, "prev_hash": pl.String, "hash": pl.String}
_POSTING: Schema = {"entry_id": pl.Int64, "account_id": pl.Int64, "currency": pl.String, "amount": pl.Int64}


@dataclass
class Batch:
    """One batch of posted entries in sequence order, with the parts of their canonical documents."""

    entries: pl.DataFrame  # the rows as read (for the reference check of a suspicious entry)
    parts: pl.DataFrame  # head, tail (text around kind, memo and metadata), payload (whole, where plain), ok


def _posted_at(url: URL):
    """posted_at as text that Polars can read the same way on both databases."""
    if url.get_backend_name() == "sqlite":
        return cast(_E.posted_at, Text)
    return cast(func.extract("epoch", _E.posted_at) * 1_000_000, BigInteger)


def _range(lo: int, hi: int):
    return (_E.status == EntryStatus.POSTED) & (_E.sequence >= lo) & (_E.sequence <= hi)


def read_batch(url: URL, lo: int, hi: int) -> Batch:
    entries_q = (select(_E.id, _E.sequence, _E.kind, _E.effective_date, _posted_at(url), _E.memo,
                        cast(_E.meta, Text), _E.entered_by, _E.approved_by, _E.reversal_of_id, _E.prev_hash, _E.hash)
                 .where(_range(lo, hi)).order_by(_E.sequence))
    schema = dict(_ENTRY)
    if url.get_backend_name() != "sqlite":
        schema["posted_at"] = pl.Int64
    entries = read_query(url, entries_q, schema)
    if entries.height == 0:
        return assemble(entries, pl.DataFrame(schema=_POSTING))
    # By the entries' id range, through the postings' entry_id index (a join on the sequence range made
    # the database scan every posting for every batch); entries outside the batch are dropped here.
    first, last = entries["entry_id"].min(), entries["entry_id"].max()
    postings = read_query(url, select(Posting.entry_id, Posting.account_id, Posting.currency, Posting.amount)
                          .where(Posting.entry_id >= first, Posting.entry_id <= last), _POSTING)
    postings = postings.join(entries.select("entry_id"), on="entry_id", how="semi")
    return assemble(entries, postings)


def _iso(entries: pl.DataFrame) -> pl.Expr:
    """posted_at as `datetime.isoformat(timespec="microseconds")` of an aware UTC time writes it."""
    col = pl.col("posted_at")
    if entries.schema["posted_at"] == pl.Int64:  # PostgreSQL: microseconds since the epoch
        return pl.from_epoch(col, "us").dt.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00")
    if (entries["posted_at"].str.len_bytes() == 26).all():  # SQLite's own "YYYY-MM-DD HH:MM:SS.ffffff": cut, not parsed
        return pl.concat_str(col.str.slice(0, 10), pl.lit("T"), col.str.slice(11), pl.lit("+00:00"))
    return col.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us").dt.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00")


def _json_int(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.String).fill_null("null")


def assemble(entries: pl.DataFrame, postings: pl.DataFrame) -> Batch:
    """The canonical document's fixed parts, column-wise: keys in sorted order, as `canonical_bytes`."""
    lines = (postings.sort("entry_id", "account_id", "currency", "amount")
             .with_columns(p=pl.format('[{},"{}",{}]', "account_id", "currency", "amount"))
             .group_by("entry_id").agg(postings=pl.col("p"), n=pl.len())  # a list joined after: 6 x faster than str.join
             .with_columns(pl.col("postings").list.join(",")))
    unbalanced = (postings.group_by("entry_id", "currency").agg(s=pl.col("amount").sum())
                  .filter(pl.col("s") != 0).select("entry_id").unique())
    frame = (entries.join(lines, on="entry_id", how="left", maintain_order="left")
             .with_columns(unbalanced=pl.col("entry_id").is_in(unbalanced["entry_id"].implode())))
    head = pl.concat_str(pl.lit('{"approved_by":'), _json_int("approved_by"), pl.lit(',"effective_date":"'),
                         pl.col("effective_date").cast(pl.String), pl.lit('","entered_by":'),
                         _json_int("entered_by"), pl.lit(',"kind":'))
    tail = pl.concat_str(pl.lit(',"posted_at":"'), _iso(entries), pl.lit('","postings":['),
                         pl.col("postings").fill_null(""), pl.lit('],"reversal_of":'), _json_int("reversal_of_id"),
                         pl.lit(',"sequence":'), pl.col("sequence").cast(pl.String), pl.lit("}"))
    parts = frame.select(head=head, tail=tail, kind=_json_text("kind"), memo=_json_text("memo"), metadata="metadata",
                         ok=(pl.col("n").fill_null(0) >= 2) & ~pl.col("unbalanced") & pl.col("posted_at").is_not_null())
    payload = pl.concat_str("head", "kind", pl.lit(',"memo":'), "memo", pl.lit(',"metadata":'),
                            pl.col("metadata").fill_null("{}"), "tail")
    return Batch(entries, parts.select("head", "tail", "ok", payload=payload))


def _json_text(name: str) -> pl.Expr:
    """json.dumps(ensure_ascii=False) of a text column where it escapes nothing; null where it would
    (Python writes those few)."""
    col = pl.col(name)
    return (pl.when(col.is_null()).then(pl.lit("null"))
            .when(~col.str.contains(_ESCAPED)).then(pl.concat_str(pl.lit('"'), col, pl.lit('"'))))


_ESCAPED = r'["\\\x00-\x1f]'  # what json's encode_basestring escapes (ensure_ascii=False)


_CANON: dict[str, str] = {}
# json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False), without building an encoder per call
_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_decode = json.JSONDecoder().decode


def canonical_metadata(text: str | None) -> str:
    """Stored metadata JSON -> the canonical text the hash covers (sorted keys, no spaces, UTF-8)."""
    if text is None:
        return "{}"
    hit = _CANON.get(text)
    if hit is None:
        hit = _encode(_decode(text))
        if len(_CANON) < 10_000:  # funding and other repeated metadata; most texts are unique
            _CANON[text] = hit
    return hit


def _payload(head: str, kind: str, memo: str | None, meta: str | None, tail: str) -> str:
    memo_text = "null" if memo is None else encode_basestring(memo)
    return head + encode_basestring(kind) + ',"memo":' + memo_text + ',"metadata":' + canonical_metadata(meta) + tail


def _columns(batch: Batch) -> list[list]:
    e, parts = batch.entries, batch.parts
    return [parts["head"].to_list(), e["kind"].to_list(), e["memo"].to_list(), e["metadata"].to_list(),
            parts["tail"].to_list()]


def payloads(batch: Batch) -> list[bytes]:
    """Every entry's canonical bytes as the fast path builds them, re-encoding the metadata (for tests)."""
    return [_payload(*row).encode() for row in zip(*_columns(batch), strict=True)]


def confirm(batch: Batch, first_sequence: int, stored_text: bool = True) -> Checked:
    """Check a range the way the database does (dbchain): each entry against its own stored prev_hash,
    each link against the stored hash before it. Hashing is the only work per entry in Python; the
    documents are whole columns. An entry whose stored metadata text is not canonical is re-encoded
    and hashed again before it is called unconfirmed."""
    e = batch.entries
    if e.height == 0:
        return Checked(0, None, None, [])
    frame = pl.concat([e.select("entry_id", "sequence", "prev_hash", "hash"), batch.parts], how="horizontal")
    frame = frame.with_columns(i=pl.int_range(pl.len()), before=pl.col("hash").shift(1))
    digests = _digests(frame["prev_hash"].to_list(), frame["payload"].to_list()) if stored_text else [None] * e.height
    linked = ((pl.col("sequence") == first_sequence + pl.col("i")) & pl.col("ok") & pl.col("hash").is_not_null()
              & ((pl.col("i") == 0) | (pl.col("prev_hash") == pl.col("before"))))
    frame = frame.with_columns(linked=linked, hashed=pl.Series(digests, dtype=pl.String) == pl.col("hash"))
    doubtful = frame.filter(~pl.col("linked") | ~pl.col("hashed").fill_null(False))
    rows = e.join(doubtful.select("entry_id", "i", "before", "linked", "head", "tail"), on="entry_id")
    found = [(r["i"], r["entry_id"], r["before"]) for r in rows.iter_rows(named=True)
             if not (r["linked"] and _hashes(r))]
    return Checked(count=e.height, first=(e["entry_id"][0], e["prev_hash"][0]), last_hash=e["hash"][-1],
                   found=sorted(found))


def _digests(prevs: list[str | None], payloads: list[str | None]) -> list[str | None]:
    """SHA-256 of each stored previous hash and document (None where either is missing or not hex)."""
    out: list[str | None] = []
    for prev, payload in zip(prevs, payloads, strict=True):
        try:
            out.append(sha256(bytes.fromhex(prev) + payload.encode()).hexdigest())  # type: ignore[arg-type, union-attr]
        except (TypeError, ValueError, AttributeError):
            out.append(None)
    return out


def _hashes(r: dict) -> bool:
    """Whether the entry hashes to its stored hash with its metadata re-encoded (text stored in an
    older form, or a memo Polars left to Python)."""
    try:
        prev = bytes.fromhex(r["prev_hash"])
    except (TypeError, ValueError):
        return False
    payload = _payload(r["head"], r["kind"], r["memo"], r["metadata"], r["tail"])
    return sha256(prev + payload.encode()).hexdigest() == r["hash"]


def check_range(url: URL, lo: int, hi: int, stored_text: bool = True) -> Checked:
    """Read and check the posted entries with sequences lo..hi (on SQLite, run it in a reader process:
    `arrow.in_reader`)."""
    return confirm(read_batch(url, lo, hi), lo, stored_text)
