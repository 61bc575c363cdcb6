"""Property: on any small ledger, the audit's tables computed per entry and per account
(reports/audit_frames.py) equal the tables computed from every posting joined with its entry and
account and enriched (transforms, anomalies: the oracle). No database: the frames are built here as
the two reads would return them."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from service.reports import anomalies, audit_frames, journal
from service.reports import service as reports
from service.reports import transforms as t

KINDS = ["payment", "stipend", "disbursement", "distribution", "funding", "reversal"]
ACCOUNT_KINDS = ["source", "fund", "beneficiary", "trust", "pool"]
PARTY_KINDS = ["household", "community", "organisation", None]
SMALL_TEXT = st.sampled_from([None, "a", "b", "360827"])

account = st.tuples(st.sampled_from(ACCOUNT_KINDS), st.sampled_from([None, "360827", "360828"]),
                    st.sampled_from([None, 1, 2]), st.integers(0, 5))
party = st.tuples(st.sampled_from(PARTY_KINDS), st.sampled_from([None, "360827", "360828"]),
                  st.sampled_from([None, "360827001", "360828002"]), st.integers(0, 5))
entry = st.fixed_dictionaries({
    "kind": st.sampled_from(KINDS), "day": st.integers(0, 40), "entered_by": st.sampled_from([1, 2]),
    "approved_by": st.sampled_from([None, 1, 2]), "reverses": st.integers(0, 30),
    # few amounts: ties between debits (the largest, first posted, is the source) and several beneficiaries
    "legs": st.lists(st.tuples(st.integers(0, 7), st.sampled_from([-300, -100, 0, 100, 300])), min_size=1, max_size=5),
    "county_code": SMALL_TEXT, "period": st.sampled_from([None, "2026", "2026-01"]), "program_id": SMALL_TEXT,
    "trust_id": st.sampled_from([None, "1", "2"]), "payee_party_id": st.sampled_from([None, "7", "8"]),
    "rule": SMALL_TEXT, "rule_max": st.sampled_from([None, 100, 300]), "program_area": st.sampled_from([None, "3608", "360827"]),
    "member_party_id": st.sampled_from([None, "7"]), "stipend_cap": st.sampled_from([None, 200]),
    "share_limit": st.sampled_from([None, 250]), "agreement_id": SMALL_TEXT, "agreement_version": SMALL_TEXT,
    "certification_id": SMALL_TEXT, "certificate_valid_until": st.sampled_from([None, "2026-01-10"]),
    "program_period_start": st.sampled_from([None, "2026-01-05"]), "program_period_end": st.sampled_from([None, "2026-01-30"]),
    "bank_reference": SMALL_TEXT, "reconciled": st.sampled_from([None, "true", "no"]),
    "reverses_kind": st.sampled_from([None, "payment"]),
})


def _frames(accounts, parties, entries):
    keys = reports.AUDIT_KEYS
    a = pl.DataFrame({
        "account_id": list(range(1, len(accounts) + 1)), "account_code": [f"acct:{i}" for i in range(len(accounts))],
        "account_kind": [k for k, *_ in accounts], "account_county": [c for _, c, _, _ in accounts],
        "account_trust_id": [tr for _, _, tr, _ in accounts],
        "party_id": [(p % len(parties)) + 1 if p else None for *_, p in accounts],
    }, schema=audit_frames._ACCOUNT)
    p = pl.DataFrame({
        "party_id": list(range(1, len(parties) + 1)), "party_kind": [k for k, *_ in parties],
        "party_county": [c for _, c, _, _ in parties], "party_division": [d for _, _, d, _ in parties],
        "parent_id": [(q % len(parties)) + 1 if q else None for *_, q in parties],
    }, schema=audit_frames._PARTY)
    rows, legs, reversed_ = [], [], set()
    for i, e in enumerate(entries, start=1):
        target = e["reverses"] % i if e["kind"] == "reversal" else 0
        reversal_of = target if target and target not in reversed_ else None
        reversed_.add(reversal_of)
        rows.append({"entry_id": i, "sequence": i, "kind": e["kind"],
                     "effective_date": date(2026, 1, 1) + timedelta(days=e["day"]), "entered_by": e["entered_by"],
                     "approved_by": e["approved_by"], "reversal_of_id": reversal_of,
                     **{f"m_{k}": e[k] for k in keys}})
        legs += [(i, acct % len(accounts) + 1, amount) for acct, amount in e["legs"]]
    schema = audit_frames._ENTRY | {f"m_{k}": journal.SCHEMA[f"m_{k}"] for k in keys}
    ent = pl.DataFrame(rows, schema=schema)
    post = pl.DataFrame({"posting_id": list(range(1, len(legs) + 1)), "entry_id": [e for e, _, _ in legs],
                         "account_id": [x for _, x, _ in legs], "amount": [m for *_, m in legs]},
                        schema=audit_frames._POSTING)
    return ent, post, a, p


def _oracle_lines(ent, post, a, p) -> pl.DataFrame:
    """What `journal.read_all` gives: every posting with its entry, account, party and parent."""
    full = ent.with_columns(memo=pl.lit(None, pl.String), hash=pl.lit(None, pl.String),
                            metadata=pl.lit(None, pl.String),
                            *[pl.lit(None, journal.SCHEMA[f"m_{k}"]).alias(f"m_{k}")
                              for k in journal.ALL_KEYS if f"m_{k}" not in ent.columns])
    parties = p.with_columns(gender=pl.lit(None, pl.String))
    parents = p.select(parent_id="party_id", parent_kind="party_kind", parent_division="party_division")
    order = {"how": "left", "maintain_order": "left"}
    raw = (post.with_columns(currency=pl.lit("CNY")).sort("posting_id")
           .join(full, on="entry_id", how="inner", maintain_order="left")
           .join(a, on="account_id", **order).join(parties, on="party_id", **order).join(parents, on="parent_id", **order))
    return t.enrich(journal._finish(raw))


@settings(max_examples=150, deadline=None)
@given(st.lists(account, min_size=1, max_size=8), st.lists(party, min_size=1, max_size=6),
       st.lists(entry, min_size=1, max_size=30), st.sampled_from([None, "program", "county", "trust", "period"]))
def test_the_audit_per_entry_equals_the_audit_per_posting(accounts, parties, entries, by):
    ent, post, a, p = _frames(accounts, parties, entries)
    lines = _oracle_lines(ent, post, a, p)
    acc = audit_frames._accounts(a, p)
    post = audit_frames.in_posting_order(post.sample(fraction=1.0, shuffle=True, seed=len(entries)))
    per_entry = audit_frames.with_dimensions(audit_frames.per_entry(ent, post, acc))
    assert audit_frames.trial_balance(post, acc, "CNY").to_dicts() == t.trial_balance(lines).to_dicts()
    assert audit_frames.flows(per_entry, post, acc, by).to_dicts() == t.flows(lines, by).to_dicts()
    assert audit_frames.reconciliation(per_entry).to_dicts() == t.reconciliation(lines).to_dicts()
    assert anomalies.run_on_entries(per_entry.sort("sequence")) == anomalies.run_all(lines)
