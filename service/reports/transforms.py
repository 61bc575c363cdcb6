"""Pure rollup transforms over the postings frame of `journal.load`. No I/O here.

Amounts stay Int64 minor units (fen); formatting to decimal strings happens at the edges.
Sign convention of postings: positive is a debit, negative a credit. Money a party received is the
credit (negated amount) on its beneficiary account; money paid into the ledger is the debit on a
source account.
"""

from __future__ import annotations

import polars as pl

from service.reports.journal import MONEY_KEYS, NUMBER_KEYS, TEXT_KEYS

META_COLS = [f"m_{k}" for k in (*TEXT_KEYS, *MONEY_KEYS, *NUMBER_KEYS) if k != "reverses_kind"]
HOUSEHOLD_KINDS = ["household", "person"]
OUT_KINDS = ["beneficiary", "project", "fee"]
GENDERS = ["female", "male", "other", "unrecorded"]
DIMENSIONS = ["county", "program", "trust", "period"]
# The metadata the transparency tables read (dimensions, reversals, patrol work); the rest stays unread.
TRANSPARENCY_KEYS = ("county_code", "program_id", "trust_id", "period", "reverses_kind", "patrol_days", "incidents")
# What `enrich` reads to name an entry's dimensions, and what `reconciliation` reads.
DIMENSION_KEYS = ("county_code", "program_id", "trust_id", "period", "reverses_kind")
RECONCILIATION_KEYS = ("bank_reference", "reconciled")


def enrich(lines: pl.DataFrame) -> pl.DataFrame:
    """Add the report dimensions. A reversal takes the metadata and the date of the entry it reverses
    (`attributed_date`, `month`), so that it nets out of the same program, county, period and month:
    a correction made in August of a July payment lowers July, and no month goes negative."""
    reversed_ids = lines.select(pl.col("reversal_of_id").drop_nulls().unique())
    out = lines.with_columns(attributed_date=pl.col("effective_date"))
    if reversed_ids.height:  # only the reversed entries' metadata is needed, and they are few
        carried = [*META_COLS, "attributed_date"]
        originals = (
            out.join(reversed_ids.rename({"reversal_of_id": "entry_id"}), on="entry_id", how="semi")
            .group_by("entry_id").agg([pl.col(c).first() for c in carried])
            .rename({"entry_id": "reversal_of_id", **{c: f"{c}_orig" for c in carried}})
        )
        out = out.join(originals, on="reversal_of_id", how="left").with_columns(
            [pl.when(pl.col("reversal_of_id").is_not_null()).then(pl.col(f"{c}_orig")).otherwise(pl.col(c)).alias(c)
             for c in carried]
        ).drop([f"{c}_orig" for c in carried])
    per_entry = lines.group_by("entry_id").agg(
        entry_county=pl.col("account_county").max(),  # max: a cheap, deterministic non-null pick
        entry_trust=pl.col("account_trust_id").max().cast(pl.String),
    )
    out = out.join(per_entry, on="entry_id", how="left")
    entry_county, entry_trust = pl.col("entry_county"), pl.col("entry_trust")
    return out.with_columns(
        effective_kind=pl.when(pl.col("kind") == "reversal").then(pl.col("m_reverses_kind").fill_null("reversal"))
        .otherwise(pl.col("kind")),
        county=pl.coalesce(pl.col("m_county_code"), entry_county),
        program=pl.col("m_program_id"),
        trust=pl.coalesce(pl.col("m_trust_id"), entry_trust),
        period=pl.coalesce(pl.col("m_period"), pl.col("attributed_date").dt.strftime("%Y")),
        month=pl.col("attributed_date").dt.strftime("%Y-%m"),
        is_reversed=pl.col("entry_id").is_in(reversed_ids["reversal_of_id"].implode()),
        received=pl.when(pl.col("account_kind") == "beneficiary").then(-pl.col("amount")).otherwise(0),
        household=pl.col("party_kind").is_in(HOUSEHOLD_KINDS) & (pl.col("account_kind") == "beneficiary"),
        gender_group=pl.col("gender").fill_null("unrecorded"),
    ).drop("entry_county", "entry_trust")


