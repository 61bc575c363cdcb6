"""The bench's code paths at tiny sizes: the generated ledger verifies, the rollup engines agree,
the raw baseline keeps the chain, and a whole run produces JSON with every figure. No timing asserted."""

from __future__ import annotations

import asyncio
from datetime import date
import json

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import empty_tables

from bench import load, raw, rollup, scenarios, synth
from bench.stats import percentile, ratio, summarise
from service.db import Database
from service.ledger.verify import verify_ledger


@pytest.fixture
async def scratch(database_url: str, db: Database) -> str:
    """The test database emptied of every row, for the bench to fill (it refuses a used database)."""
    await empty_tables(db)
    return database_url


@given(st.lists(st.floats(min_value=0, max_value=10, allow_nan=False), min_size=1, max_size=200),
       st.floats(min_value=0, max_value=100))
def test_percentile_is_an_observed_value_and_monotonic(values, q):
    p = percentile(values, q)
    assert p in values
    assert percentile(values, 100) == max(values)
    assert p <= percentile(values, min(100, q + 1))


def test_summary_and_ratio():
    s = summarise([0.001, 0.002, 0.003, 0.004], seconds=2.0, errors=1)
    assert s["requests"] == 4 and s["errors"] == 1 and s["per_second"] == 2.0 and s["p50_ms"] == 2.0
    assert summarise([], 1.0)["p99_ms"] is None
    assert ratio(1, 0) is None and ratio(1, 4) == 0.25


def test_synthetic_entries_balance_and_chain():
    layout, _, _ = synth.parties_and_accounts(synth.Sizes.plan(50, 500))
    seq, n_postings = 0, 0
    for entries, postings in synth.entries(layout, chunk=37):
        by_entry: dict[int, int] = {}
        for _, entry_id, _, _, amount in postings:
            by_entry[entry_id] = by_entry.get(entry_id, 0) + amount
        assert all(total == 0 for total in by_entry.values())
        for e in entries:
            seq += 1
            assert e[0] == seq and e[10] == seq
        n_postings += len(postings)
    assert n_postings >= 500


@settings(deadline=None, max_examples=30)  # builds a layout per example: no per-example deadline on a busy machine
@given(st.integers(min_value=10, max_value=3_000), st.integers(min_value=0, max_value=5_000))
def test_payment_plans_never_repeat_a_payment_and_stay_in_the_payees_county(households, count):
    layout, _, _ = synth.parties_and_accounts(synth.Sizes.plan(households, 100))
    for plan in (scenarios.spread_plan(layout), scenarios.hot_plan(layout)):
        make = plan.maker()
        seen = set()
        for n in range(min(count, len(plan.households()) * 3 * len(plan.periods))):
            p = make(n)
            key = (p.program_id, p.payee_party_id, p.period)
            assert key not in seen
            seen.add(key)
            h = p.payee_party_id - layout.household_first_party
            assert layout.county_of_household(h) == p.county == (p.program_id - 1) // len(synth.PROGRAMS)


def test_batch_sheet_names_households_of_one_county():
    layout, _, _ = synth.parties_and_accounts(synth.Sizes.plan(1_000, 100))
    lines = scenarios.payment_sheet(layout, 10_000).decode().splitlines()
    assert lines[0].startswith("village,household_head,id_tail")
    assert len(lines) - 1 == scenarios.batch_rows(layout, 10_000) == len(layout.households_of_county(0))
    assert len({line.split(",")[1] for line in lines[1:]}) == len(lines) - 1


def test_rollup_transforms_on_a_tiny_frame():
    postings = pl.LazyFrame({"entry_id": [1, 1, 2, 2], "account_id": [10, 20, 10, 21], "amount": [500, -500, 300, -300]})
    accounts = pl.LazyFrame({"id": [10, 20, 21], "kind": ["fund", "beneficiary", "beneficiary"],
                             "county_code": ["360827", "360827", "360828"]})
    entries = pl.LazyFrame({"id": [1, 2], "kind": ["payment", "payment"], "status": ["posted", "posted"],
                            "effective_date": [date(2026, 1, 2), date(2025, 5, 1)]})
    t = rollup.transparency(postings, accounts, entries).collect().sort("county_code")
    assert t["paid"].to_list() == [500, 300] and t["year"].to_list() == [2026, 2025]
    a = rollup.audit(postings, accounts).collect()
    flows = a.filter(pl.col("kind") == "fund>beneficiary")
    assert flows["debits"].sum() == 800


async def test_generated_ledger_verifies_and_engines_agree(scratch: str, db: Database):
    sizes = synth.Sizes.plan(40, 400)
    layout, figures = await load.generate(scratch, sizes)
    assert figures.postings >= 400
    async with db.reading() as session:
        report = await verify_ledger(session)
    assert report.ok, (report.first_break, report.account_mismatches[:3])
    assert report.checked == figures.entries
    for name in rollup.ROLLUPS:
        polars_run = await asyncio.to_thread(rollup._measure, scratch, name, "polars")
        sql_run = await asyncio.to_thread(rollup._measure, scratch, name, "sql")
        assert polars_run["checksum"] == sql_run["checksum"]
    if scratch.startswith("postgresql"):
        r = await raw.pg_writes(scratch, layout, clients=2, duration=0.5)
    else:
        r = raw.sqlite_writes(scratch, layout, duration=0.5)
    assert r.errors == 0 and r.latencies
    async with db.reading() as session:
        assert (await verify_ledger(session)).ok


async def test_bench_refuses_a_database_with_a_ledger(scratch: str, db: Database):
    await load.generate(scratch, synth.Sizes.plan(10, 100))
    with pytest.raises(load.NotEmpty):
        await load.prepare_schema(db, wipe=False)



def test_quick_run_writes_json_with_every_figure(scratch: str, tmp_path):
    from bench.cli import bench

    out = tmp_path / "bench.json"
    result = CliRunner().invoke(bench, ["--database-url", scratch, "--quick", "--households", "30", "--postings", "300",
                                        "--duration", "0.5", "--clients", "4", "--out", str(out)])
    assert result.exit_code == 0, result.output
    r = json.loads(out.read_text())
    for key in ("machine", "database", "sizes", "bulk_load", "rollups", "http", "raw_driver", "service_over_raw",
                "verify_after_load", "verify_after_writes", "quality_bars"):
        assert key in r, key
    w1 = r["http"]["workers_1"]
    for key in ("single_payment", "approve", "hot_accounts", "statement", "statement_one_client", "batch"):
        assert key in w1, key
    for key in ("single_payment", "hot_accounts", "statement", "statement_one_client"):
        assert w1[key]["requests"] > 0 and w1[key]["errors"] == 0, (key, w1[key])
    assert w1["approve"]["requests"] > 0 and w1["approve"]["errors"] == 0, w1["approve"]
    batch = w1["batch"]
    assert batch["status"] == "ok", batch
    assert batch["dry_run"]["valid_rows"] == batch["commit"]["valid_rows"] == batch["rows"] > 0
    assert batch["approve"]["status_code"] == 200
    for name in rollup.ROLLUPS:
        assert r["rollups"][name]["reports"]["seconds"] > 0
    assert r["verify_after_writes"]["ok"]
    assert set(r["rollups"]) == {"transparency", "audit"} and all(x["agree"] for x in r["rollups"].values())
    if r["database"]["kind"] == "postgresql":
        assert r["http"]["workers_2"]["single_payment"]["requests"] > 0
    assert "service / raw driver" in {b["figure"] for b in r["quality_bars"]} and len(r["quality_bars"]) >= 6
