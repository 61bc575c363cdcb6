"""The hash chain: canonical bytes of a posted entry and the SHA-256 link to its predecessor.

Anyone with an export of entries and postings can recompute it with this module alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date, datetime
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