def in_scope(lines: pl.DataFrame, *, county: str | None = None, program: str | None = None,
             trust: str | None = None, period: str | None = None) -> pl.DataFrame:
    """Filter enriched lines by report dimensions; `period` matches the cell's period as a prefix ("2026"
    takes "2026" and "2026-03"), so a filtered report is made of whole cells of the full one."""
    out = lines
    if county:
        out = out.filter(pl.col("county") == county)
    if program:
        out = out.filter(pl.col("program") == program)
    if trust:
        out = out.filter(pl.col("trust") == trust)
    if period:
        out = out.filter(pl.col("period").str.starts_with(period))
    return out


def trial_balance(lines: pl.DataFrame) -> pl.DataFrame:
    """Per account: debits, credits and the balance on its normal side. Sums of all columns balance."""
    return (
        lines.group_by("account_id", "account_code", "account_kind", "currency")
        .agg(
            debits=pl.col("amount").clip(lower_bound=0).sum(),
            credits=(-pl.col("amount")).clip(lower_bound=0).sum(),
            net=pl.col("amount").sum(),
        )
        .with_columns(balance=pl.when(pl.col("account_kind") == "source").then(pl.col("net")).otherwise(-pl.col("net")))
        .sort("account_code")
    )


def entry_legs(lines: pl.DataFrame) -> pl.DataFrame:
    """One row per (entry, debited account, credited account) with the amount moved between them.
    Multi-leg entries are split pro rata-free: each credit is matched to the entry's largest debit."""
    debits = (
        lines.filter(pl.col("amount") > 0)
        .sort(["entry_id", "amount", "posting_id"], descending=[False, True, False])
        .group_by("entry_id", maintain_order=True).agg(
            source_account=pl.col("account_code").first(), source_kind=pl.col("account_kind").first())
    )
    credits = lines.filter(pl.col("amount") < 0)
    return credits.join(debits, on="entry_id", how="inner").with_columns(moved=-pl.col("amount"))


def node_label(kind: pl.Expr, code: pl.Expr, party_kind: pl.Expr, village: pl.Expr) -> pl.Expr:
    """Nodes are accounts, except households, which are grouped by village so none is named."""
    return (
        pl.when(party_kind.is_in(HOUSEHOLD_KINDS))
        .then(pl.lit("households of village ") + village.cast(pl.String).fill_null("unknown"))
        .otherwise(code)
    )


def flows(lines: pl.DataFrame, by: str | None = None) -> pl.DataFrame:
    """Source -> destination links with amounts, optionally split by a dimension (a Sankey's input)."""
    legs = entry_legs(lines).with_columns(
        target=node_label(pl.col("account_kind"), pl.col("account_code"), pl.col("party_kind"), pl.col("village_id")),
        source=pl.col("source_account"),
    )
    keys = ([by] if by else []) + ["source", "target"]
    return (
        legs.group_by(keys).agg(amount=pl.col("moved").sum(), entries=pl.col("entry_id").n_unique())
        .filter(pl.col("amount") != 0).sort(keys)
    )


