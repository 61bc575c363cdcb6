"""What was published stays as published: the database refuses an UPDATE or a DELETE of a signed head or
of a published leaf (triggers of migration 0012, on SQLite and PostgreSQL), while publishing the next
head still appends."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.helpers import funded_account

EDITS = ["UPDATE signed_heads SET root_hash = :h", "DELETE FROM signed_heads",
         "UPDATE published_leaves SET leaf_hash = :h", "DELETE FROM published_leaves"]


async def _rows(db) -> tuple[list, list]:
    async with db.reading() as s:
        heads = (await s.execute(text("SELECT id, tree_size, root_hash, signed, head_hash FROM signed_heads"
                                      " ORDER BY id"))).all()
        leaves = (await s.execute(text("SELECT sequence, leaf_hash FROM published_leaves ORDER BY sequence"))).all()
    return heads, leaves


@pytest.mark.parametrize("sql", EDITS)
async def test_a_published_row_cannot_be_changed_or_deleted(client, db, admin, sql):
    await funded_account(client, admin, "25.00")
    r = await client.post("/api/v1/roots", json={}, headers={**admin, "Idempotency-Key": "publish-1"})
    assert r.status_code == 201, r.text
    before = await _rows(db)
    assert before[0] and before[1]
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.engine.begin() as conn:
            await conn.execute(text(sql), {"h": "f" * 64})
    assert await _rows(db) == before
    await funded_account(client, admin, "5.00")  # appending goes on: the next head is published
    r = await client.post("/api/v1/roots", json={}, headers={**admin, "Idempotency-Key": "publish-2"})
    assert r.status_code == 201 and r.json()["previous_head_hash"] == before[0][0].head_hash, r.text
