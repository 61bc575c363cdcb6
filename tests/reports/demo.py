"""Demo-style data for report tests: the real seed loader, then payments, stipends and a village payment
carrying the metadata the domains will write (docs/reports.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from service import seed as seeding
from service.auth.actor import Actor
from service.db import Database
from service.ledger import service as ledger
from service.parties.service import benefit_account_id
from service.settings import Settings

PROGRAM = "P-360827-forest-2026"


async def pay(session, *, kind: str, src: int, party_id: int, amount: int, by: Actor, approver: Actor | None,
              day: str, memo: str, **meta: Any):
    dst = await benefit_account_id(session, party_id)
    entry = await ledger.record_entry(
        session, kind=kind, legs=ledger.transfer(src, dst, amount), actor=by, effective_date=date.fromisoformat(day),
        memo=memo, metadata=meta, pending=approver is not None,
    )
    if approver is not None:
        await ledger.post_pending(session, entry.id, approver)
    return entry


async def load_demo(db: Database, settings: Settings) -> dict[str, Any]:
    ctx = await seeding.load(db, settings, progress=lambda _: None, only=("core",))
    refs, actors = ctx.refs, ctx.actors
    off, appr = actors["official:360827"], actors["approver:360827"]
    yoff, yappr = actors["official:360425"], actors["approver:360425"]
    async with db.writing() as s:
        fund = refs["fund:360827:eco-compensation"]
        yfund = refs["fund:360425:eco-compensation"]
        households = [k for k in refs if k.startswith("hh-") and ("daitang" in k or "zuoan" in k)]
        for i, key in enumerate(sorted(households)):
            mu = 1000 + 37 * i  # 10.00 mu + ...
            amount = 3450 * mu // 100
            await pay(s, kind="payment", src=fund, party_id=refs[key], amount=amount, by=off, approver=appr,
                      day="2026-04-15", memo="Public-welfare forest compensation 2026",
                      county_code="360827", period="2026", program_id=PROGRAM, payee_party_id=str(refs[key]),
                      rule=f"34.50 CNY per mu per year x {mu / 100:.2f} mu", rule_max="2000.00",
                      program_area="360827", program_period_start="2026-01-01", program_period_end="2026-12-31")
        await pay(s, kind="payment", src=fund, party_id=refs["daitang"], amount=500000, by=off, approver=appr,
                  day="2026-05-02", memo="Village forest protection grant", county_code="360827", period="2026",
                  program_id=PROGRAM, payee_party_id=str(refs["daitang"]), rule="lump sum per village 5000.00 CNY")
        for i, key in enumerate(sorted(k for k in households if "daitang" in k)):
            days = 10 + i
            await pay(s, kind="stipend", src=fund, party_id=refs[key], amount=8000 * days, by=off, approver=appr,
                      day="2026-05-31", memo="Bird patrol stipend May 2026", county_code="360827", period="2026-05",
                      member_party_id=str(refs[key]), patrol_days=days, incidents=i % 2, stipend_run_id="run-1",
                      rule=f"80.00 CNY per verified patrol-day x {days} days", stipend_cap="2000.00")
        for key in ("hh-wucheng-1", "hh-wucheng-2", "hh-wucheng-3"):
            await pay(s, kind="payment", src=yfund, party_id=refs[key], amount=300000, by=yoff, approver=yappr,
                      day="2026-02-10", memo="Wetland relocation grant", county_code="360425", period="2026",
                      program_id="P-360425-wetland-2026", payee_party_id=str(refs[key]),
                      rule="3000.00 CNY per relocated household")
    return {"refs": refs, "actors": actors}
