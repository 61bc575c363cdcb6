"""The bank workload's domain operations: compensation payments and benefit-sharing distributions.

Beside the ledger-level moves of `bank.py`, clients fund a compensation program from the bank's funds
(entered by the official, approved by the approver), enter payments (official), approve or reject them (approver), reverse approved ones (official), pay
revenue into a benefit-sharing pool and run distributions out of it. Every acknowledged request is
applied to the same independent tally; amounts are worked out here from the program's rate and the
agreement's shares, not read back from the server.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from service import money
from tests.helpers import create_party
from tests.reliability.bank import Bank, Model

COUNTY = "360827"
RATE = 37  # 0.37 CNY per mu per year: per-area amounts need rounding half up to the fen
PERIODS = [f"2026-{m:02d}" for m in range(1, 13)]
SHARES = [4000, 2500, 2000, 1500]  # village, then three households


@dataclass
class Domain:
    """What the clients share about domain objects; a payment taken from a dict belongs to one client."""

    official: dict[str, str]
    program_id: int
    program_fund: int
    agreement_id: int
    pool: int
    revenue: int
    benefits: dict[int, int]  # party id -> its benefits account
    stakeholders: list[tuple[int, int]]  # (party id, share bps)
    free: list[tuple[int, str]]  # (payee, period) with no live payment: duplicates are refused by design
    pending: dict[int, tuple[int, str, int]] = field(default_factory=dict)  # payment -> (payee, period, amount)
    approved: dict[int, tuple[int, str, int]] = field(default_factory=dict)
    status: dict[int, str] = field(default_factory=dict)  # every acknowledged payment's status

    def accounts(self) -> list[int]:
        return [self.program_fund, self.pool, self.revenue, *self.benefits.values()]


def payment_amount(area_centimu: int) -> int:
    """The program's rule, worked out independently: rate x area, half up to the fen."""
    return (2 * RATE * area_centimu + 100) // 200


