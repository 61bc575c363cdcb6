"""Demo data: invented households, four programs modelled on the Jiangxi cases, and payments in
every state, written through the same functions the API uses (batches included)."""

from __future__ import annotations

import io
from datetime import date

import polars as pl

from service.compensation import batches, funding, reconcile
from service.compensation import service as comp
from service.compensation.schemas import BudgetSourceIn, FundingIn, PaymentIn, ProgramIn
from service.db import utcnow
from service.parties import service as parties
from service.parties.models import PartyKind
from service.parties.schemas import PartyIn
from service.seed import SeedContext

FOREST_VILLAGES = {"yingpanxu": "营盘圩村", "zuoan": "左安村", "daitang": "戴家埔村"}


def _day(iso: str) -> date:
    return min(date.fromisoformat(iso), utcnow().date())  # a paid date is never in the future


async def load(ctx: SeedContext) -> None:
    households = ctx.read_json("compensation/households.json")
    for h in households:
        party = await parties.create(ctx.session, ctx.actors["admin"], PartyIn(
            kind=PartyKind.HOUSEHOLD, name=h["name"], parent_id=ctx.refs[h["village"]], gender=h["gender"],
            age_band=h["age_band"], id_number=h["id_number"], bank_account_tail=h["bank_account_tail"],
            household_size=h["household_size"]), ctx.settings.secret)
        ctx.refs[h["key"]] = party.id
    # Jiangxi's provincial transfers: from now on its counties record their budget receipts themselves.
    await funding.register_source(ctx.session, ctx.actors["admin"], BudgetSourceIn(
        province_code="36", account_id=ctx.refs["source:jiangxi-finance"]))
    programs = {}
    for spec in ctx.read_json("compensation/programs.json"):
        actor = ctx.actors[spec["official"]]
        program = await comp.create_program(ctx.session, actor, ProgramIn(**spec["program"]))
        entered = await funding.fund_program(ctx.session, actor, program, FundingIn(
            source_account_id=ctx.refs[spec["fund_from"]], amount=spec["funding"], effective_date=date(2026, 2, 1),
            memo=f"2026 allocation to {program.name}"))
        await funding.approve(ctx.session, ctx.actors[spec["official"].replace("official", "approver")], entered.id)
        programs[spec["key"]] = program
        ctx.refs[f"program:{spec['key']}"] = program.id
    await _forest(ctx, programs["forest-2026"], households)
    await _yongxiu(ctx, programs, households)


async def _forest(ctx: SeedContext, program, households) -> None:
    """Suichuan: one committed batch (approved, mostly paid, one reversed), plus single entries."""
    official, approver = ctx.actors["official:360827"], ctx.actors["approver:360827"]
    rows = [h for h in households if h["village"] in FOREST_VILLAGES and not h["in_sample_batch"]]
    batch_rows, single = rows[:-6], rows[-6:]
    frame = pl.DataFrame({"village": [FOREST_VILLAGES[h["village"]] for h in batch_rows],
                          "household_head": [h["name"] for h in batch_rows],
                          "id_tail": [h["id_number"][-4:] for h in batch_rows],
                          "area_mu": [h["forest_mu"] for h in batch_rows]})
    buf = io.BytesIO()
    frame.write_csv(buf)
    checked = await batches.check(ctx.session, official, program.id, "2026", "2026-forest-first-round.csv", buf.getvalue())
    rep = await batches.commit(ctx.session, official, checked, date(2026, 4, 1))
    await batches.approve_batch(ctx.session, approver, rep.batch_id)  # type: ignore[arg-type]
    payments = await comp.list_payments(ctx.session, official, limit=1000, offset=0, batch_id=rep.batch_id)
    for p in payments[:-10]:
        await comp._set_paid(ctx.session, official, p, f"JXNX2026041{p.id:05d}", _day("2026-04-16"))
    await comp.reverse(ctx.session, official, payments[-1].id, "area double-counted with the neighbouring plot")
    for i, h in enumerate(single):  # pending, rejected, approved
        p = await comp.create_payment(ctx.session, official, PaymentIn(
            program_id=program.id, payee_party_id=ctx.refs[h["key"]], period="2026", area_mu=h["forest_mu"],
            effective_date=date(2026, 5, 6)))
        if i in (0, 1):
            await comp.reject(ctx.session, approver, p.id, "forest area not yet confirmed by the township survey")
        elif i in (2, 3):
            await comp.approve(ctx.session, approver, p.id)


async def _yongxiu(ctx: SeedContext, programs, households) -> None:
    official, approver = ctx.actors["official:360425"], ctx.actors["approver:360425"]
    islanders = [h for h in households if h["village"] in ("wucheng", "songmen")][:10]
    paid = []
    for i, h in enumerate(islanders):
        payee = ctx.refs[h["key"]]
        grant = await comp.create_payment(ctx.session, official, PaymentIn(
            program_id=programs["relocation-household"].id, payee_party_id=payee, period="2025",
            effective_date=date(2026, 2, 10), memo="island relocation grant"))
        per_person = await comp.create_payment(ctx.session, official, PaymentIn(
            program_id=programs["relocation-person"].id, payee_party_id=payee, period="2025",
            persons=h["household_size"], effective_date=date(2026, 2, 10)))
        if i < 8:
            for p in (grant, per_person):
                await comp.approve(ctx.session, approver, p.id)
                if i < 6:
                    await comp._set_paid(ctx.session, official, p, f"YXRC202603{p.id:06d}", _day("2026-03-05"))
                    paid.append(p)
    fishers = [h for h in households if h["village"] == "xiaohu"][:12]
    for month in ("2026-01", "2026-02", "2026-03"):
        for i, h in enumerate(fishers):
            p = await comp.create_payment(ctx.session, official, PaymentIn(
                program_id=programs["fishing-ban"].id, payee_party_id=ctx.refs[h["key"]], period=month, months=1,
                effective_date=date(2026, int(month[-2:]), 25)))
            if month != "2026-03":
                await comp.approve(ctx.session, approver, p.id)
                if i < 10:
                    await comp._set_paid(ctx.session, official, p, f"YXYZ{month.replace('-', '')}{p.id:06d}",
                                         _day(f"{month}-28"))
                    paid.append(p)
    # A bank statement for the relocation grants: one amount keyed wrong at the bank, one line unknown.
    lines = [(p.bank_reference, p.paid_on.isoformat(), f"{p.amount // 100}.{p.amount % 100:02d}")
             for p in paid if p.bank_reference and p.paid_on and p.bank_reference.startswith("YXRC")]
    lines[0] = (lines[0][0], lines[0][1], "3000.00")
    lines.append(("YXRC-UNKNOWN-1", lines[0][1], "1200.00"))
    text = "reference,date,amount\n" + "".join(f"{r},{d},{a}\n" for r, d, a in lines)
    await reconcile.run(ctx.session, official, "yongxiu-bank-statement-2026-03.csv", text.encode(), None)