def cell_sums(lines: pl.DataFrame, dims: list[str] = DIMENSIONS) -> pl.DataFrame:
    """The money and patrol figures per combination of `dims` (pass [] for the grand total), without
    the household counts: every figure here is a sum, so the sums of two ranges of the journal add up."""
    # Summed by the database (reports/grain.py): patrol figures are on rows of their own, counted once.
    summed = "patrol_days" in lines.columns
    effort_cols = ["patrol_days", "incidents"] if summed else ["entry_id", "kind", "m_patrol_days", "m_incidents"]
    src = lines.select(*dims, "effective_kind", "account_kind", "amount", "party_kind",
                       "gender_group", "received", "household", *effort_cols).with_columns(
        money_in=pl.when(pl.col("account_kind") == "source").then(pl.col("amount")).otherwise(0),
        money_out=pl.when(pl.col("account_kind").is_in(OUT_KINDS)).then(-pl.col("amount")).otherwise(0),
        to_communities=pl.when(pl.col("party_kind") == "community").then(pl.col("received")).otherwise(0),
        to_households=pl.when(pl.col("household")).then(pl.col("received")).otherwise(0),
        to_organisations=pl.when(pl.col("party_kind") == "organisation").then(pl.col("received")).otherwise(0),
        stipends=pl.when(pl.col("effective_kind") == "stipend").then(pl.col("received")).otherwise(0),
    )
    if summed:
        stipend_entries = src
        patrol = [pl.col("patrol_days").sum(), pl.col("incidents").sum()]
    else:
        stipend_entries = src.filter(pl.col("effective_kind") == "stipend").unique("entry_id").with_columns(
            sign=pl.when(pl.col("kind") == "reversal").then(-1).otherwise(1))
        patrol = [(pl.col("m_patrol_days").fill_null(0) * pl.col("sign")).sum().alias("patrol_days"),
                  (pl.col("m_incidents").fill_null(0) * pl.col("sign")).sum().alias("incidents")]
    aggs = [
        pl.col("money_in").sum(), pl.col("money_out").sum(), pl.col("to_communities").sum(),
        pl.col("to_households").sum(), pl.col("to_organisations").sum(), pl.col("stipends").sum(),
    ]
    aggs += [pl.col("to_households").filter(pl.col("gender_group") == g).sum().alias(f"to_households_{g}")
             for g in GENDERS]
    if dims:
        out = src.group_by(dims).agg(aggs).join(stipend_entries.group_by(dims).agg(patrol), on=dims, how="left",
                                                nulls_equal=True)
    else:
        out = pl.concat([src.select(aggs), stipend_entries.select(patrol)], how="horizontal")
    return out.with_columns(pl.col("patrol_days", "incidents").fill_null(0).cast(pl.Int64))


def cells(lines: pl.DataFrame, dims: list[str] = DIMENSIONS) -> pl.DataFrame:
    """The transparency figures per combination of `dims` (pass [] for the grand total)."""
    return with_counts(cell_sums(lines, dims), net_households(lines, dims), dims, HOUSEHOLD_COUNTS).select(
        *dims, *CELL_FIGURES).sort(dims or "money_in")


CELL_FIGURES = ["money_in", "money_out", "to_communities", "to_households", "to_organisations", "stipends",
                "households", *(f"households_{g}" for g in GENDERS), *(f"to_households_{g}" for g in GENDERS),
                "patrol_days", "incidents"]
HOUSEHOLD_COUNTS = ["households", *(f"households_{g}" for g in GENDERS)]


def with_counts(sums: pl.DataFrame, counts: pl.DataFrame, keys: list[str], names: list[str]) -> pl.DataFrame:
    """Each group's sums with its household counts (0 where none counts)."""
    if keys:
        out = sums.join(counts.select(*keys, *names), on=keys, how="left", nulls_equal=True)
    else:
        out = pl.concat([sums, counts.select(names)], how="horizontal")
    return out.with_columns(pl.col(names).fill_null(0).cast(pl.Int64))


def net_households(lines: pl.DataFrame, dims: list[str]) -> pl.DataFrame:
    """Households per group of `dims` (and per gender) whose net receipts in the group are positive:
    a household whose only payment was reversed does not count (docs: figures net of corrections)."""
    per = (
        lines.select(*dims, "party_id", "gender_group", "received", "household")  # narrow first: a filter copies
        .filter(pl.col("household"))
        .group_by([*dims, "party_id", "gender_group"]).agg(net=pl.col("received").sum())
        .filter(pl.col("net") > 0)
    )
    counts = [pl.len().cast(pl.Int64).alias("households")]
    counts += [(pl.col("gender_group") == g).sum().cast(pl.Int64).alias(f"households_{g}") for g in GENDERS]
    return per.group_by(dims).agg(counts) if dims else per.select(counts)


VILLAGE_KEYS = ["county", "village_id", "village_division"]


