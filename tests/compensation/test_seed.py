"""The demo data loads whole, covers every payment state, keeps the chain valid, and the sample
spreadsheet a new user uploads passes its dry run."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from service import seed
from service.auth.actor import Actor
from service.compensation import batches
from service.compensation.models import Payment, PaymentStatus
from service.ledger.verify import verify_ledger

SEED = Path(__file__).resolve().parents[2] / "seed" / "compensation"


async def test_demo_data_and_sample_batch(db, settings):
    ctx = await seed.load(db, settings, progress=lambda _: None)
    async with db.reading() as s:
        states = set(await s.scalars(select(Payment.status).distinct()))
        assert states == {st.value for st in PaymentStatus}
        assert await s.scalar(select(func.count()).select_from(Payment)) > 150
        assert (await verify_ledger(s)).ok
        official = ctx.actors["official:360827"]
        for name in ("sample-batch.csv", "sample-batch.xlsx"):
            checked = await batches.check(s, Actor(user_id=official.user_id, name="o", role="official",
                                                   county_code="360827"),
                                          ctx.refs["program:forest-2026"], "2026", name, (SEED / name).read_bytes())
            report = batches.report(checked, dry_run=True)
            assert report.ok and report.rows == 40, report.issues[:3]
