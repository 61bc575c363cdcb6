"""What the bench sends to the API: the real endpoints of the compensation and reports domains.

- single payment: an official of the payee's county enters `POST /api/v1/payments` (rule-priced, a
  pending ledger entry reserving the program's fund); an approver of that county then posts it with
  `POST /api/v1/payments/{id}/approve` (four eyes).
- batch: a payment spreadsheet (CSV) uploaded to `POST /api/v1/payments/batches`, dry run then commit.
- statement: `GET /api/v1/statements/{party_id}` of a random household.

A payment is unique per (program, payee, period), so every request names a combination no other
request of the run uses (see `PaymentPlan`), and each write carries its own Idempotency-Key.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench import synth
from bench.http import RequestMaker
from bench.wrk import IntList
from service.compensation import sheets

PAYMENTS = "/api/v1/payments"
APPROVE = "/api/v1/payments/{payment_id}/approve"
BATCHES = "/api/v1/payments/batches"
STATEMENT = "/api/v1/statements/{party_id}"
ENTRIES = "/api/v1/ledger/entries"
BATCH_PERIOD = "2026"  # the batch uses the year; single payments use months, so they never collide
HOT_COUNTIES = 3  # 3 counties x 3 programs = 9 hot program funds (and 3 county budgets for entries)
Headers = dict[str, str]


@dataclass(frozen=True)
class Payment:
    """One single payment the bench enters: a household under one of its county's programs."""

    n: int
    county: int
    program_id: int
    payee_party_id: int
    period: str
    area_mu: str

    def body(self) -> dict[str, Any]:
        return {"program_id": self.program_id, "payee_party_id": self.payee_party_id, "period": self.period,
                "area_mu": self.area_mu, "memo": f"bench payment {self.n}"}


def months(years: tuple[int, ...]) -> list[str]:
    return [f"{y}-{m:02d}" for y in years for m in range(1, 13)]


@dataclass(frozen=True)
class PaymentPlan:
    """Request n -> a (household, program, period) no other n of this plan uses."""

    layout: synth.Layout
    counties: tuple[int, ...]
    periods: tuple[str, ...]

    def households(self) -> list[int]:
        return [h for c in self.counties for h in self.layout.households_of_county(c)]

    def order(self) -> list[int]:
        """The plan's households, shuffled so consecutive requests spread over villages and counties."""
        households = self.households()
        order = list(range(len(households)))
        random.Random(5).shuffle(order)
        return [households[i] for i in order]

    def maker(self) -> Callable[[int], Payment]:
        households = self.order()
        per_period = len(households) * len(synth.PROGRAMS)
        capacity = per_period * len(self.periods)

        def make(n: int) -> Payment:
            if n >= capacity:
                raise RuntimeError(f"the plan has room for {capacity} payments; use more households")
            period, rest = divmod(n, per_period)
            program, i = divmod(rest, len(households))
            h = households[i]
            c = self.layout.county_of_household(h)
            mu = 100 + (n * 37) % 2900
            return Payment(n, c, self.layout.program_id(c, program), self.layout.household_party(h),
                           self.periods[period], f"{mu // 100}.{mu % 100:02d}")

        return make


def spread_plan(layout: synth.Layout, year: int = 2025) -> PaymentPlan:
    """Payments over every county; each server run takes its own year so no payment repeats another."""
    return PaymentPlan(layout, tuple(range(layout.sizes.counties)), tuple(months((year,))))


def hot_plan(layout: synth.Layout) -> PaymentPlan:
    return PaymentPlan(layout, tuple(range(min(HOT_COUNTIES, layout.sizes.counties))), tuple(months((2027,))))


def hot_fund_count(layout: synth.Layout, all_counties: bool = False) -> int:
    counties = layout.sizes.counties if all_counties else min(HOT_COUNTIES, layout.sizes.counties)
    return counties * len(synth.PROGRAMS)


def enter_requests(plan: PaymentPlan, officials: list[Headers]) -> RequestMaker:
    """Each request a new payment, entered by an official of the payee's county."""
    make = plan.maker()

    def request(n: int):
        p = make(n)
        return "POST", PAYMENTS, p.body(), {**officials[p.county], "Idempotency-Key": uuid.uuid4().hex}

    return request


