"""Exact proportional splits: every fen accounted for, remainders by largest remainder.

The rule, stated once and used by benefit-sharing distributions and by trust purpose entitlements:

1. Each stakeholder first gets the floor of its exact share: amount x weight / total weight.
2. The fen left over (always fewer than the number of stakeholders) go one each to the stakeholders
   with the largest remainders (the fraction of a fen the floor cut off).
3. Ties are broken by the larger weight first, then by the lower stakeholder id.

So 0.10 over 3333/3333/3334 bp gives 0.03/0.03/0.04, and 0.01 between two 5000 bp shares always goes to
the stakeholder with the lower id. Pure function, no I/O; the input order never changes the result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

BASIS_POINTS = 10_000


@dataclass(frozen=True)
class Part:
    stakeholder_id: int
    weight: int  # basis points (or any non-negative integer weight)
    amount: int  # minor units given to this stakeholder
    exact_numerator: int  # amount x weight: the exact share is exact_numerator / total weight
    remainder_fen: bool  # True when this part received one of the leftover fen


def split(amount: int, weights: Iterable[tuple[int, int]]) -> list[Part]:
    """Split `amount` minor units over `(stakeholder_id, weight)` pairs, in stakeholder-id order."""
    pairs = sorted(weights)
    if amount < 0:
        raise ValueError("amount must not be negative")
    if not pairs:
        raise ValueError("at least one stakeholder is needed")
    ids = [i for i, _ in pairs]
    if len(set(ids)) != len(ids):
        raise ValueError("stakeholder ids must be unique")
    if any(w < 0 for _, w in pairs):
        raise ValueError("weights must not be negative")
    total = sum(w for _, w in pairs)
    if total <= 0:
        raise ValueError("weights must add up to more than zero")
    floors = {i: amount * w // total for i, w in pairs}
    left = amount - sum(floors.values())
    ranked = sorted(pairs, key=lambda p: (-(amount * p[1] % total), -p[1], p[0]))
    extra = {i for i, _ in ranked[:left]}
    return [
        Part(i, w, floors[i] + (1 if i in extra else 0), amount * w, i in extra)
        for i, w in pairs
    ]


def amounts(amount: int, weights: Iterable[tuple[int, int]]) -> dict[int, int]:
    """`split` as a mapping stakeholder id -> minor units."""
    return {p.stakeholder_id: p.amount for p in split(amount, weights)}