def village_lines(lines: pl.DataFrame) -> pl.DataFrame:
    """What villages (their committees and their households) received."""
    return (lines.select(*VILLAGE_KEYS, "account_kind", "party_id", "gender_group", "received", "household")
            .filter(pl.col("village_id").is_not_null() & (pl.col("account_kind") == "beneficiary")))


def village_sums(lines: pl.DataFrame) -> pl.DataFrame:
    return village_lines(lines).group_by(VILLAGE_KEYS).agg(received=pl.col("received").sum())


def by_village(lines: pl.DataFrame) -> pl.DataFrame:
    """Money received per village (its committee and its households), with net household counts."""
    return (with_counts(village_sums(lines), net_households(village_lines(lines), VILLAGE_KEYS), VILLAGE_KEYS,
                        ["households"]).sort("county", "village_id"))


def month_sums(lines: pl.DataFrame, dims: list[str] | None = None) -> pl.DataFrame:
    """Money in and out per month (of the entry, or of the entry a reversal corrects), per `dims` too."""
    keys = [*(dims or []), "month"]
    return lines.select(*keys, "account_kind", "amount").with_columns(
        money_in=pl.when(pl.col("account_kind") == "source").then(pl.col("amount")).otherwise(0),
        money_out=pl.when(pl.col("account_kind").is_in(OUT_KINDS)).then(-pl.col("amount")).otherwise(0),
    ).group_by(keys).agg(pl.col("money_in").sum(), pl.col("money_out").sum())


def by_month(lines: pl.DataFrame, dims: list[str] | None = None) -> pl.DataFrame:
    """Money in and out per month, per `dims` too, with the households paid in it (money out comes
    from them, so the month is protected)."""
    keys = [*(dims or []), "month"]
    return with_counts(month_sums(lines, dims), net_households(lines, keys), keys, ["households"]).sort(keys)


def statement_lines(lines: pl.DataFrame, benefit_account_id: int) -> pl.DataFrame:
    """Every credit (and reversal debit) to one party's benefits account, oldest first by date, with a
    running total."""
    return (
        lines.filter(pl.col("account_id") == benefit_account_id)
        .sort("effective_date", "sequence", "posting_id")
        .select(
            "sequence", "entry_id", "effective_date", "effective_kind", "kind", "memo", "m_rule", "program",
            "period", "m_patrol_days", "m_agreement_id", "m_agreement_version", "m_payment_id", "hash",
            "is_reversed", amount=-pl.col("amount"),
        )
        .with_columns(running_total=pl.col("amount").cum_sum())
    )


def reconciliation_status(reversed_: pl.Expr, reconciled: pl.Expr, bank: pl.Expr) -> pl.Expr:
    """Where a paid-out entry stands: reversed, reconciled, paid out (a bank reference), or waiting for one."""
    return (pl.when(reversed_).then(pl.lit("reversed"))
            .when(reconciled.is_in(["true", "1", "yes"])).then(pl.lit("reconciled"))
            .when(bank.is_not_null()).then(pl.lit("paid_out"))
            .otherwise(pl.lit("awaiting_bank_reference")))


def reconciliation(lines: pl.DataFrame) -> pl.DataFrame:
    """Paid-out entries (payments, stipends, disbursements, distributions) by reconciliation status."""
    payouts = lines.filter(pl.col("effective_kind").is_in(["payment", "stipend", "disbursement", "distribution"])
                           & (pl.col("kind") != "reversal"))
    entries = payouts.group_by("entry_id").agg(
        amount=pl.col("amount").clip(lower_bound=0).sum(), kind=pl.col("kind").first(),
        reversed=pl.col("is_reversed").first(), bank=pl.col("m_bank_reference").first(),
        reconciled=pl.col("m_reconciled").first(),
    )
    return (
        entries.with_columns(status=reconciliation_status(pl.col("reversed"), pl.col("reconciled"), pl.col("bank")))
        .group_by("kind", "status").agg(entries=pl.len().cast(pl.Int64), amount=pl.col("amount").sum())
        .sort("kind", "status")
    )