def approve_requests(pending: list[tuple[int, int]], approvers: list[Headers]) -> RequestMaker:
    """`pending` is [(payment id, county index)]; each request approves the next one."""

    def request(n: int):
        payment_id, county = pending[n]
        return ("POST", APPROVE.format(payment_id=payment_id), None,
                {**approvers[county], "Idempotency-Key": uuid.uuid4().hex})

    return request


def statement_requests(layout: synth.Layout, seed: int = 9) -> RequestMaker:
    rnd = random.Random(seed)

    def request(n: int):
        h = rnd.randrange(layout.sizes.households)
        return "GET", STATEMENT.format(party_id=layout.household_party(h)), None, None

    return request


def batch_rows(layout: synth.Layout, rows: int) -> int:
    """A batch is one program of one county: at most that county's households and the compensation
    domain's MAX_ROWS per file."""
    return min(rows, len(layout.households_of_county(0)), sheets.MAX_ROWS)


def payment_sheet(layout: synth.Layout, rows: int, seed: int = 13) -> bytes:
    """The spreadsheet a county clerk uploads for program 1 of county 0: village, household head, ID tail,
    area, the amount the clerk expects (checked against the rule) and the bank account tail."""
    rnd = random.Random(seed)
    households = list(layout.households_of_county(0))[:batch_rows(layout, rows)]
    lines = ["village,household_head,id_tail,area_mu,amount,bank_account_tail"]
    for h in households:
        mu = rnd.randint(100, 3000)  # hundredths of a mu
        amount = (synth.RATE * mu + 50) // 100  # rules.compute: rate x area, rounded half up
        lines.append(f"{synth.village_name(layout.village_of_household(h))},{synth.household_name(h)},"
                     f"{synth.id_tail(h)},{mu // 100}.{mu % 100:02d},{amount // 100}.{amount % 100:02d},"
                     f"{synth.bank_tail(h)}")
    return ("\n".join(lines) + "\n").encode()


# What the wrk scenarios (bench/lua/*.lua) read: the same requests as the makers above, as Lua data.

def payment_data(plan: PaymentPlan, officials: list[Headers]) -> dict[str, Any]:
    """bench/lua/payment.lua walks request n -> (period, program, household) exactly as
    PaymentPlan.maker does, so no two requests of the run name the same payment."""
    layout, order = plan.layout, plan.order()
    return {"path": PAYMENTS, "households": IntList([layout.household_party(h) for h in order]),
            "county": IntList([layout.county_of_household(h) for h in order]),
            "program_ids": [[layout.program_id(c, p) for p in range(len(synth.PROGRAMS))]
                            for c in range(layout.sizes.counties)],
            "periods": list(plan.periods), "capacity": len(order) * len(synth.PROGRAMS) * len(plan.periods),
            "tokens": [o["Authorization"] for o in officials]}


def approve_data(pending: list[tuple[int, int]], approvers: list[Headers]) -> dict[str, Any]:
    return {"path": APPROVE.replace("{payment_id}", "%d"), "ids": IntList([p for p, _ in pending]),
            "county": IntList([c for _, c in pending]), "tokens": [a["Authorization"] for a in approvers]}


def entry_data(layout: synth.Layout, admin: Headers, counties: int | None = None, path: str = ENTRIES) -> dict[str, Any]:
    """Posted transfers from a county's budget (a source account) to one of its program funds; `counties`
    limits them to the first few (3: the 9 hot funds)."""
    n = layout.sizes.counties if counties is None else min(counties, layout.sizes.counties)
    return {"path": path, "token": admin["Authorization"],
            "pairs": [[layout.budget[c], layout.funds[c][p], layout.county_codes[c]]
                      for c in range(n) for p in range(len(synth.PROGRAMS))]}


def entry_fund_count(layout: synth.Layout, counties: int | None = None) -> int:
    return len(entry_data(layout, {"Authorization": ""}, counties)["pairs"])


def statement_data(layout: synth.Layout, auditor: Headers) -> dict[str, Any]:
    return {"path": STATEMENT.replace("{party_id}", "%d"), "token": auditor["Authorization"],
            "first_party": layout.household_first_party, "households": layout.sizes.households}