def split(amount: int, weights: list[tuple[int, int]]) -> dict[int, int]:
    """Largest remainder, ties to the larger weight then the lower id (the documented rule, re-derived)."""
    total = sum(w for _, w in weights)
    parts = {i: amount * w // total for i, w in weights}
    order = sorted(weights, key=lambda p: (-(amount * p[1] % total), -p[1], p[0]))
    for i, _ in order[: amount - sum(parts.values())]:
        parts[i] += 1
    return parts


async def open_domain(c: httpx.AsyncClient, admin: dict[str, str], official: dict[str, str], households: int,
                      model: Model, first_fund: int, seed_funding: int) -> Domain:
    """A village with households, a funded program paying them, and a pool they share with the village."""
    async def ok(r: httpx.Response) -> dict:
        assert r.status_code == 201, r.text
        return r.json()

    village = await create_party(c, admin, kind="community", org_type=None, name="Bank village",
                                 division_code=f"{COUNTY}101201")
    homes = [await create_party(c, admin, kind="household", org_type=None, name=f"Bank home {n}",
                                parent_id=village["id"], id_number=f"{COUNTY}19800101{n:04d}")
             for n in range(households)]
    benefits = {p["id"]: p["benefit_account_id"] for p in [village, *homes]}
    program = await ok(await c.post("/api/v1/programs", headers=official, json={
        "name": "Bank forest", "legal_basis": "Bank doc 1", "county_code": COUNTY, "period_start": "2026-01-01",
        "period_end": "2026-12-31", "rule_kind": "per_area_year", "rate": money.format(RATE)}))
    stakeholders = list(zip([village["id"], *(h["id"] for h in homes[:3])], SHARES, strict=True))
    agreement = await ok(await c.post("/api/v1/share-agreements", headers=official, json={
        "name": "Bank ecotourism", "pool_kind": "ecotourism", "county_code": COUNTY,
        "first_version": {"effective_from": "2026-01-01", "stakeholders": [
            {"party_id": p, "share_bps": bps} for p, bps in stakeholders]}}))
    d = Domain(official, program["id"], program["fund_account_id"], agreement["id"], agreement["pool_account_id"],
               agreement["revenue_account_id"], benefits, stakeholders,
               free=[(h["id"], period) for h in homes for period in PERIODS])
    for a in d.accounts():
        model.posted[a] = 0
    funding = await ok(await c.post(f"/api/v1/programs/{d.program_id}/funding", headers=official,
                                    json={"source_account_id": first_fund, "amount": money.format(seed_funding)}))
    r = await c.post(f"/api/v1/fundings/{funding['id']}/approve", headers=admin)  # four eyes: not the official
    assert r.status_code == 200, r.text
    model.move(first_fund, d.program_fund, seed_funding)
    return d


def refused(r: httpx.Response, model: Model) -> bool:
    if r.status_code == 422 and "insufficient-funds" in r.text:
        model.count("refused: insufficient funds")
        return True
    return False


@dataclass
class DomainBank(Bank):
    """A bank client that also does the county's compensation and benefit-sharing work."""

    domain: Domain | None = None

    async def step(self, op: str) -> None:
        roll = self.rng.random()
        if roll < 0.45:
            await super().step(op)
        elif roll < 0.5:
            await self.fund_program(op)
        elif roll < 0.66:
            await self.pay(op)
        elif roll < 0.76:
            await self.decide_payment(op, approve=True)
        elif roll < 0.8:
            await self.decide_payment(op, approve=False)
        elif roll < 0.85:
            await self.reverse_payment(op)
        elif roll < 0.9:
            await self.revenue_in(op)
        else:
            await self.distribute(op)

    @property
    def d(self) -> Domain:
        assert self.domain is not None
        return self.domain

    def cancel(self) -> bool:
        return self.rng.random() < 0.15

    async def replay(self, path: str, body: dict, headers: dict[str, str], key: str, first: httpx.Response) -> None:
        """Sometimes send an acknowledged request again: the same answer, nothing written."""
        if self.rng.random() < 0.3:
            again = await self.send(path, body, headers, key)
            assert again.status_code == first.status_code and again.json()["id"] == first.json()["id"], again.text
            assert again.headers.get("idempotent-replayed") == "true"

    async def fund_program(self, op: str) -> None:
        fund, amount = self.rng.choice(self.funds), self.rng.randint(1, 20_000)
        r = await self.send(f"/api/v1/programs/{self.d.program_id}/funding", {
            "source_account_id": fund, "amount": money.format(amount), "memo": op}, self.d.official, op, self.cancel())
        if refused(r, self.model):
            return
        assert r.status_code == 201 and r.json()["status"] == "pending", r.text
        self.model.reserved[fund] = self.model.reserved.get(fund, 0) + amount
        self.model.memos.add(op)
        approved = await self.send(f"/api/v1/fundings/{r.json()['id']}/approve", None, self.approver, f"{op} approve",
                                   self.cancel())
        assert approved.status_code == 200, approved.text  # a second official: four eyes
        self.model.reserved[fund] -= amount
        self.model.move(fund, self.d.program_fund, amount)
        self.model.count("program funded")

    async def pay(self, op: str) -> None:
        if not self.d.free:
            self.model.count("no free payee-period")
            return
        payee, period = self.d.free.pop(self.rng.randrange(len(self.d.free)))
        area = self.rng.randint(100, 4000)
        amount = payment_amount(area)
        path, body = "/api/v1/payments", {"program_id": self.d.program_id, "payee_party_id": payee, "period": period,
                                          "area_mu": f"{area // 100}.{area % 100:02d}", "memo": op}
        r = await self.send(path, body, self.d.official, op, self.cancel())
        if refused(r, self.model):
            self.d.free.append((payee, period))
            return
        assert r.status_code == 201, r.text
        p = r.json()
        assert money.parse(p["amount"]) == amount and p["status"] == "pending", p
        self.model.reserved[self.d.program_fund] = self.model.reserved.get(self.d.program_fund, 0) + amount
        self.d.pending[p["id"]] = (payee, period, amount)
        self.d.status[p["id"]] = "pending"
        self.model.memos.add(op)
        self.model.count("payment entered")
        await self.replay(path, body, self.d.official, op, r)

    async def decide_payment(self, op: str, approve: bool) -> None:
        if not self.d.pending:
            return
        payment = self.rng.choice(list(self.d.pending))
        payee, period, amount = self.d.pending.pop(payment)
        action, body = ("approve", None) if approve else ("reject", {"reason": f"rejected by {op}"})
        r = await self.send(f"/api/v1/payments/{payment}/{action}", body, self.approver, op, self.cancel())
        assert r.status_code == 200, r.text
        self.model.reserved[self.d.program_fund] -= amount
        if approve:
            self.model.move(self.d.program_fund, self.d.benefits[payee], amount)
            self.d.approved[payment] = (payee, period, amount)
        else:
            self.d.free.append((payee, period))  # a rejected payment frees its payee-period
        self.d.status[payment] = r.json()["status"]
        assert self.d.status[payment] == ("approved" if approve else "rejected"), r.text
        self.model.count("payment approved" if approve else "payment rejected")

    async def reverse_payment(self, op: str) -> None:
        if not self.d.approved:
            return
        payment = self.rng.choice(list(self.d.approved))
        payee, period, amount = self.d.approved.pop(payment)
        r = await self.send(f"/api/v1/payments/{payment}/reverse", {"reason": f"reversed by {op}"}, self.d.official,
                            op, self.cancel())
        if refused(r, self.model):  # the household's benefits have been reversed elsewhere meanwhile
            self.d.approved[payment] = (payee, period, amount)
            return
        assert r.status_code == 200 and r.json()["status"] == "reversed", r.text
        self.model.move(self.d.benefits[payee], self.d.program_fund, amount)
        self.d.status[payment] = "reversed"
        self.d.free.append((payee, period))
        self.model.count("payment reversed")

    async def revenue_in(self, op: str) -> None:
        amount = self.rng.randint(1, 10_000)
        path, body = f"/api/v1/share-agreements/{self.d.agreement_id}/revenue", {
            "amount": money.format(amount), "received_on": "2026-02-01", "reference": op, "memo": op}
        r = await self.send(path, body, self.d.official, op, self.cancel())
        assert r.status_code == 201, r.text
        self.model.posted[self.d.revenue] += amount  # money entering from outside: both sides grow
        self.model.posted[self.d.pool] += amount
        self.model.memos.add(op)
        self.model.count("revenue in")
        await self.replay(path, body, self.d.official, op, r)

    async def distribute(self, op: str) -> None:
        amount = self.rng.randint(1, 5_000)
        path, body = f"/api/v1/share-agreements/{self.d.agreement_id}/distributions", {
            "amount": money.format(amount), "effective_date": "2026-03-31", "memo": op}
        r = await self.send(path, body, self.d.official, op, self.cancel())
        if refused(r, self.model):
            return
        assert r.status_code == 201, r.text
        parts = split(amount, self.d.stakeholders)
        lines = {line["party_id"]: money.parse(line["amount"], allow_negative=True) for line in r.json()["lines"]}
        assert lines == parts, (lines, parts)
        self.model.posted[self.d.pool] -= amount
        for party, part in parts.items():
            self.model.posted[self.d.benefits[party]] += part
        self.model.memos.add(op)
        self.model.count("distribution")
        await self.replay(path, body, self.d.official, op, r)
