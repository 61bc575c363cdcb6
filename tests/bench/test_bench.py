"""The bench's code paths at tiny sizes: the generated ledger verifies, the rollup engines agree,
the raw baseline keeps the chain, the wrk scenarios send the requests the Python plans describe, and a
whole run produces JSON with every figure and ratio. No timing asserted."""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from bench import load, raw, rollup, scenarios, sqlonly, synth, wrk
from bench.stats import percentile, ratio, summarise
from service.db import Database
from service.ledger.verify import verify_ledger
from tests.conftest import empty_tables


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
        sql = await sqlonly.pg_transfers(scratch, layout, connections=2, duration=0.5)
        assert sql["status"] == "ok" and sql["errors"] == 0 and sql["requests"] > 0, sql
    else:
        r = raw.sqlite_writes(scratch, layout, duration=0.5)
    assert r.errors == 0 and r.latencies
    async with db.reading() as session:
        assert (await verify_ledger(session)).ok


async def test_bench_refuses_a_database_with_a_ledger(scratch: str, db: Database):
    await load.generate(scratch, synth.Sizes.plan(10, 100))
    with pytest.raises(load.NotEmpty):
        await load.prepare_schema(db, wipe=False)



needs_wrk = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk (the load generator) is not installed")


@needs_wrk
def test_quick_run_writes_json_with_every_figure(scratch: str, tmp_path):
    from bench.cli import bench

    out = tmp_path / "bench.json"
    result = CliRunner().invoke(bench, ["--database-url", scratch, "--quick", "--households", "40", "--postings", "300",
                                        "--counties", "4", "--duration", "1", "--clients", "4", "--cycle-enrollments", "30",
                                        "--out", str(out)])
    assert result.exit_code == 0, result.output
    r = json.loads(out.read_text())
    for key in ("machine", "database", "sizes", "bulk_load", "rollups", "references", "http", "raw_driver",
                "service_over_raw", "ratios", "verify_after_load", "verify_after_writes", "quality_bars"):
        assert key in r, key
    assert r["sizes"]["counties"] == 4
    for name in ("ceiling", "hello_world", "hello_world_after"):
        ref = r["references"][name]
        assert ref["generator"] == "wrk" and ref["requests"] > 0 and ref["errors"] == 0, ref
        assert ref["p50_ms"] <= ref["p99_ms"]
    w1 = r["http"]["workers_1"]
    for key in ("ledger_entry", "ledger_entry_hot", "single_payment", "hot_accounts", "approve", "statement",
                "statement_one_client"):
        assert w1[key]["requests"] > 0 and w1[key]["errors"] == 0, (key, w1[key])
        assert w1[key]["p50_ms"] is not None and w1[key]["p99_ms"] is not None
        assert 0 < w1[key]["machine_cpu_busy"] <= 1  # how busy the cores were during the load (Linux)
    assert w1["ledger_entry"]["funds"] == 12 and w1["ledger_entry_hot"]["funds"] == w1["hot_accounts"]["funds"] == 9
    batch = w1["batch"]
    assert batch["status"] == "ok", batch
    assert batch["dry_run"]["valid_rows"] == batch["commit"]["valid_rows"] == batch["rows"] > 0
    assert batch["approve"]["status_code"] == 200
    cycle = r["cycle"]
    assert cycle["enrollments"] == cycle["payable"] == 30, cycle
    assert cycle["dry_run_rows_per_second"] > 0 and cycle["commit_rows_per_second"] > 0
    for name in rollup.ROLLUPS:
        assert r["rollups"][name]["reports"]["seconds"] > 0
    assert r["verify_after_writes"]["ok"]
    assert set(r["rollups"]) == {"transparency", "audit"} and all(x["agree"] for x in r["rollups"].values())
    q = r["ratios"]
    assert q["hello_world_over_ceiling"] > 0 and q["hello_world_per_second_mean"] > 0
    for group in ("service_over_hello_world", "service_over_raw_driver"):
        assert set(q[group]) == {"ledger_entry", "payment", "approve"} and all(v > 0 for v in q[group].values())
    assert all(v > 0 for v in q["hot_over_spread"].values())
    if r["database"]["kind"] == "postgresql":
        for key in ("ledger_entry", "single_payment"):
            assert r["http"]["workers_2"][key]["requests"] > 0 and r["http"]["workers_2"][key]["errors"] == 0
        assert r["sql_only"]["status"] == "ok" and r["sql_only"]["requests"] > 0
        assert all(v > 0 for v in q["service_over_sql_only"].values())
        assert all(v > 0 for v in q["workers_2_over_1"].values())
    figures = {b["figure"] for b in r["quality_bars"]}
    assert "service / raw driver" in figures and any(f.startswith("hot / spread") for f in figures)


def test_payment_scenario_data_names_the_plans_payments_in_order():
    """bench/lua/payment.lua computes request n from this data; the same arithmetic here must give
    PaymentPlan.maker's payment n, so the wrk load never repeats a payment either."""
    layout, _, _ = synth.parties_and_accounts(synth.Sizes.plan(300, 100, counties=5))
    plan = scenarios.spread_plan(layout)
    make, data = plan.maker(), scenarios.payment_data(plan, [{"Authorization": f"Bearer t{c}"} for c in range(5)])
    households, county = data["households"].values, data["county"].values
    per_period = len(households) * len(data["program_ids"][0])
    for n in list(range(0, 700, 7)) + [data["capacity"] - 1]:
        period, rest = divmod(n, per_period)
        program, i = divmod(rest, len(households))
        p = make(n)
        assert (data["program_ids"][county[i]][program], households[i], data["periods"][period], county[i]) == (
            p.program_id, p.payee_party_id, p.period, p.county)
    assert data["capacity"] == len(plan.households()) * 3 * 12


