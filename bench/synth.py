"""A synthetic but realistic ledger, as plain rows (no I/O): counties, villages, households, programs,
trusts, patrol stipends, payments and benefit-sharing distributions, hash-chained like the real thing.

Ids are assigned here from 1 (the loader refuses a non-empty database), so rows can be streamed
straight into the tables with COPY / executemany. The chain uses `service.ledger.chain`, so
`shanshui verify` recomputes exactly what was written. Account totals are set afterwards from the
postings by one set-based UPDATE (see `load.py`).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from service.ledger.chain import canonical_bytes, link
from service.ledger.models import GENESIS_HASH

BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)
PROGRAMS = ("public-welfare forest", "wetland protection", "river-source relocation")
FUNDING = 10**14  # 1 trillion fen per fund: enough that no synthetic payment drives a fund negative
CURRENCY = "CNY"
BENCH_USER_ID = 1  # the bench's own admin user, written by the loader


@dataclass(frozen=True)
class Sizes:
    households: int
    postings: int
    counties: int
    villages: int

    @classmethod
    def plan(cls, households: int, postings: int, counties: int | None = None) -> Sizes:
        households = max(10, households)
        # A Jiangxi county has 100-200k rural households; the batch scenario needs one county that
        # holds a whole 100,000-row spreadsheet (one program, one period, distinct payees).
        # `counties` fixed by the caller: --quick takes 9, so the spread writes reach 27 program funds
        # against the 9 hot ones, as at full size.
        counties = min(100, max(2, counties or households // 110_000), max(2, households // 10))
        villages = max(counties, households // 200)
        villages -= villages % counties  # every county the same number of villages
        return cls(households, max(100, postings), counties, villages)


@dataclass
class Layout:
    """Ids of everything the entries refer to."""

    sizes: Sizes
    county_codes: list[str] = field(default_factory=list)
    county_party: list[int] = field(default_factory=list)
    household_first_party: int = 0
    household_first_account: int = 0
    budget: list[int] = field(default_factory=list)  # per county: source account
    funds: list[list[int]] = field(default_factory=list)  # per county, per program
    patrol_fund: list[int] = field(default_factory=list)
    pool: list[int] = field(default_factory=list)
    settlor: list[int] = field(default_factory=list)
    trust: list[int] = field(default_factory=list)

    def household_party(self, i: int) -> int:
        return self.household_first_party + i

    def household_account(self, i: int) -> int:
        return self.household_first_account + i

    def county_of_household(self, i: int) -> int:
        village = i % self.sizes.villages
        return village % self.sizes.counties

    @property
    def all_funds(self) -> list[int]:
        return [f for per_county in self.funds for f in per_county]

    def program_id(self, county: int, program: int) -> int:
        return county * len(PROGRAMS) + program + 1

    def village_of_household(self, i: int) -> int:
        return i % self.sizes.villages

    def households_of_county(self, county: int) -> range:
        """Households h with county_of_household(h) == county (plan() keeps villages a multiple of
        counties, so a household's county is h mod counties)."""
        assert self.sizes.villages % self.sizes.counties == 0
        return range(county, self.sizes.households, self.sizes.counties)


def household_name(h: int) -> str:
    return f"Household {h + 1}"


def village_name(v: int) -> str:
    return f"Village {v + 1}"


def id_tail(h: int) -> str:
    """Deterministic, so the batch spreadsheet can name each household by name and ID tail."""
    return f"{(h * 7919 + 13) % 10000:04d}"


def bank_tail(h: int) -> str:
    return f"{(h * 104729 + 7) % 10000:04d}"


PARTY_COLUMNS = ("id", "kind", "org_type", "name", "division_code", "county_code", "parent_id", "gender",
                 "age_band", "id_number_tail", "bank_account_tail", "household_size", "created_at", "created_by")
ACCOUNT_COLUMNS = ("id", "code", "name", "kind", "currency", "normal_side", "may_go_negative", "party_id",
                   "county_code", "trust_id", "debits_posted", "credits_posted", "debits_pending",
                   "credits_pending", "created_at")
ENTRY_COLUMNS = ("id", "kind", "status", "effective_date", "recorded_at", "posted_at", "memo", "metadata",
                 "entered_by", "request_id", "sequence", "prev_hash", "hash")
POSTING_COLUMNS = ("id", "entry_id", "account_id", "currency", "amount")


def parties_and_accounts(sizes: Sizes, seed: int = 7) -> tuple[Layout, Iterator[tuple], Iterator[tuple]]:
    """The layout, then generators of party rows and account rows (in id order)."""
    layout = Layout(sizes)
    rnd = random.Random(seed)
    layout.county_codes = [f"36{(801 + c) % 10000:04d}" for c in range(sizes.counties)]
    layout.county_party = list(range(1, sizes.counties + 1))
    first_village = sizes.counties + 1
    layout.household_first_party = first_village + sizes.villages
    now = BASE_TIME

    def parties() -> Iterator[tuple]:
        for c, code in enumerate(layout.county_codes):
            yield (c + 1, "organisation", "government", f"County {code} finance bureau", code, code, None,
                   None, None, None, None, None, now, BENCH_USER_ID)
        for v in range(sizes.villages):
            code = layout.county_codes[v % sizes.counties]
            yield (first_village + v, "community", None, village_name(v), f"{code}{v % 1000:03d}{v % 1000:03d}",
                   code, layout.county_party[v % sizes.counties], None, None, None, None, None, now, BENCH_USER_ID)
        for h in range(sizes.households):
            village = h % sizes.villages
            code = layout.county_codes[village % sizes.counties]
            yield (layout.household_party(h), "household", None, household_name(h), None, code,
                   first_village + village, rnd.choice(("female", "male")),
                   rnd.choice(("18_34", "35_59", "60_plus")), id_tail(h), bank_tail(h), rnd.randint(1, 7), now,
                   BENCH_USER_ID)

    next_id = 1

    def take() -> int:
        nonlocal next_id
        next_id += 1
        return next_id - 1

    org_accounts: list[tuple] = []

    def account(code: str, name: str, kind: str, county: str | None, *, party: int | None = None,
                trust: int | None = None) -> int:
        aid = take()
        org_accounts.append((aid, code, name, kind, CURRENCY, "debit" if kind == "source" else "credit",
                             False, party, county, trust, 0, 0, 0, 0, now))
        return aid

    for c, code in enumerate(layout.county_codes):
        layout.budget.append(account(f"source:{code}:budget", f"County {code} budget", "source", code,
                                     party=layout.county_party[c]))
        layout.funds.append([account(f"fund:{code}:program-{p + 1}", f"{name} fund, county {code}", "fund", code)
                             for p, name in enumerate(PROGRAMS)])
        layout.patrol_fund.append(account(f"fund:{code}:patrol", f"Patrol stipend fund, county {code}", "fund", code))
        layout.pool.append(account(f"pool:{code}:ecotourism", f"Ecotourism benefit pool, county {code}", "pool", code))
        layout.settlor.append(account(f"source:{code}:settlor", f"Water company settlor, county {code}", "source", code))
        layout.trust.append(account(f"trust:{c + 1}", f"Shanshui Fund No.{c + 1}", "trust", code, trust=c + 1))
    layout.household_first_account = next_id

    def accounts() -> Iterator[tuple]:
        yield from org_accounts
        for h in range(sizes.households):
            pid = layout.household_party(h)
            yield (layout.household_account(h), f"party:{pid}:benefits:{CURRENCY}", f"Benefits received by Household {h + 1}",
                   "beneficiary", CURRENCY, "credit", False, pid, layout.county_codes[layout.county_of_household(h)],
                   None, 0, 0, 0, 0, now)

    return layout, parties(), accounts()


PROGRAM_COLUMNS = ("id", "name", "legal_basis", "county_code", "scope_codes", "period_start", "period_end",
                   "fund_account_id", "currency", "rule_kind", "rate", "rate_table", "cap_amount", "max_basis",
                   "eligible_kinds", "created_by", "created_at")
RATE = 3450  # 34.50 CNY per mu per year
PROGRAM_START, PROGRAM_END = date(2025, 1, 1), date(2027, 12, 31)


def programs(layout: Layout) -> Iterator[tuple]:
    """Compensation programs (per area and year) whose funds are the layout's program funds, so the
    payments API and batch uploads find a program with money in it."""
    for c, code in enumerate(layout.county_codes):
        for p, name in enumerate(PROGRAMS):
            yield (layout.program_id(c, p), f"{name}, county {code}", "Gan Cai Nong Zhi [2025] No. 3 (synthetic)",
                   code, json.dumps([code]), PROGRAM_START, PROGRAM_END, layout.funds[c][p], CURRENCY,
                   "per_area_year", RATE, json.dumps({}), None, None, json.dumps(["household"]), BENCH_USER_ID,
                   BASE_TIME)


@dataclass
class ChainState:
    sequence: int = 0
    hash: str = GENESIS_HASH
    posting_id: int = 0


def _entry(state: ChainState, kind: str, legs: list[tuple[int, int]], meta: dict, memo: str,
           effective: date) -> tuple[tuple, list[tuple]]:
    state.sequence += 1
    seq = state.sequence
    posted = BASE_TIME + timedelta(milliseconds=seq)
    meta = dict(sorted(meta.items()))
    payload = canonical_bytes(
        sequence=seq, kind=kind, effective_date=effective, posted_at=posted, memo=memo, metadata=meta,
        entered_by=BENCH_USER_ID, approved_by=None, reversal_of_id=None,
        postings=[(a, CURRENCY, m) for a, m in legs],
    )
    prev, state.hash = state.hash, link(state.hash, payload)
    text = json.dumps(meta, sort_keys=True, separators=(",", ":"), ensure_ascii=False)  # as the engines write it
    entry = (seq, kind, "posted", effective, posted, posted, memo, text, BENCH_USER_ID, None, seq, prev, state.hash)
    postings = []
    for account_id, amount in legs:
        state.posting_id += 1
        postings.append((state.posting_id, seq, account_id, CURRENCY, amount))
    return entry, postings


def entries(layout: Layout, seed: int = 11, chunk: int = 20_000) -> Iterator[tuple[list[tuple], list[tuple]]]:
    """Chunks of (entry rows, posting rows) until the planned number of postings is reached.

    Mix (by entry): payments 70%, patrol stipends 15%, trust disbursements 10%, pool distributions 5%
    (one pool to five households). Funding entries come first, so no fund ever goes negative.
    """
    sizes, rnd, state = layout.sizes, random.Random(seed), ChainState()
    es: list[tuple] = []
    ps: list[tuple] = []

    def add(kind: str, legs: list[tuple[int, int]], meta: dict, memo: str, effective: date) -> None:
        e, p = _entry(state, kind, legs, meta, memo, effective)
        es.append(e)
        ps.extend(p)

    start = date(2025, 1, 1)
    for c, code in enumerate(layout.county_codes):
        for fund in (*layout.funds[c], layout.patrol_fund[c], layout.pool[c]):
            add("funding", [(layout.budget[c], FUNDING), (fund, -FUNDING)], {"county_code": code, "period": "2025"},
                "annual budget allocation", start)
        add("contribution", [(layout.settlor[c], FUNDING), (layout.trust[c], -FUNDING)],
            {"county_code": code, "period": "2025", "trust_id": c + 1}, "settlor contribution", start)
    i = 0
    while state.posting_id < sizes.postings:
        i += 1
        h = rnd.randrange(sizes.households)
        c = layout.county_of_household(h)
        code = layout.county_codes[c]
        day = start + timedelta(days=rnd.randrange(700))
        period = f"{day.year}-{day.month:02d}"
        pid = layout.household_party(h)
        kind_roll = i % 20
        if kind_roll < 14:
            p = rnd.randrange(len(PROGRAMS))
            mu = rnd.randint(100, 3000)  # hundredths of a mu
            amount = 3450 * mu // 100
            add("payment", [(layout.funds[c][p], amount), (layout.household_account(h), -amount)],
                {"county_code": code, "period": period, "program_id": layout.program_id(c, p),
                 "payee_party_id": pid, "rule": f"34.50 CNY per mu per year x {mu / 100:.2f} mu"},
                f"{PROGRAMS[p]} compensation", day)
        elif kind_roll < 17:
            days = rnd.randint(1, 20)
            amount = 8000 * days
            add("stipend", [(layout.patrol_fund[c], amount), (layout.household_account(h), -amount)],
                {"county_code": code, "period": period, "team_id": c + 1, "member_party_id": pid,
                 "patrol_days": days, "rule": f"80.00 CNY per verified patrol-day x {days}"},
                "patrol stipend", day)
        elif kind_roll < 19:
            amount = rnd.randint(10_000, 500_000)
            add("disbursement", [(layout.trust[c], amount), (layout.household_account(h), -amount)],
                {"county_code": code, "period": period, "trust_id": c + 1, "payee_party_id": pid,
                 "purpose": "ecological protection dividend"}, "trust disbursement", day)
        else:
            shares = [rnd.randint(1_000, 50_000) for _ in range(5)]
            legs = [(layout.pool[c], sum(shares))]
            legs += [(layout.household_account((h + k * 7919) % sizes.households), -s) for k, s in enumerate(shares)]
            add("distribution", legs, {"county_code": code, "period": period, "distribution_id": i},
                "ecotourism revenue distribution", day)
        if len(es) >= chunk:
            yield es, ps
            es, ps = [], []
    if es:
        yield es, ps
