"""Demo: Shanshui Fund No.1 (善水基金1号), a Qingshan-style water-fund trust with five kinds of
settlors and a year of contributions, fees and disbursements (seed/trusts/shanshui_fund_no1.json)."""

from __future__ import annotations

from datetime import date

from service.auth.models import Role
from service.parties import service as parties
from service.parties.schemas import PartyIn
from service.seed import SeedContext
from service.trusts import service as trusts
from service.trusts.schemas import AllocationIn, ContributionIn, DisbursementIn, SettlorIn, TrustIn

DATA = "trusts/shanshui_fund_no1.json"


async def load(ctx: SeedContext) -> None:
    data = ctx.read_json(DATA)
    admin = ctx.actors["admin"]
    o = data["official"]
    if o["key"] not in ctx.actors:
        ctx.actors[o["key"]] = await ctx.user(o["name"], Role.OFFICIAL, county_code=o["county_code"])
    for item in data["parties"]:
        item = dict(item)
        key = item.pop("key")
        if key in ctx.refs:
            continue
        if "parent" in item:
            item["parent_id"] = ctx.refs[item.pop("parent")]
        ctx.refs[key] = (await parties.create(ctx.session, admin, PartyIn(**item), ctx.settings.secret)).id
    spec = data["trust"]
    r = ctx.refs
    trust = await trusts.create_trust(ctx.session, admin, TrustIn(
        name=spec["name"], purpose=spec["purpose"], trustee_party_id=r[spec["trustee"]],
        division_code=spec["division_code"], agreement_reference=spec["agreement_reference"],
        agreement_signed_on=spec["agreement_signed_on"], starts_on=spec["starts_on"], ends_on=spec["ends_on"],
        fee_bps=spec["fee_bps"], fee_minimum=spec["fee_minimum"],
        settlors=[SettlorIn(party_id=r[s["party"]], category=s["category"]) for s in spec["settlors"]],
        beneficiaries=[r[b] for b in spec["beneficiaries"]],
        allocations=[AllocationIn(key=a["key"], name=a["name"], share_bps=a["share_bps"],
                                  beneficiary_party_id=r.get(a.get("beneficiary", ""))) for a in spec["allocations"]],
    ))
    ctx.refs[spec["key"]] = trust.id
    trustee = await ctx.user(spec["trustee_user"], Role.TRUSTEE, trust_id=trust.id)
    ctx.actors[f"trustee:{trust.id}"] = ctx.actors["trustee:shanshui-fund-1"] = trustee
    # Replay the year in date order, as the trustee recorded it.
    events = [(date.fromisoformat(c["received_on"]), 0, c) for c in data["contributions"]]
    events += [(date.fromisoformat(d["paid_on"]), 1, d) for d in data["disbursements"]]
    for _, is_payment, e in sorted(events, key=lambda x: (x[0], x[1])):
        if is_payment:
            await trusts.disburse(ctx.session, trustee, trust.id, DisbursementIn(
                purpose=e["purpose"], amount=e["amount"], paid_on=e["paid_on"], reference=e["reference"],
                memo=e["memo"], beneficiary_party_id=r.get(e.get("beneficiary", ""))))
        else:
            await trusts.contribute(ctx.session, trustee, trust.id, ContributionIn(
                settlor_party_id=r[e["settlor"]], amount=e["amount"], received_on=e["received_on"],
                reference=e["reference"], memo=e["memo"]))
