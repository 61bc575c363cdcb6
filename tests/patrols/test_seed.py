"""The demo data loads whole, and tells the story the README promises."""

from __future__ import annotations

from sqlalchemy import func, select

from service import seed as seeding
from service.certifications import service as certs
from service.certifications.models import Certification, EcoProductSale
from service.ledger import service as ledger
from service.ledger.models import JournalEntry
from service.ledger.verify import verify_ledger
from service.patrols.models import PatrolLog, StipendLine, StipendRun


async def test_demo_data_loads(db, settings):
    ctx = await seeding.load(db, settings, progress=lambda _: None)
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(PatrolLog)) == 46
        runs = list((await s.execute(select(StipendRun))).scalars())
        assert [(r.period, r.status) for r in runs] == [("2025-09", "approved"), ("2025-10", "approved")]
        assert await s.scalar(select(func.count()).where(StipendLine.amount_minor == 80000)) >= 2  # the leader is capped
        statuses = {c.trace_prefix: certs.status_of(c) for c in (await s.execute(select(Certification))).scalars()}
        assert statuses["ZNFTL-GF21-5344-"] == "expired" and statuses["ZNFTL-GF24-5901-"] == "suspended"
        assert statuses["ZNFTL-GI-"] == "active"
        assert all(sale.levy_entry_id for sale in (await s.execute(select(EcoProductSale))).scalars())
        pool = await ledger.balance(s, ctx.refs["pool:nongran"])
        assert pool.posted == 387645  # 2% of 193,822.50 CNY, sale by sale
        assert await s.scalar(select(func.count()).where(JournalEntry.kind == "stipend")) > 0
        assert (await verify_ledger(s)).ok
