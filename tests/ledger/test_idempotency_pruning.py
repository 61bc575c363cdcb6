"""A long-running server forgets old Idempotency-Keys on a schedule, not only when it starts."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from service.app import create_app
from service.db import utcnow
from service.idempotency import IdempotencyRecord
from tests.helpers import funded_account, open_account, post_entry


async def _keys(db) -> set[str]:
    async with db.reading() as s:
        return set((await s.execute(select(IdempotencyRecord.key))).scalars())


async def test_old_keys_are_pruned_while_the_server_runs(settings, app, db, token_for):
    admin = await token_for("admin")
    app = create_app(replace(settings, idempotency_prune_seconds=0.05))
    async with AsyncTestClient(app=app) as client:
        fund, _ = await funded_account(client, admin, "10.00")
        payee = await open_account(client, admin, kind="beneficiary")
        for key in ("old", "fresh"):
            r = await post_entry(client, admin, [(fund, "1.00"), (payee["id"], "-1.00")], key=key)
            assert r.status_code == 201, r.text
        async with db.writing() as s:  # the start-up prune is long past: age one key beyond the 48 hours
            await s.execute(update(IdempotencyRecord).where(IdempotencyRecord.key == "old")
                            .values(created_at=utcnow() - timedelta(hours=49)))
        for _ in range(600):  # each pass is one pruning period; stop as soon as the key is gone
            if "old" not in await _keys(db):
                break
            await asyncio.sleep(0.05)
        assert await _keys(db) == {"fresh"}
        pruner = app.state.pruner
    assert pruner.done()  # shutdown stopped it


async def test_the_pruning_period_comes_from_the_settings(monkeypatch):
    from service.settings import Settings

    monkeypatch.setenv("SHANSHUI_IDEMPOTENCY_PRUNE_SECONDS", "120")
    assert Settings().idempotency_prune_seconds == 120
    monkeypatch.delenv("SHANSHUI_IDEMPOTENCY_PRUNE_SECONDS")
    assert Settings().idempotency_prune_seconds == 3600
