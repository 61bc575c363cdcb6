"""The pure rollup transforms, on hand-made frames (no database)."""

from __future__ import annotations

import json
from datetime import date

from service.reports import anomalies, charts
from service.reports import transforms as t
from service.reports.journal import build_frame
from service.reports.publish import transparency_tables


def row(eid, seq, kind, amount, account, akind, *, party=None, pkind=None, meta=None, rev=None, gender=None,
        village=None, county="360827"):
    return (eid, seq, kind, date(2026, 3, seq), 1, 2, rev, "memo", f"h{seq}", json.dumps(meta or {}), eid * 10 + (amount < 0),
            account, "CNY", amount, f"acct:{account}", akind, county if akind != "source" else None, None,
            party, pkind, county if party else None, None, gender, village, "community" if village else None, None)


def frame():
    meta = {"program_id": "P1", "period": "2026", "county_code": "360827", "rule": "34.50 per mu"}
    rows = [
        row(1, 1, "funding", 100_000, 1, "source"), row(1, 1, "funding", -100_000, 2, "fund"),
        row(2, 2, "payment", 3450, 2, "fund", meta=meta), row(2, 2, "payment", -3450, 3, "beneficiary", party=30,
                                                             pkind="household", gender="female", meta=meta),
        row(3, 3, "payment", 9999, 2, "fund", meta=meta), row(3, 3, "payment", -9999, 3, "beneficiary", party=30,
                                                             pkind="household", gender="female", meta=meta),
        row(4, 4, "reversal", -9999, 2, "fund", rev=3, meta={"reverses_kind": "payment"}),
        row(4, 4, "reversal", 9999, 3, "beneficiary", party=30, pkind="household", rev=3, gender="female",
            meta={"reverses_kind": "payment"}),
    ]
    return t.enrich(build_frame(rows))


def test_a_reversal_nets_out_of_its_original_program_and_period():
    cells = t.cells(frame()).to_dicts()
    program = next(c for c in cells if c["program"] == "P1")
    assert program["money_out"] == 3450 and program["to_households"] == 3450 and program["households"] == 1
    assert program["to_households_female"] == 3450


def test_trial_balance_debits_equal_credits():
    tb = t.trial_balance(frame())
    assert tb["debits"].sum() == tb["credits"].sum() == 100_000 + 3450 + 9999 + 9999
    balances = dict(zip(tb["account_code"], tb["balance"]))
    assert balances == {"acct:1": 100_000, "acct:2": 100_000 - 3450, "acct:3": 3450}


def test_statement_running_total_and_rule():
    lines = t.statement_lines(frame(), 3).to_dicts()
    assert [l["amount"] for l in lines] == [3450, 9999, -9999]
    assert [l["running_total"] for l in lines] == [3450, 13449, 3450]
    assert lines[0]["m_rule"] == "34.50 per mu" and lines[2]["effective_kind"] == "payment"


def test_one_household_is_suppressed_everywhere():
    tables = transparency_tables(frame(), 5)
    assert all(c["suppressed"] for c in tables["cells"] if c["households"] is None or c["suppressed"])
    assert tables["total"]["money_out"] is None and tables["total"]["money_in"] == 100_000


def test_reversed_payment_is_no_duplicate():
    entries = anomalies.entry_totals(frame())
    assert anomalies.duplicates(entries) == []


def test_charts_escape_labels_and_handle_empty_data():
    svg = charts.bars([("<script>", 100)], "a & b")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a &amp; b" in svg
    assert charts.bars([], "x") == charts.trend([], "x") == charts.sankey([], [], "x") == ""
    assert charts.sankey(["a", "b"], [(0, 1, 500)], "flows").startswith("<svg")


def test_metadata_that_is_not_flat_still_loads():
    """A key holding an object (written by no domain today) must not break every report."""
    rows = [row(1, 1, "funding", 500, 1, "source", meta={"period": {"from": "2026-01"}, "rule": "r"}),
            row(1, 1, "funding", -500, 2, "fund", meta={"period": {"from": "2026-01"}, "rule": "r"})]
    lines = build_frame(rows)
    assert lines["m_period"].to_list() == ['{"from":"2026-01"}'] * 2
    assert lines["m_rule"].to_list() == ["r", "r"]


def test_numeric_metadata_is_read_once_per_distinct_value():
    meta = {"patrol_days": "2.5", "stipend_cap": "300.00", "program_id": 7}
    lines = build_frame([row(1, 1, "stipend", 100, 1, "fund", meta=meta), row(1, 1, "stipend", -100, 2, "beneficiary",
                                                                              meta={"patrol_days": 3})])
    assert lines["m_patrol_days"].to_list() == [2, 3]
    assert lines["m_stipend_cap"].to_list() == [30000, None]
    assert lines["m_program_id"].to_list() == ["7", None]
