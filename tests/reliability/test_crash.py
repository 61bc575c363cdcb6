"""Crash safety: the server process is killed with SIGKILL in the middle of a write, restarted, and
every operation turns out to have fully happened or not at all; the chain verifies; a retry with the
same Idempotency-Key completes each operation exactly once.

CRASH_CASES is a table. After merging the domains, add the batch commit and the distribution run
as rows: `prepare` builds what the write needs (through the API), `requests` returns the writes to
fire (path, body, key), `observe` returns, per write, how many times it is in the ledger.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from service import money
from tests.reliability.server import HEAVY, make_token, run

ROUNDS = 8 if HEAVY else 2
Write = tuple[str, dict[str, Any], str]  # path, body, Idempotency-Key


@dataclass(frozen=True)
class CrashCase:
    name: str
    prepare: Callable[[httpx.Client], dict[str, Any]]
    requests: Callable[[dict[str, Any], str], list[Write]]
    observe: Callable[[httpx.Client, dict[str, Any], list[Write]], list[int]]


def _accounts(c: httpx.Client, payees: int) -> dict[str, Any]:
    def account(code: str, kind: str) -> int:
        r = c.post("/api/v1/accounts", json={"code": code, "name": code, "kind": kind})
        assert r.status_code == 201, r.text
        return r.json()["id"]

    tag = random.randrange(10**9)
    source, fund = account(f"crash:{tag}:source", "source"), account(f"crash:{tag}:fund", "fund")
    r = c.post("/api/v1/ledger/entries", json={"kind": "funding", "postings": [
        {"account_id": source, "amount": "1000000.00"}, {"account_id": fund, "amount": "-1000000.00"}]})
    assert r.status_code == 201, r.text
    return {"fund": fund, "payees": [account(f"crash:{tag}:payee:{i}", "beneficiary") for i in range(payees)]}


def _entries_by_memo(c: httpx.Client) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    offset = 0
    while True:
        page = c.get("/api/v1/ledger/entries", params={"limit": 500, "offset": offset}).json()["items"]
        for e in page:
            found.setdefault(e["memo"], []).append(e)
        if len(page) < 500:
            return found
        offset += 500


def large_entry_requests(ctx: dict[str, Any], tag: str) -> list[Write]:
    """One admin entry with 1,000 postings (the most an entry accepts): a fund pays 999 lines."""
    payees = ctx["payees"]
    postings = [{"account_id": ctx["fund"], "amount": money.format(999 * 7)}]
    postings += [{"account_id": payees[i % len(payees)], "amount": "-0.07"} for i in range(999)]
    return [("/api/v1/ledger/entries", {"memo": f"large {tag}", "postings": postings}, f"large-{tag}")]


def burst_requests(ctx: dict[str, Any], tag: str) -> list[Write]:
    """Twenty small idempotent payments sent at once."""
    return [("/api/v1/ledger/entries", {"memo": f"burst {tag} {i}", "postings": [
        {"account_id": ctx["fund"], "amount": "1.23"},
        {"account_id": ctx["payees"][i % len(ctx["payees"])], "amount": "-1.23"}]}, f"burst-{tag}-{i}")
        for i in range(20)]


def observe_entries(expected_postings: int) -> Callable[[httpx.Client, dict[str, Any], list[Write]], list[int]]:
    def observe(c: httpx.Client, ctx: dict[str, Any], writes: list[Write]) -> list[int]:
        found = _entries_by_memo(c)
        counts = []
        for _, body, _ in writes:
            entries = found.get(body["memo"], [])
            for e in entries:  # whole or nothing: every posting is there, and it is posted and chained
                assert len(e["postings"]) == expected_postings and e["status"] == "posted" and e["hash"], e
            counts.append(len(entries))
        return counts

    return observe


BATCH_ROWS = 1000 if HEAVY else 300
HEADER = "村,户主,身份证后四位,面积(亩),金额(元),银行账号后四位\n"


def _ok(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code == 201, r.text
    return r.json()


def _households(c: httpx.Client, county: str, n: int) -> tuple[int, list[int]]:
    tag = random.randrange(10**6)
    village = _ok(c.post("/api/v1/parties", json={"kind": "community", "name": f"Crash village {tag}",
                                                  "division_code": f"{county}101201"}))["id"]
    homes = [_ok(c.post("/api/v1/parties", json={"kind": "household", "name": f"Crash home {tag} {i}", "parent_id": village,
                                                 "id_number": f"{county}{(tag * 1000 + i) % 10**11:011d}X"}))["id"]
             for i in range(n)]
    return village, homes


def batch_prepare(c: httpx.Client) -> dict[str, Any]:
    """A funded program and BATCH_ROWS households in a village of its county."""
    county = "360827"
    village, homes = _households(c, county, BATCH_ROWS)
    fund = _accounts(c, 0)["fund"]
    program = _ok(c.post("/api/v1/programs", json={
        "name": "Crash forest", "legal_basis": "Doc 1", "county_code": county, "period_start": "2020-01-01",
        "period_end": "2030-12-31", "rule_kind": "per_area_year", "rate": "1.00"}))
    funding = _ok(c.post(f"/api/v1/programs/{program['id']}/funding", json={"source_account_id": fund, "amount": "900000.00"}))
    approver = _ok(c.post("/api/v1/auth/tokens", json={"name": "crash approver", "role": "approver", "county_code": county}))
    r = c.post(f"/api/v1/fundings/{funding['id']}/approve", headers={"Authorization": f"Bearer {approver['token']}"})
    assert r.status_code == 200, r.text  # four eyes: the admin who entered it cannot approve it
    people = {p["id"]: p for p in (c.get(f"/api/v1/parties/{h}").json() for h in homes)}
    village_name = c.get(f"/api/v1/parties/{village}").json()["name"]
    rows = "".join(f"{village_name},{people[h]['name']},{people[h]['id_number_tail']},1.00,1.00,\n" for h in homes)
    return {"program": program["id"], "csv": (HEADER + rows).encode(), "periods": iter(range(2020 * 12, 2031 * 12))}


def batch_requests(ctx: dict[str, Any], tag: str) -> list[Write]:
    """One batch upload of BATCH_ROWS payments, committed all or nothing, in a month of its own."""
    m = next(ctx["periods"])
    form = {"program_id": str(ctx["program"]), "period": f"{m // 12}-{m % 12 + 1:02d}"}
    return [("/api/v1/payments/batches", {"_form": form, "_file": ("batch.csv", ctx["csv"], "text/csv"),
                                          "memo": form["period"]}, f"batch-{tag}")]


def observe_batches(c: httpx.Client, ctx: dict[str, Any], writes: list[Write]) -> list[int]:
    batches = c.get("/api/v1/payments/batches", params={"program_id": ctx["program"], "limit": 500}).json()["items"]
    counts = []
    for _, body, _ in writes:
        mine = [b for b in batches if b["period"] == body["memo"]]
        for b in mine:  # whole or nothing: every row became a pending payment
            assert b["row_count"] == BATCH_ROWS and sum(b["status_counts"].values()) == BATCH_ROWS, b
        counts.append(len(mine))
    return counts


def distribution_prepare(c: httpx.Client) -> dict[str, Any]:
    """An agreement sharing a funded pool among many stakeholders (one posting each per run)."""
    n = 1000 if HEAVY else 200
    _, homes = _households(c, "330110", n)
    shares = [10000 // n + (1 if i < 10000 % n else 0) for i in range(n)]
    agreement = _ok(c.post("/api/v1/share-agreements", json={
        "name": "Crash pool", "pool_kind": "ecotourism", "county_code": "330110",
        "first_version": {"effective_from": "2020-01-01", "stakeholders": [
            {"party_id": h, "share_bps": s} for h, s in zip(homes, shares)]}}))
    _ok(c.post(f"/api/v1/share-agreements/{agreement['id']}/revenue",
               json={"amount": "1000000.00", "received_on": "2020-01-02"}))
    return {"agreement": agreement["id"], "stakeholders": n}


def distribution_requests(ctx: dict[str, Any], tag: str) -> list[Write]:
    return [(f"/api/v1/share-agreements/{ctx['agreement']}/distributions",
             {"amount": "123.45", "effective_date": "2026-03-31", "memo": f"run {tag}"}, f"dist-{tag}")]


def observe_distributions(c: httpx.Client, ctx: dict[str, Any], writes: list[Write]) -> list[int]:
    runs = c.get(f"/api/v1/share-agreements/{ctx['agreement']}/distributions", params={"limit": 500}).json()["items"]
    counts = []
    for _, body, _ in writes:
        mine = [d for d in runs if d["memo"] == body["memo"]]
        for d in mine:  # whole or nothing: every stakeholder's line, every fen of the amount
            assert len(d["lines"]) == ctx["stakeholders"], d["id"]
            assert sum(money.parse(line["amount"]) for line in d["lines"]) == money.parse(d["amount"]) == 12345
        counts.append(len(mine))
    return counts


CRASH_CASES = [
    CrashCase("large admin entry", lambda c: _accounts(c, 10), large_entry_requests, observe_entries(1000)),
    CrashCase("burst of idempotent payments", lambda c: _accounts(c, 5), burst_requests, observe_entries(2)),
    CrashCase("compensation batch commit", batch_prepare, batch_requests, observe_batches),
    CrashCase("share distribution run", distribution_prepare, distribution_requests, observe_distributions),
]


def fire(url: str, admin: dict[str, str], writes: list[Write]) -> list[int | None]:
    """Send the writes concurrently; a write cut off by the crash has no status (None)."""

    def one(w: Write) -> int | None:
        path, body, key = w
        headers = {**admin, "Idempotency-Key": key}
        try:
            if "_file" in body:  # a multipart upload: the file and its form fields
                return httpx.post(url + path, data=body["_form"], files={"file": body["_file"]}, headers=headers,
                                  timeout=30).status_code
            return httpx.post(url + path, json=body, headers=headers, timeout=30).status_code
        except httpx.HTTPError:
            return None

    with ThreadPoolExecutor(max_workers=len(writes)) as pool:
        return list(pool.map(one, writes))


@pytest.mark.parametrize("case", CRASH_CASES, ids=[c.name for c in CRASH_CASES])
def test_sigkill_mid_write_then_retry_completes_exactly_once(server, case: CrashCase):
    admin = run(make_token(server.database_url, "admin"))
    c = httpx.Client(base_url=server.url, headers=admin, timeout=60)
    ctx = case.prepare(c)
    # Calibrate: how long the write takes when nothing goes wrong, so the kill lands inside it.
    started = time.monotonic()
    assert all(s == 201 for s in fire(server.url, admin, case.requests(ctx, "calibration")))
    duration = time.monotonic() - started
    outcomes = {"applied before the crash": 0, "not applied before the crash": 0}
    for n in range(ROUNDS):
        writes = case.requests(ctx, f"round {n}")
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(fire, server.url, admin, writes)
            time.sleep(random.uniform(0.1, 0.9) * duration)
            server.kill()
            pending.result()
        server.start()
        c = httpx.Client(base_url=server.url, headers=admin, timeout=60)
        counts = case.observe(c, ctx, writes)
        assert all(n in (0, 1) for n in counts), counts  # whole or nothing, never twice
        for n_ in counts:
            outcomes["applied before the crash" if n_ else "not applied before the crash"] += 1
        assert c.get("/api/v1/ledger/verify").json()["ok"]
        # The client retries everything with the same keys: each write now exists exactly once.
        assert all(s == 201 for s in fire(server.url, admin, writes))
        assert case.observe(c, ctx, writes) == [1] * len(writes)
        verify = c.get("/api/v1/ledger/verify").json()
        assert verify["ok"], verify
    print(f"{case.name}: survived {server.kills} SIGKILLs; {outcomes}")
