"""What the bench sends to the API. Each figure is a pluggable target, so pointing a scenario at a
new endpoint (POST /api/v1/payments, /api/v1/payments/batches, /api/v1/statements ...) is a change
of one `Targets` field, not of the runner.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from service import money
from service.bench import synth
from service.bench.http import RequestMaker


@dataclass(frozen=True)
class Payment:
    """One single payment the bench wants made: from a fund to a household."""

    n: int
    fund_account_id: int
    payee_party_id: int
    payee_account_id: int
    county_code: str
    amount: int  # minor units


def ledger_entry_body(p: Payment) -> dict[str, Any]:
    """Today's single-write path: an admin double entry fund -> payee benefits account."""
    amount = money.format(p.amount, "CNY")
    return {
        "kind": "payment", "memo": f"bench payment {p.n}",
        "metadata": {"county_code": p.county_code, "period": "2026", "payee_party_id": p.payee_party_id,
                     "rule": "bench: flat amount"},
        "postings": [{"account_id": p.fund_account_id, "amount": amount},
                     {"account_id": p.payee_account_id, "amount": f"-{amount}"}],
    }


@dataclass(frozen=True)
class WriteTarget:
    path: str
    body: Callable[[Payment], dict[str, Any]]
    expect: int = 201


@dataclass(frozen=True)
class BatchTarget:
    """A spreadsheet upload: POST the CSV to `path` (dry run first, then commit)."""

    path: str
    dry_run_param: str = "dry_run"
    expect: int = 201


@dataclass(frozen=True)
class Targets:
    single_payment: WriteTarget = field(default_factory=lambda: WriteTarget("/api/v1/ledger/entries", ledger_entry_body))
    # None until the compensation domain's batch endpoint is merged; the runner reports it as skipped.
    batch: BatchTarget | None = None
    # A household statement: every path is timed (GETs with {account_id} and {party_id} filled in).
    statement: tuple[str, ...] = (
        "/api/v1/accounts/{account_id}/balance",
        "/api/v1/ledger/entries?account_id={account_id}&limit=50",
    )


def payments(layout: synth.Layout, funds: list[int], seed: int) -> Callable[[int], Payment]:
    rnd = random.Random(seed)

    def make(n: int) -> Payment:
        h = rnd.randrange(layout.sizes.households)
        return Payment(n, rnd.choice(funds), layout.household_party(h), layout.household_account(h),
                       layout.county_codes[layout.county_of_household(h)], rnd.randint(100, 100_000))

    return make


def write_requests(target: WriteTarget, layout: synth.Layout, funds: list[int], seed: int = 5) -> RequestMaker:
    """Each request a new payment with its own Idempotency-Key (as a careful client sends)."""
    make = payments(layout, funds, seed)

    def request(n: int):
        return "POST", target.path, target.body(make(n)), {"Idempotency-Key": uuid.uuid4().hex}

    return request


def statement_requests(path: str, layout: synth.Layout, seed: int = 9) -> RequestMaker:
    rnd = random.Random(seed)

    def request(n: int):
        h = rnd.randrange(layout.sizes.households)
        url = path.format(account_id=layout.household_account(h), party_id=layout.household_party(h))
        return "GET", url, None, None

    return request


def spread_funds(layout: synth.Layout) -> list[int]:
    """Every account a payment may come from: program funds, patrol funds, pools, trusts."""
    return [*layout.all_funds, *layout.patrol_fund, *layout.pool, *layout.trust]


def hot_funds(layout: synth.Layout, n: int = 10) -> list[int]:
    return spread_funds(layout)[:n]


def payment_sheet(layout: synth.Layout, rows: int, seed: int = 13) -> bytes:
    """A payment spreadsheet (CSV) for the batch scenario: payee, program, period, basis, amount."""
    rnd = random.Random(seed)
    lines = ["payee_party_id,program_id,period,area_mu,amount"]
    for _ in range(rows):
        h = rnd.randrange(layout.sizes.households)
        c = layout.county_of_household(h)
        mu = rnd.randint(100, 3000)
        lines.append(f"{layout.household_party(h)},{c * len(synth.PROGRAMS) + 1},2026,{mu / 100:.2f},"
                     f"{money.format(3450 * mu // 100, 'CNY')}")
    return ("\n".join(lines) + "\n").encode()
