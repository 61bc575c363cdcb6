"""The split rule, directly: required examples and hypothesis-proved invariants."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.allocation import BASIS_POINTS, amounts, split
from service.trusts.rules import headroom, management_fee


def test_a_dime_over_thirds():
    assert amounts(10, [(1, 3333), (2, 3333), (3, 3334)]) == {1: 3, 2: 3, 3: 4}


def test_one_fen_between_equal_halves_goes_to_the_lower_id_every_time():
    for _ in range(20):
        pairs = [(7, 5000), (3, 5000)]
        random.shuffle(pairs)
        assert amounts(1, pairs) == {3: 1, 7: 0}


def test_tie_goes_to_the_larger_share_before_the_lower_id():
    # 3 fen over 1/3 + 2/3 style weights with equal remainders: the larger share wins the fen.
    parts = {p.stakeholder_id: p for p in split(1, [(1, 2500), (2, 2500), (9, 5000)])}
    assert parts[9].amount == 1 and parts[9].remainder_fen


def test_refusals():
    with pytest.raises(ValueError):
        split(-1, [(1, 1)])
    with pytest.raises(ValueError):
        split(1, [])
    with pytest.raises(ValueError):
        split(1, [(1, 0)])
    with pytest.raises(ValueError):
        split(1, [(1, 5000), (1, 5000)])


def shares_summing_to_whole() -> st.SearchStrategy[list[tuple[int, int]]]:
    """Distinct stakeholder ids with positive basis points adding up to exactly 10000."""

    @st.composite
    def build(draw):
        n = draw(st.integers(1, 40))
        cuts = sorted(draw(st.lists(st.integers(1, BASIS_POINTS - 1), min_size=n - 1, max_size=n - 1, unique=True)))
        bounds = [0, *cuts, BASIS_POINTS]
        ids = draw(st.lists(st.integers(1, 10**9), min_size=n, max_size=n, unique=True))
        return [(i, b - a) for i, a, b in zip(ids, bounds, bounds[1:])]

    return build()


@settings(max_examples=300, deadline=None)
@given(amount=st.integers(0, 10**15), shares=shares_summing_to_whole())
def test_parts_sum_to_the_whole_and_stay_within_a_fen(amount, shares):
    parts = split(amount, shares)
    assert sum(p.amount for p in parts) == amount
    for p in parts:
        # |part - amount * bps / 10000| < 1 fen, in integers
        assert abs(p.amount * BASIS_POINTS - amount * p.weight) < BASIS_POINTS
        assert p.amount >= 0


@settings(max_examples=200, deadline=None)
@given(amount=st.integers(0, 10**12), shares=shares_summing_to_whole(), seed=st.integers(0, 2**32))
def test_deterministic_whatever_the_input_order(amount, shares, seed):
    shuffled = list(shares)
    random.Random(seed).shuffle(shuffled)
    assert split(amount, shares) == split(amount, shuffled)


@settings(max_examples=200, deadline=None)
@given(amount=st.integers(0, 10**12), weights=st.lists(st.integers(0, 10**6), min_size=1, max_size=30))
def test_any_weights(amount, weights):
    pairs = [(i, w) for i, w in enumerate(weights)]
    if sum(weights) == 0:
        return
    got = amounts(amount, pairs)
    total = sum(weights)
    assert sum(got.values()) == amount
    assert all(abs(got[i] * total - amount * w) < total for i, w in pairs)


@settings(max_examples=200, deadline=None)
@given(amount=st.integers(1, 10**13), bps=st.integers(0, BASIS_POINTS), minimum=st.integers(0, 10**7))
def test_fee_is_bounded(amount, bps, minimum):
    fee = management_fee(amount, bps, minimum)
    assert 0 <= fee <= amount
    assert fee >= min(amount, minimum)
    if fee not in (minimum, amount):  # neither bound applied: the fee is the rounded percentage
        assert abs(fee * BASIS_POINTS - amount * bps) <= BASIS_POINTS // 2


def test_fee_rounds_half_up():
    assert management_fee(50, 100) == 1  # 0.5 fen rounds up
    assert management_fee(49, 100) == 0
    assert management_fee(100_000_00, 150) == 1500_00


def test_purpose_entitlements_add_up_to_net_contributions():
    room = headroom(1001, [(1, 6000), (2, 3000), (3, 1000)], {1: 500})
    assert sum(r.entitlement for r in room.values()) == 1001
    assert room[1].remaining == room[1].entitlement - 500
