"""Demo: Zhenning honey-plum certificates (GI, green food, organic; one expired, one suspended),
sales and a levy into the Nongran village benefit pool."""

from __future__ import annotations

from datetime import date

from service.auth.models import Role
from service.certifications import sales, service
from service.certifications.models import Status
from service.certifications.schemas import ActionIn, CertificationIn, LevyRuleIn, SaleIn
from service.parties import service as parties
from service.parties.schemas import PartyIn
from service.seed import SeedContext


async def load(ctx: SeedContext) -> None:
    data = ctx.read_json("patrols/zhenning-honey-plum.json")
    county = data["county"]
    code = county["code"]
    official = ctx.actors.setdefault(f"official:{code}", await ctx.user(county["official"], Role.OFFICIAL, county_code=code))
    ctx.actors.setdefault(f"approver:{code}", await ctx.user(county["approver"], Role.APPROVER, county_code=code))
    for item in data["parties"]:
        item = dict(item)
        key = item.pop("key")
        if "parent" in item:
            item["parent_id"] = ctx.refs[item.pop("parent")]
        ctx.refs[key] = (await parties.create(ctx.session, ctx.actors["admin"], PartyIn(**item), ctx.settings.secret)).id
    certs: dict[str, int] = {}
    for c in data["certifications"]:
        cert = await service.create(ctx.session, official, CertificationIn(
            scheme=c["scheme"], certificate_number=c["certificate_number"], issuing_body_party_id=ctx.refs[c["body"]],
            holder_party_id=ctx.refs[c["holder"]], product=c["product"], area_mu=c["area_mu"],
            valid_from=date.fromisoformat(c["valid_from"]), valid_to=date.fromisoformat(c["valid_to"]),
            trace_prefix=c["trace_prefix"]))
        certs[c["key"]] = cert.id
        ctx.refs[f"certification:{c['key']}"] = cert.id
    rule = data["levy_rule"]
    levy = await sales.create_levy_rule(ctx.session, official, LevyRuleIn(
        name=rule["name"], county_code=code, basis_points=rule["basis_points"], village_party_id=ctx.refs[rule["village"]]))
    ctx.refs["pool:nongran"] = levy.pool_account_id
    for s in data["sales"]:
        await sales.record_sale(ctx.session, official, SaleIn(
            certification_id=certs[s["cert"]], quantity=s["quantity"], unit=s["unit"], amount=s["amount"],
            sale_date=date.fromisoformat(s["date"]), buyer=s["buyer"]))
    # Suspensions come after the sales they did not stop.
    for c in data["certifications"]:
        if "suspend" in c:
            await service.act(ctx.session, official, certs[c["key"]], Status.SUSPENDED,
                              ActionIn(reason=c["suspend"]["reason"], effective_on=date.fromisoformat(c["suspend"]["on"])))
