"""Stateful property test (after pgledger's): random sequences of post / reserve / approve / void /
reverse / retry against the real app and database, compared step by step with a small independent
model of balances and refusals.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, precondition, rule
from litestar.testing import TestClient

from service.app import create_app
from service.auth.actor import Actor
from service.auth.tokens import create_user_token
from service.db import Database
from service.errors import Conflict, InsufficientFunds
from service.ledger import service as ledger
from tests.conftest import TEST_SECRET, empty_tables

FUNDS, PAYEES = 3, 2
amounts = st.integers(min_value=1, max_value=5_000)  # fen


def fmt(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


@dataclass
class Model:
    """What the balances must be: posted per account, and reserved (pending out) per account."""

    posted: dict[int, int] = field(default_factory=dict)
    reserved: dict[int, int] = field(default_factory=dict)
    pending: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # entry -> (src, dst, fen)
    reversible: dict[int, tuple[int, int, int]] = field(default_factory=dict)

    def available(self, account: int) -> int:
        return self.posted[account] - self.reserved[account]


def run_machine(database_url: str) -> None:
    async def prepare() -> tuple[str, str, Actor, Actor]:
        db = Database(database_url)
        await empty_tables(db)
        async with db.writing() as s:
            a, _, admin = await create_user_token(s, name="admin", role="admin")
            b, _, approver = await create_user_token(s, name="approver", role="approver", county_code="360827")
        await db.dispose()
        return admin, approver, Actor(a.id, a.name, a.role), Actor(b.id, b.name, b.role, county_code="360827")

    async def in_ledger(work):
        """The bulk paths (spreadsheet batches, stipend runs) have no route of their own: call the ledger."""
        db = Database(database_url)
        try:
            async with db.writing() as s:
                return await work(s)
        finally:
            await db.dispose()

    class LedgerMachine(RuleBasedStateMachine):
        entries = Bundle("posted_entries")

        def __init__(self) -> None:
            super().__init__()
            admin, approver, self.admin_actor, self.approver_actor = asyncio.run(prepare())
            from service.settings import Settings

            self.client = TestClient(create_app(Settings(database_url=database_url, secret=TEST_SECRET)))
            self.client.__enter__()
            self.admin = {"Authorization": f"Bearer {admin}"}
            self.approver = {"Authorization": f"Bearer {approver}"}
            self.keys = itertools.count()
            self.last: tuple[str, dict, object] | None = None
            self.model = Model()
            self.source = self._open("source", "src")
            self.funds = [self._open("fund", f"fund{i}") for i in range(FUNDS)]
            self.payees = [self._open("beneficiary", f"payee{i}") for i in range(PAYEES)]

        def _open(self, kind: str, code: str) -> int:
            r = self.client.post("/api/v1/accounts", json={"code": code, "name": code, "kind": kind}, headers=self.admin)
            assert r.status_code == 201, r.text
            self.model.posted[r.json()["id"]] = 0
            self.model.reserved[r.json()["id"]] = 0
            return r.json()["id"]

        def _entry(self, src: int, dst: int, fen: int, pending: bool = False):
            key = f"k{next(self.keys)}"
            body = {"pending": pending, "postings": [{"account_id": src, "amount": fmt(fen)},
                                                     {"account_id": dst, "amount": "-" + fmt(fen)}]}
            r = self.client.post("/api/v1/ledger/entries", json=body, headers={**self.admin, "Idempotency-Key": key})
            self.last = (key, body, r.json())
            return r

        def _dst(self, i: int) -> int:
            return (self.funds + self.payees)[i % (FUNDS + PAYEES)]

        @rule(target=entries, f=st.integers(0, FUNDS - 1), fen=amounts)
        def fund(self, f, fen):
            r = self._entry(self.source, self.funds[f], fen)
            assert r.status_code == 201, r.text
            self.model.posted[self.source] += fen
            self.model.posted[self.funds[f]] += fen
            self.model.reversible[r.json()["id"]] = (self.source, self.funds[f], fen)
            return r.json()["id"]

        @rule(target=entries, f=st.integers(0, FUNDS - 1), d=st.integers(0, 10), fen=amounts)
        def transfer(self, f, d, fen):
            src, dst = self.funds[f], self._dst(d)
            if src == dst:
                return -1
            r = self._entry(src, dst, fen)
            if self.model.available(src) >= fen:
                assert r.status_code == 201, r.text
                self.model.posted[src] -= fen
                self.model.posted[dst] += fen
                self.model.reversible[r.json()["id"]] = (src, dst, fen)
                return r.json()["id"]
            assert r.status_code == 422 and r.json()["type"].endswith("insufficient-funds"), r.text
            return -1

        @rule(f=st.integers(0, FUNDS - 1), d=st.integers(0, 10), fen=amounts)
        def reserve(self, f, d, fen):
            src, dst = self.funds[f], self._dst(d)
            if src == dst:
                return
            r = self._entry(src, dst, fen, pending=True)
            if self.model.available(src) >= fen:
                assert r.status_code == 201, r.text
                self.model.reserved[src] += fen
                self.model.pending[r.json()["id"]] = (src, dst, fen)
            else:
                assert r.status_code == 422, r.text

        @precondition(lambda self: self.model.pending)
        @rule(data=st.data(), approve=st.booleans())
        def settle(self, data, approve):
            entry = data.draw(st.sampled_from(sorted(self.model.pending)))
            src, dst, fen = self.model.pending.pop(entry)
            self.model.reserved[src] -= fen
            if approve:
                r = self.client.post(f"/api/v1/ledger/entries/{entry}/post", headers=self.approver)
                assert r.status_code == 200, r.text
                self.model.posted[src] -= fen
                self.model.posted[dst] += fen
                self.model.reversible[entry] = (src, dst, fen)
            else:
                r = self.client.post(f"/api/v1/ledger/entries/{entry}/void", json={"reason": "wrong"}, headers=self.approver)
                assert r.status_code == 200, r.text
            again = self.client.post(f"/api/v1/ledger/entries/{entry}/post", headers=self.approver)
            assert again.status_code == 409  # a settled entry is settled once

        @rule(entry=consumes(entries))
        def reverse(self, entry):
            if entry not in self.model.reversible:
                return
            src, dst, fen = self.model.reversible[entry]
            r = self.client.post(f"/api/v1/ledger/entries/{entry}/reverse", json={}, headers=self.admin)
            if self.model.available(dst) >= fen:  # the money must still be there to be taken back
                assert r.status_code == 201, r.text
                del self.model.reversible[entry]
                self.model.posted[dst] -= fen
                self.model.posted[src] += -fen if src == self.source else fen
            else:
                assert r.status_code == 422, r.text

        @rule(moves=st.lists(st.tuples(st.integers(0, FUNDS - 1), st.integers(0, 10), amounts), min_size=1, max_size=4))
        def bulk_reserve(self, moves):
            """record_entries: all or nothing, funds checked once against the whole set."""
            moves = [(self.funds[f], self._dst(d), fen) for f, d, fen in moves if self.funds[f] != self._dst(d)]
            if not moves:
                return
            specs = [ledger.EntrySpec("payment", ledger.transfer(src, dst, fen)) for src, dst, fen in moves]
            asks: dict[int, int] = {}
            for src, _, fen in moves:
                asks[src] = asks.get(src, 0) + fen
            fits = all(self.model.available(src) >= fen for src, fen in asks.items())
            try:
                ids = asyncio.run(in_ledger(lambda s: ledger.record_entries(s, specs, actor=self.admin_actor,
                                                                            pending=True)))
            except InsufficientFunds:
                assert not fits
                return
            assert fits and len(ids) == len(moves)
            for entry, (src, dst, fen) in zip(ids, moves, strict=True):
                self.model.reserved[src] += fen
                self.model.pending[entry] = (src, dst, fen)

        @precondition(lambda self: self.model.pending)
        @rule(data=st.data())
        def bulk_approve(self, data):
            """post_pendings: every chosen reservation becomes a posting, each joining the chain in order."""
            chosen = data.draw(st.lists(st.sampled_from(sorted(self.model.pending)), min_size=1, max_size=4,
                                        unique=True))
            asyncio.run(in_ledger(lambda s: ledger.post_pendings(s, chosen, self.approver_actor)))
            for entry in chosen:
                src, dst, fen = self.model.pending.pop(entry)
                self.model.reserved[src] -= fen
                self.model.posted[src] -= fen
                self.model.posted[dst] += fen
                self.model.reversible[entry] = (src, dst, fen)
            with pytest.raises(Conflict):  # settled once: a second approval of any of them is refused whole
                asyncio.run(in_ledger(lambda s: ledger.post_pendings(s, chosen, self.approver_actor)))

        @precondition(lambda self: self.last is not None)
        @rule()
        def retry_last(self):
            key, body, first = self.last
            r = self.client.post("/api/v1/ledger/entries", json=body, headers={**self.admin, "Idempotency-Key": key})
            if "id" in first:  # a success is replayed, never written again
                assert r.status_code == 201 and r.json() == first and r.headers["idempotent-replayed"] == "true"
                return
            # A refusal is not stored: the retry is a fresh attempt, judged on the balances as they are now.
            src, dst, fen = (body["postings"][0]["account_id"], body["postings"][1]["account_id"],
                             int(body["postings"][0]["amount"].replace(".", "")))
            if self.model.available(src) < fen:
                assert r.status_code == 422, r.text
                return
            assert r.status_code == 201 and "idempotent-replayed" not in r.headers, r.text
            self.last = (key, body, r.json())
            if body["pending"]:
                self.model.reserved[src] += fen
                self.model.pending[r.json()["id"]] = (src, dst, fen)
            else:
                self.model.posted[src] -= fen
                self.model.posted[dst] += fen

        @invariant()
        def balances_match_the_model(self):
            for account, posted in self.model.posted.items():
                b = self.client.get(f"/api/v1/accounts/{account}/balance", headers=self.admin).json()
                assert b["posted"] == fmt(posted), (account, b, posted)
                assert b["pending_out"] == fmt(self.model.reserved[account])
                assert not b["available"].startswith("-") or account == self.source

        def teardown(self) -> None:
            report = self.client.get("/api/v1/ledger/verify", headers=self.admin).json()
            self.client.__exit__(None, None, None)
            assert report["ok"], report
            inflow = self.model.posted[self.source]
            assert inflow == sum(v for k, v in self.model.posted.items() if k != self.source)

    LedgerMachine.TestCase.settings = settings(
        max_examples=12, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    LedgerMachine.TestCase().runTest()


def test_ledger_matches_an_independent_model(database_url):
    run_machine(database_url)
