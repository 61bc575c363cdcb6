"""Reports read from a PostgreSQL streaming replica give, at the same head, the very bytes the primary
gives. Needs a running replica: `.ci/replica` starts one and sets SHANSHUI_TEST_REPLICA_URL."""

from __future__ import annotations

import asyncio
import os

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from service.app import create_app
from service.db import Database
from service.ledger import service as ledger
from service.ledger.models import JournalEntry, RollupPoint
from service.ledger.verify import verify_and_checkpoint
from service.reports import service as reports
from service.settings import Settings
from tests.conftest import TEST_SECRET
from tests.reports.demo import PROGRAM, pay

REPLICA = os.environ.get("SHANSHUI_TEST_REPLICA_URL", "")
pytestmark = pytest.mark.skipif(not REPLICA or not os.environ.get("SHANSHUI_TEST_DATABASE_URL"),
                                reason="needs a PostgreSQL streaming replica (.ci/replica starts one)")


def _replica_of(url: str) -> str:
    """The same database on the replica (the replica copies the whole cluster)."""
    return make_url(REPLICA).set(database=make_url(url).database).render_as_string(hide_password=False)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret=TEST_SECRET, reports_database_url=_replica_of(database_url),
                    full_verify_hours=0)


async def _head(url: str) -> int:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return int((await conn.execute(text("SELECT sequence FROM ledger_head WHERE id = 1"))).scalar() or 0)
    finally:
        await db.dispose()


async def _caught_up(settings: Settings) -> int:
    """Wait (polling, up to a minute) until the replica has replayed the primary's head."""
    want = await _head(settings.database_url)
    for _ in range(600):
        if await _head(settings.reports_database_url) == want:
            return want
        await asyncio.sleep(0.1)
    raise AssertionError("the replica did not catch up with the primary within a minute")


async def test_replica_reports_equal_the_primarys_at_the_same_head(client, demo, auditor, db, settings):
    replica = Database(settings.reports_database_url)
    async with replica.engine.connect() as conn:
        assert (await conn.execute(text("SELECT pg_is_in_recovery()"))).scalar() is True
    await replica.dispose()
    head = await _caught_up(settings)
    hh = demo["refs"]["hh-daitang-2"]
    urls = [f"/api/v1/reports/transparency?as_of_sequence={head}",
            f"/api/v1/reports/transparency?format=csv&as_of_sequence={head}",
            f"/api/v1/reports/audit?as_of_sequence={head}", f"/api/v1/statements/{hh}?as_of_sequence={head}",
            f"/api/v1/reports/open-data/360giving?as_of_sequence={head}"]
    primary_app = create_app(Settings(database_url=settings.database_url, secret=TEST_SECRET, full_verify_hours=0))
    async with AsyncTestClient(app=primary_app) as primary:
        for u in urls:
            reports._CACHE.clear()
            from_replica = await client.get(u, headers=auditor)
            reports._CACHE.clear()
            from_primary = await primary.get(u, headers=auditor)
            assert from_replica.status_code == from_primary.status_code == 200, u
            assert from_replica.content == from_primary.content, u
            assert from_replica.headers["x-ledger-sequence"] == str(head)
            assert from_replica.headers["x-ledger-behind-primary"] == "0"
    # A write through the primary: once replayed, the replica's report moves to the new head.
    async with db.writing() as s:
        a = demo["actors"]
        await pay(s, kind="payment", src=demo["refs"]["fund:360827:eco-compensation"], party_id=hh, amount=4321,
                  by=a["official:360827"], approver=a["approver:360827"], day="2026-06-02", memo="late",
                  county_code="360827", period="2026", program_id=PROGRAM)
    assert await _caught_up(settings) == head + 1
    reports._CACHE.clear()
    r = await client.get("/api/v1/reports/transparency")
    assert r.headers["x-ledger-sequence"] == str(head + 1) and r.headers["x-ledger-primary-sequence"] == str(head + 1)


async def test_the_replica_reads_the_rollup_kept_with_the_primarys_checkpoint(client, demo, auditor, db, settings,
                                                                              monkeypatch):
    """A checkpoint recorded on the primary carries its transparency rollup to the replica (same WAL, same
    transaction): the replica's report from the rollup plus what came after is the primary's full read."""
    checkpoint = await verify_and_checkpoint(db, full=True)
    assert checkpoint.ok
    a, hh = demo["actors"], demo["refs"]["hh-daitang-2"]
    async with db.writing() as s:
        first = await s.scalar(select(JournalEntry.id).where(JournalEntry.kind == "payment").order_by(JournalEntry.id))
        await ledger.reverse(s, first, a["approver:360827"], "wrong household")
        await pay(s, kind="payment", src=demo["refs"]["fund:360827:eco-compensation"], party_id=hh, amount=1111,
                  by=a["official:360827"], approver=a["approver:360827"], day="2026-06-03", memo="after the checkpoint",
                  county_code="360827", period="2026", program_id=PROGRAM)
    head = await _caught_up(settings)
    replica = Database(settings.reports_database_url)
    try:
        async with replica.reading() as s:
            assert await s.scalar(select(RollupPoint.sequence)) == checkpoint.head_sequence
    finally:
        await replica.dispose()
    urls = [f"/api/v1/reports/transparency?as_of_sequence={head}",
            f"/api/v1/reports/transparency?format=csv&as_of_sequence={head}",
            f"/api/v1/reports/transparency?as_of_sequence={checkpoint.head_sequence}"]
    primary_app = create_app(Settings(database_url=settings.database_url, secret=TEST_SECRET, full_verify_hours=0))
    async with AsyncTestClient(app=primary_app) as primary:
        for u in urls:
            reports._CACHE.clear()
            from_replica = await client.get(u, headers=auditor)
            reports._CACHE.clear()
            monkeypatch.setattr(reports, "USE_ROLLUP", False)
            from_primary = await primary.get(u, headers=auditor)
            monkeypatch.setattr(reports, "USE_ROLLUP", True)
            assert from_replica.status_code == from_primary.status_code == 200, u
            assert from_replica.content == from_primary.content, u