def test_entry_data_moves_money_from_a_county_budget_to_its_own_funds():
    layout, _, _ = synth.parties_and_accounts(synth.Sizes.plan(300, 100, counties=5))
    spread = scenarios.entry_data(layout, {"Authorization": "Bearer x"})["pairs"]
    hot = scenarios.entry_data(layout, {"Authorization": "Bearer x"}, counties=scenarios.HOT_COUNTIES)["pairs"]
    assert len(spread) == 15 and len(hot) == 9 and hot == spread[:9]
    for source, fund, code in spread:
        c = layout.county_codes.index(code)
        assert source == layout.budget[c] and fund in layout.funds[c]


def test_lua_data_file_round_trips_shapes(tmp_path):
    path = wrk.data_file({"path": "/a/%d", "ids": wrk.IntList([1, 22, 333]), "pairs": [[1, 2, "360801"]],
                          "expect": 201, "stop": False}, tmp_path)
    text = path.read_text()
    assert 'ids=ints("1,22,333")' in text and 'pairs={{1,2,"360801"}}' in text and "stop=false" in text
    with pytest.raises(ValueError):
        wrk.data_file({"token": 'Bearer "x"'}, tmp_path)


def test_wrk_summary_counts_only_expected_statuses_and_uses_active_time_when_exhausted():
    raw_ = {"requests": 110, "duration_us": 4_000_000, "active_seconds": 2.0, "socket_errors": 1, "timeouts": 0,
            "p50_us": 1500, "p95_us": 3000, "p99_us": 9000, "max_us": 12000, "statuses": {"200": 100, "409": 10},
            "exhausted": False, "first_error": "409: duplicate"}
    s = wrk.summarise(raw_, 200, 32, 2)
    assert s["requests"] == 100 and s["errors"] == 11 and s["per_second"] == 25.0 and s["p99_ms"] == 9.0
    assert wrk.summarise({**raw_, "exhausted": True}, 200, 32, 2)["per_second"] == 50.0


@needs_wrk
def test_reference_servers_answer_through_wrk():
    from bench.server import running_reference

    layout, _, _ = synth.parties_and_accounts(synth.Sizes.plan(100, 100))
    with running_reference("hello") as base:
        s = wrk.run(base, "entry", scenarios.entry_data(layout, {"Authorization": "Bearer x"}, path="/entries"),
                    connections=2, duration=1, expect=201)
    assert s["requests"] > 0 and s["errors"] == 0 and s["statuses"] == {"201": s["requests"]}, s
    with running_reference("ceiling") as base:
        s = wrk.run(base, "ceiling", {"path": "/"}, connections=2, duration=1, expect=200)
    assert s["requests"] > 0 and s["errors"] == 0, s


def test_the_wheel_leaves_the_bench_out_and_the_cli_says_how_to_get_it(tmp_path):
    import tomllib

    from setuptools import find_packages

    from service.cli import _bench_command

    root = Path(__file__).resolve().parents[2]
    include = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    shipped = find_packages(where=str(root), include=include)
    assert "service" in shipped and not any(p == "bench" or p.startswith("bench.") for p in shipped)
    assert _bench_command(root).callback.__module__ == "bench.cli"
    result = CliRunner().invoke(_bench_command(tmp_path), ["--quick"])
    assert result.exit_code == 1 and "pip install -e" in result.output and "wrk" in result.output


@given(st.integers(min_value=10, max_value=2_000_000), st.one_of(st.none(), st.integers(min_value=2, max_value=100)))
def test_sizes_keep_villages_a_multiple_of_counties(households, counties):
    sizes = synth.Sizes.plan(households, 100, counties)
    assert 2 <= sizes.counties <= 100 and sizes.villages % sizes.counties == 0
    if counties is not None and households >= 10 * counties:
        assert sizes.counties == counties


def test_the_cpu_share_of_a_load_and_what_it_says_about_two_workers():
    from bench.machine import busy_share, cpu_ticks
    from bench.run import _headroom

    assert busy_share((100, 1000), (400, 1400)) == 0.75 and busy_share(None, (1, 2)) is None
    busy, total = cpu_ticks() or (0, 0)
    assert 0 <= busy <= total
    assert "CPU-bound" in _headroom({"ledger_entry": {"machine_cpu_busy": 0.97}, "single_payment": {"machine_cpu_busy": 0.93}})
    assert "headroom left" in _headroom({"ledger_entry": {"machine_cpu_busy": 0.97}, "single_payment": {"machine_cpu_busy": 0.6}})


async def test_statement_bench_times_statements_of_generated_households(scratch: str, capsys):
    from bench import statement

    await load.generate(scratch, synth.Sizes.plan(40, 400))
    await statement.cpu(scratch, 5, profile=False)
    out = capsys.readouterr().out
    assert out.startswith("5 statements") and "CPU mean" in out and out.count("party") == 5
