"""Inclusion proofs on a household's statement: each line gets its entry's leaf and its proof against
the signed head of its period, and the statement a compact summary for its printed QR code."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.roots.service import inclusion

QR_LINES = 24  # a QR code holds about 2,000 characters at medium error correction


async def attach(session: AsyncSession, doc: dict[str, Any]) -> dict[str, Any]:
    """Add `proof` to every line (None while no head covers it) and `checker_url`; returns the doc."""
    found = await inclusion(session, [line["sequence"] for line in doc["lines"]])
    for line in doc["lines"]:
        line["proof"] = found.get(line["sequence"])
    doc["checker_url"] = "/roots/checker"
    return doc


def qr_text(doc: dict[str, Any]) -> str:
    """What the printed QR carries to check the statement: each line's leaf hash and the signed root
    and key of its head; the proofs themselves are on the statement file and from the public API."""
    heads: dict[int, dict[str, str]] = {}
    lines = []
    for line in doc["lines"][:QR_LINES]:
        p = line.get("proof")
        if p:
            heads[p["tree_size"]] = {"root": p["head"]["root_hash"], "key": p["head"]["key_id"]}
            lines.append([line["sequence"], p["leaf_hash"], p["tree_size"]])
    return json.dumps({"shanshui": "statement-proofs/1", "code": doc.get("verification_code"),
                       "heads": heads, "lines": lines}, separators=(",", ":"))
