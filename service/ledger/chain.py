"""The hash chain: canonical bytes of a posted entry and the SHA-256 link to its predecessor.

Anyone with an export of entries and postings can recompute it with this module alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from json.encoder import encode_basestring as _encode_str  # ensure_ascii=False: the C encoder's
from typing import Any


def canonical_bytes(
    *,
    sequence: int,
    kind: str,
    effective_date: date,
    posted_at: datetime,
    memo: str,
    metadata: dict[str, Any],
    entered_by: int | None,
    approved_by: int | None,
    reversal_of_id: int | None,
    postings: Iterable[tuple[int, str, int]],
) -> bytes:
    """Sorted-key, whitespace-free JSON of everything that makes the entry what it is."""
    doc = {
        "sequence": sequence,
        "kind": kind,
        "effective_date": effective_date.isoformat(),
        "posted_at": posted_at.isoformat(timespec="microseconds"),
        "memo": memo,
        "metadata": metadata,
        "entered_by": entered_by,
        "approved_by": approved_by,
        "reversal_of": reversal_of_id,
        "postings": sorted([int(a), str(c), int(m)] for a, c, m in postings),
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link(prev_hash: str, payload: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + payload).hexdigest()


# --- many entries at once: the same bytes, the shared parts encoded once --------------------------

_COMPACT: dict[str, Any] = {"sort_keys": True, "separators": (",", ":"), "ensure_ascii": False}
_FIELDS = sorted(["sequence", "kind", "effective_date", "posted_at", "memo", "metadata", "entered_by", "approved_by",
                  "reversal_of", "postings"])
_TEMPLATE = "{" + ",".join(f'"{name}":%s' for name in _FIELDS) + "}"


def canonical_many(entries: Sequence[Mapping[str, Any]], postings: Sequence[Iterable[tuple[int, str, int]]]) -> list[bytes]:
    """`canonical_bytes` of many entries given as column dicts (the keys `chain_payload` reads: `metadata`,
    `reversal_of_id`), byte for byte. A batch's entries share their author, dates, kind, memo and most
    of their metadata: each distinct value is encoded once, and metadata documents with the same keys
    are filled into one template, so only what differs is encoded per entry."""
    field: dict[str, list[str]] = {
        "sequence": _each([e["sequence"] for e in entries], json_value),
        "kind": _each([e["kind"] for e in entries], json_value),
        "effective_date": _each([e["effective_date"] for e in entries], lambda d: json_value(d.isoformat())),
        "posted_at": _each([e["posted_at"] for e in entries], lambda t: json_value(t.isoformat(timespec="microseconds"))),
        "memo": _each([e["memo"] for e in entries], json_value),
        "metadata": _documents([e["metadata"] for e in entries]),
        "entered_by": _each([e["entered_by"] for e in entries], json_value),
        "approved_by": _each([e.get("approved_by") for e in entries], json_value),
        "reversal_of": _each([e.get("reversal_of_id") for e in entries], json_value),
        "postings": [_postings(legs) for legs in postings],
    }
    if len(field["postings"]) != len(entries):
        raise ValueError("one list of postings per entry")
    return [(_TEMPLATE % row).encode() for row in zip(*(field[name] for name in _FIELDS), strict=True)]


def json_value(value: Any) -> str:
    """Compact JSON of one value, as inside `canonical_bytes`."""
    kind = type(value)
    if kind is str:
        return _encode_str(value)
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    return json.dumps(value, **_COMPACT)


def _each(values: list[Any], encode: Callable[[Any], str]) -> list[str]:
    """Each value encoded, once per distinct (type, value)."""
    done: dict[tuple[type, Any], str] = {}
    out = []
    for v in values:
        key = (type(v), v)
        text = done.get(key)
        if text is None:
            text = done[key] = encode(v)
        out.append(text)
    return out


_EXACT = (str, int, bool, type(None))  # equal values of these types encode alike (not so 0.0 and -0.0)


def _documents(docs: list[Any]) -> list[str]:
    """Compact sorted JSON of each metadata document: one template when they share their keys."""
    first = docs[0] if docs else None
    keys = first.keys() if type(first) is dict else None
    if not keys or not all(type(k) is str for k in keys) or not all(type(d) is dict and d.keys() == keys for d in docs):
        return [json.dumps(d, **_COMPACT) for d in docs]
    parts: list[str] = []
    varying: list[list[str]] = []
    for key in sorted(keys):
        values = [d[key] for d in docs]
        one, kind = values[0], type(values[0])
        name = _encode_str(key).replace("%", "%%")
        if all(v is one for v in values) or (kind in _EXACT and all(type(v) is kind and v == one for v in values)):
            parts.append(f"{name}:{json.dumps(one, **_COMPACT).replace('%', '%%')}")
        else:
            parts.append(f"{name}:%s")
            varying.append(_each(values, json_value) if all(type(v) in (str, int, type(None)) for v in values)
                           else [json.dumps(v, **_COMPACT) for v in values])
    template = "{" + ",".join(parts) + "}"
    if not varying:
        return [template % ()] * len(docs)
    return [template % row for row in zip(*varying, strict=True)]


def _postings(legs: Iterable[tuple[int, str, int]]) -> str:
    rows = sorted((int(a), str(c), int(m)) for a, c, m in legs)
    return "[" + ",".join(f"[{a},{_encode_str(c)},{m}]" for a, c, m in rows) + "]"
