"""`chain.canonical_many` gives byte for byte what `canonical_bytes` gives, entry by entry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from hypothesis import given, settings
from hypothesis import strategies as st

from service.ledger.chain import canonical_bytes, canonical_many


class Kind(StrEnum):
    A = "a%s"


def _bytes(e: dict, legs: list) -> bytes:
    return canonical_bytes(sequence=e["sequence"], kind=e["kind"], effective_date=e["effective_date"],
                           posted_at=e["posted_at"], memo=e["memo"], metadata=e["metadata"],
                           entered_by=e["entered_by"], approved_by=e.get("approved_by"),
                           reversal_of_id=e.get("reversal_of_id"), postings=legs)


scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.text(max_size=8),
                    st.floats(allow_nan=False), st.sampled_from(["CNY", "%", "%s", "ü", "\"", Kind.A]))
values = st.one_of(scalars, st.lists(scalars, max_size=3), st.dictionaries(st.text(max_size=3), scalars, max_size=3))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["a", "b%s", "rule", "ü"]), values, max_size=4), min_size=1, max_size=6),
       st.booleans(), st.data())
def test_many_entries_encode_as_one_at_a_time(metas, shared_keys, data):
    if shared_keys:  # the batch case: every document with the same keys, some values shared
        keys = sorted(set().union(*metas))
        metas = [{k: m.get(k, metas[0].get(k)) for k in keys} for m in metas]
    now = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    entries, legs = [], []
    for i, meta in enumerate(metas):
        entries.append({"sequence": 100 + i, "kind": data.draw(st.sampled_from(["payment", "ü%d", Kind.A])),
                        "effective_date": date(2026, 1, 1) + timedelta(days=data.draw(st.integers(0, 2))),
                        "posted_at": now + timedelta(microseconds=data.draw(st.integers(0, 2))),
                        "memo": data.draw(st.text(max_size=6)), "metadata": meta,
                        "entered_by": data.draw(st.sampled_from([None, 1, 2])),
                        "approved_by": data.draw(st.sampled_from([None, 3])),
                        "reversal_of_id": data.draw(st.sampled_from([None, 7]))})
        legs.append(data.draw(st.lists(st.tuples(st.integers(1, 5), st.sampled_from(["CNY", "USD"]),
                                                 st.integers(-10**6, 10**6)), min_size=2, max_size=4)))
    assert canonical_many(entries, legs) == [_bytes(e, l) for e, l in zip(entries, legs, strict=True)]


def test_equal_values_that_print_differently_are_not_shared():
    now = datetime(2026, 12, 4, tzinfo=UTC)
    entries = [{"sequence": i, "kind": "k", "effective_date": date(2026, 1, 1), "posted_at": now, "memo": "",
                "metadata": {"x": x, "y": y}, "entered_by": 1} for i, (x, y) in enumerate([(0.0, 1), (-0.0, True)])]
    legs = [[(1, "CNY", 5), (2, "CNY", -5)]] * 2
    assert canonical_many(entries, legs) == [_bytes(e, l) for e, l in zip(entries, legs, strict=True)]
