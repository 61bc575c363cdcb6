"""Demo: the Qingshan ecotourism revenue-sharing agreement (village, cooperative, NGO, county), two
versions, a year of revenue and three quarterly distribution runs (seed/trusts/ecotourism_sharing.json).
Runs after the trusts loader, which registers the Qingshan parties and the Yuhang official."""

from __future__ import annotations

from service.seed import SeedContext
from service.shares import service as shares
from service.shares.schemas import AgreementIn, DistributionIn, RevenueIn, StakeholderIn, VersionIn

DATA = "trusts/ecotourism_sharing.json"


def _version(ctx: SeedContext, v: dict) -> VersionIn:
    return VersionIn(effective_from=v["effective_from"], note=v["note"], stakeholders=[
        StakeholderIn(party_id=ctx.refs[s["party"]], share_bps=s["share_bps"], role=s["role"]) for s in v["stakeholders"]])


async def load(ctx: SeedContext) -> None:
    spec = ctx.read_json(DATA)["agreement"]
    actor = ctx.actors[spec["by"]]
    first, *later = spec["versions"]
    a = await shares.create_agreement(ctx.session, actor, AgreementIn(
        name=spec["name"], pool_kind=spec["pool_kind"], description=spec["description"], reference=spec["reference"],
        county_code=spec["county_code"], first_version=_version(ctx, first)))
    ctx.refs[spec["key"]] = a.id
    events = [(r["received_on"], 0, r) for r in spec["revenue"]] + [(d["effective_date"], 1, d) for d in spec["distributions"]]
    for v in later:
        events.append((v["effective_from"], -1, v))
    for _, step, e in sorted(events, key=lambda x: (x[0], x[1])):
        if step == -1:
            await shares.add_version(ctx.session, actor, a, _version(ctx, e))
        elif step == 0:
            await shares.add_revenue(ctx.session, actor, a.id, RevenueIn(**e))
        else:
            await shares.distribute(ctx.session, actor, a.id, DistributionIn(**e))
