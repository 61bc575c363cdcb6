"""The trust statement, built from the trust account's own postings (so every figure ties to the
ledger): contributions, fees, disbursements and other adjustments, per settlor and per purpose.

A reversal entry counts under the kind of the entry it reverses, with the opposite sign, so a
reversed contribution disappears from the settlor's total.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

CATEGORIES = ("contribution", "fee", "disbursement")


@dataclass(frozen=True)
class Flow:
    """One posted entry touching the trust account. `amount` > 0 is money in, < 0 money out."""

    entry_id: int
    sequence: int
    effective_date: date
    kind: str  # the entry's kind, or for a reversal the kind of the entry it reverses
    amount: int
    memo: str
    settlor_party_id: int | None = None
    allocation_id: int | None = None
    reversal: bool = False

    @property
    def category(self) -> str:
        return self.kind if self.kind in CATEGORIES else "other"


@dataclass
class Summary:
    contributions: int = 0  # money in from settlors
    fees: int = 0  # money out to the trustee (positive number)
    disbursements: int = 0  # money out to purposes and beneficiaries (positive number)
    other: int = 0  # adjustments, signed
    by_settlor: dict[int, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: {"contributed": 0, "fees": 0}))
    by_allocation: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    running: list[tuple[Flow, int]] = field(default_factory=list)

    @property
    def net_contributions(self) -> int:
        return self.contributions - self.fees

    @property
    def balance(self) -> int:
        return self.contributions - self.fees - self.disbursements + self.other


def summarize(flows: Iterable[Flow]) -> Summary:
    s = Summary()
    running = 0
    for f in sorted(flows, key=lambda f: f.sequence):
        running += f.amount
        s.running.append((f, running))
        if f.category == "contribution":
            s.contributions += f.amount
            if f.settlor_party_id is not None:
                s.by_settlor[f.settlor_party_id]["contributed"] += f.amount
        elif f.category == "fee":
            s.fees -= f.amount
            if f.settlor_party_id is not None:
                s.by_settlor[f.settlor_party_id]["fees"] -= f.amount
        elif f.category == "disbursement":
            s.disbursements -= f.amount
            if f.allocation_id is not None:
                s.by_allocation[f.allocation_id] -= f.amount
        else:
            s.other += f.amount
    return s


def disbursed_by_allocation(flows: Iterable[Flow]) -> Mapping[int, int]:
    return dict(summarize(flows).by_allocation)
