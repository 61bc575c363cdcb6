"""A Jepsen-style bank workload against the live server, and the independent model it is checked against.

Clients move money between funds and payees at random (payments, transfers between funds, pending
reservations approved or voided by a second user, reversals), retry with the same Idempotency-Key,
and cancel requests mid-way (client timeout) before retrying. The model applies only what the server
acknowledged; at the end the ledger must equal the model exactly.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field

import httpx

from service import money

SHORT_TIMEOUT = httpx.Timeout(0.002)  # gives up before the server answers: a request cancelled mid-way
TIMEOUT = httpx.Timeout(60)


@dataclass
class Model:
    """The independent tally: posted and reserved minor units per account, from acknowledged requests."""

    posted: dict[int, int]
    reserved: dict[int, int] = field(default_factory=dict)
    pending: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # entry -> (src, dst, amount)
    reversible: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    memos: set[str] = field(default_factory=set)  # every acknowledged entry, by its unique memo
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    def move(self, src: int, dst: int, amount: int) -> None:
        self.posted[src] -= amount
        self.posted[dst] += amount


@dataclass
class Bank:
    client: httpx.AsyncClient
    admin: dict[str, str]
    approver: dict[str, str]
    funds: list[int]
    payees: list[int]
    sources: list[int]
    model: Model
    rng: random.Random

    async def send(self, path: str, body: dict | None, headers: dict[str, str], key: str,
                   cancel_first: bool = False) -> httpx.Response:
        """POST until there is a definitive answer, always with the same key (a client that retries)."""
        timeout = SHORT_TIMEOUT if cancel_first else TIMEOUT
        while True:
            try:
                r = await self.client.post(path, json=body, headers={**headers, "Idempotency-Key": key},
                                           timeout=timeout)
            except httpx.TimeoutException:
                self.model.count("cancelled mid-way")
                timeout = TIMEOUT
                continue
            if r.status_code == 409 and "still being processed" in r.text:
                self.model.count("in-flight conflict, retried")
                await asyncio.sleep(0.01)
                continue
            if r.headers.get("idempotent-replayed"):
                self.model.count("replayed")
            return r

    async def transfer(self, op: str, src: int, dst: int, pending: bool, cancel: bool) -> None:
        amount = self.rng.randint(1, 5000)
        body = {"kind": "payment", "memo": op, "pending": pending,
                "postings": [{"account_id": src, "amount": money.format(amount)},
                             {"account_id": dst, "amount": money.format(-amount)}]}
        r = await self.send("/api/v1/ledger/entries", body, self.admin, op, cancel_first=cancel)
        if r.status_code == 422 and "insufficient-funds" in r.text:
            self.model.count("refused: insufficient funds")
            return
        assert r.status_code == 201, r.text
        entry = r.json()
        self.model.memos.add(op)
        if pending:
            self.model.reserved[src] = self.model.reserved.get(src, 0) + amount
            self.model.pending[entry["id"]] = (src, dst, amount)
        else:
            self.model.move(src, dst, amount)
            self.model.reversible[entry["id"]] = (src, dst, amount)
        self.model.count("pending" if pending else "posted")
        if self.rng.random() < 0.3:  # a retry after success returns the same entry, writes nothing
            again = await self.send("/api/v1/ledger/entries", body, self.admin, op)
            assert again.status_code == 201 and again.json()["id"] == entry["id"], again.text
            assert again.headers.get("idempotent-replayed") == "true"

    async def decide(self, op: str, approve: bool) -> None:
        if not self.model.pending:
            return
        entry_id = self.rng.choice(list(self.model.pending))
        src, dst, amount = self.model.pending.pop(entry_id)  # taken: no other client decides it
        action = "post" if approve else "void"
        body = None if approve else {"reason": f"voided by {op}"}
        r = await self.send(f"/api/v1/ledger/entries/{entry_id}/{action}", body, self.approver, op,
                            cancel_first=self.rng.random() < 0.2)
        assert r.status_code == 200, r.text
        self.model.reserved[src] -= amount
        if approve:
            self.model.move(src, dst, amount)
            self.model.reversible[entry_id] = (src, dst, amount)
        self.model.count("approved" if approve else "voided")

    async def reverse(self, op: str) -> None:
        if not self.model.reversible:
            return
        entry_id = self.rng.choice(list(self.model.reversible))
        src, dst, amount = self.model.reversible.pop(entry_id)
        r = await self.send(f"/api/v1/ledger/entries/{entry_id}/reverse", {"memo": op}, self.admin, op,
                            cancel_first=self.rng.random() < 0.2)
        if r.status_code == 422 and "insufficient-funds" in r.text:  # the money has moved on
            self.model.count("refused: insufficient funds")
            return
        assert r.status_code == 201, r.text
        self.model.move(dst, src, amount)
        self.model.memos.add(op)
        self.model.count("reversed")

    async def step(self, op: str) -> None:
        roll = self.rng.random()
        fund = self.rng.choice(self.funds)
        cancel = self.rng.random() < 0.15
        if roll < 0.35:
            await self.transfer(op, fund, self.rng.choice(self.payees), pending=False, cancel=cancel)
        elif roll < 0.5:
            await self.transfer(op, fund, self.rng.choice([f for f in self.funds if f != fund]), False, cancel)
        elif roll < 0.7:
            await self.transfer(op, fund, self.rng.choice(self.payees), pending=True, cancel=cancel)
        elif roll < 0.82:
            await self.decide(op, approve=True)
        elif roll < 0.9:
            await self.decide(op, approve=False)
        else:
            await self.reverse(op)


async def snapshot(client: httpx.AsyncClient, headers: dict[str, str], accounts: list[int]) -> tuple[int, dict]:
    """Posted balances of all accounts as of one sequence number: a consistent cut of the ledger."""
    head = (await client.get("/api/v1/ledger/head", headers=headers)).json()["sequence"]
    balances = {}
    for a in accounts:
        r = await client.get(f"/api/v1/accounts/{a}/balance", params={"as_of_sequence": head}, headers=headers)
        assert r.status_code == 200, r.text
        balances[a] = money.parse(r.json()["posted"], allow_negative=True)
    return head, balances
