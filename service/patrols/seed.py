"""Demo: the Yingpanxu bird-patrol team of Suichuan County with three months of logs and paid stipends."""

from __future__ import annotations

from datetime import date, time

from service import money
from service.ledger import service as ledger
from service.ledger.models import AccountKind
from service.patrols import service, stipends
from service.patrols.rules import month_bounds
from service.patrols.schemas import Incidents, LogIn, MemberIn, StipendRuleIn, StipendRunIn, TeamIn
from service.seed import SeedContext

PAIRS = (("YP02", "YP03"), ("YP04", "YP05"), ("YP06", "YP02"))


def _incidents(day: date) -> Incidents:
    """A plausible pattern: nets mostly in the autumn migration, now and then a trap or a report."""
    n = day.toordinal()
    return Incidents(nets_removed=1 if n % 5 == 0 else 0, traps_removed=1 if n % 11 == 0 else 0,
                     poaching_reported=1 if n % 17 == 0 else 0, wildlife_sighted=8 + n % 23)


async def load(ctx: SeedContext) -> None:
    data = ctx.read_json("patrols/suichuan-bird-patrol.json")
    official, approver = ctx.actors["official:360827"], ctx.actors["approver:360827"]
    team = await service.create_team(ctx.session, official, TeamIn(name=data["team"]["name"],
                                                                   village_party_id=ctx.refs[data["team"]["village"]]))
    ctx.refs["patrol-team:yingpanxu"] = team.id
    codes: dict[str, int] = {}
    for m in data["members"]:
        member = await service.add_member(ctx.session, official, team.id, MemberIn(
            party_id=ctx.refs[m["household"]], code=m["code"], role=m.get("role", "member"), joined_on=date(2025, 3, 1)))
        codes[m["code"]] = member.party_id
    fund_spec = data["fund"]
    fund = await ledger.open_account(ctx.session, code=fund_spec["code"], name=fund_spec["name"], kind=AccountKind.FUND,
                                     party_id=ctx.refs.get("suichuan-forestry"), county_code="360827")
    ctx.refs[fund.code] = fund.id
    await ledger.record_entry(ctx.session, kind="funding", actor=ctx.actors["admin"], effective_date=date(2025, 8, 25),
                              legs=ledger.transfer(ctx.refs[fund_spec["from"]], fund.id, money.parse(fund_spec["amount"])),
                              memo="Provincial transfer for bird-patrol stipends 2025",
                              metadata={"county_code": "360827", "period": "2025", "purpose": "bird patrol stipends"})
    for period in data["months"]:
        await _month(ctx, team.id, codes, data["routes"], period, official, approver, last=period == data["months"][-1])
    rule = await stipends.create_rule(ctx.session, official, StipendRuleIn(
        county_code="360827", team_id=team.id, funding_account_id=fund.id, **data["rule"]))
    ctx.refs["stipend-rule:yingpanxu"] = rule.id
    for period in data["paid_months"]:
        run = await stipends.commit(ctx.session, official, StipendRunIn(rule_id=rule.id, period=period))
        await stipends.approve(ctx.session, approver, run.id)


async def _month(ctx, team_id, codes, routes, period, official, approver, last: bool) -> None:
    first, end = month_bounds(period)
    for i, day_no in enumerate(range(1, end.day + 1, 2)):
        day = first.replace(day=day_no)
        route = routes[i % len(routes)]
        night = route["name"].startswith("Night")
        members = [codes["YP01"], *(codes[c] for c in PAIRS[i % len(PAIRS)])]
        log = await service.create_log(ctx.session, official, LogIn(
            team_id=team_id, member_party_ids=members, patrol_date=day,
            start_time=time(19, 0) if night else time(6, 0), end_time=time(23, 0) if night else time(10, 30),
            route_name=route["name"], route_geojson={"type": "LineString", "coordinates": route["line"]},
            distance_km=route["km"], incidents=_incidents(day),
            observations="Mist nets taken down" if _incidents(day).nets_removed else "Routine patrol, no incidents",
        ))
        if last and i == 3:
            await service.reject_log(ctx.session, approver, log.id, "Duplicate of the paper log; entered twice")
        elif not (last and i >= 12):  # the month's last logs still wait for the supervisor
            await service.verify_log(ctx.session, approver, log.id)
