"""Checks that need no database: a signed head, an inclusion proof, a saved statement, a heads export.

Each returns findings (plain sentences); no findings means the check passed. The offline checker page
(static/checker.html) does the same in the browser.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from service.roots import keys, merkle

SIGNED_FIELDS = ("period", "tree_size", "root_hash", "chain_hash", "previous_head_hash", "key_id")


def head_findings(head: dict[str, Any], public_key: str | None = None) -> list[str]:
    """The signature over the signed text, and the head's fields are the ones signed."""
    name = f"head of {head.get('period')} (tree size {head.get('tree_size')})"
    try:
        signed_text = str(head["signed"])
        signed = json.loads(signed_text)
        key = public_key or str(head["public_key"])
        signature = str(head["signature"])
    except (KeyError, ValueError, TypeError):
        return [f"{name}: not a signed head (signed text, signature or public key missing)"]
    out = []
    if public_key and head.get("public_key") not in (None, public_key):
        out.append(f"{name}: signed with key {head.get('key_id')}, not the published key {keys.key_id(public_key)}")
    if not keys.check(key, signed_text.encode(), signature):
        out.append(f"{name}: the signature does not match the signed text")
    out += [f"{name}: {f} is {head.get(f)!r} but the signed text says {signed.get(f)!r}"
            for f in SIGNED_FIELDS if f in head and head[f] != signed.get(f)]
    if "head_hash" in head and head["head_hash"] != hashlib.sha256(signed_text.encode()).hexdigest():
        out.append(f"{name}: head hash is not the SHA-256 of the signed text")
    return out


def proof_findings(proof: dict[str, Any], what: str, public_key: str | None = None) -> list[str]:
    """One statement line's proof: its head is genuine and its leaf is in that head's tree."""
    head = proof.get("head") or {}
    out = head_findings(head, public_key)
    try:
        root = bytes.fromhex(json.loads(head["signed"])["root_hash"])
        size = int(json.loads(head["signed"])["tree_size"])
        path = [bytes.fromhex(p) for p in proof["proof"]]
        leaf = merkle.leaf_hash(str(proof["leaf"]).encode())
        index = int(proof["leaf_index"])
    except (KeyError, ValueError, TypeError):
        return [*out, f"{what}: the proof is incomplete or malformed"]
    if not merkle.verify_inclusion(index, size, leaf, path, root):
        out.append(f"{what}: NOT in the published tree of {head.get('period')} (tree size {size}): the entry "
                   "differs from what was published, or the proof was altered")
    return out


def statement_findings(doc: dict[str, Any], public_key: str | None = None) -> tuple[int, list[str]]:
    """(lines checked, findings) for a saved statement (JSON) with proofs on its lines."""
    checked, out = 0, []
    for line in doc.get("lines") or []:
        proof = line.get("proof")
        what = f"line of {line.get('date')} amount {line.get('amount')} (entry {(proof or {}).get('entry_id')}, " \
               f"sequence {line.get('sequence')})"
        if proof is None:
            continue  # not yet covered by a signed head
        checked += 1
        found = proof_findings(proof, what, public_key)
        leaf_seq = _leaf_sequence(proof)
        if leaf_seq is not None and leaf_seq != line.get("sequence"):
            found.append(f"{what}: the proof is for sequence {leaf_seq}, not this line")
        out += found
    return checked, out


def _leaf_sequence(proof: dict[str, Any]) -> int | None:
    try:
        return int(json.loads(proof["leaf"])["sequence"])
    except (KeyError, ValueError, TypeError):
        return None


def export_findings(heads: list[dict[str, Any]], public_key: str | None = None) -> list[str]:
    """A list of heads (oldest first): each genuine, each linked to the one before it."""
    out: list[str] = []
    previous = "0" * 64
    for head in heads:
        out += head_findings(head, public_key)
        if head.get("previous_head_hash") != previous:
            out.append(f"head of {head.get('period')} (tree size {head.get('tree_size')}): it does not follow "
                       "the head before it (previous head hash differs)")
        previous = str(head.get("head_hash"))
    return out
