"""The full chain pass, fast: entries and postings read in large Arrow batches, the canonical bytes
of each entry assembled column-wise by Polars, so that the per-entry Python work is a few string
joins and one SHA-256.

This is an accelerator, never the judge: `chain.canonical_bytes` stays the definition. Any entry the
fast path does not confirm (a hash that does not match, a broken link, unusual text) is checked
again by the reference code, which names the break.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from hashlib import sha256
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # json.dumps(ensure_ascii=False)'s

import polars as pl
from sqlalchemy import BigInteger, Text, cast, func, select
from sqlalchemy.engine import URL

from service.ledger.models import EntryStatus, JournalEntry, Posting
from service.arrow import Schema, read_query

BATCH = 200_000
READ_AHEAD = 2  # batches read while one is hashed (each holds ~0.2-0.4 GiB)
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
    """One batch of posted entries in sequence order, as Python columns, with their postings text."""

    entries: pl.DataFrame  # the rows as read (for the reference check of a suspicious entry)
    payload_head: list[str]
    payload_tail: list[str]
    balanced: list[bool]


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


def _iso(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """posted_at as `datetime.isoformat(timespec="microseconds")` of an aware UTC time writes it."""
    when = pl.from_epoch(col, "us") if dtype == pl.Int64 else col.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us")
    return when.dt.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00")


def _json_int(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.String).fill_null("null")


def assemble(entries: pl.DataFrame, postings: pl.DataFrame) -> Batch:
    """The canonical document's fixed parts, column-wise: keys in sorted order, as `canonical_bytes`."""
    lines = (postings.sort("entry_id", "account_id", "currency", "amount")
             .with_columns(p=pl.format('[{},"{}",{}]', "account_id", "currency", "amount"))
             .group_by("entry_id").agg(postings=pl.col("p").str.join(","), n=pl.len()))
    unbalanced = (postings.group_by("entry_id", "currency").agg(s=pl.col("amount").sum())
                  .filter(pl.col("s") != 0).select("entry_id").unique())
    frame = (entries.join(lines, on="entry_id", how="left", maintain_order="left")
             .with_columns(unbalanced=pl.col("entry_id").is_in(unbalanced["entry_id"].implode())))
    head = pl.concat_str(pl.lit('{"approved_by":'), _json_int("approved_by"), pl.lit(',"effective_date":"'),
                         pl.col("effective_date").dt.strftime("%Y-%m-%d"), pl.lit('","entered_by":'),
                         _json_int("entered_by"), pl.lit(',"kind":'))
    tail = pl.concat_str(pl.lit(',"posted_at":"'), _iso(pl.col("posted_at"), entries.schema["posted_at"]),
                         pl.lit('","postings":['), pl.col("postings").fill_null(""), pl.lit('],"reversal_of":'),
                         _json_int("reversal_of_id"), pl.lit(',"sequence":'), pl.col("sequence").cast(pl.String),
                         pl.lit("}"))
    parts = frame.select(head=head, tail=tail,
                         ok=(pl.col("n").fill_null(0) >= 2) & ~pl.col("unbalanced") & pl.col("posted_at").is_not_null())
    return Batch(entries, parts["head"].to_list(), parts["tail"].to_list(), parts["ok"].to_list())


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


def _hash_as_stored(prev: bytes, head: str, kind: str, memo: str | None, meta: str | None, tail: str) -> str:
    """The hash if the stored metadata text is already canonical (written by the engines' canonical
    serializer, service/db.py): no decoding and re-encoding. A row stored otherwise does not match
    here and is re-encoded (`_payload`), then, failing that, judged by the reference code."""
    memo_text = "null" if memo is None else encode_basestring(memo)
    payload = (head + encode_basestring(kind) + ',"memo":' + memo_text + ',"metadata":' + (meta or "{}")
               + tail)
    return sha256(prev + payload.encode()).hexdigest()


def payloads(batch: Batch) -> list[bytes]:
    """Every entry's canonical bytes as the fast path builds them (for tests)."""
    e = batch.entries
    return [_payload(h, k, m, meta, t).encode() for h, k, m, meta, t in zip(
        batch.payload_head, e["kind"].to_list(), e["memo"].to_list(), e["metadata"].to_list(), batch.payload_tail,
        strict=True)]


def suspects(batch: Batch, first_sequence: int, prev: str) -> Iterator[tuple[int, str]]:
    """Walk one batch; yield (row index, previous hash) of every entry the fast path cannot confirm.
    The caller checks those with the reference code (and stops at a real break)."""
    e = batch.entries
    cols = [e[c].to_list() for c in ("sequence", "kind", "memo", "metadata", "prev_hash", "hash")]
    expected = first_sequence
    for i, (seq, kind, memo, meta, prev_hash, hash_) in enumerate(zip(*cols, strict=True)):
        ok = seq == expected and prev_hash == prev and batch.balanced[i] and hash_ is not None
        if ok and (not STORED_TEXT or _hash_as_stored(bytes.fromhex(prev), batch.payload_head[i], kind, memo, meta,
                                                       batch.payload_tail[i]) != hash_):
            payload = _payload(batch.payload_head[i], kind, memo, meta, batch.payload_tail[i])
            ok = sha256(bytes.fromhex(prev) + payload.encode()).hexdigest() == hash_
        if not ok:
            yield i, prev
        prev, expected = hash_ or "", expected + 1
