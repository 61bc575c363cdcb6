"""Anomaly checks over the enriched postings frame. Each returns findings with the entries behind them.

They read entry metadata only (docs/reports.md, "What the anomaly checks read"), so the reports
domain needs no other domain's tables. A reversed entry no longer counts as money paid, so the
money checks skip entries reversed at the report's point.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from service import money

PAYOUT_KINDS = ["payment", "stipend", "disbursement", "distribution", "levy"]
# The metadata keys the checks read (as m_<key>); the audit reads no others.
KEYS = ("payee_party_id", "program_id", "period", "rule", "rule_max", "program_area", "certification_id",
        "certificate_valid_until", "member_party_id", "stipend_cap", "trust_id", "agreement_id", "agreement_version",
        "share_limit", "program_period_start", "program_period_end")


@dataclass(frozen=True)
class Finding:
    check: str
    detail: str
    entries: list[int]  # sequence numbers
    amount: int | None = None
    facts: dict[str, Any] = field(default_factory=dict)


def entry_totals(lines: pl.DataFrame) -> pl.DataFrame:
    """One row per entry: the amount it moved (sum of debits) and its first metadata values."""
    keep = [c for c in lines.columns if c.startswith("m_")] + [
        "kind", "effective_kind", "sequence", "effective_date", "entered_by", "approved_by", "is_reversed",
        "reversal_of_id", "program", "period", "county"]
    where = pl.coalesce("party_division", "village_division", "party_county")  # a household may only have a parent
    payee = where.filter(pl.col("account_kind") == "beneficiary").first()
    return (
        lines.group_by("entry_id")
        .agg([pl.col(c).first() for c in keep] + [pl.col("amount").clip(lower_bound=0).sum().alias("moved"),
                                                  payee.alias("payee_division")])
        .sort("sequence")
    )


def _live_payouts(entries: pl.DataFrame, kinds: list[str] = PAYOUT_KINDS) -> pl.LazyFrame:
    """Lazy: each check then reads only its own columns of a province's millions of entries (an eager
    filter copied every column of nearly every entry, once per check)."""
    return entries.lazy().filter(pl.col("kind").is_in(kinds) & ~pl.col("is_reversed"))


def duplicates(entries: pl.DataFrame) -> list[Finding]:
    keys = ["m_payee_party_id", "m_program_id", "m_period"]
    groups = (
        _live_payouts(entries, ["payment"]).drop_nulls(keys)
        .group_by(keys).agg(pl.col("sequence").sort(), pl.col("moved").sum()).filter(pl.col("sequence").list.len() > 1)
        .sort(keys).collect()
    )
    return [
        Finding("duplicate_payment",
                f"{len(r['sequence'])} payments to party {r['m_payee_party_id']} under program {r['m_program_id']} "
                f"for period {r['m_period']}", list(r["sequence"]), r["moved"],
                {"payee_party_id": r["m_payee_party_id"], "program_id": r["m_program_id"], "period": r["m_period"]})
        for r in groups.iter_rows(named=True)
    ]


def above_rule(entries: pl.DataFrame) -> list[Finding]:
    rows = _live_payouts(entries).filter(pl.col("m_rule_max").is_not_null() & (pl.col("moved") > pl.col("m_rule_max"))
                                         ).collect()
    return [
        Finding("amount_above_rule",
                f"{money.format(r['moved'])} paid where the program rule allows at most {money.format(r['m_rule_max'])}",
                [r["sequence"]], r["moved"], {"rule_max": money.format(r["m_rule_max"]), "rule": r["m_rule"]})
        for r in rows.iter_rows(named=True)
    ]


def outside_area(entries: pl.DataFrame) -> list[Finding]:
    rows = _live_payouts(entries).filter(
        pl.col("m_program_area").is_not_null()
        & ~pl.col("payee_division").fill_null("").str.starts_with(pl.col("m_program_area"))
    ).collect()
    return [
        Finding("payee_outside_program_area",
                f"payee in division {r['payee_division'] or 'unknown'} is outside the program area {r['m_program_area']}",
                [r["sequence"]], r["moved"], {"program_area": r["m_program_area"], "payee_division": r["payee_division"]})
        for r in rows.iter_rows(named=True)
    ]


def self_approved(entries: pl.DataFrame) -> list[Finding]:
    rows = entries.filter(pl.col("approved_by").is_not_null() & (pl.col("approved_by") == pl.col("entered_by")))
    return [
        Finding("self_approval", f"entered and approved by the same user {r['entered_by']}", [r["sequence"]],
                r["moved"], {"user_id": r["entered_by"]})
        for r in rows.iter_rows(named=True)
    ]


def after_certificate_expiry(entries: pl.DataFrame) -> list[Finding]:
    rows = _live_payouts(entries).filter(pl.col("m_certificate_valid_until").is_not_null()).filter(
        pl.col("effective_date").dt.strftime("%Y-%m-%d") > pl.col("m_certificate_valid_until")).collect()
    return [
        Finding("paid_after_certificate_expired",
                f"paid on {r['effective_date']} but certificate {r['m_certification_id']} expired "
                f"{r['m_certificate_valid_until']}", [r["sequence"]], r["moved"],
                {"certification_id": r["m_certification_id"], "valid_until": r["m_certificate_valid_until"]})
        for r in rows.iter_rows(named=True)
    ]


def stipend_above_cap(entries: pl.DataFrame) -> list[Finding]:
    keys = ["m_member_party_id", "m_period"]
    groups = (
        _live_payouts(entries, ["stipend"]).filter(pl.col("m_stipend_cap").is_not_null()).drop_nulls(keys)
        .group_by(keys).agg(pl.col("sequence").sort(), pl.col("moved").sum(), cap=pl.col("m_stipend_cap").min())
        .filter(pl.col("moved") > pl.col("cap")).sort(keys).collect()
    )
    return [
        Finding("stipend_above_cap",
                f"stipends of {money.format(r['moved'])} to member {r['m_member_party_id']} for {r['m_period']} "
                f"exceed the cap of {money.format(r['cap'])}", list(r["sequence"]), r["moved"],
                {"member_party_id": r["m_member_party_id"], "period": r["m_period"], "cap": money.format(r["cap"])})
        for r in groups.iter_rows(named=True)
    ]


def beyond_share(entries: pl.DataFrame) -> list[Finding]:
    rows = _live_payouts(entries, ["disbursement", "distribution"]).filter(
        pl.col("m_share_limit").is_not_null() & (pl.col("moved") > pl.col("m_share_limit"))).collect()
    return [
        Finding("disbursement_beyond_share",
                f"{money.format(r['moved'])} paid out where agreement {r['m_agreement_id']} "
                f"(version {r['m_agreement_version']}) allows {money.format(r['m_share_limit'])}",
                [r["sequence"]], r["moved"],
                {"trust_id": r["m_trust_id"], "agreement_id": r["m_agreement_id"],
                 "share_limit": money.format(r["m_share_limit"])})
        for r in rows.iter_rows(named=True)
    ]


def outside_period(entries: pl.DataFrame) -> list[Finding]:
    day = pl.col("effective_date").dt.strftime("%Y-%m-%d")
    rows = _live_payouts(entries).filter(
        (pl.col("m_program_period_start").is_not_null() & (day < pl.col("m_program_period_start")))
        | (pl.col("m_program_period_end").is_not_null() & (day > pl.col("m_program_period_end")))
    ).collect()
    return [
        Finding("outside_program_period",
                f"effective {r['effective_date']} is outside the program period "
                f"{r['m_program_period_start'] or '…'} – {r['m_program_period_end'] or '…'}", [r["sequence"]], r["moved"],
                {"program_id": r["m_program_id"], "start": r["m_program_period_start"], "end": r["m_program_period_end"]})
        for r in rows.iter_rows(named=True)
    ]


CHECKS = (duplicates, above_rule, outside_area, self_approved, after_certificate_expiry, stipend_above_cap,
          beyond_share, outside_period)
CHECK_NAMES = ("duplicate_payment", "amount_above_rule", "payee_outside_program_area", "self_approval",
               "paid_after_certificate_expired", "stipend_above_cap", "disbursement_beyond_share",
               "outside_program_period", "broken_hash_chain")


def run_all(enriched: pl.DataFrame) -> list[Finding]:
    return run_on_entries(entry_totals(enriched))


def run_on_entries(entries: pl.DataFrame) -> list[Finding]:
    """The checks over one row per entry shaped like `entry_totals`' (sorted by sequence)."""
    return [finding for check in CHECKS for finding in check(entries)]
