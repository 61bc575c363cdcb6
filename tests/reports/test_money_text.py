"""The column-wise money formatting of the audit's trial balance gives `money.format`'s text exactly."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from service import money
from service.reports.service import fmt_money, fmt_money_rows, money_text

AMOUNTS = st.integers(min_value=-money.MAX_MINOR, max_value=money.MAX_MINOR)


@settings(max_examples=300)
@given(st.lists(st.one_of(AMOUNTS, st.none(), st.sampled_from([0, 1, -1, 9, -9, 10, -10, 99, 100, -100, 101]))),
       st.sampled_from(["CNY", "JPY"]))
def test_money_text_is_money_format(values, currency):
    got = pl.DataFrame({"v": values}, schema={"v": pl.Int64}).select(money_text(pl.col("v"), currency).alias("v"))["v"].to_list()
    assert got == [None if v is None else money.format(v, currency) for v in values]


@given(st.lists(st.tuples(AMOUNTS, AMOUNTS, st.text(max_size=5)), max_size=20))
def test_rows_formatted_column_wise_equal_fmt_money(rows):
    frame = pl.DataFrame(rows, schema={"debits": pl.Int64, "balance": pl.Int64, "account_code": pl.String},
                         orient="row")
    assert fmt_money_rows(frame) == [fmt_money(r) for r in frame.to_dicts()]
