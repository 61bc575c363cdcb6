"""A group commit asks once whether any of its (user, key) pairs was stored before: a pair counts
only as itself (the same key of another user, or another key of the same user, is new)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service import idempotency

pairs = st.lists(st.tuples(st.integers(1, 3), st.sampled_from(["a", "b", "c", "键-1"])), max_size=6, unique=True)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stored=pairs, asked=pairs.filter(bool))
async def test_a_group_is_new_unless_one_of_its_own_pairs_is_stored(db, stored, asked):
    async with db.writing() as session:
        await session.execute(idempotency.IdempotencyRecord.__table__.delete())
        if stored:
            await idempotency.remember_all(session, [idempotency.record_row(u, k, "f", 201, b"{}") for u, k in stored])
        assert await idempotency.all_new(session, asked) == (not set(asked) & set(stored))
        await session.rollback()
