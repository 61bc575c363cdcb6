"""The trust agreement's distribution rule as pure functions: the fee, then each purpose's share.

Fee: charged on every contribution as it arrives, in the same transaction: `fee_bps` of the
contribution rounded half up to the fen, at least `fee_minimum`, never more than the contribution.
What is left (the net contribution) is what the purposes share.

Purpose entitlement: the net contributions split over the purposes' basis points with the same
exact largest-remainder rule as benefit-sharing distributions (service.allocation), so the
entitlements always add up to the net contributions to the fen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from service import money
from service.allocation import BASIS_POINTS, amounts


def management_fee(amount: int, fee_bps: int, minimum: int = 0) -> int:
    fee = (amount * fee_bps * 2 + BASIS_POINTS) // (2 * BASIS_POINTS)  # half up, integers only
    return min(amount, max(fee, minimum))


def fee_rule(amount: int, fee_bps: int, minimum: int, currency: str) -> str:
    pct = f"{fee_bps / 100:.2f}".rstrip("0").rstrip(".")  # display only; the fee itself is integer
    text = f"management fee {pct}% ({fee_bps} bp) of {money.format(amount, currency)} {currency}"
    if minimum:
        text += f", at least {money.format(minimum, currency)}"
    return text + f" = {money.format(management_fee(amount, fee_bps, minimum), currency)}"


@dataclass(frozen=True)
class Headroom:
    allocation_id: int
    share_bps: int
    entitlement: int  # this purpose's share of the net contributions
    disbursed: int
    remaining: int


def headroom(net_contributions: int, shares: Sequence[tuple[int, int]], disbursed: Mapping[int, int]) -> dict[int, Headroom]:
    """What each purpose may still receive: its share of the net contributions less what it got."""
    entitled = amounts(max(net_contributions, 0), shares)
    bps = dict(shares)
    return {
        a: Headroom(a, bps[a], entitled[a], disbursed.get(a, 0), entitled[a] - disbursed.get(a, 0))
        for a in entitled
    }
