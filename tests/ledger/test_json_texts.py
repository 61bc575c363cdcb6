"""A batch's metadata texts, built from one template, are each entry's canonical JSON (the text the
chain hashes and the full verify reads as stored)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from service.db import canonical_json
from service.ledger.service import json_texts

values = st.one_of(st.none(), st.booleans(), st.integers(), st.text(), st.lists(st.integers(), max_size=3))
keys = st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=5, unique=True)


@given(keys.flatmap(lambda ks: st.lists(st.fixed_dictionaries({k: values for k in ks}), min_size=1, max_size=6)),
       st.booleans())
def test_texts_are_canonical_json(docs: list[dict], share_first: bool) -> None:
    if share_first:  # the common case: the same objects in every document (a batch's program, period)
        docs = [{**d, **{k: docs[0][k] for k in list(docs[0])[:1]}} for d in docs]
    assert json_texts(docs) == [canonical_json(d) for d in docs]


def test_documents_of_different_shapes_and_percent_signs() -> None:
    docs = [{"memo": "50% 遂川", "n": 1}, {"memo": "50% 遂川", "n": 2}, {"other": "%s"}]
    assert json_texts(docs) == [canonical_json(d) for d in docs]
    assert json_texts(docs[:2]) == [canonical_json(d) for d in docs[:2]]
